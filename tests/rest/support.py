"""Shared set-up of the reply, install-check, bot and REST security tests.

* ``open_bench(mode)``: a ``FakeBitrix24`` with one portal, in-process (its
  ``httpx.MockTransport``) or served on 127.0.0.1, and ``bench.client(...)``: a
  ``RestClient`` pointed at it (fast retries, no rate limit), closed at the end;
* ``chat_event(code, portal)``: a realistic event of that code, parsed;
* ``local_server(responder)``: a second real HTTP server on 127.0.0.1 that records every
  request it gets (a trap for SSRF, a redirector, a huge answer);
* ``RecordingTransport``: an in-process transport that keeps every request the client
  sends (URL and body) before the fake answers it, optionally rewriting answers;
* ``all_log_records()``: every log record of every logger, DEBUG included.

The app's secret, the webhook secret and bot tokens are distinctive canary strings, so a
leak can be searched for.
"""

from __future__ import annotations

import json
import logging
import secrets
import socket
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from b24botevents import Dispatcher, Event, MemoryPortalStore, PortalStore, parse_event
from b24botevents.rest import OAuthApp, RetryPolicy, WebhookAuth
from b24botevents.rest.client import RestClient
from b24botevents.testing import FORM_CONTENT_TYPE, FakeBitrix24, Portal, sample_body
from b24botevents.testing.fake_bitrix24 import IN_PROCESS_URL

MODES = ["in-process", "served"]
FORM = FORM_CONTENT_TYPE
CLIENT_ID = "local.app.replies"
CLIENT_SECRET = "csecret-CANARY-8d7c6b5a4f3e"
WEBHOOK_SECRET = "whsecretCANARY42"
FAST = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.01)

#: Every chat event code, v1 and v2.
V1_CODES = [
    "ONIMBOTMESSAGEADD",
    "ONIMBOTMESSAGEUPDATE",
    "ONIMBOTMESSAGEDELETE",
    "ONIMBOTJOINCHAT",
    "ONIMCOMMANDADD",
]
V2_CODES = [
    "ONIMBOTV2MESSAGEADD",
    "ONIMBOTV2MESSAGEUPDATE",
    "ONIMBOTV2MESSAGEDELETE",
    "ONIMBOTV2JOINCHAT",
    "ONIMBOTV2COMMANDADD",
    "ONIMBOTV2REACTIONCHANGE",
    "ONIMBOTV2CONTEXTGET",
]
CHAT_CODES = [*V1_CODES, *V2_CODES]
#: The bot each sample event is for (the docs' examples).
BOT_OF = {
    "ONIMBOTMESSAGEADD": 567,
    "ONIMBOTMESSAGEUPDATE": 571,
    "ONIMBOTMESSAGEDELETE": 571,
    "ONIMBOTJOINCHAT": 571,
    "ONIMCOMMANDADD": 1291,
    **dict.fromkeys(V2_CODES, 456),
}


def chat_event(code: str, portal: Portal, *, ts: int | None = None) -> Event:
    """The sample event ``code`` signed by ``portal`` (``ts``: when it was sent), parsed."""
    return parse_event(sample_body(code, portal=portal, ts=ts), content_type=FORM)


def app_for(base_url: str, secret: str = CLIENT_SECRET) -> OAuthApp:
    """The app's OAuth identity, refreshing at ``base_url``'s ``/oauth/token/``."""
    return OAuthApp(
        CLIENT_ID,
        secret,
        token_url=f"{base_url}/oauth/token/",
        server_url=f"{base_url}/oauth/rest/",
    )


@dataclass
class Bench:
    """A fake Bitrix24 with one portal, and REST clients pointed at it."""

    fake: FakeBitrix24
    portal: Portal
    base_url: str
    mode: str
    clients: list[RestClient] = field(default_factory=list)

    @property
    def served(self) -> bool:
        return self.mode == "served"

    def client(
        self, store: PortalStore | None = None, *, in_process: bool | None = None, **options: Any
    ) -> RestClient:
        """A ``RestClient`` on ``store`` pointed at the fake (``options`` override)."""
        if store is not None:
            options.setdefault("portal_store", store)
            options.setdefault("app", app_for(self.base_url))
            options.setdefault("portal_url", self.base_url)
        options.setdefault("rate", None)
        options.setdefault("retry", FAST)
        if in_process is None:
            in_process = not self.served
        if in_process:
            options.setdefault("transport", self.fake.transport())
            options.setdefault("async_transport", self.fake.transport())
        client = RestClient(**options)
        self.clients.append(client)
        return client

    def webhook(self, bot_token: str | None = None, *, host: str | None = None) -> WebhookAuth:
        """A new inbound webhook of the portal (under ``host``'s URL if given)."""
        url = self.fake.add_webhook(self.portal, 1, WEBHOOK_SECRET)
        if host is not None:
            url = url.replace(self.base_url, f"https://{host}", 1)
        return WebhookAuth(url, bot_token=bot_token)

    def installed(self, store: PortalStore | None = None, **options: Any) -> Dispatcher:
        """A dispatcher on ``store`` (a new memory store by default) that saw the install."""
        dp = Dispatcher(portal_store=store if store is not None else MemoryPortalStore(), **options)
        install(dp, self.portal)
        return dp

    def secrets(self, *bot_ids: int) -> tuple[str, ...]:
        """Every secret of the bench: the portal's tokens (as issued and as they are now),
        bot tokens, the app's secret and the webhook secret."""
        live = self.fake.user_tokens(self.portal)
        bots = self.portal.bot_tokens(*bot_ids)
        return (*self.portal.tokens(), *live, *bots, CLIENT_SECRET, WEBHOOK_SECRET)


def install(dp: Dispatcher, portal: Portal, **body: Any) -> None:
    """Post ``portal``'s ONAPPINSTALL; assert it was accepted."""
    from b24botevents.testing import app_install_body

    response = dp.handle(app_install_body(portal=portal, **body), content_type=FORM)
    assert response.status == 200, response.body


@contextmanager
def open_bench(mode: str, *, portal: Portal | None = None, **fake_options: Any) -> Iterator[Bench]:
    """A fake with one portal; ``mode`` is ``"in-process"`` or ``"served"`` (127.0.0.1)."""
    fake_options.setdefault("client_id", CLIENT_ID)
    fake_options.setdefault("client_secret", CLIENT_SECRET)
    fake = FakeBitrix24(**fake_options)
    portal = portal or Portal.random()
    fake.add_portal(portal)
    if mode == "served":
        with fake.serve() as url:
            bench = Bench(fake, portal, url, mode)
            try:
                yield bench
            finally:
                for client in bench.clients:
                    client.close()
        return
    assert mode == "in-process", mode
    bench = Bench(fake, portal, IN_PROCESS_URL, mode)
    try:
        yield bench
    finally:
        for client in bench.clients:
            client.close()


# ---- a second real server: traps, redirects, huge answers --------------------------------


@dataclass(frozen=True)
class Hit:
    """One request a ``LocalServer`` received."""

    method: str
    path: str
    body: bytes


#: ``(status, headers, body chunks)`` for a request.
Answer = tuple[int, Sequence[tuple[str, str]], Iterable[bytes]]
Responder = Callable[[Hit], Answer]


def json_answer(payload: object, status: int = 200) -> Answer:
    body = json.dumps(payload).encode()
    return status, [("Content-Type", "application/json")], [body]


def _trap_answer(_hit: Hit) -> Answer:
    return json_answer({"result": {"trapped": True}})


@dataclass
class LocalServer:
    url: str
    hits: list[Hit]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        hit = Hit(self.command, self.path, body)
        with self.server.lock:
            self.server.hits.append(hit)
        status, headers, chunks = self.server.responder(hit)
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        with suppress(OSError):  # the client may hang up mid-answer (a huge one)
            for chunk in chunks:
                self.wfile.write(chunk)
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, responder: Responder) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.responder = responder
        self.hits: list[Hit] = []
        self.lock = threading.Lock()

    def handle_error(self, request: object, client_address: object) -> None:
        """A client gone away is not the server's error."""


@contextmanager
def local_server(responder: Responder = _trap_answer) -> Iterator[LocalServer]:
    """A real HTTP server on 127.0.0.1 for the ``with`` block; it records every request."""
    server = _Server(responder)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield LocalServer(f"http://{host!s}:{port}", server.hits)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def free_port_url() -> str:
    """A URL of a local port nothing listens on (only good for a moment)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


# ---- an in-process transport that records ------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """One request a client sent: its URL and body, as they left it."""

    method: str
    url: str
    body: bytes


Rewrite = Callable[[httpx.Request, httpx.Response], httpx.Response]
Before = Callable[[httpx.Request], None]


class RecordingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Keeps every request, then lets ``inner`` (the fake's transport) answer it.

    ``before(request)`` runs first (to change the fake's state mid-flow); ``rewrite``
    may replace the answer (to play a lying server).
    """

    def __init__(
        self,
        inner: httpx.MockTransport,
        *,
        before: Before | None = None,
        rewrite: Rewrite | None = None,
    ) -> None:
        self.inner = inner
        self.before = before
        self.rewrite = rewrite
        self.sent: list[Sent] = []

    def _keep(self, request: httpx.Request) -> None:
        self.sent.append(Sent(request.method, str(request.url), request.content))
        if self.before is not None:
            self.before(request)

    def _after(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        return response if self.rewrite is None else self.rewrite(request, response)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self._keep(request)
        return self._after(request, self.inner.handle_request(request))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self._keep(request)
        return self._after(request, await self.inner.handle_async_request(request))


def nothing_transport() -> RecordingTransport:
    """A recording transport whose every answer is a 599 that no test expects to see."""

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(599, json={"error": "SHOULD_NOT_BE_SENT"}, request=request)

    return RecordingTransport(httpx.MockTransport(refuse))


# ---- logs --------------------------------------------------------------------------------


def record_text(record: logging.LogRecord) -> str:
    """Everything a handler could print of ``record``: message, arguments, traceback."""
    parts = [str(record.msg), repr(record.args)]
    with suppress(Exception):
        parts.append(record.getMessage())
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    if record.exc_text:
        parts.append(record.exc_text)
    return "\n".join(parts)


@contextmanager
def all_log_records() -> Iterator[list[logging.LogRecord]]:
    """Every record of every logger meanwhile, DEBUG included (httpx's and httpcore's too)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(logging.DEBUG)
    root = logging.getLogger()
    names = ["b24botevents", "httpx", "httpcore", *logging.root.manager.loggerDict]
    loggers = [logging.getLogger(name) for name in dict.fromkeys(names)]
    saved = [(logger, logger.level, logger.propagate) for logger in loggers]
    saved_root = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.propagate = True
    try:
        yield records
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_root)
        for logger, level, propagate in saved:
            logger.setLevel(level)
            logger.propagate = propagate


def leaked(texts: Iterable[str], hidden: Iterable[str]) -> list[str]:
    """The secrets in ``hidden`` that appear in any of ``texts``."""
    joined = "\n".join(texts)
    return [secret for secret in dict.fromkeys(hidden) if secret and secret in joined]


def random_secret(label: str) -> str:
    """A distinctive made-up secret."""
    return f"{label}-CANARY-{secrets.token_hex(6)}"
