"""``b24botevents listen``: a local receiver that prints every event and every refusal.

Owns how the command's options become a dispatcher (which verification, which token
store, which limits), what it says when it starts and stops, and running the receiver
on the stdlib server (``WSGIApp`` on ``wsgiref``) or on uvicorn (``ASGIApp``). When its
stdout is closed (``listen | head``) it stops as on Ctrl-C, quietly, with status 141.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any

from b24botevents import Dispatcher, Limits, MemoryPortalStore, PortalStore, SQLitePortalStore
from b24botevents.contrib.asgi import ASGIApp
from b24botevents.contrib.wsgi import WSGIApp

from .display import Printer, printing_dispatcher, reasons_printed, silence_stdout
from .receiver import (
    STOP_GRACE_SECONDS,
    PrintingASGI,
    PrintingWSGI,
    Stop,
    install_stop_signals,
    quiet_cancelled_requests,
    restore_signals,
    serve_until_stopped,
    stdlib_server,
)

__all__ = ["STDOUT_CLOSED", "cmd_listen"]

#: The exit status once stdout is closed: 128 + SIGPIPE, as a shell reports a command
#: that a closed pipe stopped.
STDOUT_CLOSED = 141

#: Says where the receiver listens, on which server, and how it verifies: (url, server).
Announce = Callable[[str, str], None]


class _Stdout:
    """Where the receiver's lines go. Once the reader of stdout has gone away, lines go
    nowhere and ``stop`` (set once the server runs) ends the receiver, as Ctrl-C does."""

    def __init__(self) -> None:
        self.closed = False
        self.stop: Callable[[], None] = lambda: None

    def emit(self, text: str) -> None:
        if self.closed:
            return
        try:
            print(text, file=sys.stdout, flush=True)
        except BrokenPipeError:
            self.closed = True
            silence_stdout()
            # Off this thread: stopping waits for the serving loop, which may be the caller's.
            threading.Thread(target=self.stop, name="b24botevents-stop", daemon=True).start()


def _portal_store(spec: str | None) -> PortalStore | None:
    if spec is None:
        return None
    kind, _, rest = spec.partition(":")
    if kind == "memory" and not rest:
        return MemoryPortalStore()
    if kind == "sqlite" and rest:
        return SQLitePortalStore(rest)
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
            {"portal_store": _portal_store(args.store)},
            f"verification: SQLite portal store {args.store[7:]} - portals are learnt from "
            "ONAPPINSTALL and kept",
            False,
        )
    return (
        {"portal_store": _portal_store(args.store or "memory")},
        "verification: in-memory portal store - portals are learnt from ONAPPINSTALL and "
        "forgotten on exit (--store sqlite:PATH keeps them, --token T fixes one, "
        "--no-verify turns checking off)",
        False,
    )


def cmd_listen(args: argparse.Namespace) -> int:
    """The ``listen`` command: run a local receiver and print what arrives."""
    out = _Stdout()
    try:
        dp_kwargs, verification, unverified = _verification(args)
    except ValueError as exc:
        print(f"b24botevents listen: {exc}", file=sys.stderr)
        return 2
    if args.max_body_bytes is not None:
        dp_kwargs["limits"] = Limits(max_body_bytes=args.max_body_bytes)
    printer = Printer(out.emit, json_output=args.json)
    dp = printing_dispatcher(Dispatcher(name="listen", **dp_kwargs), printer)
    store = dp_kwargs.get("portal_store")

    def announce(url: str, server: str) -> None:
        _announce(printer, url, server, verification, unverified)

    try:
        with reasons_printed(printer):
            if args.server == "uvicorn":
                status = _serve_uvicorn(args, dp, printer, announce, out)
            else:
                status = _serve_stdlib(args, dp, printer, announce, out)
        return STDOUT_CLOSED if out.closed else status
    finally:
        dp.close(timeout=5.0)
        if isinstance(store, SQLitePortalStore):
            store.close()


def _announce(printer: Printer, url: str, server: str, verification: str, unverified: bool) -> None:
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


def _cannot_listen(args: argparse.Namespace, exc: OSError) -> int:
    print(f"b24botevents listen: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
    return 1


def _serve_stdlib(
    args: argparse.Namespace, dp: Dispatcher, printer: Printer, announce: Announce, out: _Stdout
) -> int:
    try:
        server = stdlib_server(args.host, args.port, PrintingWSGI(WSGIApp(dp), printer))
    except OSError as exc:
        return _cannot_listen(args, exc)
    out.stop = server.shutdown
    host, port = server.server_address[:2]
    url = f"http://{_url_host(str(host))}:{port}/"
    serve_until_stopped(server, lambda: announce(url, "stdlib"))
    printer.line("stopped")
    return 0


def _serve_uvicorn(
    args: argparse.Namespace, dp: Dispatcher, printer: Printer, announce: Announce, out: _Stdout
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
        return _cannot_listen(args, exc)
    host, port = sock.getsockname()[:2]
    app = PrintingASGI(ASGIApp(dp, shutdown_timeout=5.0), printer)
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="on",
        # Like the stdlib server: a stop answers requests in flight, but not forever.
        timeout_graceful_shutdown=STOP_GRACE_SECONDS,
    )
    server = uvicorn.Server(config)

    def stop() -> None:
        server.should_exit = True

    out.stop = stop
    previous = install_stop_signals()
    try:
        announce(f"http://{_url_host(str(host))}:{port}/", "uvicorn")
        with quiet_cancelled_requests():
            server.run(sockets=[sock])
    except (KeyboardInterrupt, Stop):
        pass  # uvicorn shut down gracefully, then re-raised the signal it caught
    finally:
        sock.close()
        restore_signals(previous)
    printer.line("stopped")
    return 0


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
