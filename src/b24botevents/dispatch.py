"""Registration and execution of handlers: ``Router``.

A ``Router`` maps event codes to handlers, registered with decorators that return the
function unchanged. ``dispatch`` runs them from synchronous code; ``adispatch`` awaits
async handlers and runs synchronous ones in a worker thread, so an event loop is never
blocked. Routers nest with ``include_router`` so an app can split handlers over modules.

Order: a router's own handlers for a code run first, in registration order, then those of
its included routers, in inclusion order. A handler that raises is offered to the
``on_error`` hooks; if one returns normally the error counts as dealt with and the next
handler runs, otherwise the exception propagates out of ``dispatch``.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Executor
from typing import Any, ClassVar, Literal, TypeVar, overload

import attrs

from .models import (
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
    Event,
)

__all__ = ["DispatchResult", "ErrorHook", "Handler", "Router"]

logger = logging.getLogger("b24botevents")

#: A handler takes the event; it may be ``async``. Its return value is ignored.
Handler = Callable[[Any], object]
#: An error hook takes the event and the exception; return normally to mark it dealt with.
ErrorHook = Callable[[Event, Exception], object]

_AnyHandler = TypeVar("_AnyHandler", bound=Callable[[Any], object])
_BotDeleteHandler = TypeVar("_BotDeleteHandler", bound=Callable[[BotDeleteEvent], object])
_BotV2DeleteHandler = TypeVar("_BotV2DeleteHandler", bound=Callable[[BotV2DeleteEvent], object])
_AnyBotDeleteHandler = TypeVar("_AnyBotDeleteHandler", bound=Callable[[AnyBotDeleteEvent], object])
_InstallHandler = TypeVar("_InstallHandler", bound=Callable[[AppInstallEvent], object])
_UpdateHandler = TypeVar("_UpdateHandler", bound=Callable[[AppUpdateEvent], object])
_UninstallHandler = TypeVar("_UninstallHandler", bound=Callable[[AppUninstallEvent], object])
_MessageAddHandler = TypeVar("_MessageAddHandler", bound=Callable[[BotMessageAddEvent], object])
_MessageUpdateHandler = TypeVar(
    "_MessageUpdateHandler", bound=Callable[[BotMessageUpdateEvent], object]
)
_MessageDeleteHandler = TypeVar(
    "_MessageDeleteHandler", bound=Callable[[BotMessageDeleteEvent], object]
)
_JoinChatHandler = TypeVar("_JoinChatHandler", bound=Callable[[BotJoinChatEvent], object])
_CommandHandler = TypeVar("_CommandHandler", bound=Callable[[BotCommandAddEvent], object])
_V2MessageAddHandler = TypeVar(
    "_V2MessageAddHandler", bound=Callable[[BotV2MessageAddEvent], object]
)
_V2MessageUpdateHandler = TypeVar(
    "_V2MessageUpdateHandler", bound=Callable[[BotV2MessageUpdateEvent], object]
)
_V2MessageDeleteHandler = TypeVar(
    "_V2MessageDeleteHandler", bound=Callable[[BotV2MessageDeleteEvent], object]
)
_V2JoinChatHandler = TypeVar("_V2JoinChatHandler", bound=Callable[[BotV2JoinChatEvent], object])
_V2CommandHandler = TypeVar("_V2CommandHandler", bound=Callable[[BotV2CommandAddEvent], object])
_V2ReactionHandler = TypeVar(
    "_V2ReactionHandler", bound=Callable[[BotV2ReactionChangeEvent], object]
)
_V2ContextHandler = TypeVar("_V2ContextHandler", bound=Callable[[BotV2ContextGetEvent], object])
_AnyMessageAddHandler = TypeVar(
    "_AnyMessageAddHandler", bound=Callable[[AnyMessageAddEvent], object]
)
_AnyMessageUpdateHandler = TypeVar(
    "_AnyMessageUpdateHandler", bound=Callable[[AnyMessageUpdateEvent], object]
)
_AnyMessageDeleteHandler = TypeVar(
    "_AnyMessageDeleteHandler", bound=Callable[[AnyMessageDeleteEvent], object]
)
_AnyJoinChatHandler = TypeVar("_AnyJoinChatHandler", bound=Callable[[AnyJoinChatEvent], object])
_AnyCommandHandler = TypeVar("_AnyCommandHandler", bound=Callable[[AnyCommandEvent], object])
_EventHandler = TypeVar("_EventHandler", bound=Callable[[Event], object])
_ErrorHookT = TypeVar("_ErrorHookT", bound=ErrorHook)

BOT_DELETE_CODES = ("ONIMBOTDELETE", "ONIMBOTV2DELETE")


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


def _is_async(fn: Callable[..., object]) -> bool:
    if inspect.iscoroutinefunction(fn):
        return True
    call = getattr(fn, "__call__", None)  # noqa: B004 - async __call__ on an instance
    return call is not None and inspect.iscoroutinefunction(call)


def _run_coroutine(awaitable: Awaitable[object]) -> object:
    """Run an async handler's awaitable to completion from synchronous ``dispatch``."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        if inspect.iscoroutine(awaitable):
            awaitable.close()  # never awaited otherwise; avoid the RuntimeWarning
        raise RuntimeError(
            "an async handler cannot run from dispatch() inside a running event loop; "
            "use 'await adispatch(event)' (or 'await ahandle(...)')"
        )

    async def wait() -> object:
        return await awaitable

    return asyncio.run(wait())


class Router:
    """Holds handlers by event code; see the module docstring for the order they run in."""

    #: Bumped by every registration anywhere, so cached plans never go stale, even when a
    #: router is changed after it was included in another.
    _generation: ClassVar[int] = 0

    def __init__(self, *, name: str | None = None) -> None:
        self.name = name or f"router-{id(self):x}"
        self._plans: dict[str, tuple[int, list[Handler], bool]] = {}
        self._handlers: dict[str, list[Handler]] = {}
        self._unknown: list[Handler] = []
        self._error_hooks: list[ErrorHook] = []
        self._children: list[Router] = []
        self._parent: Router | None = None

    def __repr__(self) -> str:
        count = sum(len(handlers) for handlers in self._handlers.values())
        return f"<{type(self).__name__} {self.name!r}: {count} handlers>"

    # ---- registration ----------------------------------------------------------------

    @overload
    def on(
        self, code: Literal["ONIMBOTDELETE"], /
    ) -> Callable[[_BotDeleteHandler], _BotDeleteHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTV2DELETE"], /
    ) -> Callable[[_BotV2DeleteHandler], _BotV2DeleteHandler]: ...
    @overload
    def on(
        self,
        code: Literal["ONIMBOTDELETE", "ONIMBOTV2DELETE"],
        code2: Literal["ONIMBOTDELETE", "ONIMBOTV2DELETE"],
        /,
    ) -> Callable[[_AnyBotDeleteHandler], _AnyBotDeleteHandler]: ...
    @overload
    def on(
        self, code: Literal["ONAPPINSTALL"], /
    ) -> Callable[[_InstallHandler], _InstallHandler]: ...
    @overload
    def on(self, code: Literal["ONAPPUPDATE"], /) -> Callable[[_UpdateHandler], _UpdateHandler]: ...
    @overload
    def on(
        self, code: Literal["ONAPPUNINSTALL"], /
    ) -> Callable[[_UninstallHandler], _UninstallHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTMESSAGEADD"], /
    ) -> Callable[[_MessageAddHandler], _MessageAddHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTMESSAGEUPDATE"], /
    ) -> Callable[[_MessageUpdateHandler], _MessageUpdateHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTMESSAGEDELETE"], /
    ) -> Callable[[_MessageDeleteHandler], _MessageDeleteHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTJOINCHAT"], /
    ) -> Callable[[_JoinChatHandler], _JoinChatHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMCOMMANDADD"], /
    ) -> Callable[[_CommandHandler], _CommandHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTV2MESSAGEADD"], /
    ) -> Callable[[_V2MessageAddHandler], _V2MessageAddHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTV2MESSAGEUPDATE"], /
    ) -> Callable[[_V2MessageUpdateHandler], _V2MessageUpdateHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTV2MESSAGEDELETE"], /
    ) -> Callable[[_V2MessageDeleteHandler], _V2MessageDeleteHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTV2JOINCHAT"], /
    ) -> Callable[[_V2JoinChatHandler], _V2JoinChatHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTV2COMMANDADD"], /
    ) -> Callable[[_V2CommandHandler], _V2CommandHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTV2REACTIONCHANGE"], /
    ) -> Callable[[_V2ReactionHandler], _V2ReactionHandler]: ...
    @overload
    def on(
        self, code: Literal["ONIMBOTV2CONTEXTGET"], /
    ) -> Callable[[_V2ContextHandler], _V2ContextHandler]: ...
    @overload
    def on(
        self,
        code: Literal["ONIMBOTMESSAGEADD", "ONIMBOTV2MESSAGEADD"],
        code2: Literal["ONIMBOTMESSAGEADD", "ONIMBOTV2MESSAGEADD"],
        /,
    ) -> Callable[[_AnyMessageAddHandler], _AnyMessageAddHandler]: ...
    @overload
    def on(
        self,
        code: Literal["ONIMBOTMESSAGEUPDATE", "ONIMBOTV2MESSAGEUPDATE"],
        code2: Literal["ONIMBOTMESSAGEUPDATE", "ONIMBOTV2MESSAGEUPDATE"],
        /,
    ) -> Callable[[_AnyMessageUpdateHandler], _AnyMessageUpdateHandler]: ...
    @overload
    def on(
        self,
        code: Literal["ONIMBOTMESSAGEDELETE", "ONIMBOTV2MESSAGEDELETE"],
        code2: Literal["ONIMBOTMESSAGEDELETE", "ONIMBOTV2MESSAGEDELETE"],
        /,
    ) -> Callable[[_AnyMessageDeleteHandler], _AnyMessageDeleteHandler]: ...
    @overload
    def on(
        self,
        code: Literal["ONIMBOTJOINCHAT", "ONIMBOTV2JOINCHAT"],
        code2: Literal["ONIMBOTJOINCHAT", "ONIMBOTV2JOINCHAT"],
        /,
    ) -> Callable[[_AnyJoinChatHandler], _AnyJoinChatHandler]: ...
    @overload
    def on(
        self,
        code: Literal["ONIMCOMMANDADD", "ONIMBOTV2COMMANDADD"],
        code2: Literal["ONIMCOMMANDADD", "ONIMBOTV2COMMANDADD"],
        /,
    ) -> Callable[[_AnyCommandHandler], _AnyCommandHandler]: ...
    @overload
    def on(self, code: str, /, *codes: str) -> Callable[[_AnyHandler], _AnyHandler]: ...

    def on(self, code: str, /, *codes: str) -> Callable[[_AnyHandler], _AnyHandler]:
        """Register the decorated function for one or more event codes (any case).

        For a literal code with a model, mypy checks the handler's parameter type:
        ``@router.on("ONIMBOTDELETE")`` expects ``Callable[[BotDeleteEvent], ...]``.
        """
        all_codes = (code, *codes)
        for each in all_codes:
            if not isinstance(each, str) or not each.strip():
                raise ValueError(f"event codes must be non-empty strings, got {each!r}")

        def register(fn: _AnyHandler) -> _AnyHandler:
            if not callable(fn):
                raise TypeError(f"a handler must be callable, got {type(fn).__name__}")
            for each in all_codes:
                self._handlers.setdefault(each.strip().upper(), []).append(fn)
            Router._generation += 1
            return fn

        return register

    def on_bot_delete(self, fn: _AnyBotDeleteHandler) -> _AnyBotDeleteHandler:
        """Register for ONIMBOTDELETE and ONIMBOTV2DELETE; read ``event.bot_id``/``bot_code``."""
        return self.on("ONIMBOTDELETE", "ONIMBOTV2DELETE")(fn)

    def on_message(self, fn: _AnyMessageAddHandler) -> _AnyMessageAddHandler:
        """Register for ONIMBOTMESSAGEADD and ONIMBOTV2MESSAGEADD.

        Both events have ``text``, ``dialog_id``, ``message_id``, ``author_id``,
        ``bot_ids`` and ``language``, so one handler serves both API versions.
        """
        return self.on("ONIMBOTMESSAGEADD", "ONIMBOTV2MESSAGEADD")(fn)

    def on_message_update(self, fn: _AnyMessageUpdateHandler) -> _AnyMessageUpdateHandler:
        """Register for ONIMBOTMESSAGEUPDATE and ONIMBOTV2MESSAGEUPDATE (``text`` is new)."""
        return self.on("ONIMBOTMESSAGEUPDATE", "ONIMBOTV2MESSAGEUPDATE")(fn)

    def on_message_delete(self, fn: _AnyMessageDeleteHandler) -> _AnyMessageDeleteHandler:
        """Register for ONIMBOTMESSAGEDELETE and ONIMBOTV2MESSAGEDELETE; read ``message_id``."""
        return self.on("ONIMBOTMESSAGEDELETE", "ONIMBOTV2MESSAGEDELETE")(fn)

    def on_join_chat(self, fn: _AnyJoinChatHandler) -> _AnyJoinChatHandler:
        """Register for ONIMBOTJOINCHAT and ONIMBOTV2JOINCHAT; read ``dialog_id``."""
        return self.on("ONIMBOTJOINCHAT", "ONIMBOTV2JOINCHAT")(fn)

    def on_command(self, fn: _AnyCommandHandler) -> _AnyCommandHandler:
        """Register for ONIMCOMMANDADD and ONIMBOTV2COMMANDADD.

        The command itself differs by version: v1 ``data.commands`` (code without the
        slash), v2 ``data.command`` (with it).
        """
        return self.on("ONIMCOMMANDADD", "ONIMBOTV2COMMANDADD")(fn)

    def on_app_install(self, fn: _InstallHandler) -> _InstallHandler:
        """Register for ONAPPINSTALL."""
        return self.on("ONAPPINSTALL")(fn)

    def on_app_update(self, fn: _UpdateHandler) -> _UpdateHandler:
        """Register for ONAPPUPDATE."""
        return self.on("ONAPPUPDATE")(fn)

    def on_app_uninstall(self, fn: _UninstallHandler) -> _UninstallHandler:
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
        """The handlers that ``dispatch`` would run for ``code``, in order."""
        key = code.upper()
        found: list[Handler] = []
        for router in self._routers():
            found.extend(router._handlers.get(key, ()))
        return found

    def _plan(self, event: Event) -> tuple[list[Handler], bool]:
        """The handlers to run and whether they are the code's own (not ``on_unknown``)."""
        cached = self._plans.get(event.code)
        if cached is not None and cached[0] == Router._generation:
            return cached[1], cached[2]
        handlers = self.handlers_for(event.code)
        handled = bool(handlers)
        if not handled:
            handlers = [fn for router in self._routers() for fn in router._unknown]
        if len(self._plans) < 1024:  # codes come from the wire: bound the cache
            self._plans[event.code] = (Router._generation, handlers, handled)
        return handlers, handled

    def _hooks(self) -> list[ErrorHook]:
        return [hook for router in self._routers() for hook in router._error_hooks]

    # ---- execution -------------------------------------------------------------------

    def dispatch(self, event: Event) -> DispatchResult:
        """Run the event's handlers synchronously (async ones via ``asyncio.run``)."""
        handlers, handled = self._plan(event)
        if not handlers:
            logger.debug("no handler for %s", event.code)
        errors: list[Exception] = []
        for fn in handlers:
            try:
                outcome = fn(event)
                if inspect.isawaitable(outcome):
                    _run_coroutine(outcome)
            except Exception as exc:
                self._deal_with(event, exc, fn)
                errors.append(exc)
        return DispatchResult(event, handled, tuple(handlers), tuple(errors))

    def _deal_with(self, event: Event, exc: Exception, fn: Handler) -> None:
        hooks = self._hooks()
        if not hooks:
            raise exc
        for hook in hooks:
            outcome = hook(event, exc)  # a hook that raises propagates: not dealt with
            if inspect.isawaitable(outcome):
                _run_coroutine(outcome)
        logger.debug("error in %s for %s dealt with by on_error", _name(fn), event.code)

    async def adispatch(self, event: Event, *, executor: Executor | None = None) -> DispatchResult:
        """Run the event's handlers from async code.

        Async handlers are awaited in the loop; sync ones run in ``executor`` (default:
        ``asyncio.to_thread``'s pool) with the caller's context variables.
        """
        handlers, handled = self._plan(event)
        errors: list[Exception] = []
        for fn in handlers:
            try:
                await call_off_loop(fn, (event,), executor)
            except Exception as exc:
                await self._adeal_with(event, exc, fn, executor)
                errors.append(exc)
        return DispatchResult(event, handled, tuple(handlers), tuple(errors))

    async def _adeal_with(
        self, event: Event, exc: Exception, fn: Handler, executor: Executor | None
    ) -> None:
        hooks = self._hooks()
        if not hooks:
            raise exc
        for hook in hooks:
            await call_off_loop(hook, (event, exc), executor)
        logger.debug("error in %s for %s dealt with by on_error", _name(fn), event.code)


async def call_off_loop(
    fn: Callable[..., object], args: tuple[Any, ...], executor: Executor | None
) -> object:
    """Call sync or async ``fn`` without blocking the running loop.

    Async callables are awaited in the loop; sync ones run in ``executor`` (default: the
    loop's default thread pool) with the caller's context variables.
    """
    if _is_async(fn):
        outcome = fn(*args)
    else:
        context = contextvars.copy_context()
        call = functools.partial(context.run, fn, *args)
        outcome = await asyncio.get_running_loop().run_in_executor(executor, call)
    if inspect.isawaitable(outcome):
        outcome = await outcome
    return outcome


def _name(fn: Callable[..., object]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)
