"""Flask specifics: no form parsing, the blueprint's prefix and name."""

from __future__ import annotations

import flask
import pytest

from b24botevents import Dispatcher
from b24botevents.contrib.flask import make_blueprint

from .bodies import DOC_BODY, DOC_BOT_ID, FORM
from .recording import Recorder


def test_flask_form_parsing_is_never_triggered(dp: Dispatcher, recorder: Recorder) -> None:
    app = flask.Flask("strict_form_limits")
    # Were request.form parsed, werkzeug would refuse this body with its own 413.
    app.config["MAX_FORM_MEMORY_SIZE"] = 16
    app.register_blueprint(make_blueprint(dp, url="/events"))
    response = app.test_client().post("/events", data=DOC_BODY, content_type=FORM)
    assert (response.status_code, response.get_data()) == (200, b"ok")
    assert recorder.bot_ids == [DOC_BOT_ID]


@pytest.mark.parametrize("url", ["/bitrix24", "/bitrix24/"])
def test_flask_blueprint_prefix_answers_without_redirect(
    dp: Dispatcher, recorder: Recorder, url: str
) -> None:
    app = flask.Flask("prefixed")
    app.register_blueprint(make_blueprint(dp), url_prefix="/bitrix24")
    response = app.test_client().post(url, data=DOC_BODY, content_type=FORM)
    assert response.status_code == 200  # not a 308 to the slashed URL
    assert recorder.bot_ids == [DOC_BOT_ID]


def test_flask_blueprint_name_is_configurable(dp: Dispatcher) -> None:
    app = flask.Flask("two_blueprints")
    app.register_blueprint(make_blueprint(dp, url="/a", name="first"))
    app.register_blueprint(make_blueprint(dp, url="/b", name="second"))
    assert {rule.endpoint for rule in app.url_map.iter_rules()} >= {
        "first.events",
        "second.events",
    }
    client = app.test_client()
    assert client.post("/a", data=DOC_BODY, content_type=FORM).status_code == 200
    assert client.post("/b", data=DOC_BODY, content_type=FORM).status_code == 200
