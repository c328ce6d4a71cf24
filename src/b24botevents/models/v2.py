"""The ``imbot.v2`` events: delete, messages, joins, commands, reactions, context.

Each event's ``data`` holds the bot and, for chat events, the chat, the user and the
language (``BotV2ChatData``). ``V2ChatView``, ``V2InChatView``, ``V2MessageView`` and
``V2CommandView`` (over the bot-free ``views``, shared with the im.v2 user events) give
these events the same properties as their v1 counterparts.

What a reply needs is required where the docs' field tables list it for the event: the
``chat`` of messages, deletes, commands and reactions, their ``message`` (``messageId`` for a
delete), a command's ``command`` and a context's ``dialogId``; within them the entities'
non-null fields (``Chat.dialogId``, ``Message.text``, ``Command.command``). A body without
one is refused with a ``SchemaError`` naming it. ONIMBOTV2JOINCHAT keeps ``chat`` and
``dialogId`` optional.

Internal module: import these from ``b24botevents.models`` (or ``b24botevents``).
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

import attrs

from ._freeform import form_text_tree
from .base import BotRef, Event, command_key
from .entities import Bot, Chat, Command, Message, User
from .views import ChatView, DeletedMessageView, InChatView, JoinView, MessageView


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
        """The removed bot's id (``data.bot.id``)."""
        return self.data.bot.id

    @property
    def bot_code(self) -> str:
        """The removed bot's code (``data.bot.code``)."""
        return self.data.bot.code


@attrs.frozen(kw_only=True)
class BotV2ChatData:
    """What the ``data`` of every v2 chat event has: the bot, the chat, the user (who
    wrote, reacted, or added the bot) and the chat's language.

    ``chat`` is optional here; the events whose docs always list it redeclare it as
    required (which puts it after ``language`` in the field order).
    """

    bot: Bot
    chat: Chat | None = None
    user: User | None = None
    language: str | None = None


@attrs.frozen(kw_only=True)
class BotV2MessageData(BotV2ChatData):
    """``data`` of ONIMBOTV2MESSAGEADD/UPDATE: ``chat`` and ``message`` are required."""

    chat: Chat
    message: Message


@attrs.frozen(kw_only=True)
class BotV2MessageDeleteData(BotV2ChatData):
    """``data`` of ONIMBOTV2MESSAGEDELETE: a required ``messageId`` and ``chat``, no
    ``message`` object."""

    chat: Chat
    message_id: int


@attrs.frozen(kw_only=True)
class BotV2JoinChatData(BotV2ChatData):
    """``data`` of ONIMBOTV2JOINCHAT; ``user`` is who added the bot."""

    dialog_id: str | None = None


@attrs.frozen(kw_only=True)
class BotV2CommandData(BotV2ChatData):
    """``data`` of ONIMBOTV2COMMANDADD: one event per command in a message; ``chat``,
    ``command`` and ``message`` are required (``imbot.v2.Command.answer`` needs them)."""

    chat: Chat
    command: Command
    message: Message


@attrs.frozen(kw_only=True)
class BotV2ReactionChangeData(BotV2ChatData):
    """``data`` of ONIMBOTV2REACTIONCHANGE; ``action`` is ``add`` or ``delete``; ``user``
    is who reacted, ``message`` (required, like ``chat``) the message reacted to."""

    chat: Chat
    reaction: str | None = None
    action: str | None = None
    message: Message


@attrs.frozen(kw_only=True)
class BotV2ContextGetData(BotV2ChatData):
    """``data`` of ONIMBOTV2CONTEXTGET; ``dialog_id`` is required.

    ``context`` is "arbitrary JSON" (``bot-context.md``), so it is read as a webhook body
    carries it, in fetch mode too: text leaves (``{"taskId": 456}`` gives
    ``{"taskId": "456"}``, ``true`` ``"1"``; ``null`` and empty objects are left out). One
    handler serves both modes; cast what you need (``int(context["taskId"])``).
    ``event.raw["data"]["context"]`` keeps it as sent.
    """

    dialog_id: str
    context: dict[str, Any] = attrs.field(factory=dict, converter=form_text_tree)


class _BotData(Protocol):
    @property
    def bot(self) -> Bot: ...


class V2BotView:
    """``bots``: the one bot of ``data.bot`` (v2 sends one call per bot) with its own tokens
    (``data[bot][auth]``: webhook mode only); ``bot_ids``: its id."""

    __slots__ = ()
    data: _BotData  # declared by each event class

    @property
    def bots(self) -> tuple[BotRef, ...]:
        """The one bot of ``data.bot``, with its own tokens (webhook mode only)."""
        bot = self.data.bot
        return (BotRef(id=bot.id, code=bot.code, auth=bot.auth),)

    @property
    def bot_ids(self) -> tuple[int, ...]:
        """The id of ``data.bot``, as a one-item tuple."""
        return (self.data.bot.id,)


class V2ChatView(V2BotView, ChatView):
    """Cross-version properties every v2 chat event can answer: ``bots``, ``bot_ids``
    (``V2BotView``), ``language``, ``user_id``, ``chat_id``, ``dialog_id`` (``ChatView``:
    ``user.id``, ``chat.id``, ``chat.dialogId``; None without a ``chat``)."""

    __slots__ = ()
    data: BotV2ChatData


class V2InChatView(V2ChatView, InChatView):
    """For the events whose ``chat`` is required: ``dialog_id`` and ``chat_id`` are set."""

    __slots__ = ()
    data: BotV2MessageData | BotV2MessageDeleteData | BotV2CommandData | BotV2ReactionChangeData


class V2MessageView(V2InChatView, MessageView):
    """For the v2 events that carry a (required) ``message`` object: its ``text``, ``id``
    and ``authorId`` (for a reaction: of the message reacted to)."""

    __slots__ = ()
    data: BotV2MessageData | BotV2CommandData | BotV2ReactionChangeData


class V2CommandView:
    """The command of ONIMBOTV2COMMANDADD, read like v1's: ``command_name`` lower-cased
    without the slash (``/Help`` -> ``help``), ``command_params`` (``""`` when none),
    ``command_id``; ``command_names`` is the one name (v2 sends one event per command)."""

    __slots__ = ()
    data: BotV2CommandData

    @property
    def command_name(self) -> str:
        """The command, lower-cased, without the slash."""
        return command_key(self.data.command.command)

    @property
    def command_names(self) -> tuple[str, ...]:
        """The one command name, as a tuple (v2 sends one event per command)."""
        return (command_key(self.data.command.command),)

    @property
    def command_params(self) -> str:
        """The text after the command; ``""`` when there is none."""
        return self.data.command.params or ""

    @property
    def command_id(self) -> int:
        """The command's id (``data.command.id``)."""
        return self.data.command.id


@attrs.frozen(kw_only=True)
class _BotV2MessageEvent(V2MessageView, Event):
    """The v2 add/update events; the properties match the v1 message events'."""

    data: BotV2MessageData


@attrs.frozen(kw_only=True)
class BotV2MessageAddEvent(_BotV2MessageEvent):
    """ONIMBOTV2MESSAGEADD: a message to the bot (private chat, or a mention)."""

    CODES: ClassVar[tuple[str, ...]] = ("ONIMBOTV2MESSAGEADD",)


@attrs.frozen(kw_only=True)
class BotV2MessageUpdateEvent(_BotV2MessageEvent):
    """ONIMBOTV2MESSAGEUPDATE: a message was edited; ``message`` has the new text."""

    CODES: ClassVar[tuple[str, ...]] = ("ONIMBOTV2MESSAGEUPDATE",)


@attrs.frozen(kw_only=True)
class BotV2MessageDeleteEvent(V2InChatView, DeletedMessageView, Event):
    """ONIMBOTV2MESSAGEDELETE: a message was deleted.

    There is no ``message`` object, so ``text`` and ``author_id`` are always None;
    ``message_id`` is ``messageId`` and ``user_id`` the deleted message's author.
    """

    CODES: ClassVar[tuple[str, ...]] = ("ONIMBOTV2MESSAGEDELETE",)
    data: BotV2MessageDeleteData


@attrs.frozen(kw_only=True)
class BotV2JoinChatEvent(V2ChatView, JoinView, Event):
    """ONIMBOTV2JOINCHAT: the bot was added to a chat; ``user_id`` is who added it.

    ``dialog_id`` is ``dialogId``, else ``chat.dialogId``; both are optional here.
    """

    CODES: ClassVar[tuple[str, ...]] = ("ONIMBOTV2JOINCHAT",)
    data: BotV2JoinChatData


@attrs.frozen(kw_only=True)
class BotV2CommandAddEvent(V2CommandView, V2MessageView, Event):
    """ONIMBOTV2COMMANDADD: a bot command was sent (one event per command)."""

    CODES: ClassVar[tuple[str, ...]] = ("ONIMBOTV2COMMANDADD",)
    data: BotV2CommandData


@attrs.frozen(kw_only=True)
class BotV2ReactionChangeEvent(V2MessageView, Event):
    """ONIMBOTV2REACTIONCHANGE: a reaction on a message was added or removed.

    ``user_id`` is who reacted; ``message_id``, ``text`` and ``author_id`` are the
    message's; ``data.reaction`` and ``data.action`` say what changed.
    """

    CODES: ClassVar[tuple[str, ...]] = ("ONIMBOTV2REACTIONCHANGE",)
    data: BotV2ReactionChangeData


@attrs.frozen(kw_only=True)
class BotV2ContextGetEvent(V2ChatView, Event):
    """ONIMBOTV2CONTEXTGET: the bot was opened with a context. Do no side effects here.

    ``dialog_id`` is ``dialogId`` (required); ``user_id`` is who opened the dialog.
    """

    CODES: ClassVar[tuple[str, ...]] = ("ONIMBOTV2CONTEXTGET",)
    data: BotV2ContextGetData

    @property
    def dialog_id(self) -> str:
        """The dialog that was opened (``dialogId``, required)."""
        return self.data.dialog_id
