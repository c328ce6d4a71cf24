"""Typed, frozen event models: the envelope, the ``auth`` block and each event's ``data``.

The classes are plain attrs value objects with snake_case attributes. They know nothing
about the wire: which key is ``BOT_ID`` or ``isHidden``, and how ``"Y"`` becomes ``True``,
is the converter's business (``convert.py``). Secret fields never show in ``repr``/``str``.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, ClassVar

import attrs

from .redact import mask_repr, redacted_repr

__all__ = [
    "EVENT_TYPES",
    "AnyBotDeleteEvent",
    "AppInstallData",
    "AppInstallEvent",
    "AppStatus",
    "AppUninstallData",
    "AppUninstallEvent",
    "AppUpdateData",
    "AppUpdateEvent",
    "Auth",
    "Bot",
    "BotDeleteData",
    "BotDeleteEvent",
    "BotV2DeleteData",
    "BotV2DeleteEvent",
    "Event",
    "UnknownEvent",
]


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


def _empty_auth_is_none(auth: Auth | None) -> Auth | None:
    """``Auth()`` carries nothing, and a form body cannot carry an empty block: None."""
    return None if auth is None or auth == _NO_AUTH else auth


_NO_AUTH = Auth()


@attrs.frozen(kw_only=True)
class Bot:
    """A v2 bot as events describe it.

    Webhook mode sends ``{id, code, auth}`` (``auth`` holds the bot's own tokens); fetch
    mode sends the full bot object without ``auth``. Everything but ``id`` and ``code`` is
    optional so that both shapes fit.
    """

    id: int
    code: str
    auth: Auth | None = attrs.field(default=None, converter=_empty_auth_is_none)
    type: str | None = None
    is_hidden: bool | None = None
    is_support_openline: bool | None = None
    is_reactions_enabled: bool | None = None
    background_id: str | None = None
    language: str | None = None
    module_id: str | None = None
    event_mode: str | None = None
    count_message: int | None = None
    count_command: int | None = None
    count_chat: int | None = None
    count_user: int | None = None
    #: Removed from ONIMBOTV2* events on 2026-05-01; older deliveries still carry it.
    app_id: str | None = None


@attrs.frozen(kw_only=True)
class Event:
    """The envelope every event shares. Use a subclass; unknown codes give ``UnknownEvent``.

    ``raw`` is the decoded body as received (nested dicts of strings for form bodies), for
    whatever the typed fields do not cover. It takes no part in equality and is not shown
    in ``repr`` (it holds the tokens).
    """

    #: Event code(s) this class models; the converter dispatches on them.
    CODES: ClassVar[tuple[str, ...]] = ()

    code: str
    handler_id: int | None = None
    ts: datetime | None = None
    auth: Auth | None = attrs.field(default=None, converter=_empty_auth_is_none)
    data: object = None
    raw: dict[str, Any] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def member_id(self) -> str | None:
        """The portal's ``member_id`` from the envelope's ``auth``, if any."""
        return self.auth.member_id if self.auth is not None else None

    @property
    def domain(self) -> str | None:
        """The portal's domain from the envelope's ``auth``, if any."""
        return self.auth.domain if self.auth is not None else None

    def to_dict(self, *, redact: bool = False) -> dict[str, Any]:
        """A JSON-serialisable, wire-shaped dict; ``parse_event`` of it equals this event.

        Typed fields are written with their wire names over ``raw``, so nothing the body
        carried is lost. ``redact=True`` masks every token, at any depth.
        """
        from .convert import event_to_dict  # same layer; a module-level import would cycle

        return event_to_dict(self, redact=redact)


# ---- v1: ONIMBOTDELETE ---------------------------------------------------------------


@attrs.frozen(kw_only=True)
class BotDeleteData:
    """``data`` of ONIMBOTDELETE: just the bot's id and code, no tokens."""

    bot_id: int
    bot_code: str


@attrs.frozen(kw_only=True)
class BotDeleteEvent(Event):
    """ONIMBOTDELETE (v1, legacy ``imbot``): a bot of this application was deleted."""

    CODES: ClassVar[tuple[str, ...]] = ("ONIMBOTDELETE",)
    data: BotDeleteData

    @property
    def bot_id(self) -> int:
        return self.data.bot_id

    @property
    def bot_code(self) -> str:
        return self.data.bot_code


# ---- v2: ONIMBOTV2DELETE -------------------------------------------------------------


@attrs.frozen(kw_only=True)
class BotV2DeleteData:
    """``data`` of ONIMBOTV2DELETE: the ``bot`` object and nothing else."""

    bot: Bot


@attrs.frozen(kw_only=True)
class BotV2DeleteEvent(Event):
    """ONIMBOTV2DELETE (``imbot.v2``): the bot was removed; its last event.

    Verification uses the top-level ``auth``, never ``data.bot.auth``.
    """

    CODES: ClassVar[tuple[str, ...]] = ("ONIMBOTV2DELETE",)
    data: BotV2DeleteData

    @property
    def bot_id(self) -> int:
        return self.data.bot.id

    @property
    def bot_code(self) -> str:
        return self.data.bot.code


#: Either delete event; both have ``bot_id`` and ``bot_code``.
AnyBotDeleteEvent = BotDeleteEvent | BotV2DeleteEvent


# ---- app lifecycle -------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class AppInstallData:
    """``data`` of ONAPPINSTALL."""

    version: str | None = None
    active: bool | None = None
    installed: bool | None = None
    language_id: str | None = None


@attrs.frozen(kw_only=True)
class AppInstallEvent(Event):
    """ONAPPINSTALL: the app was installed; ``auth.application_token`` is the one to keep."""

    CODES: ClassVar[tuple[str, ...]] = ("ONAPPINSTALL",)
    data: AppInstallData = attrs.field(factory=AppInstallData)


@attrs.frozen(kw_only=True)
class AppUpdateData:
    """``data`` of ONAPPUPDATE."""

    version: str | None = None
    previous_version: str | None = None
    language_id: str | None = None


@attrs.frozen(kw_only=True)
class AppUpdateEvent(Event):
    """ONAPPUPDATE: a new version was installed; it may bring a new ``application_token``."""

    CODES: ClassVar[tuple[str, ...]] = ("ONAPPUPDATE",)
    data: AppUpdateData = attrs.field(factory=AppUpdateData)


@attrs.frozen(kw_only=True)
class AppUninstallData:
    """``data`` of ONAPPUNINSTALL; ``clean`` is the user's "delete app data" choice."""

    language_id: str | None = None
    clean: bool | None = None


@attrs.frozen(kw_only=True)
class AppUninstallEvent(Event):
    """ONAPPUNINSTALL: the app was removed. Its auth holds no usable tokens."""

    CODES: ClassVar[tuple[str, ...]] = ("ONAPPUNINSTALL",)
    data: AppUninstallData = attrs.field(factory=AppUninstallData)


# ---- everything else -----------------------------------------------------------------


@attrs.frozen(kw_only=True)
class UnknownEvent(Event):
    """Any event without a model: the envelope is typed, ``data`` is the raw mapping."""

    data: dict[str, Any] = attrs.field(factory=dict, repr=redacted_repr)


#: Event code -> model class. Codes are upper case; lookups upper-case the wire code.
EVENT_TYPES: dict[str, type[Event]] = {
    code: cls
    for cls in (
        BotDeleteEvent,
        BotV2DeleteEvent,
        AppInstallEvent,
        AppUpdateEvent,
        AppUninstallEvent,
    )
    for code in cls.CODES
}
