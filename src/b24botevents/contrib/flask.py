"""Flask adapter: ``make_blueprint(dp)`` and ``view(dp)`` move bytes to ``Dispatcher.handle``.

This module owns only the Flask plumbing: routing every method to one view (so that the
core answers 405 with ``Allow: POST``, not Flask), handing the WSGI stream to
``read_wsgi_body`` (Flask never parses or buffers it: ``request.form``, ``request.data``
and ``MAX_CONTENT_LENGTH`` are not involved) and turning a ``Response`` into a
``flask.Response``. The flow itself is ``_flow.respond``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from b24botevents.dispatcher import Dispatcher
from b24botevents.response import Response

from ._extras import needs_extra
from ._flow import respond
from .wsgi import read_wsgi_body

with needs_extra(__name__, "Flask", "flask"):
    import flask

__all__ = ["METHODS", "make_blueprint", "to_flask_response", "view"]

#: Every method the rule accepts, so that the core (not Flask) answers all but POST.
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


def to_flask_response(response: Response) -> flask.Response:
    """A core ``Response`` as a ``flask.Response`` (status, body and headers unchanged)."""
    return flask.Response(response.body, status=response.status, headers=list(response.headers))


class _View:
    """The view callable; ``methods`` and ``provide_automatic_options`` are read by Flask's
    ``add_url_rule``, so ``app.add_url_rule(url, view_func=view(dp))`` needs nothing else."""

    methods = METHODS
    provide_automatic_options = False

    def __init__(self, dispatcher: Dispatcher, name: str) -> None:
        self.dispatcher = dispatcher
        self.__name__ = name  # Flask's default endpoint name

    def __repr__(self) -> str:
        return f"<b24botevents Flask view for {self.dispatcher!r}>"

    def __call__(self, **_url_values: object) -> flask.Response:
        return to_flask_response(self.respond())

    def respond(self) -> Response:
        """The core's ``Response`` to the current Flask request."""
        environ = flask.request.environ
        return respond(
            self.dispatcher,
            flask.request.method,
            partial(read_wsgi_body, environ),
            environ.get("CONTENT_TYPE") or None,
        )


def view(dp: Dispatcher, *, name: str = "b24botevents") -> Callable[..., flask.Response]:
    """A Flask view for ``dp``: ``app.add_url_rule("/bitrix24/events", view_func=view(dp))``.

    The view carries ``methods`` (all of ``METHODS``) and ``provide_automatic_options =
    False``, so Flask routes every method to it and the core answers 405 to all but POST.
    ``name`` is the default endpoint name.
    """
    return _View(dp, name)


def make_blueprint(
    dp: Dispatcher, *, url: str = "/", name: str = "b24botevents"
) -> flask.Blueprint:
    """A blueprint with one rule at ``url`` routed to ``view(dp)``; register it on the app.

    The rule ignores a trailing slash (no redirect: the Bitrix24 queue server does not
    follow one), so ``register_blueprint(bp, url_prefix="/bitrix24")`` answers at
    ``/bitrix24`` and ``/bitrix24/``. ``name`` must be unique within the app.
    """
    blueprint = flask.Blueprint(name, __name__)
    blueprint.add_url_rule(
        url,
        endpoint="events",
        view_func=_View(dp, "events"),
        methods=METHODS,
        provide_automatic_options=False,
        strict_slashes=False,
    )
    return blueprint
