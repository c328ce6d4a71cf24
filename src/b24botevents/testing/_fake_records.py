"""What a ``FakeBitrix24`` saw and kept, as frozen records a test can assert on.

``RecordedCall`` is one request (or one batch sub-call) as the fake decoded it,
``SentMessage`` one message a bot posted (with its edited/deleted state), ``RefreshRecord``
one request to the OAuth token endpoint, ``FakeBot`` one registered bot and
``FakeCommand`` one command a bot registered. Tokens,
webhook secrets and bot tokens never show in a ``repr``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["FakeBot", "FakeCommand", "RecordedCall", "RefreshRecord", "SentMessage", "mask_repr"]


def mask_repr(value: object) -> str:
    """attrs ``repr`` for a credential: whether it is set, never what it is."""
    return "None" if value is None else "'***'"


@attrs.frozen(kw_only=True)
class RecordedCall:
    """One REST call or OAuth request the fake received, as it understood it.

    ``params`` are the decoded parameters without the credentials (``auth``,
    ``botToken``, v1's ``CLIENT_ID``; for the OAuth endpoint ``client_secret``,
    ``refresh_token`` and ``code``). ``auth_kind`` is ``"oauth"`` (an ``auth`` token),
    ``"webhook"`` (``/rest/<user>/<secret>/``) or ``"none"``; ``token`` is the token or
    webhook secret used and ``bot_token`` the bot credential (``botToken``/``CLIENT_ID``).
    ``member_id`` is the portal the credential belongs to (``None`` if unknown).
    ``status`` is the HTTP status answered (``None`` when the connection was dropped) and
    ``fault`` names an injected fault that hit the request: ``"fail"``, ``"delay"``,
    ``"drop"`` (before processing) or ``"drop_after"``. Sub-calls of a ``batch`` are
    recorded too, with ``in_batch=True``, right after the ``batch`` call itself.
    """

    method: str
    params: Mapping[str, Any]
    auth_kind: str
    token: str | None = attrs.field(repr=mask_repr)
    bot_token: str | None = attrs.field(repr=mask_repr)
    member_id: str | None
    token_kind: str | None
    http_method: str
    path: str = attrs.field(repr=False)
    status: int | None
    error: str | None
    fault: str | None
    in_batch: bool = False


@attrs.frozen(kw_only=True)
class SentMessage:
    """A message a bot posted: its id, where it went, what it said and what became of it.

    ``method`` is the REST method that created it (``imbot.message.add``,
    ``imbot.v2.Chat.Message.send``, a command answer, ...). ``reply_to`` is v2's
    ``replyId`` or, for a command answer, the command's message id.
    """

    message_id: int
    member_id: str
    bot_id: int | None
    dialog_id: str
    text: str
    method: str
    attach: Any = None
    keyboard: Any = None
    menu: Any = None
    system: bool = False
    url_preview: bool = True
    reply_to: int | None = None
    command_id: int | None = None
    edited: bool = False
    deleted: bool = False
    complete: bool = False


@attrs.frozen(kw_only=True)
class RefreshRecord:
    """One request to ``/oauth/token/``: whose refresh token it was, and how it ended.

    ``error`` is ``None`` for a successful rotation, else the OAuth error code answered.
    """

    member_id: str | None
    user_id: int | None
    kind: str | None
    grant_type: str | None
    error: str | None


@attrs.frozen(kw_only=True)
class FakeBot:
    """A bot the fake knows: registered through the API, by ``add_bot`` or on first use.

    ``version`` is 1 (``imbot.register``) or 2 (``imbot.v2.Bot.register``);
    ``registered_by`` is ``"app"`` (the OAuth application) or ``"webhook"``. ``secret`` is
    the bot's webhook credential (v2 ``botToken``, v1 ``CLIENT_ID``), if it has one.
    """

    bot_id: int
    member_id: str
    code: str
    version: int
    name: str
    type: str = "bot"
    event_mode: str = "webhook"
    webhook_url: str | None = None
    openline: bool = False
    registered_by: str = "app"
    secret: str | None = attrs.field(default=None, repr=mask_repr)


@attrs.frozen(kw_only=True)
class FakeCommand:
    """A chat command a bot registered (``imbot.v2.Command.register``, ``imbot.command.register``).

    ``command`` is its name without the slash (``help``); ``title`` and ``params`` map a
    language to the text shown (``{"en": "Show help"}``). ``version`` is the API it was
    registered through; ``event_url`` is v1's ``EVENT_COMMAND_ADD`` (v2 commands reach
    the bot's own handler).
    """

    command_id: int
    member_id: str
    bot_id: int
    command: str
    version: int
    title: Mapping[str, str] = attrs.field(factory=dict)
    params: Mapping[str, str] = attrs.field(factory=dict)
    common: bool = False
    hidden: bool = False
    extranet_support: bool = False
    event_url: str | None = None
