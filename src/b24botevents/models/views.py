"""The properties every ``imbot.v2``-shaped chat event reads the same way, bot or none.

The v2 bot events (``v2``) and the im.v2 user events (``user_events``) carry the same
``chat``, ``user``, ``language`` and ``message`` (or ``messageId``, or ``dialogId``); these
mixins read them. The bot events add ``bots``/``bot_ids`` (``v2.V2ChatView``); the user
events have no bot.

* ``ChatView``: ``language``, ``user_id`` (``user.id``), ``chat_id`` and ``dialog_id``
  (``chat.id``, ``chat.dialogId``; None without a ``chat``);
* ``InChatView``: the same where ``chat`` is required, so never None;
* ``MessageView``: also ``text``, ``message_id`` and ``author_id`` of ``message``;
* ``DeletedMessageView``: a delete's ``messageId``; ``text`` and ``author_id`` are None;
* ``JoinView``: a join's ``dialog_id``, ``dialogId`` else ``chat.dialogId``.

Internal module: the event classes are in ``b24botevents.models``.
"""

from __future__ import annotations

from typing import Protocol

from .entities import Chat, Message, User

__all__ = ["ChatView", "DeletedMessageView", "InChatView", "JoinView", "MessageView"]


class _ChatData(Protocol):
    @property
    def chat(self) -> Chat | None: ...
    @property
    def user(self) -> User | None: ...
    @property
    def language(self) -> str | None: ...


class _InChatData(_ChatData, Protocol):
    @property
    def chat(self) -> Chat: ...


class _MessageData(_InChatData, Protocol):
    @property
    def message(self) -> Message: ...


class _DeleteData(_InChatData, Protocol):
    @property
    def message_id(self) -> int: ...


class _JoinData(_ChatData, Protocol):
    @property
    def dialog_id(self) -> str | None: ...


class ChatView:
    """``language``, ``user_id`` (who wrote, reacted, joined or added the bot), and the
    chat's ``chat_id``/``dialog_id``, None without a ``chat``."""

    __slots__ = ()
    data: _ChatData  # declared by each event class

    @property
    def language(self) -> str | None:
        """The language code of ``data``, if sent."""
        return self.data.language

    @property
    def user_id(self) -> int | None:
        """``user.id``: who wrote, reacted, joined or added the bot; None without a ``user``."""
        user = self.data.user
        return user.id if user is not None else None

    @property
    def chat_id(self) -> int | None:
        """``chat.id``; None without a ``chat``."""
        chat = self.data.chat
        return chat.id if chat is not None else None

    @property
    def dialog_id(self) -> str | None:
        """``chat.dialogId``; None without a ``chat``."""
        chat = self.data.chat
        return chat.dialog_id if chat is not None else None


class InChatView(ChatView):
    """For the events whose ``chat`` is required: ``dialog_id`` and ``chat_id`` are set."""

    __slots__ = ()
    data: _InChatData

    @property
    def chat_id(self) -> int:
        """``chat.id`` (``chat`` is required here)."""
        return self.data.chat.id

    @property
    def dialog_id(self) -> str:
        """``chat.dialogId`` (``chat`` is required here)."""
        return self.data.chat.dialog_id


class MessageView(InChatView):
    """For the events that carry a (required) ``message`` object: its ``text``, ``id``
    and ``authorId`` (for a reaction: of the message reacted to)."""

    __slots__ = ()
    data: _MessageData

    @property
    def text(self) -> str:
        """The message's text (``message.text``)."""
        return self.data.message.text

    @property
    def message_id(self) -> int:
        """The message's id (``message.id``)."""
        return self.data.message.id

    @property
    def author_id(self) -> int | None:
        """The message's author (``message.authorId``), if sent."""
        return self.data.message.author_id


class DeletedMessageView(InChatView):
    """A deleted message: no ``message`` object, so ``text`` and ``author_id`` are always
    None; ``message_id`` is ``messageId`` and ``user_id`` the deleted message's author."""

    __slots__ = ()
    data: _DeleteData

    @property
    def text(self) -> str | None:
        """Always None: a delete carries no message text."""
        return None

    @property
    def message_id(self) -> int:
        """The deleted message's id (``messageId``)."""
        return self.data.message_id

    @property
    def author_id(self) -> int | None:
        """Always None: a delete carries no author."""
        return None


class JoinView(ChatView):
    """A join: ``dialog_id`` is ``dialogId``, else ``chat.dialogId`` (both optional)."""

    __slots__ = ()
    data: _JoinData

    @property
    def dialog_id(self) -> str | None:
        """``dialogId``, else ``chat.dialogId``; None when neither is sent."""
        if self.data.dialog_id is not None:
            return self.data.dialog_id
        chat = self.data.chat
        return chat.dialog_id if chat is not None else None
