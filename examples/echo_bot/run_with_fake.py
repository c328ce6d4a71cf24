"""Run the echo bot against a fake Bitrix24 on 127.0.0.1, as one command.

``python examples/echo_bot/run_with_fake.py`` starts ``b24botevents.testing.FakeBitrix24``
(the portal's REST API and the OAuth server), serves the bot from ``bot.py`` on a free
port, and plays a user's session at it over real HTTP: install, a v1 and a v2 message,
``/help``, uninstall. It prints the conversation as the fake portal recorded it and exits
1 if the bot did not answer as it should.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import urllib.request
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bot import HELP, Bot, Settings, make_bot

from b24botevents.contrib.wsgi import WSGIApp
from b24botevents.testing import (
    FORM_CONTENT_TYPE,
    FakeBitrix24,
    Portal,
    app_install_body,
    app_uninstall_body,
    sample_body,
)

CLIENT_ID = "local.echo.example"
V2_MESSAGE = "ONIMBOTV2MESSAGEADD"
CLIENT_SECRET = "echo-example-secret"  # noqa: S105 - the fake app's, made up


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _post(url: str, body: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - our own 127.0.0.1 URL
        url, data=body.encode(), headers={"Content-Type": FORM_CONTENT_TYPE}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        return int(answer.status)


def main() -> int:
    fake = FakeBitrix24(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    portal = Portal.random(domain="echo-demo.bitrix24.com")
    fake.add_portal(portal)
    with tempfile.TemporaryDirectory() as workdir, fake.serve() as portal_url:
        bot = _bot(portal_url, workdir)
        server = make_server("127.0.0.1", 0, WSGIApp(bot.dispatcher), handler_class=_Quiet)
        events = f"http://127.0.0.1:{server.server_port}/events"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            session = [
                ("the app is installed", app_install_body(portal=portal)),
                ('a user writes "Hello" (v1)', sample_body("ONIMBOTMESSAGEADD", portal=portal)),
                (
                    'a user writes "Hello bot!" (v2)',
                    sample_body("ONIMBOTV2MESSAGEADD", portal=portal),
                ),
                ("a user sends /help (v2)", _help_command(portal)),
                ("the app is uninstalled", app_uninstall_body(portal=portal)),
            ]
            statuses = []
            for what, body in session:
                status = _post(events, body)
                statuses.append(status)
                print(f"{what}: {status}")
        finally:
            server.shutdown()
            server.server_close()
            bot.close()
    print()
    print("What the bot did on the portal:")
    for call in fake.calls:
        print(f"  {call.method} -> {call.status}")
    said = [message.text for message in fake.messages]
    print("What the bot said:")
    for text in said:
        print(f"  {text}")
    expected = ["You said: Hello", "You said: Hello bot!", HELP]
    registered = [bot for bot in fake.bots if bot.code == "echo_bot"]
    commands = [command.command for command in fake.commands]
    ok = (
        statuses == [200] * len(statuses)
        and said == expected
        and len(registered) == 1
        and commands == ["help"]
    )
    print()
    print("The echo bot works." if ok else "The echo bot did NOT answer as expected.")
    return 0 if ok else 1


def _bot(portal_url: str, workdir: str) -> Bot:
    settings = Settings(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        public_url="https://bot.example.com/events",
        database=str(Path(workdir) / "echo_bot.db"),
        token_url=f"{portal_url}/oauth/token/",
        server_url=f"{portal_url}/oauth/rest/",
        portal_url=portal_url,
    )
    return make_bot(settings)


def _help_command(portal: Portal) -> str:
    return sample_body("ONIMBOTV2COMMANDADD", portal=portal).replace("%2Fecho", "%2Fhelp")


if __name__ == "__main__":
    raise SystemExit(main())
