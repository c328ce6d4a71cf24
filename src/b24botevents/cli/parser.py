"""The ``b24botevents`` command's arguments, and ``main``, which runs the chosen command.

Owns the option names, their help texts and checks (``argparse`` types), and the exit
statuses: 0 ok, 1 failure, 2 usage or bad input, 130 interrupted, 141 stdout closed
(its reader went away: ``b24botevents sample X | head -c1``; 128 + SIGPIPE, what a shell
reports for a command a closed pipe stopped), without a traceback. What argparse prints
(usage errors, ``--help``) has the command line's secrets masked: the values of
``poll --webhook``/``--bot-token`` and any webhook URL's secret.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from b24botevents import __version__
from b24botevents.rest.config import MAX_BOT_TOKEN, WebhookAuth

from .demo import cmd_demo
from .display import masked, silence_stdout
from .listen import STDOUT_CLOSED, cmd_listen
from .parse_sample import cmd_parse, cmd_sample
from .poll import ENV_BOT_TOKEN, ENV_WEBHOOK, REST_EXTRA, cmd_poll, hidden_arguments

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = ["build_parser", "main"]


class _Parser(argparse.ArgumentParser):
    """argparse, with every secret of the command line masked in what it prints (usage
    errors, ``--help``): ``hidden`` (shared with the subcommands' parsers) and any webhook
    URL's secret (``display.masked``)."""

    def __init__(self, *args: Any, hidden: list[str] | None = None, **kwargs: Any) -> None:
        self.hidden: list[str] = hidden if hidden is not None else []
        super().__init__(*args, **kwargs)

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        super()._print_message(masked(message, self.hidden) if message else message, file)


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


def _limit(text: str) -> int:
    return _bounded_int(text, "a number of events", 1, 1000, " (1-1000)")


def _interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds (0 or more), got {text!r}")
    return value


def _webhook(text: str) -> str:
    """An inbound webhook URL; the error never repeats it (it holds the secret)."""
    try:
        WebhookAuth(text)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(
            "expected an inbound webhook URL, https://<portal>/rest/<user>/<secret>/ "
            "(not shown here: it holds a secret)"
        ) from None
    return text


def _bot_token(text: str) -> str:
    if not 0 < len(text) <= MAX_BOT_TOKEN or not text.isprintable():
        raise argparse.ArgumentTypeError(
            f"expected 1-{MAX_BOT_TOKEN} printable characters (not shown here: it is a secret)"
        )
    return text


def _offset_spec(text: str) -> str:
    """The shape of an offset store spec (``open_offset_store`` opens it); the error does
    not repeat it: a Redis URL may hold a password."""
    scheme, colon, rest = text.partition(":")
    if (
        (scheme == "memory" and not rest)
        or (scheme == "sqlite" and colon and rest)
        or (scheme in ("redis", "rediss", "unix") and rest.startswith("//"))
    ):
        return text
    raise argparse.ArgumentTypeError(
        "expected memory:, sqlite:PATH, redis://HOST[:PORT][/DB], rediss://... or unix://PATH"
    )


def _command(
    commands: argparse._SubParsersAction[_Parser],
    name: str,
    run: Callable[[argparse.Namespace], int],
    help: str,
    description: str,
    hidden: list[str],
) -> _Parser:
    """Add the subcommand ``name``, which ``main`` runs as ``run(args)``."""
    command = commands.add_parser(name, help=help, description=description, hidden=hidden)
    command.set_defaults(run=run)
    return command


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``b24botevents`` command."""
    return _build()


def _build() -> _Parser:
    hidden: list[str] = []
    parser = _Parser(
        prog="b24botevents",
        description="Typed, verified Bitrix24 chat-bot events: inspect, generate and receive them.",
        epilog="New here? Run `b24botevents demo`.",
        hidden=hidden,
    )
    parser.add_argument("-V", "--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    parse = _command(
        commands,
        "parse",
        cmd_parse,
        hidden=hidden,
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
        hidden=hidden,
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
        hidden=hidden,
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
        hidden=hidden,
        help="see the library at work: a local receiver and ten real requests",
        description="Start the `listen` receiver in-process on a free port, post sample "
        "events to it over HTTP and show what each produced. Exits 1 if any request did "
        "not get the expected status.",
    )
    _poll_command(commands, hidden)
    return parser


def _poll_command(commands: argparse._SubParsersAction[_Parser], hidden: list[str]) -> None:
    poll = _command(
        commands,
        "poll",
        cmd_poll,
        hidden=hidden,
        help="fetch a bot's events (fetch mode: imbot.v2.Event.get) and print them",
        description="Poll the queue of a bot registered with eventMode fetch, through an "
        "inbound webhook, and print one line per event (tokens and the webhook's secret "
        "masked). Every event printed is acknowledged: it is not served again. Ctrl-C or "
        "SIGTERM stops after the current event with status 0. Needs the rest extra: "
        f"{REST_EXTRA}.",
    )
    poll.add_argument(
        "--webhook",
        metavar="URL",
        type=_webhook,
        help="the inbound webhook, https://<portal>/rest/<user>/<secret>/ "
        f"(default: ${ENV_WEBHOOK}, which `ps` does not show)",
    )
    poll.add_argument("--bot-id", metavar="N", type=_positive_int, required=True, help="the bot")
    poll.add_argument(
        "--bot-token",
        metavar="T",
        type=_bot_token,
        help=f"the botToken the bot was registered with (default: ${ENV_BOT_TOKEN})",
    )
    poll.add_argument(
        "--offset-store",
        metavar="SPEC",
        type=_offset_spec,
        help="where progress and the bot's lease are kept: memory: (the default, forgotten "
        "on exit), sqlite:PATH or redis://HOST[:PORT][/DB] (the redis extra)",
    )
    poll.add_argument(
        "--limit", metavar="N", type=_limit, default=100, help="events per call (1-1000; 100)"
    )
    poll.add_argument(
        "--idle-interval",
        metavar="S",
        type=_interval,
        default=5.0,
        help="seconds between calls while the queue is empty (default 5; the docs say 5-30)",
    )
    poll.add_argument(
        "--user-events",
        action="store_true",
        help="also fetch the im.v2 user events (withUserEvents; im.v2.Event.subscribe first)",
    )
    poll.add_argument("--json", action="store_true", help="one JSON object per event and line")
    poll.add_argument(
        "--max-events", metavar="N", type=_positive_int, help="stop after N events (status 0)"
    )
    poll.add_argument("--once", action="store_true", help="fetch and handle one page, then stop")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 failure, 2 usage/bad input,
    130 interrupted, 141 stdout closed)."""
    parser = _build()
    parser.hidden.extend(hidden_arguments(sys.argv[1:] if argv is None else argv))
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
