"""Registration and execution of handlers: ``Router`` and ``DispatchResult``.

A ``Router`` maps event codes to handlers, registered with decorators that return the
function unchanged. ``dispatch`` runs them from synchronous code; ``adispatch`` awaits
async handlers and runs synchronous ones in a worker thread, so an event loop is never
blocked. Routers nest with ``include_router`` so an app can split handlers over modules.
The typed overloads of ``on`` are generated (``_registration.py``); the cross-version
decorators (``on_message``, ``on_bot_delete``, ...) are here.

Order: a router's own handlers for a code run first, in registration order, then those of
its included routers, in inclusion order. A handler registered with a filter (named
commands: ``on_command("help")``) runs only for the events it accepts; when no handler of
the code accepts an event, it counts as unhandled and the ``on_unknown`` fallbacks run. A
handler that raises is offered to the ``on_error`` hooks; if one returns normally the error
counts as dealt with and the next handler runs, otherwise the exception propagates out of
``dispatch``.

Internal module: import these names from ``b24botevents``.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from typing import Any, ClassVar, TypeVar, overload

import attrs

from ._concurrency import call_off_loop, call_sync, run_coroutine
from ._redact import shown_text
from ._registration import (
    AnyBotDeleteEventHandler,
    AnyCommandEventHandler,
    AnyHandler,
    AnyJoinChatEventHandler,
    AnyMessageAddEventHandler,
    AnyMessageDeleteEventHandler,
    AnyMessageUpdateEventHandler,
    AppInstallEventHandler,
    AppUninstallEventHandler,
    AppUpdateEventHandler,
    BotV2ReactionChangeEventHandler,
    TypedRegistration,
)
from ._registration import UserJoinChatEventHandler as _UserJoin
from ._registration import UserMessageAddEventHandler as _UserMessage
from ._registration import UserMessageDeleteEventHandler as _UserDelete
from ._registration import UserMessageUpdateEventHandler as _UserUpdate
from ._registration import UserReactionChangeEventHandler as _UserReaction
from ._slots import slot_setters
from .models import BotCommandAddEvent, BotV2CommandAddEvent, Event
from .models.base import command_key

logger = logging.getLogger("b24botevents")

#: A handler takes the event; it may be ``async``. Its return value is ignored.
Handler = Callable[[Any], object]
#: An error hook takes the event and the exception; return normally to mark it dealt with.
ErrorHook = Callable[[Event, Exception], object]

_EventHandler = TypeVar("_EventHandler", bound=Callable[[Event], object])
_ErrorHookT = TypeVar("_ErrorHookT", bound=ErrorHook)

#: Whether a filtered handler takes an event; None means it takes every event of its codes.
_Accepts = Callable[[Event], bool]
#: A registration: the handler and its filter.
_Entry = tuple[Handler, _Accepts | None]
#: The handlers of a plan with their filters, and the fallbacks for when none accepts.
_Guarded = tuple[tuple[_Entry, ...], tuple[Handler, ...]]
_COMMAND_CODES = ("ONIMCOMMANDADD", "ONIMBOTV2COMMANDADD")


@attrs.frozen
class DispatchResult:
    """What ``dispatch`` did with one event.

    ``handled`` is True when at least one handler registered for the event's code ran
    (``on_unknown`` fallbacks do not count); ``handlers`` are the callables that ran, in
    order; ``errors`` are the exceptions that ``on_error`` hooks dealt with.
    """

    event: Event
    handled: bool
    handlers: tuple[Handler, ...] = ()
    errors: tuple[Exception, ...] = ()


_SET_EVENT, _SET_HANDLED, _SET_HANDLERS, _SET_ERRORS = slot_setters(DispatchResult)
_new = object.__new__


class Router(TypedRegistration):
    """Holds handlers by event code; see the module docstring for the order they run in."""

    #: Bumped by every registration anywhere, so cached plans never go stale, even when a
    #: router is changed after it was included in another.
    _generation: ClassVar[int] = 0

    def __init__(self, *, name: str | None = None) -> None:
        self.name = name or f"router-{id(self):x}"
        self._plans: dict[str, tuple[int, tuple[Handler, ...], bool, _Guarded | None]] = {}
        self._handlers: dict[str, list[_Entry]] = {}
        self._unknown: list[Handler] = []
        self._error_hooks: list[ErrorHook] = []
        self._children: list[Router] = []
        self._parent: Router | None = None

    def __repr__(self) -> str:
        count = sum(len(handlers) for handlers in self._handlers.values())
        return f"<{type(self).__name__} {self.name!r}: {count} handlers>"

    # ---- registration ----------------------------------------------------------------

    def _register(
        self, codes: tuple[str, ...], accepts: _Accepts | None = None
    ) -> Callable[[AnyHandler], AnyHandler]:
        """What ``on(*codes)`` returns: a decorator adding the function for each code,
        run only for the events ``accepts`` returns True for (every event without it)."""
        for each in codes:
            if not isinstance(each, str) or not each.strip():
                raise ValueError(f"event codes must be non-empty strings, got {each!r}")

        def register(fn: AnyHandler) -> AnyHandler:
            if not callable(fn):
                raise TypeError(f"a handler must be callable, got {type(fn).__name__}")
            for each in codes:
                self._handlers.setdefault(each.strip().upper(), []).append((fn, accepts))
            Router._generation += 1
            return fn

        return register

    def on_bot_delete(self, fn: AnyBotDeleteEventHandler) -> AnyBotDeleteEventHandler:
        """Register for ONIMBOTDELETE and ONIMBOTV2DELETE; read ``event.bot_id``/``bot_code``."""
        return self.on("ONIMBOTDELETE", "ONIMBOTV2DELETE")(fn)

    def on_message(self, fn: AnyMessageAddEventHandler) -> AnyMessageAddEventHandler:
        """Register for ONIMBOTMESSAGEADD and ONIMBOTV2MESSAGEADD: messages to the bot.

        Both events have ``text``, ``dialog_id``, ``message_id`` (never None),
        ``author_id``, ``chat_id``, ``user_id``, ``bots``, ``bot_ids`` and ``language``, so
        one handler serves both API versions. A user's ONIMV2MESSAGEADD (every message
        in that user's chats) is not included: see ``on_user_message``.
        """
        return self.on("ONIMBOTMESSAGEADD", "ONIMBOTV2MESSAGEADD")(fn)

    def on_message_update(self, fn: AnyMessageUpdateEventHandler) -> AnyMessageUpdateEventHandler:
        """Register for ONIMBOTMESSAGEUPDATE and ONIMBOTV2MESSAGEUPDATE (``text`` is new)."""
        return self.on("ONIMBOTMESSAGEUPDATE", "ONIMBOTV2MESSAGEUPDATE")(fn)

    def on_message_delete(self, fn: AnyMessageDeleteEventHandler) -> AnyMessageDeleteEventHandler:
        """Register for ONIMBOTMESSAGEDELETE and ONIMBOTV2MESSAGEDELETE; read ``message_id``
        and ``dialog_id`` (v2 sends no ``text``)."""
        return self.on("ONIMBOTMESSAGEDELETE", "ONIMBOTV2MESSAGEDELETE")(fn)

    def on_join_chat(self, fn: AnyJoinChatEventHandler) -> AnyJoinChatEventHandler:
        """Register for ONIMBOTJOINCHAT and ONIMBOTV2JOINCHAT; read ``dialog_id`` (None only in
        a v2 join without ``dialogId`` and ``chat``), ``user_id`` (who added it), ``bots``."""
        return self.on("ONIMBOTJOINCHAT", "ONIMBOTV2JOINCHAT")(fn)

    @overload
    def on_command(self, fn: AnyCommandEventHandler, /) -> AnyCommandEventHandler: ...
    @overload
    def on_command(
        self, name: str, /, *names: str
    ) -> Callable[[AnyCommandEventHandler], AnyCommandEventHandler]: ...

    def on_command(
        self, fn_or_name: AnyCommandEventHandler | str, /, *names: str
    ) -> AnyCommandEventHandler | Callable[[AnyCommandEventHandler], AnyCommandEventHandler]:
        """Register for ONIMCOMMANDADD and ONIMBOTV2COMMANDADD: every command, or named ones.

        ``@dp.on_command`` runs for every command; ``@dp.on_command("help")`` or
        ``@dp.on_command("/help", "start")`` only for those: names match with or without
        the slash, in any case, in v1 (``echo``) and v2 (``/echo``) alike. A v1 event may
        carry several commands; a named handler runs when any of them matches. A handler
        that does not match neither runs nor counts in ``DispatchResult``. Read
        ``event.command_name``, ``command_params`` and ``command_id`` on either version.
        """
        if not isinstance(fn_or_name, str):
            if names:
                raise TypeError("on_command(fn) takes no names: use @on_command(*names)")
            return self._register(_COMMAND_CODES)(fn_or_name)
        return self._register(_COMMAND_CODES, _CommandFilter((fn_or_name, *names)))

    def on_reaction(self, fn: BotV2ReactionChangeEventHandler) -> BotV2ReactionChangeEventHandler:
        """Register for ONIMBOTV2REACTIONCHANGE (v2 only); read ``data.reaction``/``action``."""
        return self.on("ONIMBOTV2REACTIONCHANGE")(fn)

    # User events (im.v2, fetch mode only) are what a subscribed *user* sees in all their
    # chats, not messages to a bot: the bot decorators leave them out on purpose (an echo
    # bot would write into every chat of that user) and client.reply refuses them.

    def on_user_message(self, fn: _UserMessage) -> _UserMessage:
        """Register for ONIMV2MESSAGEADD: any new message in a subscribed user's chats."""
        return self.on("ONIMV2MESSAGEADD")(fn)

    def on_user_message_update(self, fn: _UserUpdate) -> _UserUpdate:
        """Register for ONIMV2MESSAGEUPDATE: a message edited in a subscribed user's chats."""
        return self.on("ONIMV2MESSAGEUPDATE")(fn)

    def on_user_message_delete(self, fn: _UserDelete) -> _UserDelete:
        """Register for ONIMV2MESSAGEDELETE: a message deleted in a subscribed user's chats."""
        return self.on("ONIMV2MESSAGEDELETE")(fn)

    def on_user_reaction(self, fn: _UserReaction) -> _UserReaction:
        """Register for ONIMV2REACTIONCHANGE: a reaction changed in a subscribed user's chats."""
        return self.on("ONIMV2REACTIONCHANGE")(fn)

    def on_user_join_chat(self, fn: _UserJoin) -> _UserJoin:
        """Register for ONIMV2JOINCHAT: someone was added to a subscribed user's chat."""
        return self.on("ONIMV2JOINCHAT")(fn)

    def on_app_install(self, fn: AppInstallEventHandler) -> AppInstallEventHandler:
        """Register for ONAPPINSTALL."""
        return self.on("ONAPPINSTALL")(fn)

    def on_app_update(self, fn: AppUpdateEventHandler) -> AppUpdateEventHandler:
        """Register for ONAPPUPDATE."""
        return self.on("ONAPPUPDATE")(fn)

    def on_app_uninstall(self, fn: AppUninstallEventHandler) -> AppUninstallEventHandler:
        """Register for ONAPPUNINSTALL."""
        return self.on("ONAPPUNINSTALL")(fn)

    def on_unknown(self, fn: _EventHandler) -> _EventHandler:
        """Register a fallback that runs when no handler matches the event's code."""
        if not callable(fn):
            raise TypeError(f"a handler must be callable, got {type(fn).__name__}")
        self._unknown.append(fn)
        Router._generation += 1
        return fn

    def on_error(self, fn: _ErrorHookT) -> _ErrorHookT:
        """Register ``hook(event, exc)``; returning normally marks the error dealt with."""
        if not callable(fn):
            raise TypeError(f"an error hook must be callable, got {type(fn).__name__}")
        self._error_hooks.append(fn)
        Router._generation += 1
        return fn

    def include_router(self, router: Router) -> Router:
        """Add a sub-router; its handlers run after this router's own. Returns it."""
        if not isinstance(router, Router):
            raise TypeError(f"expected a Router, got {type(router).__name__}")
        if router._parent is not None:
            raise ValueError(f"{router!r} is already included in {router._parent!r}")
        ancestor: Router | None = self
        while ancestor is not None:
            if ancestor is router:
                raise ValueError(f"including {router!r} in {self!r} would make a cycle")
            ancestor = ancestor._parent
        router._parent = self
        self._children.append(router)
        Router._generation += 1
        return router

    # ---- lookup ----------------------------------------------------------------------

    def _routers(self) -> Iterator[Router]:
        """This router and every included one, depth-first in inclusion order."""
        stack = [self]
        while stack:
            router = stack.pop()
            yield router
            stack.extend(reversed(router._children))

    def handlers_for(self, code: str) -> list[Handler]:
        """The handlers registered for ``code``, in the order ``dispatch`` runs them (a
        handler for named commands only runs for events with one of its commands)."""
        return [fn for fn, _ in self._entries(code.upper())]

    def _entries(self, key: str) -> list[_Entry]:
        return [entry for router in self._routers() for entry in router._handlers.get(key, ())]

    def _plan(self, event: Event) -> tuple[tuple[Handler, ...], bool, _Guarded | None]:
        """The handlers to run, whether they are the code's own (not ``on_unknown``), and,
        when some have a filter, everything ``_select`` needs to choose per event."""
        cached = self._plans.get(event.code)
        if cached is not None and cached[0] == Router._generation:
            return cached[1], cached[2], cached[3]
        entries = tuple(self._entries(event.code.upper()))
        fallbacks = tuple(fn for router in self._routers() for fn in router._unknown)
        guarded: _Guarded | None = None
        if any(accepts is not None for _, accepts in entries):
            guarded = (entries, fallbacks)
        handlers = tuple(fn for fn, _ in entries)
        handled = bool(handlers)
        if not handled:
            handlers = fallbacks
        if len(self._plans) < 1024:  # codes come from the wire: bound the cache
            self._plans[event.code] = (Router._generation, handlers, handled, guarded)
        return handlers, handled, guarded

    def _hooks(self) -> list[ErrorHook]:
        return [hook for router in self._routers() for hook in router._error_hooks]

    # ---- execution -------------------------------------------------------------------

    def dispatch(self, event: Event) -> DispatchResult:
        """Run the event's handlers synchronously (async ones via ``asyncio.run``)."""
        # The plan cache is read inline: this runs for every event.
        cached = self._plans.get(event.code)
        if cached is not None and cached[0] == Router._generation:
            handlers, handled, guarded = cached[1], cached[2], cached[3]
        else:
            handlers, handled, guarded = self._plan(event)
        if guarded is not None:  # some handler has a filter: choose for this event
            handlers, handled = _select(event, guarded)
        if not handlers:
            logger.debug("no handler for %s", shown_text(event.code))
        errors: list[Exception] | None = None  # made on the first error only
        for fn in handlers:
            try:
                outcome = fn(event)
                if outcome is not None and inspect.isawaitable(outcome):
                    run_coroutine(outcome)
            except Exception as exc:
                self._deal_with(event, exc, fn)
                errors = [*(errors or ()), exc]
        # DispatchResult(event, handled, handlers, errors), with the slots set directly.
        result: DispatchResult = _new(DispatchResult)
        _SET_EVENT(result, event)
        _SET_HANDLED(result, handled)
        _SET_HANDLERS(result, handlers)
        _SET_ERRORS(result, tuple(errors) if errors else ())
        return result

    def _deal_with(self, event: Event, exc: Exception, fn: Handler) -> None:
        hooks = self._hooks()
        if not hooks:
            raise exc
        for hook in hooks:
            call_sync(hook, event, exc)  # a hook that raises propagates: not dealt with
        logger.debug("error in %s for %s dealt with by on_error", _name(fn), shown_text(event.code))

    async def adispatch(self, event: Event, *, executor: Executor | None = None) -> DispatchResult:
        """Run the event's handlers from async code: async ones are awaited in the loop,
        sync ones run in ``executor`` (default: ``asyncio.to_thread``'s pool) with the
        caller's context variables."""
        handlers, handled, guarded = self._plan(event)
        if guarded is not None:
            handlers, handled = _select(event, guarded)
        errors: list[Exception] = []
        for fn in handlers:
            try:
                await call_off_loop(fn, (event,), executor)
            except Exception as exc:
                await self._adeal_with(event, exc, fn, executor)
                errors.append(exc)
        return DispatchResult(event, handled, handlers, tuple(errors) if errors else ())

    async def _adeal_with(
        self, event: Event, exc: Exception, fn: Handler, executor: Executor | None
    ) -> None:
        hooks = self._hooks()
        if not hooks:
            raise exc
        for hook in hooks:
            await call_off_loop(hook, (event, exc), executor)
        logger.debug("error in %s for %s dealt with by on_error", _name(fn), shown_text(event.code))


def _select(event: Event, guarded: _Guarded) -> tuple[tuple[Handler, ...], bool]:
    """The handlers that accept ``event`` (and True), or the fallbacks (and False)."""
    entries, fallbacks = guarded
    chosen = [fn for fn, accepts in entries if accepts is None or accepts(event)]
    return (tuple(chosen), True) if chosen else (fallbacks, False)


class _CommandFilter:
    """Accepts a command event with a command of one of the names (as ``command_key``)."""

    __slots__ = ("names",)

    def __init__(self, names: tuple[object, ...]) -> None:
        keys: list[str] = []
        for name in names:
            key = command_key(name) if isinstance(name, str) else ""
            if not key or any(char.isspace() for char in key):
                raise ValueError(f"command names must be single words like 'help', got {name!r}")
            keys.append(key)
        self.names = frozenset(keys)

    def __call__(self, event: Event) -> bool:
        if isinstance(event, (BotCommandAddEvent, BotV2CommandAddEvent)):
            return not self.names.isdisjoint(event.command_names)
        return False

    def __repr__(self) -> str:
        return f"<commands {', '.join(sorted(self.names))}>"


def _name(fn: Callable[..., object]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)
