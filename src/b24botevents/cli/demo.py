"""``b24botevents demo``: a bot and a fake Bitrix24 on 127.0.0.1, the whole round trip.

Owns the demo's script: Bitrix24 (``testing.FakeBitrix24``, served over real HTTP) posts
events to the bot's receiver (what ``listen`` runs, on a free port), the bot answers
through ``RestClient`` back into the fake portal, and the demo narrates both sides: the
answer to each request, what the receiver saw, and every REST call the bot made (method,
status, the text it sent). Steps include a refresh after ``expired_token``, a 429 waited
out and a forged event refused. Exit 1 if any step did not go as scripted.

Without httpx (the ``[rest]`` extra) the bot cannot answer: the demo says so and plays
the receiving half alone.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import threading
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import attrs

from b24botevents import Dispatcher, MemoryPortalStore
from b24botevents.contrib.wsgi import WSGIApp
from b24botevents.testing import (
    FORM_CONTENT_TYPE,
    Portal,
    app_install_body,
    app_uninstall_body,
    bot_delete_body,
    event_body,
    sample_body,
)

from ._demo_bot import DemoBot, portal_calls
from .display import Printer, clean, printing_dispatcher, reasons_printed
from .receiver import PrintingWSGI, stdlib_server

__all__ = ["cmd_demo"]


@attrs.frozen
class Step:
    """One request of the script: what it shows, the body, the status it must get, what
    the bot must call on the portal (``None``: nothing), and a fault to arm first."""

    what: str
    body: str
    status: int
    replies: tuple[str, ...] = ()
    arm: Callable[[Any], None] | None = None


def _demo_portal() -> Portal:
    return Portal.random(domain="demo.bitrix24.com")


def _expire(fake: Any) -> None:
    fake.expire_tokens()


def _throttle(fake: Any) -> None:
    fake.fail_next(429, "QUERY_LIMIT_EXCEEDED", method="imbot.v2.Chat.Message.send")


def _demo_steps(portal: Portal, *, replies: bool = True) -> list[Step]:
    """Every demo request, in order."""
    wrong = portal.with_application_token()
    malformed = event_body(
        "ONIMBOTDELETE",
        {"BOT_ID": "not-a-number", "BOT_CODE": "BOT"},
        portal.auth(refresh_token=False),
    )

    def answered(*methods: str) -> tuple[str, ...]:
        return methods if replies else ()

    return [
        Step(
            "ONAPPINSTALL: the app is installed; the bot keeps the portal's token and OAuth keys",
            app_install_body(portal=portal, version="1.0.0"),
            200,
        ),
        Step(
            "ONIMBOTMESSAGEADD (v1): a user writes to the bot; it answers with imbot.message.add",
            sample_body("ONIMBOTMESSAGEADD", portal=portal),
            200,
            answered("imbot.message.add"),
        ),
        Step(
            "ONIMBOTV2MESSAGEADD (v2): the same line answers with imbot.v2.Chat.Message.send",
            sample_body("ONIMBOTV2MESSAGEADD", portal=portal),
            200,
            answered("imbot.v2.Chat.Message.send"),
        ),
        Step(
            "ONIMCOMMANDADD (v1): a command; @dp.on_command answers it (imbot.command.answer)",
            sample_body("ONIMCOMMANDADD", portal=portal),
            200,
            answered("imbot.command.answer"),
        ),
        Step(
            "ONIMBOTV2MESSAGEADD, every token expired: expired_token, one refresh, one retry",
            sample_body("ONIMBOTV2MESSAGEADD", portal=portal),
            200,
            answered("imbot.v2.Chat.Message.send", "oauth/token", "imbot.v2.Chat.Message.send"),
            _expire if replies else None,
        ),
        Step(
            "ONIMBOTV2MESSAGEADD, the portal answers 429: the bot waits it out and retries",
            sample_body("ONIMBOTV2MESSAGEADD", portal=portal),
            200,
            answered("imbot.v2.Chat.Message.send", "imbot.v2.Chat.Message.send"),
            _throttle if replies else None,
        ),
        Step(
            "ONIMBOTV2DELETE (v2): a bot is deleted; the envelope has only domain + token",
            bot_delete_body(456, "support_bot", version=2, portal=portal, with_user_tokens=False),
            200,
        ),
        Step(
            "a forged ONIMBOTMESSAGEADD signed with the WRONG application_token: no answer",
            sample_body("ONIMBOTMESSAGEADD", portal=wrong),
            403,
        ),
        Step("a malformed ONIMBOTDELETE: data[BOT_ID] is not a number", malformed, 400),
        Step(
            "ONAPPUNINSTALL: the app is removed; the bot forgets the token and OAuth keys",
            app_uninstall_body(portal=portal, clean=True),
            200,
        ),
    ]


def _post(port: int, body: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "POST",
            "/bitrix24/events",
            body=body.encode(),
            headers={"Content-Type": FORM_CONTENT_TYPE},
        )
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def _introduce(url: str, portal_url: str | None, steps: int, portal: Portal) -> None:
    print("b24botevents demo")
    print("=================")
    print(f"A bot's receiver (what `b24botevents listen` runs) is listening on {url}.")
    if portal_url is not None:
        print(f"A fake Bitrix24 portal, {portal.domain}, answers REST calls on {portal_url}.")
    print(f"This demo plays Bitrix24: it POSTs {steps} events to the bot over real HTTP, each")
    print("built exactly as Bitrix24 builds it (PHP http_build_query form data).")
    print("The bot checks auth[application_token] on every event: it learns the token from")
    print("ONAPPINSTALL, refuses forged (403) and malformed (400) requests, and forgets it at")
    if portal_url is not None:
        print("ONAPPUNINSTALL. It answers messages and commands with one line,")
        print("`client.reply(event, text)`, v1 and v2 alike, through the portal's REST API.")
    else:
        print("ONAPPUNINSTALL. (Install b24botevents[rest] to see the bot answer, too.)")
    print("Tokens never appear here: everything masks them.")
    print()


def _play(port: int, steps: list[Step], lines: list[str], bot: DemoBot | None) -> tuple[int, int]:
    """Post every step; show the answer, what the receiver printed and the REST calls."""
    failures = 0
    for number, step in enumerate(steps, 1):
        seen = bot.mark() if bot is not None else 0
        if step.arm is not None and bot is not None:
            step.arm(bot.fake)
        status, answer = _post(port, step.body)
        problems = []
        if status != step.status:
            problems.append(f"wanted {step.status}")
        calls = portal_calls(bot, seen) if bot is not None else []
        if bot is not None and tuple(call.method for call in calls) != step.replies:
            problems.append(f"wanted the calls {', '.join(step.replies) or 'none'}")
        failures += bool(problems)
        print(f"[{number}/{len(steps)}] {step.what}")
        verdict = "as expected" if not problems else "UNEXPECTED: " + "; ".join(problems)
        print(f"      answer:   {status} {clean(answer, 200)}  ({verdict})")
        for text in _take(lines):
            print(f"      receiver: {text}")
        for call in calls:
            print(f"      portal:   {call.line}")
    return failures, len(steps)


def cmd_demo(args: argparse.Namespace) -> int:
    """The ``demo`` command: play Bitrix24 against an in-process receiver."""
    portal = _demo_portal()
    lines: list[str] = []
    printer = Printer(lines.append)
    store = MemoryPortalStore()
    dp = printing_dispatcher(Dispatcher(portal_store=store, name="demo"), printer)
    with_replies = importlib.util.find_spec("httpx") is not None
    with ExitStack() as stack:
        bot = stack.enter_context(DemoBot.serving(dp, store, portal)) if with_replies else None
        server = stdlib_server("127.0.0.1", 0, PrintingWSGI(WSGIApp(dp), printer))
        port = int(server.server_address[1])
        thread = threading.Thread(target=server.serve_forever, name="b24botevents-demo")
        thread.daemon = True
        steps = _demo_steps(portal, replies=with_replies)
        try:
            with reasons_printed(printer):
                thread.start()
                url = f"http://127.0.0.1:{port}/bitrix24/events"
                _introduce(url, bot.url if bot is not None else None, len(steps), portal)
                try:
                    failures, total = _play(port, steps, lines, bot)
                finally:
                    server.shutdown()
                    server.server_close()
                    thread.join(timeout=10)
        finally:
            dp.close(timeout=5.0)
    print()
    if failures:
        print(f"{failures} of {total} steps did not go as expected.")
        return 1
    print(f"All {total} steps went as expected.")
    print("Next: examples/echo_bot is this bot as a project of its own; `b24botevents listen`")
    print("receives your own events; docs/replies.md shows the REST client and replies.")
    return 0


def _take(lines: list[str]) -> list[str]:
    """Take (and clear) what the receiver printed so far."""
    taken = list(lines)
    del lines[: len(taken)]
    return taken
