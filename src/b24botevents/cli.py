"""The ``b24botevents`` command line: ``parse``, ``sample``, ``listen`` and ``demo``.

* ``parse`` types one request body and prints it as JSON, secrets masked;
* ``sample`` prints a realistic body for an event code (from the testing kit);
* ``listen`` runs a local receiver (``WSGIApp`` on the stdlib ``wsgiref`` server, or
  ``ASGIApp`` on uvicorn) that prints every verified event and every refused request;
* ``demo`` starts that receiver in-process and plays Bitrix24 against it over HTTP.

This module owns the commands and what they print. Nothing it prints carries a token:
events are shown through ``to_dict(redact=True)`` or a one-line summary without secrets,
and refusals through the dispatcher's response text and log messages, which hold none.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import signal
import socket
import socketserver
import sys
import threading
from collections.abc import Awaitable, Callable, Iterable, MutableMapping, Sequence
from contextvars import ContextVar
from datetime import datetime
from types import FrameType
from typing import Any, NoReturn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from b24botevents import (
    AppInstallEvent,
    AppUninstallEvent,
    AppUpdateEvent,
    B24EventError,
    BotCommandAddEvent,
    BotDeleteEvent,
    BotJoinChatEvent,
    BotMessageAddEvent,
    BotMessageDeleteEvent,
    BotMessageUpdateEvent,
    BotV2CommandAddEvent,
    BotV2DeleteEvent,
    BotV2JoinChatEvent,
    BotV2MessageAddEvent,
    BotV2MessageDeleteEvent,
    BotV2MessageUpdateEvent,
    Dispatcher,
    Event,
    Limits,
    MemoryTokenStore,
    SchemaError,
    SQLiteTokenStore,
    TokenStore,
    UnknownEvent,
    __version__,
    parse_event,
    to_dict,
)
from b24botevents.contrib.asgi import ASGIApp
from b24botevents.contrib.wsgi import WSGIApp
from b24botevents.models import EVENT_TYPES
from b24botevents.testing import (
    FORM_CONTENT_TYPE,
    SAMPLE_CODES,
    Portal,
    app_install_body,
    app_uninstall_body,
    app_update_body,
    bot_delete_body,
    event_body,
    sample_body,
    versioned_code,
)
from b24botevents.wire import parse_form

__all__ = ["build_parser", "describe_event", "event_json", "main"]

_LOG = logging.getLogger("b24botevents")

#: Messages the library logged (warnings and errors) while one request was handled.
_REASONS: ContextVar[list[str] | None] = ContextVar("b24botevents_cli_reasons", default=None)

_SHOWN_CHARS = 120


def _clean(text: str, limit: int = _SHOWN_CHARS) -> str:
    """Text from a request made safe for a terminal: no control characters, bounded."""
    shown = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text[:limit])
    return shown + ("..." if len(text) > limit else "")


def _now() -> str:
    return datetime.now().strftime("%H:%M:%S")


# --------------------------------------------------------------------------------------
# Showing events
# --------------------------------------------------------------------------------------


def event_json(event: Event) -> dict[str, Any]:
    """``{"type": <model class>, "event": <to_dict(redact=True)>}``: what ``parse`` prints."""
    return {"type": type(event).__name__, "event": to_dict(event, redact=True)}


_MESSAGE_EVENTS = (
    BotMessageAddEvent,
    BotMessageUpdateEvent,
    BotMessageDeleteEvent,
    BotCommandAddEvent,
    BotV2MessageAddEvent,
    BotV2MessageUpdateEvent,
    BotV2MessageDeleteEvent,
    BotV2CommandAddEvent,
)


def _details(event: Event) -> list[str]:
    if isinstance(event, (BotDeleteEvent, BotV2DeleteEvent)):
        return [f"bot_id={event.bot_id}", f"bot_code={_clean(event.bot_code, 40)}"]
    if isinstance(event, AppInstallEvent):
        return [f"version={event.data.version}", f"language={event.data.language_id}"]
    if isinstance(event, AppUpdateEvent):
        return [f"version={event.data.version}", f"previous={event.data.previous_version}"]
    if isinstance(event, AppUninstallEvent):
        clean = {True: "yes", False: "no", None: "?"}[event.data.clean]
        return [f"clean={clean}"]
    if isinstance(event, _MESSAGE_EVENTS):
        # Ids only: message text is the users' content, not something to log by default.
        bots = ",".join(str(bot_id) for bot_id in event.bot_ids) or "-"
        return [
            f"dialog={_clean(event.dialog_id or '-', 40)}",
            f"message_id={event.message_id}",
            f"bots={bots}",
        ]
    if isinstance(event, (BotJoinChatEvent, BotV2JoinChatEvent)):
        bots = ",".join(str(bot_id) for bot_id in event.bot_ids) or "-"
        return [f"dialog={_clean(event.dialog_id or '-', 40)}", f"bots={bots}"]
    if isinstance(event, UnknownEvent):
        keys = ", ".join(_clean(str(key), 30) for key in list(event.data)[:8])
        return ["(no model)", f"data: {keys or '-'}"]
    return []


def describe_event(event: Event) -> str:
    """One readable line for an event, with no secret in it.

    ``ONIMBOTDELETE  BotDeleteEvent  portal=x.bitrix24.com  member=bac1cd5c...  bot_id=567
    bot_code=BOT  user_id=27``
    """
    parts = [_clean(event.code, 60), type(event).__name__]
    if event.domain:
        parts.append(f"portal={_clean(event.domain, 80)}")
    if event.member_id:
        member = _clean(event.member_id, 40)
        parts.append(f"member={member[:8]}..." if len(member) > 8 else f"member={member}")
    parts.extend(_details(event))
    if event.auth is not None and event.auth.user_id is not None:
        parts.append(f"user_id={event.auth.user_id}")
    return "  ".join(parts)


class _Printer:
    """Writes receiver lines (events, refusals) through ``emit``, one whole line at a time."""

    def __init__(self, emit: Callable[[str], None], *, json_output: bool = False) -> None:
        self._emit = emit
        self._json = json_output
        self._lock = threading.Lock()

    def line(self, text: str) -> None:
        with self._lock:
            self._emit(text)

    def event(self, event: Event) -> None:
        """The handler ``listen`` registers: one line per verified event (and its JSON)."""
        text = f"{_now()}  {describe_event(event)}"
        if self._json:
            text += "\n" + json.dumps(event_json(event), indent=2, ensure_ascii=False)
        self.line(text)

    def answered(self, status: int, body: bytes, reasons: Sequence[str]) -> None:
        """After each request: nothing for a 200, a "refused" line for anything else."""
        if status == 200:
            return
        text = _clean(body.decode("utf-8", "replace").strip(), 300)
        detail = f" ({'; '.join(_clean(reason, 300) for reason in reasons)})" if reasons else ""
        self.line(f"{_now()}  refused {status}: {text}{detail}")


class _ReasonHandler(logging.Handler):
    """Collects the library's warnings for the request being handled (never a token)."""

    def __init__(self, printer: _Printer) -> None:
        super().__init__(logging.WARNING)
        self._printer = printer

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        bucket = _REASONS.get()
        if bucket is not None:
            bucket.append(message)
        else:
            self._printer.line(f"{_now()}  {record.levelname.lower()}: {_clean(message, 300)}")


def _printing_dispatcher(dp: Dispatcher, printer: _Printer) -> Dispatcher:
    """Register ``printer.event`` for every modelled code and as the unknown fallback."""
    first, *rest = sorted(EVENT_TYPES)
    dp.on(first, *rest)(printer.event)
    dp.on_unknown(printer.event)
    return dp


# --------------------------------------------------------------------------------------
# The receiver: WSGI on wsgiref, or ASGI on uvicorn
# --------------------------------------------------------------------------------------


StartResponse = Callable[..., Any]


class _PrintingWSGI:
    """``WSGIApp`` plus a line for each refused request."""

    def __init__(self, app: WSGIApp, printer: _Printer) -> None:
        self.app = app
        self.printer = printer

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        statuses: list[str] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            statuses.append(status)
            return start_response(status, headers, exc_info)

        bucket: list[str] = []
        token = _REASONS.set(bucket)
        try:
            body = b"".join(self.app(environ, capture))
        finally:
            _REASONS.reset(token)
        self.printer.answered(int(statuses[0].split()[0]), body, bucket)
        return [body]


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class _PrintingASGI:
    """``ASGIApp`` plus a line for each refused request."""

    def __init__(self, app: ASGIApp, printer: _Printer) -> None:
        self.app = app
        self.printer = printer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 0
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
            await send(message)

        bucket: list[str] = []
        token = _REASONS.set(bucket)
        try:
            await self.app(scope, receive, capture)
        finally:
            _REASONS.reset(token)
        self.printer.answered(status, b"".join(chunks), bucket)


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    """wsgiref's server, one thread per request."""

    daemon_threads = True
    # Stopping does not wait for requests in flight: a stalled client cannot hold it up.
    block_on_close = False
    allow_reuse_address = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can hang without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)
        self.setup_environ()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that stalls or hangs up: one line on stderr, not socketserver's traceback.
        error = sys.exc_info()[1]
        what = type(error).__name__ if error is not None else "error"
        print(f"{_now()}  connection from {client_address[0]} dropped: {what}", file=sys.stderr)


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr: the receiver prints its own lines."""

    #: Seconds a client may stall while sending its request.
    timeout = 60

    def log_message(self, format: str, *args: Any) -> None:
        return


def _stdlib_server(host: str, port: int, app: _PrintingWSGI) -> _ThreadingWSGIServer:
    server = _ThreadingWSGIServer((host, port), _QuietHandler)
    server.set_app(app)
    return server


class _Stop(BaseException):
    """Raised in the main thread by SIGINT or SIGTERM: stop serving, cleanly.

    A ``BaseException``, like ``KeyboardInterrupt``: socketserver's request loop catches
    ``Exception`` (and would log it and keep serving).
    """


def _raise_stop(signum: int, frame: FrameType | None) -> NoReturn:
    raise _Stop


def _token_store(spec: str | None) -> TokenStore | None:
    if spec is None:
        return None
    kind, _, rest = spec.partition(":")
    if kind == "memory" and not rest:
        return MemoryTokenStore()
    if kind == "sqlite" and rest:
        return SQLiteTokenStore(rest)
    raise ValueError(f"--store must be sqlite:PATH or memory, got {spec!r}")


def _verification(args: argparse.Namespace) -> tuple[dict[str, Any], str, bool]:
    """Dispatcher arguments, the startup line that explains them, and "is it off"."""
    if args.no_verify:
        return (
            {"verify": False},
            "verification: OFF (--no-verify) - every request is taken as genuine",
            True,
        )
    if args.token:
        count = len(args.token)
        return (
            {"application_token": list(args.token)},
            f"verification: fixed application_token ({count} given with --token)",
            False,
        )
    if args.store and args.store.startswith("sqlite:"):
        return (
            {"token_store": _token_store(args.store)},
            f"verification: SQLite token store {args.store[7:]} - tokens are learnt from "
            "ONAPPINSTALL and kept",
            False,
        )
    return (
        {"token_store": _token_store(args.store or "memory")},
        "verification: in-memory token store - tokens are learnt from ONAPPINSTALL and "
        "forgotten on exit (--store sqlite:PATH keeps them, --token T fixes one, "
        "--no-verify turns checking off)",
        False,
    )


def _cmd_listen(args: argparse.Namespace) -> int:
    out = sys.stdout
    err = sys.stderr

    def emit(text: str) -> None:
        print(text, file=out, flush=True)

    try:
        dp_kwargs, verification, unverified = _verification(args)
    except ValueError as exc:
        print(f"b24botevents listen: {exc}", file=err)
        return 2
    if args.max_body_bytes is not None:
        dp_kwargs["limits"] = Limits(max_body_bytes=args.max_body_bytes)
    printer = _Printer(emit, json_output=args.json)
    dp = _printing_dispatcher(Dispatcher(name="listen", **dp_kwargs), printer)
    store = dp_kwargs.get("token_store")
    reasons = _ReasonHandler(printer)
    _LOG.addHandler(reasons)
    try:
        if args.server == "uvicorn":
            return _serve_uvicorn(args, dp, printer, verification, unverified)
        return _serve_stdlib(args, dp, printer, verification, unverified)
    finally:
        _LOG.removeHandler(reasons)
        dp.close(timeout=5.0)
        if isinstance(store, SQLiteTokenStore):
            store.close()


def _announce(
    printer: _Printer, url: str, server: str, verification: str, unverified: bool
) -> None:
    if unverified:
        print(
            "WARNING: --no-verify: events are NOT verified; anyone who can reach this port "
            "can post events. Use it only on a trusted machine.",
            file=sys.stderr,
            flush=True,
        )
    printer.line(f"b24botevents listen: receiving Bitrix24 events at {url} ({server} server)")
    printer.line(verification)
    printer.line("POST events to any path; press Ctrl-C to stop")


def _serve_stdlib(
    args: argparse.Namespace,
    dp: Dispatcher,
    printer: _Printer,
    verification: str,
    unverified: bool,
) -> int:
    try:
        server = _stdlib_server(args.host, args.port, _PrintingWSGI(WSGIApp(dp), printer))
    except OSError as exc:
        print(
            f"b24botevents listen: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr
        )
        return 1
    host, port = server.server_address[:2]
    previous = _install_stop_signals()
    try:
        _announce(
            printer, f"http://{_url_host(str(host))}:{port}/", "stdlib", verification, unverified
        )
        server.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, _Stop):
        pass
    finally:
        server.server_close()
        _restore_signals(previous)
    printer.line("stopped")
    return 0


def _serve_uvicorn(
    args: argparse.Namespace,
    dp: Dispatcher,
    printer: _Printer,
    verification: str,
    unverified: bool,
) -> int:
    try:
        import uvicorn
    except ImportError:
        print(
            "b24botevents listen: --server uvicorn needs uvicorn: "
            "pip install 'b24botevents[uvicorn]' (or drop --server for the stdlib server)",
            file=sys.stderr,
        )
        return 2
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((args.host, args.port))
        sock.listen(128)  # accept (queue) connections from now on, before uvicorn starts
    except OSError as exc:
        sock.close()
        print(
            f"b24botevents listen: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr
        )
        return 1
    host, port = sock.getsockname()[:2]
    app = _PrintingASGI(ASGIApp(dp, shutdown_timeout=5.0), printer)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    previous = _install_stop_signals()
    try:
        _announce(
            printer, f"http://{_url_host(str(host))}:{port}/", "uvicorn", verification, unverified
        )
        server.run(sockets=[sock])
    except (KeyboardInterrupt, _Stop):
        pass  # uvicorn shut down gracefully, then re-raised the signal it caught
    finally:
        sock.close()
        _restore_signals(previous)
    printer.line("stopped")
    return 0


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _install_stop_signals() -> list[tuple[int, Any]]:
    """Ctrl-C and SIGTERM stop the server, even where a shell started it ignoring SIGINT."""
    if threading.current_thread() is not threading.main_thread():
        return []
    return [(signum, signal.signal(signum, _raise_stop)) for signum in _STOP_SIGNALS]


def _restore_signals(previous: list[tuple[int, Any]]) -> None:
    for signum, handler in previous:
        signal.signal(signum, handler)


# --------------------------------------------------------------------------------------
# parse and sample
# --------------------------------------------------------------------------------------


def _error_text(exc: B24EventError) -> str:
    if isinstance(exc, SchemaError) and len(exc.errors) > 1:
        lines = [f"{type(exc).__name__}: {len(exc.errors)} problems"]
        lines.extend(f"  {path or '(body)'}: {reason}" for path, reason in exc.errors)
        return "\n".join(lines)
    return f"{type(exc).__name__}: {exc}"


def _cmd_parse(args: argparse.Namespace) -> int:
    try:
        if args.file == "-":
            body = sys.stdin.buffer.read()
        else:
            with open(args.file, "rb") as handle:
                body = handle.read()
    except OSError as exc:
        print(f"b24botevents parse: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        event = parse_event(body, content_type=args.content_type)
    except B24EventError as exc:
        print(f"b24botevents parse: {_error_text(exc)}", file=sys.stderr)
        return 2
    print(json.dumps(event_json(event), indent=2, ensure_ascii=False))
    return 0


def _cmd_sample(args: argparse.Namespace) -> int:
    try:
        code = versioned_code(args.code, args.version)
    except ValueError as exc:
        print(f"b24botevents sample: {exc}", file=sys.stderr)
        return 2
    if not code:
        print("b24botevents sample: the event code is empty", file=sys.stderr)
        return 2
    portal = Portal.example()
    overrides = {
        name: value
        for name, value in (
            ("application_token", args.token),
            ("member_id", args.member_id),
            ("domain", args.domain),
        )
        if value
    }
    if overrides:
        portal = portal.evolve(**overrides)
    if code not in SAMPLE_CODES:
        print(f"note: no specific sample for {code}; this is a generic event body", file=sys.stderr)
    body = sample_body(code, portal=portal, with_user_tokens=not args.no_user_tokens)
    if args.json:
        print(json.dumps(parse_form(body), indent=2, ensure_ascii=False))
    else:
        # A pipe gets the exact body (`sample X | curl --data-binary @-`); a terminal, a newline.
        print(body, end="\n" if sys.stdout.isatty() else "")
    return 0


# --------------------------------------------------------------------------------------
# demo
# --------------------------------------------------------------------------------------


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


def _cmd_demo(args: argparse.Namespace) -> int:
    portal = _demo_portal()
    lines: list[str] = []
    printer = _Printer(lines.append)
    dp = _printing_dispatcher(Dispatcher(token_store=MemoryTokenStore(), name="demo"), printer)
    server = _stdlib_server("127.0.0.1", 0, _PrintingWSGI(WSGIApp(dp), printer))
    port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, name="b24botevents-demo", daemon=True)
    reasons = _ReasonHandler(printer)
    _LOG.addHandler(reasons)
    thread.start()
    steps = _demo_steps(portal)
    url = f"http://127.0.0.1:{port}/bitrix24/events"
    print("b24botevents demo")
    print("=================")
    print(f"A local receiver (what `b24botevents listen` runs) is listening on {url}.")
    print(f"This demo plays Bitrix24: it POSTs {len(steps)} events to it over real HTTP, each")
    print("built exactly as Bitrix24 builds it (PHP http_build_query form data), for a")
    print(f"made-up portal, {portal.domain}.")
    print("The receiver checks auth[application_token] on every event: it learns the token")
    print("from ONAPPINSTALL, refuses forged (403) and malformed (400) requests, and forgets")
    print("the token at ONAPPUNINSTALL. Tokens never appear here: the receiver masks them.")
    print()
    failures = 0
    try:
        for number, (what, body, expected) in enumerate(steps, 1):
            status, answer = _post(port, body)
            ok = status == expected
            failures += not ok
            print(f"[{number}/{len(steps)}] {what}")
            verdict = "as expected" if ok else f"UNEXPECTED: wanted {expected}"
            print(f"      answer:   {status} {_clean(answer, 200)}  ({verdict})")
            for text in _take(lines):
                print(f"      receiver: {text}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        _LOG.removeHandler(reasons)
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


# --------------------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number (0-65535), got {text!r}")
    return value


def _store_spec(text: str) -> str:
    kind, _, rest = text.partition(":")
    if text == "memory" or (kind == "sqlite" and rest):
        return text
    raise argparse.ArgumentTypeError(f"expected sqlite:PATH or memory, got {text!r}")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``b24botevents`` command."""
    parser = argparse.ArgumentParser(
        prog="b24botevents",
        description="Typed, verified Bitrix24 chat-bot events: inspect, generate and receive them.",
        epilog="New here? Run `b24botevents demo`.",
    )
    parser.add_argument("-V", "--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    parse = commands.add_parser(
        "parse",
        help="print a request body as its typed event (JSON, secrets masked)",
        description="Read one request body (form data or JSON) and print the typed event as "
        "JSON with every token masked. A body that does not parse exits with status 2.",
    )
    parse.add_argument(
        "file", nargs="?", default="-", help="the body file, or - for stdin (default)"
    )
    parse.add_argument(
        "--content-type",
        metavar="T",
        help="the request's Content-Type (default: JSON if the body starts with '{', else form)",
    )
    parse.set_defaults(run=_cmd_parse)

    sample = commands.add_parser(
        "sample",
        help="print a realistic request body for an event code",
        description="Print the body Bitrix24 would post for CODE, for the published example "
        "portal (or your --token/--member-id/--domain). Unknown codes get a generic body.",
    )
    sample.add_argument("code", metavar="CODE", help="event code, e.g. ONIMBOTDELETE")
    sample.add_argument(
        "--version",
        type=int,
        choices=(1, 2),
        help="chat-bot API version: 2 turns ONIMBOTDELETE into ONIMBOTV2DELETE, and so on",
    )
    sample.add_argument("--token", metavar="T", help="the portal's application_token")
    sample.add_argument("--member-id", metavar="ID", help="the portal's member_id")
    sample.add_argument("--domain", metavar="HOST", help="the portal's domain")
    sample.add_argument(
        "--no-user-tokens",
        action="store_true",
        help="an auth block without user tokens (v2: only domain and application_token)",
    )
    sample.add_argument("--json", action="store_true", help="print the body's tree as JSON")
    sample.set_defaults(run=_cmd_sample)

    listen = commands.add_parser(
        "listen",
        help="receive events locally and print them",
        description="Run a local event handler URL: verify each request like the library's "
        "adapters do (200/400/403/405/413/415) and print every event and every refusal, "
        "tokens masked. By default tokens are learnt from ONAPPINSTALL into memory.",
    )
    listen.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    listen.add_argument("--port", type=_port, default=8000, help="port (default 8000; 0 picks one)")
    how = listen.add_mutually_exclusive_group()
    how.add_argument(
        "--token",
        metavar="T",
        action="append",
        help="accept events signed with this application_token (repeat while rotating)",
    )
    how.add_argument(
        "--store",
        metavar="sqlite:PATH",
        type=_store_spec,
        help="learn tokens from ONAPPINSTALL into an SQLite file (or 'memory', the default)",
    )
    how.add_argument("--no-verify", action="store_true", help="accept every request unverified")
    listen.add_argument(
        "--server",
        choices=("stdlib", "uvicorn"),
        default="stdlib",
        help="stdlib: WSGIApp on wsgiref (default, no extras); uvicorn: ASGIApp on uvicorn",
    )
    listen.add_argument("--json", action="store_true", help="also print each event as JSON")
    listen.add_argument(
        "--max-body-bytes", type=_positive_int, metavar="N", help="refuse larger bodies (413)"
    )
    listen.set_defaults(run=_cmd_listen)

    demo = commands.add_parser(
        "demo",
        help="see the library at work: a local receiver and nine real requests",
        description="Start the `listen` receiver in-process on a free port, post sample "
        "events to it over HTTP and show what each produced. Exits 1 if any request did "
        "not get the expected status.",
    )
    demo.set_defaults(run=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 failure, 2 usage/bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        status: int = args.run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return status
