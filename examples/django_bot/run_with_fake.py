"""Run the Django bot against a fake Bitrix24 on 127.0.0.1, as one command.

``python examples/django_bot/run_with_fake.py`` serves ``b24botevents.testing.FakeBitrix24``
(the portal's REST API and the OAuth server), sets the same ``DJANGO_*`` variables a real
deployment sets (pointed at the fake), loads the project through ``django_bot.wsgi`` and
serves it on a free port with the standard library's WSGI server. Then it plays a user's
session at it over real HTTP: install, a v1 and a v2 message, ``/echo`` (v1) and
``/help`` (v2), and a forged event. It prints what happened and exits 1 unless the bot
answered as it should.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # examples/: the django_bot package

from b24botevents.testing import (
    FORM_CONTENT_TYPE,
    FakeBitrix24,
    Portal,
    app_install_body,
    sample_body,
)

CLIENT_ID = "local.django.example"
CLIENT_SECRET = "django-example-secret"  # noqa: S105 - the fake app's, made up
WAIT = 10.0  # seconds for each answer, at most


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


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
    fake = FakeBitrix24(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    portal = Portal.random(domain="django-demo.bitrix24.com")
    fake.add_portal(portal)
    ok = True

    def step(what: str, status: int, expected: int, answered: int | None = None) -> None:
        nonlocal ok
        replied = answered is None or _wait(lambda: len(fake.messages) >= answered)
        print(f"{what}: {status}" + ("" if replied else " (no answer)"))
        ok = ok and status == expected and replied

    with tempfile.TemporaryDirectory() as workdir, fake.serve() as fake_url:
        os.environ.update(
            DJANGO_SECRET_KEY=secrets.token_hex(32),
            DJANGO_BOT_CLIENT_ID=CLIENT_ID,
            DJANGO_BOT_CLIENT_SECRET=CLIENT_SECRET,
            DJANGO_BOT_PUBLIC_URL="https://bot.example.com/bitrix24/events",
            DJANGO_BOT_DATABASE=str(Path(workdir) / "portals.sqlite3"),
            DJANGO_BOT_OAUTH_TOKEN_URL=f"{fake_url}/oauth/token/",
            DJANGO_BOT_OAUTH_SERVER_URL=f"{fake_url}/oauth/rest/",
            DJANGO_BOT_PORTAL_URL=fake_url,
        )
        # django_bot.wsgi sets up Django (the settings read the variables above) first.
        from django_bot import wsgi
        from django_bot.chatbot import bot

        server = make_server(
            "127.0.0.1", 0, wsgi.application, server_class=_Server, handler_class=_Quiet
        )
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_port}/bitrix24/events"
        try:
            step("the app is installed", _post(url, app_install_body(portal=portal)), 200)
            registered = _wait(
                lambda: (
                    any(b.code == bot.BOT_CODE for b in fake.bots)
                    and sorted(command.command for command in fake.commands) == ["echo", "help"]
                )
            )
            print(f"  its bot and its /echo and /help are registered: {registered}")
            ok = ok and registered
            v1 = sample_body("ONIMBOTMESSAGEADD", portal=portal)
            step('a user writes "Hello" (v1)', _post(url, v1), 200, answered=1)
            v2 = sample_body("ONIMBOTV2MESSAGEADD", portal=portal)
            step('a user writes "Hello bot!" (v2)', _post(url, v2), 200, answered=2)
            echo_v1 = sample_body("ONIMCOMMANDADD", portal=portal)  # "/echo test"
            step("a user sends /echo test (v1)", _post(url, echo_v1), 200, answered=3)
            help_v2 = sample_body("ONIMBOTV2COMMANDADD", portal=portal)  # "/help topic"
            step("a user sends /help (v2)", _post(url, help_v2), 200, answered=4)
            forged = sample_body("ONIMBOTMESSAGEADD", portal=portal.with_application_token())
            step("a forged event (another token)", _post(url, forged), 403)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(WAIT)
            bot.close()
    print()
    print("What the bot did on the portal:")
    for call in fake.calls:
        print(f"  {call.method} -> {call.status}")
    said = [message.text for message in fake.messages]
    print("What the bot said:")
    for text in said:
        print(f"  {text}")
    expected = ['Got it: "Hello". Try /help.', 'Got it: "Hello bot!". Try /help.', "test", bot.HELP]
    ok = ok and said == expected and len(fake.calls_to("imbot.v2.Bot.register")) == 1
    print()
    print("The Django bot works." if ok else "The Django bot did NOT answer as expected.")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
