"""``b24botevents demo``: the ``listen`` receiver in-process, with Bitrix24 played at it.

Owns the demo's script (the requests, each with the status it must get), posting them
over real HTTP to a receiver on a free port, and narrating what each produced. Exit 1
if any request did not get its expected status.
"""

from __future__ import annotations

import argparse
import http.client
import threading

from b24botevents import Dispatcher, MemoryPortalStore
from b24botevents.contrib.wsgi import WSGIApp
from b24botevents.testing import (
    FORM_CONTENT_TYPE,
    Portal,
    app_install_body,
    app_uninstall_body,
    app_update_body,
    bot_delete_body,
    event_body,
    sample_body,
)

from .display import Printer, clean, printing_dispatcher, reasons_printed
from .receiver import PrintingWSGI, stdlib_server

__all__ = ["cmd_demo"]


def _demo_portal() -> Portal:
    return Portal.random(domain="demo.bitrix24.com")


def _demo_steps(portal: Portal) -> list[tuple[str, str, int]]:
    """(what it shows, body, expected status) for every demo request."""
    wrong = portal.with_application_token()
    malformed = event_body(
        "ONIMBOTDELETE",
        {"BOT_ID": "not-a-number", "BOT_CODE": "BOT"},
        portal.auth(refresh_token=False),
    )
    return [
        (
            "ONAPPINSTALL: the app is installed; the receiver learns the portal's token",
            app_install_body(portal=portal, version="1.0.0"),
            200,
        ),
        (
            "ONIMBOTDELETE (v1): a bot is deleted; data[BOT_ID], data[BOT_CODE]",
            bot_delete_body(567, "BOT", version=1, portal=portal),
            200,
        ),
        (
            "ONIMBOTV2DELETE (v2): data[bot][...]; the envelope has only domain + token",
            bot_delete_body(456, "support_bot", version=2, portal=portal, with_user_tokens=False),
            200,
        ),
        (
            "ONAPPUPDATE: a new app version is installed",
            app_update_body(portal=portal, version="1.1.0", previous_version="1.0.0"),
            200,
        ),
        (
            "ONIMBOTMESSAGEADD (v1): a message to the bot, typed as BotMessageAddEvent",
            sample_body("ONIMBOTMESSAGEADD", portal=portal),
            200,
        ),
        (
            "a forged ONIMBOTDELETE signed with the WRONG application_token",
            bot_delete_body(567, "BOT", version=1, portal=wrong),
            403,
        ),
        (
            "a malformed ONIMBOTDELETE: data[BOT_ID] is not a number",
            malformed,
            400,
        ),
        (
            "ONAPPUNINSTALL: the app is removed; the receiver forgets the token",
            app_uninstall_body(portal=portal, clean=True),
            200,
        ),
        (
            "ONIMBOTDELETE again, after the uninstall: the portal is unknown now",
            bot_delete_body(567, "BOT", version=1, portal=portal),
            403,
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


def _introduce(url: str, steps: int, portal: Portal) -> None:
    print("b24botevents demo")
    print("=================")
    print(f"A local receiver (what `b24botevents listen` runs) is listening on {url}.")
    print(f"This demo plays Bitrix24: it POSTs {steps} events to it over real HTTP, each")
    print("built exactly as Bitrix24 builds it (PHP http_build_query form data), for a")
    print(f"made-up portal, {portal.domain}.")
    print("The receiver checks auth[application_token] on every event: it learns the token")
    print("from ONAPPINSTALL, refuses forged (403) and malformed (400) requests, and forgets")
    print("the token at ONAPPUNINSTALL. Tokens never appear here: the receiver masks them.")
    print()


def _play(port: int, steps: list[tuple[str, str, int]], lines: list[str]) -> int:
    """Post every step and show its answer and what the receiver printed; the failures."""
    failures = 0
    for number, (what, body, expected) in enumerate(steps, 1):
        status, answer = _post(port, body)
        ok = status == expected
        failures += not ok
        print(f"[{number}/{len(steps)}] {what}")
        verdict = "as expected" if ok else f"UNEXPECTED: wanted {expected}"
        print(f"      answer:   {status} {clean(answer, 200)}  ({verdict})")
        for text in _take(lines):
            print(f"      receiver: {text}")
    return failures


def cmd_demo(args: argparse.Namespace) -> int:
    portal = _demo_portal()
    lines: list[str] = []
    printer = Printer(lines.append)
    dp = printing_dispatcher(Dispatcher(portal_store=MemoryPortalStore(), name="demo"), printer)
    server = stdlib_server("127.0.0.1", 0, PrintingWSGI(WSGIApp(dp), printer))
    port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, name="b24botevents-demo", daemon=True)
    steps = _demo_steps(portal)
    try:
        with reasons_printed(printer):
            thread.start()
            _introduce(f"http://127.0.0.1:{port}/bitrix24/events", len(steps), portal)
            try:
                failures = _play(port, steps, lines)
            finally:
                server.shutdown()
                server.server_close()
                thread.join(timeout=10)
    finally:
        dp.close(timeout=5.0)
    print()
    if failures:
        print(f"{failures} of {len(steps)} requests did not get the expected status.")
        return 1
    print(f"All {len(steps)} requests got the expected status.")
    print("Next: `b24botevents listen` receives your own events; `b24botevents sample CODE`")
    print("prints a body to post to it; docs/testing.md shows how to test your handlers.")
    return 0


def _take(lines: list[str]) -> list[str]:
    """Take (and clear) what the receiver printed so far."""
    taken = list(lines)
    del lines[: len(taken)]
    return taken
