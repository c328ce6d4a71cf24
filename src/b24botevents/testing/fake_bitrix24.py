"""``FakeBitrix24``: Bitrix24's REST API and OAuth server, faked on the wire for tests.

Real HTTP clients talk to it unchanged, in-process through ``fake.transport()`` (an
``httpx.MockTransport`` for ``httpx.Client`` and ``httpx.AsyncClient``) or over real
sockets with ``with fake.serve() as base_url:`` (HTTPS with ``serve(tls=context)``). It
knows one OAuth application and the portals added to it (``add_portal``: the installer's
tokens and every bot's, as ``Portal.bot_auth`` derives them), inbound webhooks
(``add_webhook``) and bots; it answers ``app.info``, ``profile``, ``server.time``,
``batch``, the ``imbot`` v1 and v2 methods a bot uses (command registration included)
and the ``refresh_token`` grant, with Bitrix24's envelopes, error codes and HTTP
statuses, and serves fetch-mode event pages (``imbot.v2.Event.get``, ``im.v2.Event.*``)
from the events a test queues (``push_event``, ``push_user_event``). It keeps every call
(``calls``), every message (``messages``), every bot and command (``bots``,
``commands``) and every refresh (``refreshes``), and injects faults on demand: error
answers, expired tokens, slow answers and dropped connections. Tokens and
secrets never show in a ``repr``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import attrs

from ._fake_event_feed import EventFeed
from ._fake_events import EventOffset
from ._fake_faults import Fault
from ._fake_records import FakeBot, FakeCommand, RecordedCall, RefreshRecord, SentMessage
from ._fake_rest import OAUTH_METHOD, RestEngine
from ._fake_state import State
from .portal import Portal

if TYPE_CHECKING:
    import ssl

    import httpx

    from b24botevents.rest import OAuthApp

__all__ = [
    "IN_PROCESS_URL",
    "OAUTH_METHOD",
    "EventOffset",
    "FakeBitrix24",
    "FakeBot",
    "FakeCommand",
    "RecordedCall",
    "RefreshRecord",
    "SentMessage",
]

#: The base URL of the in-process fake (any host works: requests are routed by path).
IN_PROCESS_URL = "http://fake.bitrix24.test"


class FakeBitrix24(EventFeed):
    """A fake Bitrix24 (REST + OAuth) for one OAuth application and any number of portals.

    The fetch-mode methods (``push_event``, ``push_events``, ``push_user_event``,
    ``subscribe_user``, ``pending_events``, ``event_offsets``, ``legacy_event_format``)
    come from ``EventFeed``.
    """

    def __init__(
        self,
        client_id: str = "local.app.1",
        client_secret: str = "s3cret",  # noqa: S107  (a made-up app's, for tests)
    ) -> None:
        self._state = State(client_id, client_secret)
        self._engine = RestEngine(self._state)
        self._served: str | None = None

    def __repr__(self) -> str:
        state = self._state
        with state.lock:
            return (
                f"FakeBitrix24(portals={len(state.portals)}, bots={len(state.bots)}, "
                f"calls={len(state.calls)}, messages={len(state.messages)}, "
                f"refreshes={len(state.refreshes)}, pending_faults={len(state.faults)})"
            )

    @property
    def client_id(self) -> str:
        """The OAuth application's ``client_id`` (``app.info``'s ``CODE`` and ``client_id``)."""
        return self._state.client_id

    @property
    def base_url(self) -> str:
        """Where the fake answers: the served URL inside ``serve()``, else ``IN_PROCESS_URL``."""
        return self._served or IN_PROCESS_URL

    def oauth_app(self, client_secret: str | None = None) -> OAuthApp:
        """The app's ``OAuthApp`` pointed at this fake: its ``token_url`` (refreshes) and
        ``server_url`` (the OAuth server's ``app.info``, which the install check asks),
        at ``base_url``. Inside ``serve()`` that is the served URL."""
        from b24botevents.rest import OAuthApp

        secret = self._state.client_secret if client_secret is None else client_secret
        return OAuthApp(
            self._state.client_id,
            secret,
            token_url=f"{self.base_url}/oauth/token/",
            server_url=f"{self.base_url}/oauth/rest/",
        )

    # -- what it knows ------------------------------------------------------------------

    def add_portal(
        self, portal: Portal, *, user_id: int = 1, expires_in: int | None = None
    ) -> None:
        """Install the application on ``portal``, as user ``user_id``.

        The portal's ``access_token``/``refresh_token`` become valid user tokens, and so
        does every bot token ``portal.bot_auth(bot_id)`` derives (found on first use from
        the ``BOT_ID``/``botId`` a call names, or for bots the fake knows), each for
        ``expires_in`` seconds (the portal's own ``expires_in`` by default).
        """
        with self._state.lock:
            self._state.add_portal(portal, user_id, expires_in)

    def add_bot(
        self,
        portal: Portal,
        bot_id: int | None = None,
        *,
        code: str | None = None,
        v: int = 2,
        name: str | None = None,
        event_mode: str = "webhook",
        webhook_url: str | None = None,
        bot_token: str | None = None,
    ) -> int:
        """Register a bot on ``portal`` as if the application had (returns its id).

        With ``bot_token`` the bot was registered over a webhook with that ``botToken``
        (v2) or ``CLIENT_ID`` (v1), so only webhook calls carrying it may use it.
        """
        if v not in (1, 2):
            raise ValueError(f"v must be 1 or 2, not {v!r}")
        with self._state.lock:
            self._state.entry(portal.member_id)
            number = self._state.new_bot_id() if bot_id is None else bot_id
            bot = FakeBot(
                bot_id=number,
                member_id=portal.member_id,
                code=code or f"bot{number}",
                version=v,
                name=name or f"Bot {number}",
                type="bot" if v == 2 else "B",
                event_mode=event_mode,
                webhook_url=webhook_url,
                registered_by="app" if bot_token is None else "webhook",
                secret=bot_token,
            )
            return self._state.put_bot(bot).bot_id

    def add_webhook(self, portal: Portal, user_id: int = 1, secret: str | None = None) -> str:
        """A new inbound webhook of ``portal``: its base URL ``{base}/rest/{user_id}/{secret}/``.

        ``base`` is ``base_url`` now; the path alone identifies the webhook, so the same
        path works under any base (in-process or served).
        """
        with self._state.lock:
            hook = self._state.add_webhook(portal.member_id, user_id, secret)
        return f"{self.base_url}/rest/{hook.user_id}/{hook.secret}/"

    def bot_token(self, portal: Portal, bot_id: int) -> str:
        """The ``botToken`` (v1: ``CLIENT_ID``) webhook calls of this bot must carry.

        A bot the fake does not know yet is registered as a v2 bot of a webhook, with a
        new random token (32 characters; Bitrix24 refuses more than 40).
        """
        with self._state.lock:
            self._state.entry(portal.member_id)
            bot = self._state.bot(portal.member_id, bot_id)
            if bot is None:
                self.add_bot(portal, bot_id, bot_token=secrets.token_hex(16))
                bot = self._state.bot(portal.member_id, bot_id)
                assert bot is not None
            if bot.secret is None:
                bot = self._state.put_bot(attrs.evolve(bot, secret=secrets.token_hex(16)))
            assert bot.secret is not None
            return bot.secret

    def user_tokens(self, portal: Portal) -> tuple[str, str]:
        """The portal's live user ``(access_token, refresh_token)``, after any rotation."""
        with self._state.lock:
            token = self._state.current_user_token(portal.member_id)
            return token.value, token.refresh or ""

    # -- what it saw --------------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        """Every request (and batch sub-call) so far, in order: a snapshot."""
        with self._state.lock:
            return list(self._state.calls)

    def calls_to(self, method: str) -> list[RecordedCall]:
        """The calls of one method (its name compared case-insensitively, ``.json`` ignored)."""
        wanted = method.removesuffix(".json").lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    @property
    def messages(self) -> list[SentMessage]:
        """Every message bots sent, in order, with their current edited/deleted state."""
        with self._state.lock:
            return list(self._state.messages)

    def messages_in(self, dialog_id: str | int, *, deleted: bool = False) -> list[SentMessage]:
        """The messages in one dialog (without deleted ones unless ``deleted``)."""
        return [
            message
            for message in self.messages
            if message.dialog_id == str(dialog_id) and (deleted or not message.deleted)
        ]

    @property
    def refreshes(self) -> list[RefreshRecord]:
        """Every request to ``/oauth/token/``, successful or not."""
        with self._state.lock:
            return list(self._state.refreshes)

    @property
    def bots(self) -> list[FakeBot]:
        """Every bot the fake knows, by portal and id."""
        with self._state.lock:
            return sorted(self._state.bots.values(), key=lambda bot: (bot.member_id, bot.bot_id))

    @property
    def commands(self) -> list[FakeCommand]:
        """Every command bots registered (v1 and v2), in the order they were made."""
        with self._state.lock:
            return list(self._state.commands.values())

    # -- faults -------------------------------------------------------------------------

    def fail_next(
        self,
        status: int = 429,
        error: str | None = "QUERY_LIMIT_EXCEEDED",
        *,
        method: str | None = None,
        times: int = 1,
        retry_after: float | None = None,
        description: str | None = None,
    ) -> None:
        """Answer the next ``times`` requests (to ``method`` only, if given) with an error.

        The call does not take effect. ``error=None`` answers a bare HTML page (a proxy's
        500/502/503). ``retry_after`` adds a ``Retry-After`` header. The OAuth endpoint's
        method name is ``OAUTH_METHOD`` (``"oauth/token"``).
        """
        self._add(
            Fault(
                kind="fail",
                method=method,
                times=times,
                status=status,
                error=error,
                description=description,
                retry_after=retry_after,
            )
        )

    def delay_next(self, seconds: float, *, method: str | None = None, times: int = 1) -> None:
        """Answer the next ``times`` requests (to ``method`` only) ``seconds`` late."""
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        self._add(Fault(kind="delay", method=method, times=times, seconds=seconds))

    def drop_next(
        self, *, method: str | None = None, before_processing: bool = True, times: int = 1
    ) -> None:
        """Close the connection of the next ``times`` requests without an answer.

        ``before_processing=False``: the call takes effect first (a message is stored) and
        only the answer is lost, as when a reply dies on the way back.
        """
        self._add(
            Fault(kind="drop", method=method, times=times, after_processing=not before_processing)
        )

    def expire_tokens(self, portal: Portal | None = None) -> None:
        """Make the live access tokens (of ``portal``, or all) answer ``expired_token``.

        Bot tokens included, also those derived later from the portal's (bots added or
        first used afterwards); tokens issued by a later refresh work again.
        """
        with self._state.lock:
            if portal is not None:
                self._state.entry(portal.member_id)
            self._state.expire(None if portal is None else portal.member_id)

    def _add(self, fault: Fault) -> None:
        with self._state.lock:
            self._state.faults.add(fault)

    # -- how to reach it ----------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        """An ``httpx.MockTransport`` answering as this fake, for sync and async clients.

        ``httpx.Client(transport=fake.transport(), base_url=IN_PROCESS_URL)``; needs httpx.
        """
        from ._fake_transport import FakeTransport

        return FakeTransport(self._engine)

    @contextmanager
    def serve(self, tls: ssl.SSLContext | None = None) -> Iterator[str]:
        """Serve the fake on 127.0.0.1 for the ``with`` block: ``as base_url``.

        Plain HTTP (``http://127.0.0.1:<port>``) by default. With ``tls``, a server-side
        ``ssl.SSLContext`` (``PROTOCOL_TLS_SERVER``, ``load_cert_chain`` done) whose
        certificate names 127.0.0.1, it serves HTTPS: ``https://127.0.0.1:<port>``, for
        clients that only speak ``https://{domain}/rest/`` (b24pysdk, say).
        """
        from ._fake_server import serve

        if self._served is not None:
            raise RuntimeError("this FakeBitrix24 is already being served")
        with serve(self._engine, tls) as url:
            self._served = url
            try:
                yield url
            finally:
                self._served = None
