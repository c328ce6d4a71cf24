"""Internal: ``ReplyMethods``, the reply half of ``RestClient`` (``reply``, ``typing`` ...).

Each method builds its call with ``replies`` and makes it with the client's ``call`` or
``acall``, with the credentials ``RestClient.credentials_for`` picks for the event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from b24botevents.models import Event
from b24botevents.stores import OAuthTokens

from ._flow import Credentials
from .replies import (
    ReplyTarget,
    delete_call,
    edit_call,
    message_call,
    message_id_of,
    reply_target,
    typing_call,
)

__all__ = ["ReplyMethods"]


class ReplyMethods:
    """The reply half of ``RestClient``: answers, "typing…", edits and deletes, sync and async."""

    # RestClient supplies these three.
    def credentials_for(
        self,
        portal: Any = None,
        *,
        domain: str | None = None,
        event_tokens: OAuthTokens | None = None,
    ) -> Credentials:
        """The credentials for a call about ``portal`` (``RestClient`` provides it)."""
        raise NotImplementedError

    def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        credentials: Credentials | None = None,
    ) -> Any:
        """Call ``method`` on the portal (``RestClient`` provides it)."""
        raise NotImplementedError

    async def acall(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        credentials: Credentials | None = None,
    ) -> Any:
        """Call ``method`` on the portal, async (``RestClient`` provides it)."""
        raise NotImplementedError

    def _for(self, target: ReplyTarget) -> Credentials:
        return self.credentials_for(
            target.member_id, domain=target.domain, event_tokens=target.tokens
        )

    def reply(
        self,
        event: Event,
        text: str | None = None,
        *,
        attach: Any = None,
        keyboard: Any = None,
        menu: Any = None,
        system: bool | None = None,
        url_preview: bool | None = None,
        reply_to: int | None = None,
        bot_id: int | None = None,
    ) -> int | None:
        """Answer ``event`` in its dialog, from its bot; return the new message's id.

        A command event gets the command's answer. ``menu`` is v1 only and ``reply_to``
        (the id of a message to quote) v2 only; ``system`` and ``url_preview`` are
        booleans on both.
        """
        target = reply_target(event, bot_id)
        method, params = message_call(
            target,
            text,
            attach=attach,
            keyboard=keyboard,
            menu=menu,
            system=system,
            url_preview=url_preview,
            reply_to=reply_to,
        )
        return message_id_of(self.call(method, params, credentials=self._for(target)))

    async def areply(
        self,
        event: Event,
        text: str | None = None,
        *,
        attach: Any = None,
        keyboard: Any = None,
        menu: Any = None,
        system: bool | None = None,
        url_preview: bool | None = None,
        reply_to: int | None = None,
        bot_id: int | None = None,
    ) -> int | None:
        """``reply`` for async code."""
        target = reply_target(event, bot_id)
        method, params = message_call(
            target,
            text,
            attach=attach,
            keyboard=keyboard,
            menu=menu,
            system=system,
            url_preview=url_preview,
            reply_to=reply_to,
        )
        return message_id_of(await self.acall(method, params, credentials=self._for(target)))

    def send(
        self,
        event: Event,
        text: str | None = None,
        *,
        attach: Any = None,
        keyboard: Any = None,
        bot_id: int | None = None,
    ) -> int | None:
        """A new message in the event's dialog, also for a command event (not its answer)."""
        target = reply_target(event, bot_id)
        method, params = message_call(
            target, text, attach=attach, keyboard=keyboard, answer_command=False
        )
        return message_id_of(self.call(method, params, credentials=self._for(target)))

    async def asend(
        self,
        event: Event,
        text: str | None = None,
        *,
        attach: Any = None,
        keyboard: Any = None,
        bot_id: int | None = None,
    ) -> int | None:
        """``send`` for async code."""
        target = reply_target(event, bot_id)
        method, params = message_call(
            target, text, attach=attach, keyboard=keyboard, answer_command=False
        )
        return message_id_of(await self.acall(method, params, credentials=self._for(target)))

    def typing(self, event: Event, *, bot_id: int | None = None) -> None:
        """Show "typing…" from the event's bot in its dialog."""
        target = reply_target(event, bot_id)
        method, params = typing_call(target)
        self.call(method, params, credentials=self._for(target))

    async def atyping(self, event: Event, *, bot_id: int | None = None) -> None:
        """``typing`` for async code."""
        target = reply_target(event, bot_id)
        method, params = typing_call(target)
        await self.acall(method, params, credentials=self._for(target))

    def edit(
        self,
        event: Event,
        message_id: int,
        text: str | None = None,
        *,
        attach: Any = None,
        keyboard: Any = None,
        url_preview: bool | None = None,
        bot_id: int | None = None,
    ) -> None:
        """Change the bot's own message ``message_id``."""
        target = reply_target(event, bot_id)
        method, params = edit_call(
            target, message_id, text, attach=attach, keyboard=keyboard, url_preview=url_preview
        )
        self.call(method, params, credentials=self._for(target))

    async def aedit(
        self,
        event: Event,
        message_id: int,
        text: str | None = None,
        *,
        attach: Any = None,
        keyboard: Any = None,
        url_preview: bool | None = None,
        bot_id: int | None = None,
    ) -> None:
        """``edit`` for async code."""
        target = reply_target(event, bot_id)
        method, params = edit_call(
            target, message_id, text, attach=attach, keyboard=keyboard, url_preview=url_preview
        )
        await self.acall(method, params, credentials=self._for(target))

    def delete(self, event: Event, message_id: int, *, bot_id: int | None = None) -> None:
        """Delete the bot's own message ``message_id``."""
        target = reply_target(event, bot_id)
        method, params = delete_call(target, message_id)
        self.call(method, params, credentials=self._for(target))

    async def adelete(self, event: Event, message_id: int, *, bot_id: int | None = None) -> None:
        """``delete`` for async code."""
        target = reply_target(event, bot_id)
        method, params = delete_call(target, message_id)
        await self.acall(method, params, credentials=self._for(target))
