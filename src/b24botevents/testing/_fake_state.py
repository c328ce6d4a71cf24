"""The state of a ``FakeBitrix24``: portals, tokens, webhooks, bots, messages, event queues
and records.

Everything a request can read or change lives in one ``State`` behind one lock, so the
threads of the served mode see it consistently. Tokens map to who they belong to
(``member_id``, user id, ``"user"`` or ``"bot"``) and stay valid until ``expires``; a
refresh rotates a pair (the old refresh and access tokens stop working). A bot's OAuth
tokens are those ``Portal.bot_auth`` derives, so they are found on first use from the
bot id the request names, for any bot id.
"""

from __future__ import annotations

import secrets
import threading
import time

import attrs

from ._fake_events import EventQueues
from ._fake_faults import FaultQueue
from ._fake_records import (
    FakeBot,
    FakeCommand,
    RecordedCall,
    RefreshRecord,
    SentMessage,
    mask_repr,
)
from .portal import Portal

__all__ = ["PortalEntry", "State", "Token", "Webhook"]


@attrs.define(kw_only=True)
class Token:
    """An access token: whose it is and until when it works."""

    value: str = attrs.field(repr=mask_repr)
    member_id: str
    user_id: int
    kind: str
    expires: float
    revoked: bool = False
    refresh: str | None = attrs.field(default=None, repr=mask_repr)


@attrs.define(kw_only=True)
class PortalEntry:
    """A registered portal: its identity, installing user and token lifetime."""

    portal: Portal
    user_id: int
    expires_in: int
    issued: float
    #: ``expire_tokens`` was called: tokens derived from the portal's own later are too.
    derived_expired: bool = False


@attrs.frozen(kw_only=True)
class Webhook:
    """An inbound webhook ``/rest/<user_id>/<secret>/`` of one portal."""

    member_id: str
    user_id: int
    secret: str = attrs.field(repr=mask_repr)


class State:
    """All of one fake's data. Callers hold ``lock`` around every use."""

    def __init__(self, client_id: str, client_secret: str) -> None:
        self.lock = threading.RLock()
        self.client_id = client_id
        self.client_secret = client_secret
        self.portals: dict[str, PortalEntry] = {}
        self.tokens: dict[str, Token] = {}
        self.refresh: dict[str, Token] = {}  # refresh token -> the access token it renews
        self.used_refresh: dict[str, Token] = {}  # rotated away: only to say whose they were
        self.webhooks: dict[str, Webhook] = {}
        self.bots: dict[tuple[str, int], FakeBot] = {}
        self.commands: dict[int, FakeCommand] = {}  # by id, ids shared by all portals
        self.messages: list[SentMessage] = []
        self.calls: list[RecordedCall] = []
        self.refreshes: list[RefreshRecord] = []
        self.faults = FaultQueue()
        self.events = EventQueues()  # fetch mode: bot and user event queues
        self.app_id = 1 + secrets.randbelow(900)
        self._next_message = 1
        self._next_bot = 100
        self._next_command = 1

    # -- portals and tokens -------------------------------------------------------------

    def add_portal(self, portal: Portal, user_id: int, expires_in: int | None) -> PortalEntry:
        now = time.time()
        lifetime = portal.expires_in if expires_in is None else expires_in
        entry = PortalEntry(portal=portal, user_id=user_id, expires_in=lifetime, issued=now)
        self.portals[portal.member_id] = entry
        self._register(
            portal.access_token, portal.refresh_token, entry, user_id, "user", now + lifetime
        )
        for (member_id, bot_id), _bot in list(self.bots.items()):
            if member_id == portal.member_id:
                self.derive_bot_tokens(entry, bot_id)
        return entry

    def entry(self, member_id: str) -> PortalEntry:
        found = self.portals.get(member_id)
        if found is None:
            raise KeyError(f"portal {member_id!r} is not registered: call add_portal first")
        return found

    def _register(
        self,
        access: str,
        refresh: str | None,
        entry: PortalEntry,
        user_id: int,
        kind: str,
        expires: float,
    ) -> Token:
        token = Token(
            value=access,
            member_id=entry.portal.member_id,
            user_id=user_id,
            kind=kind,
            expires=expires,
            refresh=refresh,
        )
        self.tokens[access] = token
        if refresh is not None:
            self.refresh[refresh] = token
        return token

    def derive_bot_tokens(self, entry: PortalEntry, bot_id: int) -> Token:
        """The bot's OAuth tokens as ``Portal.bot_auth`` derives them, now registered."""
        access, refresh = entry.portal.bot_tokens(bot_id)
        known = self.tokens.get(access)
        if known is not None:
            return known
        expires = entry.issued + entry.expires_in
        if entry.derived_expired:
            expires = min(expires, time.time() - 1)
        return self._register(access, refresh, entry, bot_id, "bot", expires)

    def lookup(self, value: str, bot_ids: tuple[int, ...] = ()) -> Token | None:
        """The token ``value``, also when it is a bot token (of a bot in ``bot_ids``)."""
        found = self.tokens.get(value)
        if found is not None:
            return found
        for entry in self.portals.values():
            for bot_id in bot_ids:
                if entry.portal.bot_tokens(bot_id)[0] == value:
                    return self.derive_bot_tokens(entry, bot_id)
        return None

    def rotate(self, refresh: str) -> Token | None:
        """Renew the pair of ``refresh``: a new access and refresh token; the old ones die."""
        old = self.refresh.pop(refresh, None)
        if old is None:
            return None
        self.used_refresh[refresh] = old
        old.revoked = True
        old.refresh = None
        entry = self.entry(old.member_id)
        return self._register(
            secrets.token_hex(25),
            secrets.token_hex(25),
            entry,
            old.user_id,
            old.kind,
            time.time() + entry.expires_in,
        )

    def refresh_owner(self, refresh: str) -> Token | None:
        """Whose refresh token this is or was (``None`` for one never issued)."""
        return self.refresh.get(refresh) or self.used_refresh.get(refresh)

    def expire(self, member_id: str | None) -> int:
        """Make every live access token (of one portal, or all) answer ``expired_token``."""
        past = time.time() - 1
        count = 0
        for token in self.tokens.values():
            if member_id in (None, token.member_id) and not token.revoked:
                token.expires = min(token.expires, past)
                count += 1
        for entry in self.portals.values():
            if member_id in (None, entry.portal.member_id):
                entry.derived_expired = True
        return count

    def current_user_token(self, member_id: str) -> Token:
        entry = self.entry(member_id)
        for token in reversed(list(self.tokens.values())):
            if (
                token.member_id == member_id
                and token.kind == "user"
                and token.user_id == entry.user_id
                and not token.revoked
            ):
                return token
        raise LookupError(f"portal {member_id!r} has no live user token")

    # -- webhooks and bots --------------------------------------------------------------

    def add_webhook(self, member_id: str, user_id: int, secret: str | None) -> Webhook:
        self.entry(member_id)
        hook = Webhook(member_id=member_id, user_id=user_id, secret=secret or secrets.token_hex(8))
        self.webhooks[hook.secret] = hook
        return hook

    def new_bot_id(self) -> int:
        while any(bot_id == self._next_bot for _member, bot_id in self.bots):
            self._next_bot += 1
        bot_id = self._next_bot
        self._next_bot += 1
        return bot_id

    def put_bot(self, bot: FakeBot) -> FakeBot:
        self.bots[(bot.member_id, bot.bot_id)] = bot
        self._next_bot = max(self._next_bot, bot.bot_id + 1)
        entry = self.portals.get(bot.member_id)
        if entry is not None:
            self.derive_bot_tokens(entry, bot.bot_id)
        return bot

    def bot(self, member_id: str, bot_id: int) -> FakeBot | None:
        return self.bots.get((member_id, bot_id))

    def bots_of(self, member_id: str) -> list[FakeBot]:
        return sorted(
            (bot for (member, _id), bot in self.bots.items() if member == member_id),
            key=lambda bot: bot.bot_id,
        )

    def add_command(self, command: FakeCommand) -> FakeCommand:
        """Keep ``command`` under a new id (its ``command_id`` is replaced)."""
        kept = attrs.evolve(command, command_id=self._next_command)
        self._next_command += 1
        self.commands[kept.command_id] = kept
        return kept

    def commands_of(self, member_id: str, bot_id: int) -> list[FakeCommand]:
        return [
            command
            for command in self.commands.values()
            if command.member_id == member_id and command.bot_id == bot_id
        ]

    # -- messages -----------------------------------------------------------------------

    def new_message_id(self) -> int:
        message_id = self._next_message
        self._next_message += 1
        return message_id

    def message(self, member_id: str, message_id: int) -> tuple[int, SentMessage] | None:
        for index, message in enumerate(self.messages):
            if message.message_id == message_id and message.member_id == member_id:
                return index, message
        return None
