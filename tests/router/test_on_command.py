"""``on_command``: bare (every command) and with names (``on_command("help")``).

Names match with or without the slash and in any case, for v1 (``COMMAND`` is ``echo``)
and v2 (``command.command`` is ``/echo``) alike; a v1 event with several commands runs a
named handler when any of them matches. A named handler that does not match neither runs
nor counts in the ``DispatchResult``. Events are parsed from the doc examples, as form
bodies (webhook mode) and as JSON (fetch mode types).
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from b24botevents import (
    AnyCommandEvent,
    BotCommandAddEvent,
    BotV2CommandAddEvent,
    Dispatcher,
    DispatchResult,
    Event,
    Router,
    parse_event,
)
from b24botevents.wire import encode_form
from spec_examples import example_json

V2_AUTH = {
    "domain": "example.bitrix24.com",
    "application_token": "51856fefc120afa4b628cc82d3935cce",
}


def v1_tree(*commands: str) -> dict[str, Any]:
    """The ONIMCOMMANDADD doc example, with one ``COMMAND`` entry per name (ids 103, 104..)."""
    tree: dict[str, Any] = example_json("ONIMCOMMANDADD.json")
    entry = tree["data"]["COMMAND"]["103"]
    calls: dict[str, Any] = {}
    for offset, command in enumerate(commands or ("echo",)):
        key = str(103 + offset)
        calls[key] = {**copy.deepcopy(entry), "COMMAND": command, "COMMAND_ID": key}
    tree["data"]["COMMAND"] = calls
    return tree


def v2_tree(command: str = "/help") -> dict[str, Any]:
    """The ONIMBOTV2COMMANDADD doc example in the webhook envelope, with ``command``."""
    data = example_json("ONIMBOTV2COMMANDADD.json")
    data["command"]["command"] = command
    return {"event": "ONIMBOTV2COMMANDADD", "data": data, "ts": 1772093963, "auth": V2_AUTH}


def both_wires(tree: dict[str, Any]) -> list[Event]:
    return [parse_event(encode_form(tree)), parse_event(json.dumps(tree))]


def v1(*commands: str) -> BotCommandAddEvent:
    event = parse_event(encode_form(v1_tree(*commands)))
    assert isinstance(event, BotCommandAddEvent)
    return event


def v2(command: str = "/help") -> BotV2CommandAddEvent:
    event = parse_event(encode_form(v2_tree(command)))
    assert isinstance(event, BotV2CommandAddEvent)
    return event


def recorder(seen: list[tuple[str, str]], name: str) -> Callable[[AnyCommandEvent], None]:
    def handler(event: AnyCommandEvent) -> None:
        seen.append((name, event.command_name))

    handler.__qualname__ = name
    return handler


def test_the_fixture_events() -> None:
    for event in both_wires(v1_tree("echo", "Help")):
        assert isinstance(event, BotCommandAddEvent)
        assert event.command_names == ("echo", "help")
        assert (event.command_name, event.command_id) == ("echo", 103)
    for event in both_wires(v2_tree("/Help")):
        assert isinstance(event, BotV2CommandAddEvent)
        assert (event.command_name, event.command_names) == ("help", ("help",))


# ---- names: slash, case, several ---------------------------------------------------------


@pytest.mark.parametrize("registered", ["help", "/help", "HELP", "/Help", " help "])
@pytest.mark.parametrize(
    "event",
    [v1("help"), v1("HELP"), v2("/help"), v2("/HeLp"), v2("help")],
    ids=["v1", "v1-upper", "v2", "v2-mixed", "v2-no-slash"],
)
def test_a_name_matches_with_or_without_slash_in_any_case(registered: str, event: Event) -> None:
    dp = Dispatcher(verify=False)
    seen: list[tuple[str, str]] = []
    handler = dp.on_command(registered)(recorder(seen, "named"))
    result = dp.dispatch(event)
    assert (result.handled, result.handlers) == (True, (handler,))
    assert seen == [("named", "help")]


@pytest.mark.parametrize(
    "event", [v1("echo"), v2("/echo"), v1("start"), v2("/start")], ids=["v1", "v2", "v1s", "v2s"]
)
def test_several_names(event: Event) -> None:
    dp = Dispatcher(verify=False)
    seen: list[tuple[str, str]] = []
    dp.on_command("/help", "start", "ECHO")(recorder(seen, "named"))
    assert dp.dispatch(event).handled
    assert [name for name, _ in seen] == ["named"]


def test_an_unmatched_named_handler_neither_runs_nor_counts() -> None:
    dp = Dispatcher(verify=False)
    seen: list[tuple[str, str]] = []
    dp.on_command("help")(recorder(seen, "help"))
    for event in (v1("echo"), v2("/echo"), v2("/helper"), v1("hel")):
        result = dp.dispatch(event)
        assert result == DispatchResult(event, False, (), ())
    assert seen == []


def test_unmatched_events_go_to_the_unknown_fallbacks() -> None:
    dp = Dispatcher(verify=False)
    seen: list[tuple[str, str]] = []
    unknown: list[Event] = []
    dp.on_command("help")(recorder(seen, "help"))
    fallback = dp.on_unknown(unknown.append)
    echo = v2("/echo")
    result = dp.dispatch(echo)
    assert (result.handled, result.handlers) == (False, (fallback,))
    assert unknown == [echo]
    # A matching event is handled, and the fallbacks stay out of it.
    assert dp.dispatch(v2("/help")).handled
    assert unknown == [echo]
    assert seen == [("help", "help")]


def test_only_the_matching_named_handlers_run_in_registration_order() -> None:
    dp = Dispatcher(verify=False)
    seen: list[tuple[str, str]] = []
    every = dp.on_command(recorder(seen, "every"))
    helper = dp.on_command("help")(recorder(seen, "help"))
    dp.on_command("start")(recorder(seen, "start"))
    again = dp.on_command("/HELP", "echo")(recorder(seen, "help-or-echo"))
    result = dp.dispatch(v2("/help"))
    assert result.handlers == (every, helper, again)
    assert [name for name, _ in seen] == ["every", "help", "help-or-echo"]
    seen.clear()
    result = dp.dispatch(v1("stop"))
    assert (result.handled, result.handlers) == (True, (every,))
    assert [name for name, _ in seen] == ["every"]


def test_a_v1_event_with_several_commands_runs_a_handler_if_any_matches() -> None:
    dp = Dispatcher(verify=False)
    seen: list[tuple[str, str]] = []
    helper = dp.on_command("help")(recorder(seen, "help"))
    dp.on_command("stop")(recorder(seen, "stop"))
    result = dp.dispatch(v1("echo", "help"))
    assert result.handlers == (helper,)  # once, though the event has two commands
    assert seen == [("help", "echo")]  # command_name is the first command's


def test_bare_on_command_gets_every_command_of_both_versions() -> None:
    dp = Dispatcher(verify=False)
    seen: list[tuple[str, str]] = []
    handler = dp.on_command(recorder(seen, "every"))
    assert handler.__qualname__ == "every"  # returned unchanged
    for event in (v1("echo"), v1("a", "b"), v2("/help"), v2("/x")):
        assert dp.dispatch(event).handlers == (handler,)
    assert [command for _, command in seen] == ["echo", "a", "help", "x"]


def test_decorator_syntax_with_names_keeps_the_function() -> None:
    dp = Dispatcher(verify=False)

    @dp.on_command("help")
    def helper(event: AnyCommandEvent) -> str:
        return event.command_params

    assert helper(v2("/help")) == "topic"
    assert dp.handlers_for("ONIMCOMMANDADD") == [helper]
    assert dp.handlers_for("onimbotv2commandadd") == [helper]


# ---- included routers, async dispatch, handle ------------------------------------------


def test_named_handlers_of_included_routers() -> None:
    top = Dispatcher(verify=False)
    sub = Router(name="sub")
    nested = Router(name="nested")
    seen: list[tuple[str, str]] = []
    own = top.on_command("echo")(recorder(seen, "top-echo"))
    sub_help = sub.on_command("help")(recorder(seen, "sub-help"))
    nested_every = nested.on_command(recorder(seen, "nested-every"))
    nested.on_command("/start")(recorder(seen, "nested-start"))
    sub.include_router(nested)
    top.include_router(sub)
    assert top.dispatch(v2("/help")).handlers == (sub_help, nested_every)
    assert top.dispatch(v1("echo")).handlers == (own, nested_every)
    assert [name for name, _ in seen] == ["sub-help", "nested-every", "top-echo", "nested-every"]
    # A named handler added to an included router after a dispatch is seen at once.
    late = sub.on_command("echo")(recorder(seen, "sub-echo"))
    assert top.dispatch(v1("echo")).handlers == (own, late, nested_every)


@pytest.mark.parametrize("make", [v1, v2], ids=["v1", "v2"])
def test_adispatch_filters_the_same_way(make: Callable[[str], Event]) -> None:
    dp = Dispatcher(verify=False)
    seen: list[tuple[str, str]] = []

    @dp.on_command("help")
    async def helper(event: AnyCommandEvent) -> None:
        seen.append(("async-help", event.command_name))

    plain = dp.on_command("/help", "echo")(recorder(seen, "sync-help-or-echo"))
    fallback = dp.on_unknown(lambda event: None)
    name = "/help" if make is v2 else "help"
    result = asyncio.run(dp.adispatch(make(name)))
    assert (result.handled, result.handlers) == (True, (helper, plain))
    assert seen == [("async-help", "help"), ("sync-help-or-echo", "help")]
    seen.clear()
    other = asyncio.run(dp.adispatch(make("stop")))
    assert (other.handled, other.handlers) == (False, (fallback,))
    assert seen == []


def test_sync_dispatch_runs_an_async_named_handler() -> None:
    dp = Dispatcher(verify=False)
    seen: list[str] = []

    @dp.on_command("HELP")
    async def helper(event: AnyCommandEvent) -> None:
        seen.append(event.command_params)

    assert dp.dispatch(v1("help")).handlers == (helper,)
    assert seen == ["test"]


def test_handle_answers_ignored_when_no_named_handler_matches() -> None:
    dp = Dispatcher(verify=False)
    dp.on_command("help")(lambda event: None)
    matched = dp.handle(encode_form(v2_tree("/help")))
    unmatched = dp.handle(encode_form(v2_tree("/echo")))
    assert (matched.status, matched.body) == (200, b"ok")
    assert (unmatched.status, unmatched.body) == (200, b"ignored")
    assert unmatched.result is not None
    assert unmatched.result.handled is False


def test_errors_in_named_handlers_go_to_on_error() -> None:
    dp = Dispatcher(verify=False)
    dealt: list[Exception] = []
    dp.on_error(lambda event, exc: dealt.append(exc))

    @dp.on_command("help")
    def broken(event: AnyCommandEvent) -> None:
        raise RuntimeError("broken")

    result = dp.dispatch(v2("/help"))
    assert (result.handled, result.handlers) == (True, (broken,))
    assert [str(exc) for exc in dealt] == ["broken"] == [str(exc) for exc in result.errors]
    assert dp.dispatch(v2("/echo")).errors == ()


# ---- the unfiltered path, other codes, bad names ----------------------------------------


def test_codes_without_named_handlers_keep_the_plain_plan() -> None:
    dp = Dispatcher(verify=False)
    dp.on_command(lambda event: None)
    dp.on_message(lambda event: None)
    dp.on_command("help")(lambda event: None)
    message = parse_event(example_json("ONIMBOTMESSAGEADD.json"))
    assert dp._plan(message)[2] is None  # no filter: nothing is chosen per event
    assert dp._plan(v2())[2] is not None


def test_a_name_filter_never_accepts_another_kind_of_event() -> None:
    dp = Dispatcher(verify=False)
    seen: list[Event] = []
    dp.on_command("help")(seen.append)
    stray = Event(code="ONIMBOTV2COMMANDADD")  # no command at all: built by hand
    assert dp.dispatch(stray).handled is False
    assert seen == []


@pytest.mark.parametrize("bad", ["", "/", "  ", "/ ", "help me", "a\tb"])
def test_empty_or_spaced_names_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="command names"):
        Router().on_command(bad)
    with pytest.raises(ValueError, match="command names"):
        Router().on_command("help", bad)


def test_non_text_names_and_mixed_calls_are_refused() -> None:
    router = Router()
    with pytest.raises(ValueError, match="command names"):
        router.on_command("help", 5)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="takes no names"):
        router.on_command(lambda event: None, "help")  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        router.on_command("help")(5)  # type: ignore[type-var]
    assert router.handlers_for("ONIMCOMMANDADD") == []
