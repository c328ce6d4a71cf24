"""Static checks of typed registration: mypy --strict reads this file, pytest never runs it.

``test_typing.py`` type-checks it (it must pass) and a copy with the ``# type: ignore``
marked ``BITE`` removed (that must fail), so the deliberate errors below prove that mypy
rejects mistyped handlers. mypy reports a handler that does not fit a decorator's bound
``TypeVar`` as ``[type-var]``; ``warn_unused_ignores`` (part of ``--strict``) turns every
ignore that stops being needed, i.e. typing that got looser, into an error.

A decorated ``def`` keeps its own type, parameter names included: calling it by keyword
and ``assert_type`` on its result check that. ``Callable``-typed values check the exact
type returned by each decorator.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from typing_extensions import assert_type

from b24botevents import (
    AnyBotDeleteEvent,
    AnyCommandEvent,
    AnyJoinChatEvent,
    AnyMessageAddEvent,
    AnyMessageDeleteEvent,
    AnyMessageUpdateEvent,
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
    Dispatcher,
    DispatchResult,
    Event,
    Response,
    Router,
    UserJoinChatEvent,
    UserMessageAddEvent,
    UserMessageDeleteEvent,
    UserMessageUpdateEvent,
    UserReactionChangeEvent,
)
from b24botevents.models import (
    Auth,
    BotCredentials,
    BotRef,
    Chat,
    Command,
    CommandCall,
    Message,
    User,
)

dp = Dispatcher(verify=False)
router = Router()
V1: BotDeleteEvent = ...  # type: ignore[assignment]  # values never used at run time
V2: BotV2DeleteEvent = ...  # type: ignore[assignment]
ANY_DELETE: AnyBotDeleteEvent = V1
MESSAGE_V1: BotMessageAddEvent = ...  # type: ignore[assignment]
COMMAND_V2: BotV2CommandAddEvent = ...  # type: ignore[assignment]

# ---- @dp.on(code) keeps the function's type ----------------------------------------------


@dp.on("ONIMBOTDELETE")
def on_v1(event: BotDeleteEvent) -> None:
    assert_type(event.bot_id, int)
    assert_type(event.bot_code, str)


assert_type(on_v1(event=V1), None)


@dp.on("ONIMBOTV2DELETE")
def on_v2(event: BotV2DeleteEvent) -> str:
    return event.data.bot.code


assert_type(on_v2(event=V2), str)


@router.on("ONIMBOTDELETE")
async def on_v1_async(event: BotDeleteEvent) -> int:
    return event.bot_id


@dp.on("ONIMBOTDELETE")
def on_v1_wider(event: Event) -> None:  # a handler for any event fits every code
    pass


@dp.on("ONIMBOTDELETE", "ONIMBOTV2DELETE")
def on_both(event: AnyBotDeleteEvent) -> None:
    pass


@dp.on("ONAPPINSTALL", "ONCRMDEALADD")
def on_anything(event: Event) -> None:
    pass


@dp.on("ONCRMDEALADD")
def on_unmodelled(event: Event) -> bool:
    return True


assert_type(on_unmodelled(event=V1), bool)


def _v2(event: BotV2DeleteEvent) -> None:
    pass


def _install(event: AppInstallEvent) -> None:
    pass


def _update(event: AppUpdateEvent) -> None:
    pass


def _uninstall(event: AppUninstallEvent) -> None:
    pass


# Plain Callable types: assert_type then checks exactly what each decorator returns.
v1_handler: Callable[[BotDeleteEvent], None] = on_v1
v2_handler: Callable[[BotV2DeleteEvent], None] = _v2
any_delete_handler: Callable[[AnyBotDeleteEvent], None] = on_both
event_handler: Callable[[Event], object] = on_v1_wider
install_handler: Callable[[AppInstallEvent], None] = _install
update_handler: Callable[[AppUpdateEvent], None] = _update
uninstall_handler: Callable[[AppUninstallEvent], None] = _uninstall

assert_type(dp.on("ONIMBOTDELETE")(v1_handler), Callable[[BotDeleteEvent], None])
assert_type(dp.on("ONIMBOTV2DELETE")(v2_handler), Callable[[BotV2DeleteEvent], None])
assert_type(dp.on("ONIMBOTDELETE")(event_handler), Callable[[Event], object])
assert_type(dp.on("ONAPPINSTALL")(install_handler), Callable[[AppInstallEvent], None])
assert_type(dp.on("ONAPPUPDATE")(update_handler), Callable[[AppUpdateEvent], None])
assert_type(dp.on("ONAPPUNINSTALL")(uninstall_handler), Callable[[AppUninstallEvent], None])
assert_type(
    dp.on("ONIMBOTDELETE", "ONIMBOTV2DELETE")(any_delete_handler),
    Callable[[AnyBotDeleteEvent], None],
)


# ---- on_bot_delete and the lifecycle decorators ----------------------------------------


@dp.on_bot_delete
def deleted(event: AnyBotDeleteEvent) -> None:
    assert_type(event.bot_id, int)
    assert_type(event.bot_code, str)


assert_type(deleted(event=V2), None)


@dp.on_bot_delete
def deleted_any(event: Event) -> int:
    return 0


assert_type(deleted_any(event=V1), int)


@dp.on_bot_delete
async def deleted_async(event: AnyBotDeleteEvent) -> None:
    pass


assert_type(dp.on_bot_delete(any_delete_handler), Callable[[AnyBotDeleteEvent], None])
assert_type(dp.on_bot_delete(event_handler), Callable[[Event], object])


@dp.on_app_install
def installed(event: AppInstallEvent) -> None:
    assert_type(event.data.version, str | None)


@dp.on_app_update
def updated(event: AppUpdateEvent) -> None:
    assert_type(event.data.previous_version, str | None)


@dp.on_app_uninstall
def uninstalled(event: AppUninstallEvent) -> None:
    assert_type(event.data.clean, bool | None)


@dp.on_unknown
def unknown(event: Event) -> None:
    pass


@dp.on_error
def failed(event: Event, exc: Exception) -> None:
    pass


@dp.on_error
async def failed_async(event: Event, exc: Exception) -> bool:
    return True


assert_type(failed(event=V1, exc=ValueError()), None)
assert_type(dp.include_router(router), Router)


async def _async_registration() -> None:
    async def handler(event: BotDeleteEvent) -> None:
        pass

    registered = dp.on("ONIMBOTDELETE")(handler)
    assert_type(await registered(event=V1), None)  # a keyword call: the name is kept too
    async_handler: Callable[[BotDeleteEvent], Coroutine[Any, Any, None]] = handler
    assert_type(
        dp.on("ONIMBOTDELETE")(async_handler),
        Callable[[BotDeleteEvent], Coroutine[Any, Any, None]],
    )
    assert_type(await on_v1_async(event=V1), int)
    assert_type(await deleted_async(event=ANY_DELETE), None)
    assert_type(await failed_async(V1, ValueError()), bool)


# ---- chat-bot events: one code, both versions, and the cross-version decorators ---------


@dp.on("ONIMBOTMESSAGEADD")
def on_message_v1(event: BotMessageAddEvent) -> None:
    assert_type(event.data.params.message, str)
    assert_type(event.data.params.chat_id, int | None)
    assert_type(event.data.bots, dict[int, BotCredentials])


@dp.on("ONIMBOTV2MESSAGEADD")
def on_message_v2(event: BotV2MessageAddEvent) -> None:
    assert_type(event.data.message, Message)
    assert_type(event.data.chat, Chat)
    assert_type(event.data.user, User | None)


@dp.on("ONIMBOTMESSAGEADD", "ONIMBOTV2MESSAGEADD")
def on_message_both(event: AnyMessageAddEvent) -> None:
    pass


@dp.on_message
def on_message_any(event: AnyMessageAddEvent) -> str:
    # What a reply needs is never None: the converter refuses bodies without it.
    assert_type(event.text, str)
    assert_type(event.dialog_id, str)
    assert_type(event.message_id, int)
    assert_type(event.author_id, int | None)
    assert_type(event.bots, tuple[BotRef, ...])
    assert_type(event.bots[0].auth, Auth | None)
    assert_type(event.bot_ids, tuple[int, ...])
    assert_type(event.chat_id, int | None)
    assert_type(event.user_id, int | None)
    assert_type(event.language, str | None)
    return event.text


assert_type(on_message_any(event=MESSAGE_V1), str)


@dp.on_message
async def on_message_async(event: AnyMessageAddEvent) -> None:
    pass


@dp.on_message_update
def on_update_any(event: AnyMessageUpdateEvent) -> None:
    assert_type(event.text, str)
    assert_type(event.dialog_id, str)
    assert_type(event.message_id, int)
    assert_type(event.bots, tuple[BotRef, ...])
    assert_type(event.chat_id, int | None)
    assert_type(event.user_id, int | None)


@dp.on_message_delete
def on_delete_any(event: AnyMessageDeleteEvent) -> None:
    assert_type(event.message_id, int)
    assert_type(event.dialog_id, str)
    assert_type(event.text, str | None)  # v2 sends no text for a deleted message
    assert_type(event.bots, tuple[BotRef, ...])
    assert_type(event.chat_id, int | None)
    assert_type(event.user_id, int | None)


@dp.on_join_chat
def on_join_any(event: AnyJoinChatEvent) -> None:
    assert_type(event.dialog_id, str | None)  # v2 keeps dialogId optional
    assert_type(event.bot_ids, tuple[int, ...])
    assert_type(event.bots, tuple[BotRef, ...])
    assert_type(event.chat_id, int | None)
    assert_type(event.user_id, int | None)


@dp.on_command
def on_command_any(event: AnyCommandEvent) -> None:
    assert_type(event.text, str)
    assert_type(event.dialog_id, str)
    assert_type(event.message_id, int)
    assert_type(event.command_name, str)
    assert_type(event.command_names, tuple[str, ...])
    assert_type(event.command_params, str)
    assert_type(event.command_id, int)
    assert_type(event.bots, tuple[BotRef, ...])
    assert_type(event.user_id, int | None)


@dp.on("ONIMCOMMANDADD")
def on_command_v1(event: BotCommandAddEvent) -> None:
    assert_type(event.data.commands, dict[int, CommandCall])


@dp.on("ONIMBOTV2COMMANDADD")
def on_command_v2(event: BotV2CommandAddEvent) -> None:
    assert_type(event.data.command, Command)
    assert_type(event.data.command.command, str)


@dp.on("ONIMBOTV2REACTIONCHANGE")
def on_reaction(event: BotV2ReactionChangeEvent) -> None:
    assert_type(event.data.reaction, str | None)
    assert_type(event.dialog_id, str)
    assert_type(event.message_id, int)
    assert_type(event.user_id, int | None)
    assert_type(event.bots, tuple[BotRef, ...])


@dp.on("ONIMBOTV2CONTEXTGET")
def on_context(event: BotV2ContextGetEvent) -> None:
    assert_type(event.data.context, dict[str, Any])
    assert_type(event.dialog_id, str)
    assert_type(event.chat_id, int | None)
    assert_type(event.user_id, int | None)
    assert_type(event.bots, tuple[BotRef, ...])


@dp.on_message
def on_message_wider(event: Event) -> None:  # a handler for any event fits every decorator
    pass


message_v1_handler: Callable[[BotMessageAddEvent], None] = on_message_v1
message_v2_handler: Callable[[BotV2MessageAddEvent], None] = on_message_v2
any_message_handler: Callable[[AnyMessageAddEvent], None] = on_message_both
update_v1_handler: Callable[[BotMessageUpdateEvent], None] = lambda event: None  # noqa: E731
update_v2_handler: Callable[[BotV2MessageUpdateEvent], None] = lambda event: None  # noqa: E731
delete_v1_handler: Callable[[BotMessageDeleteEvent], None] = lambda event: None  # noqa: E731
delete_v2_handler: Callable[[BotV2MessageDeleteEvent], None] = lambda event: None  # noqa: E731
join_v1_handler: Callable[[BotJoinChatEvent], None] = lambda event: None  # noqa: E731
join_v2_handler: Callable[[BotV2JoinChatEvent], None] = lambda event: None  # noqa: E731
command_v1_handler: Callable[[BotCommandAddEvent], None] = on_command_v1

assert_type(dp.on("ONIMBOTMESSAGEADD")(message_v1_handler), Callable[[BotMessageAddEvent], None])
assert_type(
    dp.on("ONIMBOTV2MESSAGEADD")(message_v2_handler), Callable[[BotV2MessageAddEvent], None]
)
assert_type(
    dp.on("ONIMBOTMESSAGEUPDATE")(update_v1_handler), Callable[[BotMessageUpdateEvent], None]
)
assert_type(
    dp.on("ONIMBOTV2MESSAGEUPDATE")(update_v2_handler), Callable[[BotV2MessageUpdateEvent], None]
)
assert_type(
    dp.on("ONIMBOTMESSAGEDELETE")(delete_v1_handler), Callable[[BotMessageDeleteEvent], None]
)
assert_type(
    dp.on("ONIMBOTV2MESSAGEDELETE")(delete_v2_handler), Callable[[BotV2MessageDeleteEvent], None]
)
assert_type(dp.on("ONIMBOTJOINCHAT")(join_v1_handler), Callable[[BotJoinChatEvent], None])
assert_type(dp.on("ONIMBOTV2JOINCHAT")(join_v2_handler), Callable[[BotV2JoinChatEvent], None])
assert_type(dp.on("ONIMCOMMANDADD")(command_v1_handler), Callable[[BotCommandAddEvent], None])
assert_type(dp.on_message(any_message_handler), Callable[[AnyMessageAddEvent], None])
assert_type(dp.on_message(event_handler), Callable[[Event], object])
assert_type(
    dp.on("ONIMBOTMESSAGEADD", "ONIMBOTV2MESSAGEADD")(any_message_handler),
    Callable[[AnyMessageAddEvent], None],
)


# ---- on_command: bare (every command) or with names --------------------------------------


@dp.on_command("help")
def on_help(event: AnyCommandEvent) -> str:
    assert_type(event.command_name, str)
    return event.command_params


assert_type(on_help(event=COMMAND_V2), str)


@router.on_command("/help", "start")
async def on_help_or_start(event: AnyCommandEvent) -> int:
    return event.command_id


@dp.on_command("help")
def on_help_wider(event: Event) -> None:  # a handler for any event fits here too
    pass


any_command_handler: Callable[[AnyCommandEvent], None] = on_command_any

assert_type(dp.on_command(any_command_handler), Callable[[AnyCommandEvent], None])
assert_type(dp.on_command("help")(any_command_handler), Callable[[AnyCommandEvent], None])
assert_type(dp.on_command("/help", "START")(any_command_handler), Callable[[AnyCommandEvent], None])
assert_type(dp.on_command("help")(event_handler), Callable[[Event], object])


async def _async_named_commands() -> None:
    assert_type(await on_help_or_start(event=COMMAND_V2), int)


# ---- results ---------------------------------------------------------------------------

assert_type(dp.dispatch(V1), DispatchResult)
assert_type(dp.handle(b"", content_type="application/x-www-form-urlencoded"), Response)
assert_type(dp.handle("", headers={"Content-Type": "application/json"}), Response)


async def _async_results() -> None:
    assert_type(await dp.adispatch(V1), DispatchResult)
    assert_type(await dp.ahandle(b"", content_type=None), Response)
    result = await dp.adispatch(V1)
    assert_type(result.handled, bool)
    assert_type(result.errors, tuple[Exception, ...])


# ---- the user events (im.v2) and on_reaction: one code each, the v2 properties, no bots ----


@dp.on_user_message
def on_user_message(event: UserMessageAddEvent) -> None:
    assert_type(event.text, str)
    assert_type(event.dialog_id, str)
    assert_type(event.message_id, int)
    assert_type(event.chat_id, int)
    assert_type(event.author_id, int | None)
    assert_type(event.user_id, int | None)
    assert_type(event.language, str | None)


@dp.on_user_message_update
def on_user_update(event: UserMessageUpdateEvent) -> None:
    assert_type(event.text, str)


@dp.on_user_message_delete
def on_user_delete(event: UserMessageDeleteEvent) -> None:
    assert_type(event.message_id, int)
    assert_type(event.text, str | None)
    assert_type(event.data.message_id, int)


@dp.on_user_reaction
def on_user_reaction(event: UserReactionChangeEvent) -> None:
    assert_type(event.data.reaction, str | None)
    assert_type(event.message_id, int)


@dp.on_user_join_chat
def on_user_join(event: UserJoinChatEvent) -> None:
    assert_type(event.dialog_id, str | None)
    assert_type(event.data.user, User | None)


@dp.on_reaction
def on_bot_reaction(event: BotV2ReactionChangeEvent) -> None:
    assert_type(event.bots, tuple[BotRef, ...])
    assert_type(event.data.action, str | None)


user_message_handler: Callable[[UserMessageAddEvent], None] = on_user_message
assert_type(dp.on("ONIMV2MESSAGEADD")(user_message_handler), Callable[[UserMessageAddEvent], None])


# ---- deliberate errors: each ignore must stay needed -----------------------------------

# A v2 handler for the v1 code, and the other way round.
dp.on("ONIMBOTDELETE")(v2_handler)  # type: ignore[type-var]  # BITE
dp.on("ONIMBOTV2DELETE")(v1_handler)  # type: ignore[type-var]


@dp.on("ONIMBOTDELETE")  # type: ignore[type-var]
def wrong_version(event: BotV2DeleteEvent) -> None:
    pass


# on_bot_delete gets both versions: a handler for only one of them does not fit.
dp.on_bot_delete(install_handler)  # type: ignore[type-var]
dp.on_bot_delete(v1_handler)  # type: ignore[type-var]
dp.on_bot_delete(v2_handler)  # type: ignore[type-var]
dp.on("ONIMBOTDELETE", "ONIMBOTV2DELETE")(v1_handler)  # type: ignore[type-var]


@dp.on_bot_delete  # type: ignore[type-var]
def deleted_install(event: AppInstallEvent) -> None:
    pass


# Lifecycle decorators want their own event.
dp.on_app_install(v1_handler)  # type: ignore[type-var]
dp.on_app_update(install_handler)  # type: ignore[type-var]
dp.on_app_uninstall(update_handler)  # type: ignore[type-var]
dp.on("ONAPPINSTALL")(uninstall_handler)  # type: ignore[type-var]
dp.on_unknown(v1_handler)  # type: ignore[type-var]
dp.on_error(event_handler)  # type: ignore[type-var]


# The message decorators get both versions: a handler for one of them does not fit.
dp.on_message(message_v1_handler)  # type: ignore[type-var]
dp.on_message(message_v2_handler)  # type: ignore[type-var]


@dp.on_message  # type: ignore[type-var]
def mistyped_message(event: BotMessageUpdateEvent) -> None:  # an update is not an add
    pass


dp.on("ONIMBOTMESSAGEADD")(message_v2_handler)  # type: ignore[type-var]
dp.on("ONIMBOTV2MESSAGEADD")(message_v1_handler)  # type: ignore[type-var]
dp.on_message_update(any_message_handler)  # type: ignore[type-var]
dp.on_message_delete(update_v1_handler)  # type: ignore[type-var]
dp.on_join_chat(join_v1_handler)  # type: ignore[type-var]
dp.on_command(command_v1_handler)  # type: ignore[type-var]
dp.on_command("help")(command_v1_handler)  # type: ignore[type-var]
dp.on_command("help", "start")(message_v2_handler)  # type: ignore[type-var]


@dp.on_command("help")  # type: ignore[type-var]
def mistyped_help(event: BotV2CommandAddEvent) -> None:  # named or not, both versions come
    pass


# Names are strings, and a handler is given alone or after the names, never with them.
dp.on_command()  # type: ignore[call-overload]
dp.on_command("help", 1)  # type: ignore[call-overload]
dp.on_command(any_command_handler, "help")  # type: ignore[call-overload]
dp.on("ONIMBOTV2REACTIONCHANGE")(message_v2_handler)  # type: ignore[type-var]

# A user event is no message to a bot: the bot decorators do not take its handler, and the
# user decorators take nothing else.
dp.on_message(user_message_handler)  # type: ignore[type-var]
dp.on_user_message(message_v2_handler)  # type: ignore[type-var]
dp.on_user_message_update(user_message_handler)  # type: ignore[type-var]
dp.on_reaction(user_message_handler)  # type: ignore[type-var]
dp.on("ONIMV2MESSAGEADD")(message_v2_handler)  # type: ignore[type-var]


@dp.on_user_join_chat  # type: ignore[type-var]
def mistyped_user_join(event: BotV2JoinChatEvent) -> None:
    pass
