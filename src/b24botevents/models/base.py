"""The envelope every event shares: ``Event``, its ``Auth`` block, and ``UnknownEvent``;
``BotRef``, the bot a chat-bot event is for, read the same way from v1 and v2.

Internal module: import these from ``b24botevents.models`` (or ``b24botevents``).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, ClassVar

import attrs

from b24botevents._redact import RawTree, as_raw_tree, mask_repr, redacted_repr


class AppStatus(str, enum.Enum):
    """The application's status on the portal (``auth[status]``).

    Codes outside this list are kept as plain strings by the converter, never an error:
    the two official docs already disagree on the list.
    """

    FREE = "F"
    DEMO = "D"
    TRIAL = "T"
    PAID = "P"
    LOCAL = "L"
    SUBSCRIPTION = "S"


@attrs.frozen(kw_only=True)
class Auth:
    """The ``auth`` block: who the event came from and, sometimes, tokens to call back.

    Every field is optional: events fired by automation carry no user tokens, outgoing
    webhooks and ONAPPUNINSTALL carry only the portal fields and ``application_token``, and
    a v2 envelope may carry just ``domain`` and ``application_token``.
    """

    access_token: str | None = attrs.field(default=None, repr=mask_repr)
    refresh_token: str | None = attrs.field(default=None, repr=mask_repr)
    expires: datetime | None = None
    expires_in: int | None = None
    scope: tuple[str, ...] = ()
    domain: str | None = None
    server_endpoint: str | None = None
    client_endpoint: str | None = None
    member_id: str | None = None
    user_id: int | None = None
    status: AppStatus | str | None = None
    application_token: str | None = attrs.field(default=None, repr=mask_repr)
    client_id: str | None = None

    @property
    def has_user_tokens(self) -> bool:
        """True when the event brought an OAuth access token usable for REST calls."""
        return bool(self.access_token)


def empty_auth_is_none(auth: Auth | None) -> Auth | None:
    """``Auth()`` carries nothing, and a form body cannot carry an empty block: None."""
    return None if auth is None or auth == _NO_AUTH else auth


_NO_AUTH = Auth()


@attrs.frozen(kw_only=True)
class BotRef:
    """A bot a chat-bot event is addressed to, the same for v1 and v2: ``event.bots``.

    ``auth`` holds the bot's own OAuth tokens for calling back (v2 ``data[bot][auth]``,
    v1 the ``AUTH`` of its ``data[BOT]``/``data[COMMAND]`` entry), or None when the event
    brought none (v2 fetch mode). Its tokens show as ``'***'``, like every ``Auth``'s.
    """

    id: int
    code: str
    auth: Auth | None = None


def command_key(command: str) -> str:
    """A command's name as the cross-version properties and ``on_command`` compare it:
    surrounding blanks and one leading slash removed, lower-cased (``"/Help"`` -> ``"help"``)."""
    name = command.strip()
    if name[:1] == "/":
        name = name[1:].lstrip()
    return name.lower()


@attrs.frozen(kw_only=True)
class Event:
    """The envelope every event shares. Use a subclass; unknown codes give ``UnknownEvent``.

    ``raw`` is the decoded body as received (nested dicts of strings for form bodies), for
    whatever the typed fields do not cover. It takes no part in equality and is not shown
    in the event's ``repr``; it is a ``dict`` whose own ``repr``/``str`` mask the tokens at
    any depth (``json.dumps(event.raw)`` still gives all of it). ``b24botevents.to_dict(event)``
    writes an event back to its wire shape.

    ``ts`` is when the event was sent; for an event fetched with ``imbot.v2.Event.get``
    (``b24botevents.parse_fetch_response``) it is the item's ``date``, and ``event_id``
    its ``eventId``.
    """

    #: Event code(s) this class models; the converter dispatches on them.
    CODES: ClassVar[tuple[str, ...]] = ()

    code: str
    handler_id: int | None = None
    #: The queue's ``eventId`` of an event fetched with ``imbot.v2.Event.get`` (fetch
    #: mode); None for webhook deliveries.
    event_id: int | None = None
    ts: datetime | None = None
    auth: Auth | None = attrs.field(default=None, converter=empty_auth_is_none)
    data: object = None
    raw: dict[str, Any] = attrs.field(factory=RawTree, converter=as_raw_tree, eq=False, repr=False)

    @property
    def member_id(self) -> str | None:
        """The portal's ``member_id`` from the envelope's ``auth``, if any."""
        return self.auth.member_id if self.auth is not None else None

    @property
    def domain(self) -> str | None:
        """The portal's domain from the envelope's ``auth``, if any."""
        return self.auth.domain if self.auth is not None else None


@attrs.frozen(kw_only=True)
class UnknownEvent(Event):
    """Any event without a model: the envelope is typed, ``data`` is the raw mapping (a
    ``dict`` whose ``repr`` masks the tokens, like ``raw``)."""

    data: dict[str, Any] = attrs.field(factory=RawTree, converter=as_raw_tree, repr=redacted_repr)
