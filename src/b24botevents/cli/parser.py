"""The ``b24botevents`` command's arguments, and ``main``, which runs the chosen command.

Owns the option names, their help texts and checks (``argparse`` types), and the exit
statuses: 0 ok, 1 failure, 2 usage or bad input, 130 interrupted, 141 stdout closed
(its reader went away: ``b24botevents sample X | head -c1``; 128 + SIGPIPE, what a shell
reports for a command a closed pipe stopped), without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from b24botevents import __version__

from .demo import cmd_demo
from .display import silence_stdout
from .listen import STDOUT_CLOSED, cmd_listen
from .parse_sample import cmd_parse, cmd_sample

__all__ = ["build_parser", "main"]


def _bounded_int(text: str, what: str, low: int, high: int | None, bounds: str) -> int:
    """``text`` as an int from ``low`` to ``high``, or the usage error that names ``what``."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    if value < low or (high is not None and value > high):
        raise argparse.ArgumentTypeError(f"expected {what}{bounds}, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    return _bounded_int(text, "a positive integer", 1, None, "")


def _port(text: str) -> int:
    return _bounded_int(text, "a port number", 0, 65535, " (0-65535)")


def _store_spec(text: str) -> str:
    kind, _, rest = text.partition(":")
    if text == "memory" or (kind == "sqlite" and rest):
        return text
    raise argparse.ArgumentTypeError(f"expected sqlite:PATH or memory, got {text!r}")


def _command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    run: Callable[[argparse.Namespace], int],
    help: str,
    description: str,
) -> argparse.ArgumentParser:
    """Add the subcommand ``name``, which ``main`` runs as ``run(args)``."""
    command = commands.add_parser(name, help=help, description=description)
    command.set_defaults(run=run)
    return command


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``b24botevents`` command."""
    parser = argparse.ArgumentParser(
        prog="b24botevents",
        description="Typed, verified Bitrix24 chat-bot events: inspect, generate and receive them.",
        epilog="New here? Run `b24botevents demo`.",
    )
    parser.add_argument("-V", "--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    parse = _command(
        commands,
        "parse",
        cmd_parse,
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

    sample = _command(
        commands,
        "sample",
        cmd_sample,
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

    listen = _command(
        commands,
        "listen",
        cmd_listen,
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

    _command(
        commands,
        "demo",
        cmd_demo,
        help="see the library at work: a local receiver and nine real requests",
        description="Start the `listen` receiver in-process on a free port, post sample "
        "events to it over HTTP and show what each produced. Exits 1 if any request did "
        "not get the expected status.",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 failure, 2 usage/bad input,
    130 interrupted, 141 stdout closed)."""
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
        sys.stdout.flush()  # here, not at exit, where a closed pipe would print a traceback
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        silence_stdout()
        return STDOUT_CLOSED
    return status
