"""Run the Flask bot against a fake Bitrix24 on 127.0.0.1, as one command.

``python examples/flask_bot/run_with_fake.py`` serves ``b24botevents.testing.FakeBitrix24``
(the portal's REST API and the OAuth server), builds the app with ``create_app`` from the
same ``FLASK_BOT_*`` settings a real deployment sets (pointed at the fake), serves it with
werkzeug (the server of ``flask run``) and plays a user's session at it over real HTTP:
install, a v1 and a v2 message, ``/help``, a forged event, and a restart of the app on
the same SQLite file. It prints what happened and exits 1 unless the bot answered as it
should.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # examples/: the flask_bot package

from b24botevents.testing import (
    FORM_CONTENT_TYPE,
    FakeBitrix24,
    Portal,
    app_install_body,
    sample_body,
)
from flask_bot.app import BOT_CODE, EVENTS_PATH, HELP, Bot, Settings, create_app

CLIENT_ID = "local.flask.example"
CLIENT_SECRET = "flask-example-secret"  # noqa: S105 - the fake app's, made up
WAIT = 10.0  # seconds for each answer, at most


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@contextmanager
def _served(settings: Settings) -> Iterator[str]:
    """The app from ``create_app(settings)`` on a free port; closed at exit."""
    app = create_app(settings)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}{EVENTS_PATH}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(WAIT)
        bot: Bot = app.extensions["flask_bot"]
        bot.close()


def _post(url: str, body: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - our own 127.0.0.1 URL
        url, data=body.encode(), headers={"Content-Type": FORM_CONTENT_TYPE}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=WAIT) as answer:  # noqa: S310
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


def _wait(done: Callable[[], bool]) -> bool:
    """Background mode answers before the handlers run: wait for their effect, bounded."""
    deadline = time.monotonic() + WAIT
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def main() -> int:
    # The bot's and the library's log lines, in line with the session (none shows a token).
    logging.basicConfig(stream=sys.stdout, format="  [log] %(name)s: %(message)s")
    logging.getLogger("flask_bot").setLevel(logging.INFO)
    fake = FakeBitrix24(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    portal = Portal.random(domain="flask-demo.bitrix24.com")
    fake.add_portal(portal)
    help_v2 = sample_body("ONIMBOTV2COMMANDADD", portal=portal)  # "/help topic"
    forged = sample_body("ONIMBOTV2MESSAGEADD", portal=portal.with_application_token())
    ok = True

    def step(what: str, status: int, expected: int, answered: int | None = None) -> None:
        nonlocal ok
        replied = answered is None or _wait(lambda: len(fake.messages) >= answered)
        print(f"{what}: {status}" + ("" if replied else " (no answer)"))
        ok = ok and status == expected and replied

    with tempfile.TemporaryDirectory() as workdir, fake.serve() as fake_url:
        settings = Settings.from_env(
            {
                "FLASK_BOT_CLIENT_ID": CLIENT_ID,
                "FLASK_BOT_CLIENT_SECRET": CLIENT_SECRET,
                "FLASK_BOT_PUBLIC_URL": f"https://bot.example.com{EVENTS_PATH}",
                "FLASK_BOT_DATABASE": str(Path(workdir) / "portals.sqlite3"),
                "FLASK_BOT_OAUTH_TOKEN_URL": f"{fake_url}/oauth/token/",
                "FLASK_BOT_OAUTH_SERVER_URL": f"{fake_url}/oauth/rest/",
                "FLASK_BOT_PORTAL_URL": fake_url,
            }
        )
        with _served(settings) as url:
            step("the app is installed", _post(url, app_install_body(portal=portal)), 200)
            registered = _wait(
                lambda: (
                    any(bot.code == BOT_CODE for bot in fake.bots)
                    and [command.command for command in fake.commands] == ["help"]
                )
            )
            print(f"  its bot and its /help are registered: {registered}")
            ok = ok and registered
            v1 = sample_body("ONIMBOTMESSAGEADD", portal=portal)
            step('a user writes "Hello" (v1)', _post(url, v1), 200, answered=1)
            v2 = sample_body("ONIMBOTV2MESSAGEADD", portal=portal)
            step('a user writes "Hello bot!" (v2)', _post(url, v2), 200, answered=2)
            step("a user sends /help (v2)", _post(url, help_v2), 200, answered=3)
            step("a forged event (another token)", _post(url, forged), 403)
        # A new process on the same file: the portal's record was read back from SQLite.
        with _served(settings) as url:
            again = sample_body("ONIMBOTMESSAGEADD", portal=portal)
            step('after a restart, "Hello" again (v1)', _post(url, again), 200, answered=4)
    print()
    print("What the bot did on the portal:")
    for call in fake.calls:
        print(f"  {call.method} -> {call.status}")
    said = [message.text for message in fake.messages]
    print("What the bot said:")
    for text in said:
        print(f"  {text}")
    expected = ["You wrote: Hello", "You wrote: Hello bot!", HELP, "You wrote: Hello"]
    ok = ok and said == expected and len(fake.calls_to("imbot.v2.Bot.register")) == 1
    print()
    print("The Flask bot works." if ok else "The Flask bot did NOT answer as expected.")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
