"""Generated: the typed overloads of ``Router.on``, one per modelled event code.

Do not edit by hand. ``python tests/router/test_registration_generated.py --write``
renders it from ``b24botevents.models.EVENT_TYPES`` and the cross-version ``Any...Event``
unions, and that test fails when this file is stale. ``Router`` supplies ``_register``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar, overload

from .models import (
    AppInstallEvent,
    AppUninstallEvent,
    AppUpdateEvent,
    BotCommandAddEvent,
    BotDeleteEvent,
    BotJoinChatEvent,
    BotMessageAddEvent,
    BotMessageDeleteEvent,
    BotMessageUpdateEvent,
    BotV2CommandAddEvent,
    BotV2ContextGetEvent,
    BotV2DeleteEvent,
    BotV2JoinChatEvent,
    BotV2MessageAddEvent,
    BotV2MessageDeleteEvent,
    BotV2MessageUpdateEvent,
    BotV2ReactionChangeEvent,
    UserJoinChatEvent,
    UserMessageAddEvent,
    UserMessageDeleteEvent,
    UserMessageUpdateEvent,
    UserReactionChangeEvent,
)

AnyHandler = TypeVar("AnyHandler", bound=Callable[[Any], object])
BotDeleteEventHandler = TypeVar("BotDeleteEventHandler", bound=Callable[[BotDeleteEvent], object])
BotV2DeleteEventHandler = TypeVar(
    "BotV2DeleteEventHandler", bound=Callable[[BotV2DeleteEvent], object]
)
BotMessageAddEventHandler = TypeVar(
    "BotMessageAddEventHandler", bound=Callable[[BotMessageAddEvent], object]
)
BotMessageUpdateEventHandler = TypeVar(
    "BotMessageUpdateEventHandler", bound=Callable[[BotMessageUpdateEvent], object]
)
BotMessageDeleteEventHandler = TypeVar(
    "BotMessageDeleteEventHandler", bound=Callable[[BotMessageDeleteEvent], object]
)
BotJoinChatEventHandler = TypeVar(
    "BotJoinChatEventHandler", bound=Callable[[BotJoinChatEvent], object]
)
BotCommandAddEventHandler = TypeVar(
    "BotCommandAddEventHandler", bound=Callable[[BotCommandAddEvent], object]
)
BotV2MessageAddEventHandler = TypeVar(
    "BotV2MessageAddEventHandler", bound=Callable[[BotV2MessageAddEvent], object]
)
BotV2MessageUpdateEventHandler = TypeVar(
    "BotV2MessageUpdateEventHandler", bound=Callable[[BotV2MessageUpdateEvent], object]
)
BotV2MessageDeleteEventHandler = TypeVar(
    "BotV2MessageDeleteEventHandler", bound=Callable[[BotV2MessageDeleteEvent], object]
)
BotV2JoinChatEventHandler = TypeVar(
    "BotV2JoinChatEventHandler", bound=Callable[[BotV2JoinChatEvent], object]
)
BotV2CommandAddEventHandler = TypeVar(
    "BotV2CommandAddEventHandler", bound=Callable[[BotV2CommandAddEvent], object]
)
BotV2ReactionChangeEventHandler = TypeVar(
    "BotV2ReactionChangeEventHandler", bound=Callable[[BotV2ReactionChangeEvent], object]
)
BotV2ContextGetEventHandler = TypeVar(
    "BotV2ContextGetEventHandler", bound=Callable[[BotV2ContextGetEvent], object]
)
UserMessageAddEventHandler = TypeVar(
    "UserMessageAddEventHandler", bound=Callable[[UserMessageAddEvent], object]
)
UserMessageUpdateEventHandler = TypeVar(
    "UserMessageUpdateEventHandler", bound=Callable[[UserMessageUpdateEvent], object]
)
UserMessageDeleteEventHandler = TypeVar(
    "UserMessageDeleteEventHandler", bound=Callable[[UserMessageDeleteEvent], object]
)
UserReactionChangeEventHandler = TypeVar(
    "UserReactionChangeEventHandler", bound=Callable[[UserReactionChangeEvent], object]
)
UserJoinChatEventHandler = TypeVar(
    "UserJoinChatEventHandler", bound=Callable[[UserJoinChatEvent], object]
)
AppInstallEventHandler = TypeVar(
    "AppInstallEventHandler", bound=Callable[[AppInstallEvent], object]
)
AppUpdateEventHandler = TypeVar("AppUpdateEventHandler", bound=Callable[[AppUpdateEvent], object])
AppUninstallEventHandler = TypeVar(
    "AppUninstallEventHandler", bound=Callable[[AppUninstallEvent], object]
)
AnyBotDeleteEventHandler = TypeVar(
    "AnyBotDeleteEventHandler", bound=Callable[[BotDeleteEvent | BotV2DeleteEvent], object]
)
AnyCommandEventHandler = TypeVar(
    "AnyCommandEventHandler", bound=Callable[[BotCommandAddEvent | BotV2CommandAddEvent], object]
)
AnyJoinChatEventHandler = TypeVar(
    "AnyJoinChatEventHandler", bound=Callable[[BotJoinChatEvent | BotV2JoinChatEvent], object]
)
AnyMessageAddEventHandler = TypeVar(
    "AnyMessageAddEventHandler", bound=Callable[[BotMessageAddEvent | BotV2MessageAddEvent], object]
)
AnyMessageDeleteEventHandler = TypeVar(
    "AnyMessageDeleteEventHandler",
    bound=Callable[[BotMessageDeleteEvent | BotV2MessageDeleteEvent], object],
)
AnyMessageUpdateEventHandler = TypeVar(
    "AnyMessageUpdateEventHandler",
    bound=Callable[[BotMessageUpdateEvent | BotV2MessageUpdateEvent], object],
)


class TypedRegistration:
    """``on(code, ...)``, typed for every modelled code: mypy checks the handler."""

    __slots__ = ()

    def _register(self, codes: tuple[str, ...]) -> Callable[[AnyHandler], AnyHandler]:
        raise NotImplementedError

    @overload
    def on(
        self, code: Literal["ONIMBOTDELETE"], /
    ) -> Callable[[BotDeleteEventHandler], BotDeleteEventHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTV2DELETE"], /
    ) -> Callable[[BotV2DeleteEventHandler], BotV2DeleteEventHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTMESSAGEADD"], /
    ) -> Callable[[BotMessageAddEventHandler], BotMessageAddEventHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTMESSAGEUPDATE"], /
    ) -> Callable[[BotMessageUpdateEventHandler], BotMessageUpdateEventHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTMESSAGEDELETE"], /
    ) -> Callable[[BotMessageDeleteEventHandler], BotMessageDeleteEventHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTJOINCHAT"], /
    ) -> Callable[[BotJoinChatEventHandler], BotJoinChatEventHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMCOMMANDADD"], /
    ) -> Callable[[BotCommandAddEventHandler], BotCommandAddEventHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTV2MESSAGEADD"], /
    ) -> Callable[[BotV2MessageAddEventHandler], BotV2MessageAddEventHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTV2MESSAGEUPDATE"], /
    ) -> Callable[[BotV2MessageUpdateEventHandler], BotV2MessageUpdateEventHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTV2MESSAGEDELETE"], /
    ) -> Callable[[BotV2MessageDeleteEventHandler], BotV2MessageDeleteEventHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTV2JOINCHAT"], /
    ) -> Callable[[BotV2JoinChatEventHandler], BotV2JoinChatEventHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTV2COMMANDADD"], /
    ) -> Callable[[BotV2CommandAddEventHandler], BotV2CommandAddEventHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTV2REACTIONCHANGE"], /
    ) -> Callable[[BotV2ReactionChangeEventHandler], BotV2ReactionChangeEventHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTV2CONTEXTGET"], /
    ) -> Callable[[BotV2ContextGetEventHandler], BotV2ContextGetEventHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMV2MESSAGEADD"], /
    ) -> Callable[[UserMessageAddEventHandler], UserMessageAddEventHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMV2MESSAGEUPDATE"], /
    ) -> Callable[[UserMessageUpdateEventHandler], UserMessageUpdateEventHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMV2MESSAGEDELETE"], /
    ) -> Callable[[UserMessageDeleteEventHandler], UserMessageDeleteEventHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMV2REACTIONCHANGE"], /
    ) -> Callable[[UserReactionChangeEventHandler], UserReactionChangeEventHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMV2JOINCHAT"], /
    ) -> Callable[[UserJoinChatEventHandler], UserJoinChatEventHandler]: ...
    @overload
    def on(
        self, code: Literal["ONAPPINSTALL"], /
    ) -> Callable[[AppInstallEventHandler], AppInstallEventHandler]: ...
    @overload
    def on(
        self, code: Literal["ONAPPUPDATE"], /
    ) -> Callable[[AppUpdateEventHandler], AppUpdateEventHandler]: ...
    @overload
    def on(
        self, code: Literal["ONAPPUNINSTALL"], /
    ) -> Callable[[AppUninstallEventHandler], AppUninstallEventHandler]: ...
    @overload
    def on(
        self,
        code: Literal["ONIMBOTDELETE", "ONIMBOTV2DELETE"],
        code2: Literal["ONIMBOTDELETE", "ONIMBOTV2DELETE"],
        /,
    ) -> Callable[[AnyBotDeleteEventHandler], AnyBotDeleteEventHandler]: ...
    @overload
    def on(
        self,
        code: Literal["ONIMCOMMANDADD", "ONIMBOTV2COMMANDADD"],
        code2: Literal["ONIMCOMMANDADD", "ONIMBOTV2COMMANDADD"],
        /,
    ) -> Callable[[AnyCommandEventHandler], AnyCommandEventHandler]: ...
    @overload
    def on(
        self,
        code: Literal["ONIMBOTJOINCHAT", "ONIMBOTV2JOINCHAT"],
        code2: Literal["ONIMBOTJOINCHAT", "ONIMBOTV2JOINCHAT"],
        /,
    ) -> Callable[[AnyJoinChatEventHandler], AnyJoinChatEventHandler]: ...
    @overload
    def on(
        self,
        code: Literal["ONIMBOTMESSAGEADD", "ONIMBOTV2MESSAGEADD"],
        code2: Literal["ONIMBOTMESSAGEADD", "ONIMBOTV2MESSAGEADD"],
        /,
    ) -> Callable[[AnyMessageAddEventHandler], AnyMessageAddEventHandler]: ...
    @overload
    def on(
        self,
        code: Literal["ONIMBOTMESSAGEDELETE", "ONIMBOTV2MESSAGEDELETE"],
        code2: Literal["ONIMBOTMESSAGEDELETE", "ONIMBOTV2MESSAGEDELETE"],
        /,
    ) -> Callable[[AnyMessageDeleteEventHandler], AnyMessageDeleteEventHandler]: ...
    @overload
    def on(
        self,
        code: Literal["ONIMBOTMESSAGEUPDATE", "ONIMBOTV2MESSAGEUPDATE"],
        code2: Literal["ONIMBOTMESSAGEUPDATE", "ONIMBOTV2MESSAGEUPDATE"],
        /,
    ) -> Callable[[AnyMessageUpdateEventHandler], AnyMessageUpdateEventHandler]: ...
    @overload
    def on(self, code: str, /, *codes: str) -> Callable[[AnyHandler], AnyHandler]: ...

    def on(self, code: str, /, *codes: str) -> Callable[[AnyHandler], AnyHandler]:
        """Register the decorated function for one or more event codes (any case).

        For a literal code with a model, mypy checks the handler's parameter type:
        ``@router.on("ONIMBOTDELETE")`` expects ``Callable[[BotDeleteEvent], ...]``.
        """
        return self._register((code, *codes))
