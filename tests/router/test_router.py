"""Registration and synchronous dispatch: ``Router``, ``Dispatcher(Router)``, ``dispatch``.

Events are real ones (``parse_event`` of form bodies built from the spec examples);
handlers record what they saw.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from b24botevents import (
    AppInstallEvent,
    AppUninstallEvent,
    AppUpdateEvent,
    BotDeleteEvent,
    BotJoinChatEvent,
    BotV2DeleteEvent,
    Dispatcher,
    DispatchResult,
    Event,
    Router,
    parse_event,
)
from dispatch_helpers import (
    FORM,
    PHP_BOT_DELETE,
    bot_delete_body,
    example,
    form,
    install_body,
    lifecycle_tree,
    uninstall_body,
    update_body,
    v2_delete_body,
)

V1 = parse_event(PHP_BOT_DELETE, content_type=FORM)
V2 = parse_event(v2_delete_body(), content_type=FORM)
INSTALL = parse_event(install_body(), content_type=FORM)
UPDATE = parse_event(update_body(), content_type=FORM)
UNINSTALL = parse_event(uninstall_body(), content_type=FORM)
JOIN = parse_event(form(example("ONIMBOTJOINCHAT.json")), content_type=FORM)


def test_events_are_the_expected_models() -> None:
    # Guards the fixtures the rest of this module relies on.
    assert isinstance(V1, BotDeleteEvent)
    assert isinstance(V2, BotV2DeleteEvent)
    assert isinstance(INSTALL, AppInstallEvent)
    assert isinstance(UPDATE, AppUpdateEvent)
    assert isinstance(UNINSTALL, AppUninstallEvent)
    assert isinstance(JOIN, BotJoinChatEvent)


def test_dispatcher_is_a_router() -> None:
    assert issubclass(Dispatcher, Router)
    assert isinstance(Dispatcher(verify=False), Router)


# ---- decorators ------------------------------------------------------------------------


def test_decorators_return_the_function_unchanged() -> None:
    dp = Dispatcher(verify=False)

    def handler(event: Any) -> None:
        """doc"""

    def hook(event: Event, exc: Exception) -> None:
        pass

    assert dp.on("ONIMBOTDELETE")(handler) is handler
    assert dp.on("ONIMBOTV2DELETE")(handler) is handler
    assert dp.on("ONFOO", "ONBAR")(handler) is handler
    assert dp.on_bot_delete(handler) is handler
    assert dp.on_app_install(handler) is handler
    assert dp.on_app_update(handler) is handler
    assert dp.on_app_uninstall(handler) is handler
    assert dp.on_unknown(handler) is handler
    assert dp.on_error(hook) is hook
    assert handler.__doc__ == "doc"


def test_decorator_syntax_keeps_the_name_bound_to_the_function() -> None:
    dp = Dispatcher(verify=False)
    seen: list[int] = []

    @dp.on("ONIMBOTDELETE")
    def on_delete(event: BotDeleteEvent) -> int:
        seen.append(event.bot_id)
        return 7

    assert isinstance(V1, BotDeleteEvent)
    assert on_delete(V1) == 7  # still callable directly, with its return value
    dp.dispatch(V1)
    assert seen == [567, 567]


def test_on_with_one_code_runs_only_for_that_code() -> None:
    dp = Dispatcher(verify=False)
    v1: list[Event] = []
    v2: list[Event] = []
    dp.on("ONIMBOTDELETE")(v1.append)
    dp.on("ONIMBOTV2DELETE")(v2.append)
    dp.dispatch(V1)
    dp.dispatch(V2)
    assert v1 == [V1]
    assert v2 == [V2]


def test_on_with_several_codes() -> None:
    dp = Dispatcher(verify=False)
    seen: list[str] = []

    @dp.on("ONIMBOTJOINCHAT", "ONAPPINSTALL")
    def handler(event: Event) -> None:
        seen.append(event.code)

    for event in (JOIN, INSTALL, V1):
        dp.dispatch(event)
    assert seen == ["ONIMBOTJOINCHAT", "ONAPPINSTALL"]


def test_on_bot_delete_gets_both_versions_with_bot_id_and_code() -> None:
    dp = Dispatcher(verify=False)
    seen: list[tuple[str, int, str]] = []

    @dp.on_bot_delete
    def deleted(event: BotDeleteEvent | BotV2DeleteEvent) -> None:
        seen.append((type(event).__name__, event.bot_id, event.bot_code))

    assert dp.dispatch(V1).handled
    assert dp.dispatch(V2).handled
    assert not dp.dispatch(JOIN).handled
    assert seen == [("BotDeleteEvent", 567, "BOT"), ("BotV2DeleteEvent", 456, "support_bot")]


def test_app_lifecycle_decorators() -> None:
    dp = Dispatcher(verify=False)
    seen: list[tuple[str, Event]] = []
    dp.on_app_install(lambda event: seen.append(("install", event)))
    dp.on_app_update(lambda event: seen.append(("update", event)))
    dp.on_app_uninstall(lambda event: seen.append(("uninstall", event)))
    for event in (INSTALL, UPDATE, UNINSTALL, V1):
        dp.dispatch(event)
    assert seen == [("install", INSTALL), ("update", UPDATE), ("uninstall", UNINSTALL)]
    assert isinstance(seen[0][1], AppInstallEvent)
    assert seen[0][1].data.version == "1.0.0"
    assert isinstance(seen[1][1], AppUpdateEvent)
    assert seen[1][1].data.previous_version == "2.0.3"
    assert isinstance(seen[2][1], AppUninstallEvent)
    assert seen[2][1].data.clean is True


@pytest.mark.parametrize("bad", ["", "   "])
def test_on_rejects_empty_codes(bad: str) -> None:
    dp = Dispatcher(verify=False)
    with pytest.raises(ValueError, match="non-empty"):
        dp.on(bad)
    with pytest.raises(ValueError, match="non-empty"):
        dp.on("ONIMBOTDELETE", bad)


def test_registration_rejects_non_callables() -> None:
    dp = Dispatcher(verify=False)
    not_callable: Any = 42
    with pytest.raises(TypeError, match="callable"):
        dp.on("ONIMBOTDELETE")(not_callable)
    with pytest.raises(TypeError, match="callable"):
        dp.on_unknown(not_callable)
    with pytest.raises(TypeError, match="callable"):
        dp.on_error(not_callable)


# ---- case-insensitive codes ------------------------------------------------------------


@pytest.mark.parametrize("registered", ["ONIMBOTDELETE", "onimbotdelete", "OnImBotDelete"])
@pytest.mark.parametrize("sent", ["ONIMBOTDELETE", "onimbotdelete", "onImBotDelete"])
def test_codes_are_case_insensitive_in_registration_and_bodies(registered: str, sent: str) -> None:
    dp = Dispatcher(verify=False)
    seen: list[Event] = []
    dp.on(registered)(seen.append)
    unknown: list[Event] = []
    dp.on_unknown(unknown.append)
    event = parse_event(bot_delete_body(code=sent), content_type=FORM)
    result = dp.dispatch(event)
    assert result.handled
    assert len(seen) == 1
    assert isinstance(seen[0], BotDeleteEvent)
    assert unknown == []
    # and through the whole request path
    response = dp.handle(bot_delete_body(code=sent), content_type=FORM)
    assert (response.status, response.body) == (200, b"ok")
    assert len(seen) == 2


def test_handlers_for_is_case_insensitive() -> None:
    dp = Dispatcher(verify=False)

    def handler(event: Event) -> None:
        pass

    dp.on("onAppInstall")(handler)
    assert dp.handlers_for("ONAPPINSTALL") == [handler]
    assert dp.handlers_for("onappinstall") == [handler]


# ---- several handlers, nested routers --------------------------------------------------


def _recorder(log: list[str], name: str) -> Any:
    def handler(event: Event) -> None:
        log.append(name)

    handler.__name__ = handler.__qualname__ = name
    return handler


def test_several_handlers_run_in_registration_order() -> None:
    dp = Dispatcher(verify=False)
    log: list[str] = []
    first, second, third = (_recorder(log, n) for n in ("first", "second", "third"))
    dp.on("ONIMBOTDELETE")(first)
    dp.on_bot_delete(second)
    dp.on("onimbotdelete")(third)
    result = dp.dispatch(V1)
    assert log == ["first", "second", "third"]
    assert result.handlers == (first, second, third)


def test_same_function_registered_twice_runs_twice() -> None:
    dp = Dispatcher(verify=False)
    log: list[str] = []
    handler = _recorder(log, "h")
    dp.on("ONIMBOTDELETE")(handler)
    dp.on("ONIMBOTDELETE")(handler)
    dp.dispatch(V1)
    assert log == ["h", "h"]


def test_included_routers_run_after_own_handlers_in_inclusion_order_nested() -> None:
    log: list[str] = []
    dp = Dispatcher(verify=False)
    a = Router(name="a")
    b = Router(name="b")
    a_child = Router(name="a.child")
    a_grandchild = Router(name="a.child.grandchild")
    # Registration happens in a scrambled order on purpose: only structure decides.
    b.on("ONIMBOTDELETE")(_recorder(log, "b"))
    a_grandchild.on("ONIMBOTDELETE")(_recorder(log, "a.child.grandchild"))
    assert dp.include_router(a) is a
    assert dp.include_router(b) is b
    a_child.on("ONIMBOTDELETE")(_recorder(log, "a.child"))
    a.include_router(a_child)
    a_child.include_router(a_grandchild)
    a.on("ONIMBOTDELETE")(_recorder(log, "a.1"))
    dp.on("ONIMBOTDELETE")(_recorder(log, "dp.1"))
    a.on("ONIMBOTDELETE")(_recorder(log, "a.2"))
    dp.on("ONIMBOTDELETE")(_recorder(log, "dp.2"))
    result = dp.dispatch(V1)
    expected = ["dp.1", "dp.2", "a.1", "a.2", "a.child", "a.child.grandchild", "b"]
    assert log == expected
    assert [fn.__name__ for fn in result.handlers] == expected
    assert result.handled


def test_included_router_handlers_only_for_their_codes() -> None:
    dp = Dispatcher(verify=False)
    sub = Router()
    seen: list[str] = []
    sub.on_app_install(lambda event: seen.append(event.code))
    dp.include_router(sub)
    assert not dp.dispatch(V1).handled
    assert dp.dispatch(INSTALL).handled
    assert seen == ["ONAPPINSTALL"]


def test_including_a_router_twice_raises() -> None:
    dp = Dispatcher(verify=False)
    sub = Router()
    dp.include_router(sub)
    with pytest.raises(ValueError, match="already included"):
        dp.include_router(sub)
    other = Router()
    with pytest.raises(ValueError, match="already included"):
        other.include_router(sub)


@pytest.mark.parametrize("depth", [0, 1, 3])
def test_cycles_raise(depth: int) -> None:
    top = Router(name="top")
    chain = [top]
    for index in range(depth):
        chain.append(chain[-1].include_router(Router(name=f"r{index}")))
    with pytest.raises(ValueError, match="cycle"):
        chain[-1].include_router(top)


def test_a_failed_include_changes_nothing() -> None:
    top = Router()
    sub = top.include_router(Router())
    seen: list[Event] = []
    top.on("ONIMBOTDELETE")(seen.append)
    with pytest.raises(ValueError, match="cycle"):
        sub.include_router(top)
    assert top.handlers_for("ONIMBOTDELETE") == [seen.append]
    assert sub.handlers_for("ONIMBOTDELETE") == []


def test_include_router_rejects_non_routers() -> None:
    not_a_router: Any = object()
    with pytest.raises(TypeError, match="Router"):
        Router().include_router(not_a_router)


# ---- on_unknown ------------------------------------------------------------------------


def test_on_unknown_runs_only_when_no_handler_matched() -> None:
    dp = Dispatcher(verify=False)
    known: list[Event] = []
    unknown: list[Event] = []
    dp.on_bot_delete(known.append)
    dp.on_unknown(unknown.append)
    matched = dp.dispatch(V1)
    unmatched = dp.dispatch(JOIN)
    assert known == [V1]
    assert unknown == [JOIN]
    assert matched.handled
    assert not unmatched.handled  # fallbacks do not count as handled
    assert unmatched.handlers == (unknown.append,)


def test_on_unknown_from_included_routers_and_typed_events_without_a_handler() -> None:
    dp = Dispatcher(verify=False)
    sub = dp.include_router(Router())
    unknown: list[Event] = []
    sub.on_unknown(unknown.append)
    dp.dispatch(INSTALL)  # a modelled event nobody registered for is "unknown" too
    assert unknown == [INSTALL]


def test_no_handler_and_no_fallback() -> None:
    result = Dispatcher(verify=False).dispatch(JOIN)
    assert result == DispatchResult(JOIN, False, (), ())


# ---- on_error --------------------------------------------------------------------------


def test_handler_error_without_hook_propagates_and_stops() -> None:
    dp = Dispatcher(verify=False)
    log: list[str] = []

    @dp.on("ONIMBOTDELETE")
    def failing(event: Event) -> None:
        raise KeyError("boom")

    dp.on("ONIMBOTDELETE")(_recorder(log, "after"))
    with pytest.raises(KeyError, match="boom"):
        dp.dispatch(V1)
    assert log == []


def test_on_error_hook_returning_normally_deals_with_it_and_dispatch_goes_on() -> None:
    dp = Dispatcher(verify=False)
    log: list[str] = []
    hooked: list[tuple[Event, Exception]] = []
    error = ValueError("handler failed")

    @dp.on("ONIMBOTDELETE")
    def failing(event: Event) -> None:
        raise error

    after = dp.on("ONIMBOTDELETE")(_recorder(log, "after"))

    @dp.on_error
    def hook(event: Event, exc: Exception) -> None:
        hooked.append((event, exc))

    result = dp.dispatch(V1)
    assert hooked == [(V1, error)]
    assert log == ["after"]
    assert result == DispatchResult(V1, True, (failing, after), (error,))


def test_on_error_hook_that_raises_means_not_dealt_with() -> None:
    dp = Dispatcher(verify=False)

    @dp.on("ONIMBOTDELETE")
    def failing(event: Event) -> None:
        raise ValueError("handler failed")

    @dp.on_error
    def hook(event: Event, exc: Exception) -> None:
        raise RuntimeError("hook gave up") from exc

    with pytest.raises(RuntimeError, match="hook gave up"):
        dp.dispatch(V1)


def test_on_error_hooks_of_included_routers_count() -> None:
    dp = Dispatcher(verify=False)
    sub = dp.include_router(Router())
    hooked: list[Exception] = []
    sub.on_error(lambda event, exc: hooked.append(exc))

    @sub.on("ONIMBOTDELETE")
    def failing(event: Event) -> None:
        raise ValueError("x")

    result = dp.dispatch(V1)
    assert len(hooked) == 1
    assert result.errors == tuple(hooked)


def test_async_on_error_hook_in_sync_dispatch() -> None:
    dp = Dispatcher(verify=False)
    hooked: list[Exception] = []

    @dp.on("ONIMBOTDELETE")
    def failing(event: Event) -> None:
        raise ValueError("x")

    @dp.on_error
    async def hook(event: Event, exc: Exception) -> None:
        await asyncio.sleep(0)
        hooked.append(exc)

    result = dp.dispatch(V1)
    assert len(hooked) == 1
    assert result.errors == tuple(hooked)


def test_error_in_an_unknown_fallback_goes_to_on_error() -> None:
    dp = Dispatcher(verify=False)
    hooked: list[Exception] = []

    @dp.on_unknown
    def fallback(event: Event) -> None:
        raise LookupError("nope")

    dp.on_error(lambda event, exc: hooked.append(exc))
    result = dp.dispatch(JOIN)
    assert not result.handled
    assert [type(exc) for exc in result.errors] == [LookupError]


# ---- sync and async handlers in dispatch -----------------------------------------------


def test_dispatch_runs_async_handlers_via_asyncio_run_in_order_with_sync_ones() -> None:
    dp = Dispatcher(verify=False)
    log: list[str] = []

    @dp.on("ONIMBOTDELETE")
    def sync_first(event: BotDeleteEvent) -> None:
        log.append("sync1")

    @dp.on("ONIMBOTDELETE")
    async def async_middle(event: BotDeleteEvent) -> None:
        asyncio.get_running_loop()  # raises unless a loop runs it
        await asyncio.sleep(0)
        log.append(f"async:{event.bot_id}")

    @dp.on("ONIMBOTDELETE")
    def sync_last(event: BotDeleteEvent) -> None:
        log.append("sync2")

    result = dp.dispatch(V1)
    assert log == ["sync1", "async:567", "sync2"]
    assert result.handlers == (sync_first, async_middle, sync_last)


def test_dispatch_runs_an_async_callable_object() -> None:
    dp = Dispatcher(verify=False)
    seen: list[int] = []

    class Handler:
        async def __call__(self, event: BotDeleteEvent) -> None:
            await asyncio.sleep(0)
            seen.append(event.bot_id)

    dp.on("ONIMBOTDELETE")(Handler())
    dp.dispatch(V1)
    assert seen == [567]


def test_dispatch_of_async_handler_inside_a_running_loop_raises_a_clear_error() -> None:
    dp = Dispatcher(verify=False)
    ran: list[str] = []

    @dp.on("ONIMBOTDELETE")
    async def handler(event: Event) -> None:
        ran.append("ran")

    async def main() -> None:
        with pytest.raises(RuntimeError, match=r"adispatch"):
            dp.dispatch(V1)

    asyncio.run(main())  # filterwarnings=error: an un-awaited coroutine would fail here
    assert ran == []


def test_dispatch_of_sync_handlers_inside_a_running_loop_works() -> None:
    dp = Dispatcher(verify=False)
    seen: list[Event] = []
    dp.on("ONIMBOTDELETE")(seen.append)

    async def main() -> DispatchResult:
        return dp.dispatch(V1)

    assert asyncio.run(main()).handled
    assert seen == [V1]


# ---- DispatchResult --------------------------------------------------------------------


def test_dispatch_result_fields() -> None:
    dp = Dispatcher(verify=False)

    def first(event: Event) -> str:
        return "ignored"

    async def second(event: Event) -> int:
        return 1

    dp.on("ONIMBOTDELETE")(first)
    dp.on("ONIMBOTDELETE")(second)
    result = dp.dispatch(V1)
    assert isinstance(result, DispatchResult)
    assert result.event is V1
    assert result.handled is True
    assert result.handlers == (first, second)
    assert result.errors == ()


def test_handle_exposes_the_dispatch_result() -> None:
    dp = Dispatcher(verify=False)
    seen: list[Event] = []
    dp.on("ONAPPINSTALL")(seen.append)
    response = dp.handle(form(lifecycle_tree("ONAPPINSTALL")), content_type=FORM)
    assert response.result is not None
    assert response.result.handled
    assert response.result.event == seen[0]
    assert response.result.handlers == (seen.append,)


@pytest.mark.parametrize(
    ("decorator", "codes"),
    [
        ("on_message", ("ONIMBOTMESSAGEADD", "ONIMBOTV2MESSAGEADD")),
        ("on_message_update", ("ONIMBOTMESSAGEUPDATE", "ONIMBOTV2MESSAGEUPDATE")),
        ("on_message_delete", ("ONIMBOTMESSAGEDELETE", "ONIMBOTV2MESSAGEDELETE")),
        ("on_join_chat", ("ONIMBOTJOINCHAT", "ONIMBOTV2JOINCHAT")),
        ("on_command", ("ONIMCOMMANDADD", "ONIMBOTV2COMMANDADD")),
    ],
)
def test_chat_bot_decorators_register_both_versions(decorator: str, codes: tuple[str, str]) -> None:
    router = Router()

    def handler(event: Event) -> None:
        pass

    assert getattr(router, decorator)(handler) is handler  # returned unchanged
    for code in codes:
        assert router.handlers_for(code) == [handler]
    registered = {code for code, handlers in router._handlers.items() if handlers}
    assert registered == set(codes)


def test_on_join_chat_runs_for_the_v1_join_example() -> None:
    dp = Dispatcher(verify=False)
    seen: list[tuple[str | None, tuple[int, ...]]] = []
    dp.on_join_chat(lambda event: seen.append((event.dialog_id, event.bot_ids)))
    assert dp.dispatch(JOIN).handled
    assert seen == [("27", (571,))]
