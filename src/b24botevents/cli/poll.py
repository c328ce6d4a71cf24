"""``b24botevents poll``: fetch mode from the command line, one line per event.

Owns how the command's options become a ``RestClient`` on an inbound webhook, an offset
store and a ``Poller`` whose router prints every event it is given (``display``), what
it says on stderr when it starts and stops, its signals (the first SIGINT or SIGTERM
stops after the current event, a second one at once) and how a failure ends it: one
line naming the error, with every secret the command knows of masked (``masked``).

Events go to stdout, everything else (start, warnings, the summary) to stderr, so that
``poll --json`` writes nothing but one JSON object per line.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from types import FrameType
from typing import TYPE_CHECKING, Any

from b24botevents import Event, Router
from b24botevents.errors import B24Error, RestError, StoreUnavailable
from b24botevents.fetch import RejectedEvent
from b24botevents.rest.config import WebhookAuth
from b24botevents.stores.offsets import OffsetStore, open_offset_store

from .display import clean, describe_polled, json_line, masked, now, polled_json

if TYPE_CHECKING:
    from b24botevents.poller import Poller, PollerMetrics

__all__ = [
    "ENV_BOT_TOKEN",
    "ENV_WEBHOOK",
    "REST_EXTRA",
    "cmd_poll",
    "hidden_arguments",
    "secrets_of",
    "shown_store",
    "store_secrets",
]

#: Where ``--webhook`` and ``--bot-token`` are read from when they are not given (an
#: argument is visible to every local user in ``ps``; the environment is not).
ENV_WEBHOOK = "B24BOTEVENTS_WEBHOOK"
#: Where ``--bot-token`` is read from (see ``ENV_WEBHOOK``).
ENV_BOT_TOKEN = "B24BOTEVENTS_BOT_TOKEN"  # noqa: S105 (a variable's name, not a token)
#: What to install for ``poll`` (httpx, through the ``rest`` extra).
REST_EXTRA = "pip install 'b24botevents[rest]'"

_PROG = "b24botevents poll"
_LOG = logging.getLogger("b24botevents")
#: The options whose values are secrets (argparse also takes any unambiguous prefix).
_SECRET_OPTIONS = ("--webhook", "--bot-token")
_WEBHOOK_SECRET = re.compile(r"/rest/[^/]*/([^/]+)")


def secrets_of(*texts: str | None) -> list[str]:
    """``texts`` (webhook URLs, bot tokens) and the secret of each webhook URL alone."""
    found = [text for text in texts if text]
    for text in list(found):
        secret = _WEBHOOK_SECRET.search(text)
        if secret:
            found.append(secret.group(1))
    return found


def hidden_arguments(argv: Sequence[str]) -> list[str]:
    """The secrets on a command line: the values of ``--webhook`` and ``--bot-token``
    (any abbreviation argparse accepts, ``--opt V`` or ``--opt=V``), the webhook's
    secret alone, and the same from the environment. Usage errors mask them all."""
    found = [os.environ.get(ENV_WEBHOOK), os.environ.get(ENV_BOT_TOKEN)]
    for index, arg in enumerate(argv):
        name, equals, value = arg.partition("=")
        if len(name) < 3 or not any(option.startswith(name) for option in _SECRET_OPTIONS):
            continue
        if equals:
            found.append(value)
        elif index + 1 < len(argv):
            found.append(argv[index + 1])
    stores = [
        arg.partition("=")[2] if "=" in arg else argv[index + 1] if index + 1 < len(argv) else ""
        for index, arg in enumerate(argv)
        if len(arg.partition("=")[0]) >= 3 and "--offset-store".startswith(arg.partition("=")[0])
    ]
    return [*secrets_of(*found), *(each for spec in stores for each in store_secrets(spec))]


def store_secrets(spec: str | None) -> list[str]:
    """The user info of an offset store URL (``redis://:<password>@host``) and its
    password alone, found as redis-py finds them (after the scheme, up to the last ``@``
    of the authority), whatever characters they hold."""
    if not spec or "://" not in spec:
        return []
    authority = spec.split("://", 1)[1].split("/", 1)[0]
    userinfo, at, _host = authority.rpartition("@")
    if not at or not userinfo:
        return []
    password = userinfo.partition(":")[2]
    return [each for each in (userinfo, password) if each]


def shown_store(spec: str) -> str:
    """An offset store spec as it may be printed: a Redis URL without its password."""
    hidden = store_secrets(spec)
    if hidden:
        scheme, rest = spec.split("://", 1)
        rest = rest.replace(hidden[0] + "@", "***@", 1)
        spec = f"{scheme}://{rest}"
    return masked(spec, hidden)


def _say(text: str, hidden: Sequence[str]) -> None:
    print(f"{_PROG}: {masked(text, hidden)}", file=sys.stderr, flush=True)


class _Output:
    """Prints one line per fetched item (and counts them, for ``--max-events``)."""

    def __init__(self, json_output: bool, max_events: int | None) -> None:
        self.json = json_output
        self.max_events = max_events
        self.count = 0
        self.stop: Callable[[], None] = lambda: None

    def _emit(self, text: str) -> None:
        print(text, file=sys.stdout, flush=True)  # a closed pipe raises: the poller stops
        self.count += 1
        if self.max_events is not None and self.count >= self.max_events:
            self.stop()

    def event(self, event: Event) -> None:
        """The router's catch-all: one line per event (its JSON with ``--json``)."""
        if self.json:
            self._emit(json_line(polled_json(event)))
        else:
            self._emit(f"{now()}  {describe_polled(event)}")

    def rejected(self, item: RejectedEvent) -> None:
        """An item that does not fit its model: one line saying why (the wire path)."""
        reason = f"{type(item.error).__name__}: {item.error}"
        if self.json:
            self._emit(json_line({"event_id": item.event_id, "code": item.code, "error": reason}))
        else:
            code = clean(item.code or "-", 60)
            self._emit(f"{now()}  {code}  rejected  event_id={item.event_id}  {clean(reason, 300)}")


def _on_error(output: _Output) -> Callable[[object, BaseException], None]:
    def on_error(item: object, exc: BaseException) -> None:
        if isinstance(item, RejectedEvent):
            output.rejected(item)  # printed and passed: the poll goes on
            return
        raise exc  # printing failed (a closed stdout): stop before this event

    return on_error


class _Warnings(logging.Handler):
    """The library's warnings (a retried call, a lost lease) on stderr, secrets masked."""

    def __init__(self, hidden: Sequence[str]) -> None:
        super().__init__(logging.WARNING)
        self._hidden = hidden

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = masked(record.getMessage(), self._hidden)
            print(f"{now()}  {record.levelname.lower()}: {clean(message, 300)}", file=sys.stderr)
        except Exception:
            self.handleError(record)


@contextlib.contextmanager
def _warnings_shown(hidden: Sequence[str]) -> Iterator[None]:
    handler = _Warnings(hidden)
    _LOG.addHandler(handler)
    try:
        yield
    finally:
        _LOG.removeHandler(handler)


@contextlib.contextmanager
def _stop_signals(stop: Callable[[], None]) -> Iterator[None]:
    """SIGINT and SIGTERM: the first stops the poller after the current event, a second
    raises ``KeyboardInterrupt`` (exit status 130) for when that takes too long."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    asked = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal asked
        if asked:
            raise KeyboardInterrupt
        asked = True
        stop()

    previous = [(sig, signal.signal(sig, on_signal)) for sig in (signal.SIGINT, signal.SIGTERM)]
    try:
        yield
    finally:
        for sig, handler in previous:
            signal.signal(sig, handler)


def _credentials(args: argparse.Namespace) -> tuple[str | None, str | None]:
    url = args.webhook or os.environ.get(ENV_WEBHOOK) or None
    token = args.bot_token or os.environ.get(ENV_BOT_TOKEN) or None
    return url, token


def cmd_poll(args: argparse.Namespace) -> int:
    """The ``poll`` command: poll an inbound webhook's event queue and print each event."""
    url, token = _credentials(args)
    hidden = [*secrets_of(url, token), *store_secrets(getattr(args, "offset_store", None))]
    try:
        import httpx  # noqa: F401 (only whether it is there)
    except ImportError:
        _say(f"needs the rest extra (httpx): {REST_EXTRA}", hidden)
        return 2
    if url is None:
        _say(f"give the bot's inbound webhook: --webhook URL (or set {ENV_WEBHOOK})", hidden)
        return 2
    try:  # the messages never repeat the value
        WebhookAuth(url)
    except (TypeError, ValueError) as exc:
        _say(f"--webhook: {exc}", hidden)
        return 2
    try:
        auth = WebhookAuth(url, token)
    except (TypeError, ValueError) as exc:
        _say(f"--bot-token: {exc}", hidden)
        return 2
    if token is None:
        _say(
            f"warning: no --bot-token (nor {ENV_BOT_TOKEN}): Bitrix24 refuses imbot.v2 "
            "calls over a webhook without the bot's token (BOT_TOKEN_NOT_SPECIFIED)",
            hidden,
        )
    spec = args.offset_store or "memory:"
    try:
        store = open_offset_store(spec)
    except (TypeError, ValueError, ImportError, B24Error) as exc:
        _say(f"--offset-store: {exc}", hidden)
        return 2
    if args.offset_store is None:
        _say(
            "warning: no --offset-store: progress is kept in memory only and is not kept "
            "across runs (the last page's events come again on the next start); "
            "--offset-store sqlite:PATH keeps it",
            hidden,
        )
    try:
        with _warnings_shown(hidden):
            return _poll(args, auth, store, spec, hidden)
    finally:
        close = getattr(store, "close", None)  # every backend has one
        if callable(close):
            with contextlib.suppress(Exception):
                close()


def _poll(
    args: argparse.Namespace, auth: WebhookAuth, store: OffsetStore, spec: str, hidden: list[str]
) -> int:
    from b24botevents.poller import Poller
    from b24botevents.rest import RestClient

    output = _Output(args.json, args.max_events)
    router = Router(name="poll")
    router.on_unknown(output.event)  # no other handler: every event lands here
    client = RestClient(webhook=auth)
    try:
        poller = Poller(
            router,
            client,
            bot_id=args.bot_id,
            offsets=store,
            user_events=args.user_events,
            limit=args.limit,
            idle_interval=args.idle_interval,
            on_error=_on_error(output),
        )
        output.stop = poller.stop
        try:
            # Asked first: a store that cannot work (an SQLite file in a directory that does
            # not exist, a Redis that is down) ends the command here, instead of being
            # retried by the poller for as long as it runs.
            held = poller.offsets.holder(poller.key) is not None
        except StoreUnavailable as exc:
            _say(f"offset store unavailable: {exc}", hidden)
            return 1
        try:
            with _stop_signals(poller.stop):
                _announce(poller, auth, spec, args.once, held, hidden)  # once a signal stops it
                metrics = _run(poller, args.once)
        except BrokenPipeError:
            raise  # stdout was closed: ``main`` exits with 141
        except RestError as exc:  # one that needs a person (the others are retried)
            _say(f"{exc}", hidden)
            return 1
        except StoreUnavailable as exc:
            _say(f"offset store unavailable: {exc}", hidden)
            return 1
        except B24Error as exc:
            _say(f"{type(exc).__name__}: {exc}", hidden)
            return 1
        except Exception as exc:
            shown = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            print(masked(shown, hidden), file=sys.stderr, end="")
            _say(f"failed: {type(exc).__name__}", hidden)
            return 1
        finally:
            poller.close()
        if metrics is None:
            _say(f"another poller holds the lease of {poller.key}; nothing fetched", hidden)
            return 1
        _summary(poller, metrics, hidden)
        return 0
    finally:
        client.close()


def _run(poller: Poller, once: bool) -> PollerMetrics | None:
    if not once:
        return poller.run(handle_signals=False)
    if poller.poll_once() is None:
        return None
    return poller.metrics


def _announce(
    poller: Poller, auth: WebhookAuth, spec: str, once: bool, held: bool, hidden: list[str]
) -> None:
    how = "one page" if once else "press Ctrl-C to stop"
    _say(
        f"polling bot {poller.bot_id} through {auth.masked_url} (imbot.v2.Event.get); "
        f"offsets: {shown_store(spec)}, key {poller.key}; {how}",
        hidden,
    )
    if held:
        _say(f"another poller holds the lease of {poller.key}: waiting for it", hidden)


def _summary(poller: Poller, metrics: PollerMetrics, hidden: Sequence[str]) -> None:
    offset = metrics.offset
    if offset is None:
        progress = _quietly(poller.offsets.load, poller.key)
        offset = getattr(progress, "offset", None)
    parts = [f"{_count(metrics.events_handled, 'event')} handled"]
    if metrics.events_failed:
        parts.append(f"{metrics.events_failed} rejected")
    if metrics.events_skipped:
        parts.append(f"{metrics.events_skipped} skipped (handled before)")
    parts.append(_count(metrics.pages, "page"))
    if metrics.retries:
        parts.append(_count(metrics.retries, "retry", "retries"))
    parts.append(f"offset {offset if offset is not None else '-'}")
    _say(f"stopped: {', '.join(parts)}", hidden)


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one if number == 1 else many or one + 's'}"


def _quietly(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)``, or None when the store fails (only for what is shown)."""
    try:
        return fn(*args)
    except Exception:
        return None
