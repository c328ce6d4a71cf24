"""``parse_event`` raises nothing but ``B24EventError``, whatever it is given.

Arbitrary bytes and text, JSON-ish garbage trees (non-str keys, None, NaN, bytes, nested),
garbage at every field position of valid events, and mutations of the real example bodies
(truncation, byte flips, duplicated fields, deepened keys, ``x[]=`` arrays, dropped fields).
When a body does parse, its event must be usable: ``repr`` works and ``to_dict`` is JSON
and parses back to the same event.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from b24botevents import B24EventError, Event, PayloadError, SchemaError, parse_event, to_dict
from b24botevents.models import AppStatus
from b24botevents.wire import encode_form
from model_support import (
    SECRET_FIELDS,
    envelope_example_names,
    error_texts,
    example_json,
    example_text,
    form_example_names,
    garbage,
    leak_free,
)


def outcome(body: Any, **kwargs: Any) -> Event | B24EventError:
    """Parse, letting only ``B24EventError`` through; anything else fails the test."""
    try:
        return parse_event(body, **kwargs)
    except B24EventError as exc:
        return exc


def check_usable(result: Event | B24EventError, *, wire_text: bool) -> None:
    """A parsed event can be shown and serialised; an error is a B24EventError with text."""
    if isinstance(result, B24EventError):
        assert str(result)
        if isinstance(result, SchemaError):
            assert result.errors
            assert (result.path, result.reason) == result.errors[0]
        return
    assert repr(result)
    wire = to_dict(result)
    assert wire["event"] == result.code
    if wire_text:
        # Only bodies that came as text are guaranteed JSON-clean (trees may hold anything).
        assert parse_event(json.dumps(wire)) == result
        assert parse_event(wire) == result


# ---- arbitrary input -------------------------------------------------------------------

CONTENT_TYPES = [None, "application/x-www-form-urlencoded", "application/json"]


@given(st.binary(max_size=300), st.sampled_from(CONTENT_TYPES))
@example(b"{", None)
@example(b"\xff", None)
@example(b"event=ONIMBOTDELETE&data[BOT_ID]=%FF", None)
@example(b"[1]", "application/json")
@example(b'{"event": "X", "ts": 1e999}', None)
@example(b'{"event": "X", "ts": NaN}', None)
@example(b'{"event": "X", "event_handler_id": ' + b"9" * 5000 + b"}", None)
@example(b"[" * 100_000, "application/json")
@example(b'{"a":' * 100_000, None)
def test_arbitrary_bytes(body: bytes, content_type: str | None) -> None:
    check_usable(outcome(body, content_type=content_type), wire_text=True)


@given(st.text(max_size=300), st.sampled_from(CONTENT_TYPES))
@example("event=ONIMBOTDELETE&data[BOT_ID]=1&data[BOT_CODE]=\ud800", None)
@example('{"event": "\\ud800"}', None)
@example("event[=x", None)
@example("a[b]c=1&event=X", None)
def test_arbitrary_text(body: str, content_type: str | None) -> None:
    check_usable(outcome(body, content_type=content_type), wire_text=False)


@given(garbage)
def test_arbitrary_trees(body: Any) -> None:
    check_usable(outcome(body), wire_text=False)


@given(st.dictionaries(st.text(max_size=8) | st.integers() | st.none(), garbage, max_size=6))
def test_arbitrary_mappings(body: dict[Any, Any]) -> None:
    check_usable(outcome(body), wire_text=False)


@given(st.lists(st.tuples(st.text(max_size=12), garbage) | garbage, max_size=6))
def test_arbitrary_pairs(body: list[Any]) -> None:
    check_usable(outcome(body), wire_text=False)


@pytest.mark.parametrize(
    "body",
    [None, 5, 5.5, True, object(), Ellipsis, 10**100, float("nan"), type],
    ids=repr,
)
def test_non_bodies_are_payload_errors(body: Any) -> None:
    with pytest.raises(PayloadError):
        parse_event(body)


@pytest.mark.parametrize(
    "body",
    [
        [("event",)],
        [("event", "X", "extra")],
        [None],
        [1, 2],
        [(b"\xff", "x")],
        [("event", b"\xff")],
        [(5, "X")],
        {"data[x]": "1", 5: "y"},
        {"data[": "1"},
        {"event": "X", "data[x]]": "1"},
    ],
    ids=repr,
)
def test_bad_pairs_and_flat_mappings_are_payload_errors(body: Any) -> None:
    with pytest.raises(PayloadError):
        parse_event(body)


# ---- garbage at every field position of valid events -----------------------------------


def _valid_trees() -> list[dict[str, Any]]:
    v2_webhook = example_json("ONIMBOTV2.webhook-envelope.json")
    v2_webhook["event"] = "ONIMBOTV2DELETE"
    v2_webhook["data"] = {"bot": example_json("ONIMBOTV2.webhook-bot-object.json")["bot"]}
    v2_fetch = {"event": "ONIMBOTV2DELETE", "data": example_json("ONIMBOTV2DELETE.json")}
    trees = [example_json(name) for name in envelope_example_names()]
    return [*trees, v2_webhook, v2_fetch]


VALID_TREES = _valid_trees()


def _paths(tree: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield (*prefix, index)
            yield from _paths(value, (*prefix, index))


TARGETS = [(index, path) for index, tree in enumerate(VALID_TREES) for path in _paths(tree)]


def _replace(tree: Any, path: tuple[Any, ...], value: Any) -> Any:
    tree = copy.deepcopy(tree)
    node = tree
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return tree


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(TARGETS), garbage)
def test_garbage_at_every_field_position(target: tuple[int, tuple[Any, ...]], junk: Any) -> None:
    index, path = target
    tree = _replace(VALID_TREES[index], path, junk)
    check_usable(outcome(tree), wire_text=False)


TYPICAL_JUNK: list[Any] = [
    None,
    "",
    [],
    {},
    ["x"],
    {"x": "y"},
    {1: "y", None: "z"},
    float("nan"),
    float("inf"),
    10**40,
    -1,
    b"\xff",
    True,
    False,
    "\x00",
    "x" * 10_000,
    object(),
]


@pytest.mark.parametrize("index", range(len(VALID_TREES)), ids=lambda i: VALID_TREES[i]["event"])
def test_each_field_position_with_typical_junk(index: int) -> None:
    """Exhaustive over positions: every field of every valid tree, with each typical junk."""
    checked = 0
    for path in _paths(VALID_TREES[index]):
        for junk in TYPICAL_JUNK:
            result = outcome(_replace(VALID_TREES[index], path, junk))
            check_usable(result, wire_text=False)
            checked += 1
    assert checked >= len(TYPICAL_JUNK)


# ---- mutations of the real bodies ------------------------------------------------------

FORM_BODIES = [example_text(name) for name in form_example_names()]
JSON_BODIES = [example_text(name) for name in envelope_example_names()]


def secrets_of(body: str) -> tuple[str, ...]:
    """Token values a form body carries only under secret field names.

    A mutation may move a token under another key (then it is no longer a secret's value
    and may be shown like any other value); those are left out.
    """
    pairs = parse_qsl(body, keep_blank_values=True)
    secret = {
        value
        for key, value in pairs
        # short values (a swapped-in "F") are not distinctive enough to search for
        if key.rstrip("]").rsplit("[", 1)[-1].lower() in SECRET_FIELDS and len(value) >= 16
    }
    elsewhere = [
        value
        for key, value in pairs
        if key.rstrip("]").rsplit("[", 1)[-1].lower() not in SECRET_FIELDS
    ]
    return tuple(token for token in secret if not any(token in value for value in elsewhere))


@st.composite
def mutated_form_bodies(draw: st.DrawFn) -> str:
    body = draw(st.sampled_from(FORM_BODIES))
    fields = body.split("&")
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if not fields:
            break
        op = draw(st.sampled_from(["truncate", "flip", "dup", "deepen", "array", "drop", "swap"]))
        at = draw(st.integers(min_value=0, max_value=len(fields) - 1))
        key, eq, value = fields[at].partition("=")
        if op == "truncate":
            text = "&".join(fields)
            fields = text[: draw(st.integers(min_value=0, max_value=len(text)))].split("&")
        elif op == "flip":
            text = "&".join(fields)
            pos = draw(st.integers(min_value=0, max_value=max(len(text) - 1, 0)))
            char = draw(st.sampled_from([*"[]%=&+.x0 \x00", chr(0xE9), "%5B", "%FF", "%"]))
            fields = (text[:pos] + char + text[pos + 1 :]).split("&")
        elif op == "dup":
            copy_value = draw(st.sampled_from([value, "", "x", "%5B%5D"]))
            fields.insert(draw(st.integers(0, len(fields))), f"{key}={copy_value}")
        elif op == "deepen":
            fields[at] = f"{key}%5B{draw(st.sampled_from(['x', '', '0', 'BOT_ID']))}%5D{eq}{value}"
        elif op == "array":
            fields[at] = f"{key}%5B%5D={value}&{key}%5B%5D={value}"
        elif op == "drop":
            del fields[at]
        else:  # swap a value with another field's
            other = draw(st.integers(min_value=0, max_value=len(fields) - 1))
            okey, _, ovalue = fields[other].partition("=")
            fields[at], fields[other] = f"{key}={ovalue}", f"{okey}={value}"
    return "&".join(fields)


@settings(max_examples=400)
@given(mutated_form_bodies())
def test_mutated_form_bodies(body: str) -> None:
    result = outcome(body)
    check_usable(result, wire_text=True)
    assert type(outcome(body.encode())) is type(result)
    if isinstance(result, B24EventError):
        # A mutated body can move values around, but never a token into an error message.
        assert leak_free(error_texts(result), secrets_of(body)), error_texts(result)


@st.composite
def mutated_json_bodies(draw: st.DrawFn) -> bytes:
    body = draw(st.sampled_from(JSON_BODIES)).encode()
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        op = draw(st.sampled_from(["truncate", "flip", "insert"]))
        pos = draw(st.integers(min_value=0, max_value=max(len(body) - 1, 0)))
        if op == "truncate":
            body = body[:pos]
        elif op == "flip":
            body = body[:pos] + bytes([draw(st.integers(0, 255))]) + body[pos + 1 :]
        else:
            body = (
                body[:pos]
                + draw(st.sampled_from([b"{", b"[", b'"', b"null", b"1e999", b","]))
                + body[pos:]
            )
    return body


@settings(max_examples=300)
@given(mutated_json_bodies(), st.sampled_from([None, "application/json"]))
def test_mutated_json_bodies(body: bytes, content_type: str | None) -> None:
    check_usable(outcome(body, content_type=content_type), wire_text=True)


@given(st.sampled_from(FORM_BODIES), st.data())
def test_form_fields_replaced_by_arrays(body: str, data: st.DataObject) -> None:
    """``key=v`` -> ``key[]=v``: every typed field gets a list where it wants a scalar."""
    fields = body.split("&")
    at = data.draw(st.integers(min_value=0, max_value=len(fields) - 1))
    key, _, value = fields[at].partition("=")
    fields[at] = f"{key}[]={value}"
    mutated = "&".join(fields)
    result = outcome(mutated)
    check_usable(result, wire_text=True)
    if isinstance(result, B24EventError):
        assert leak_free(error_texts(result), secrets_of(mutated))


def test_each_form_field_dropped_or_arrayed() -> None:
    """Exhaustive: drop each field / turn it into an array, one at a time, on every body."""
    seen = 0
    for body in FORM_BODIES:
        fields = body.split("&")
        for at in range(len(fields)):
            key, _, value = fields[at].partition("=")
            for replacement in (None, f"{key}[]={value}", f"{key}[x]={value}", f"{key}="):
                mutated = [*fields[:at], *([replacement] if replacement else []), *fields[at + 1 :]]
                text = "&".join(mutated)
                result = outcome(text)
                check_usable(result, wire_text=True)
                if isinstance(result, B24EventError):
                    assert leak_free(error_texts(result), secrets_of(text))
                seen += 1
    assert seen > 100


def test_statuses_are_never_an_error() -> None:
    for code in ["F", "Q", "0", "ff", "%C3%9C", "x%5B%5D", "S"]:
        result = outcome(f"event=ONX&auth[domain]=d&auth[status]={code}")
        assert isinstance(result, Event)
        assert result.auth is not None
        assert result.auth.status in (*AppStatus, unquote(code))
    blank = outcome("event=ONX&auth[domain]=d&auth[status]=")
    assert isinstance(blank, Event)
    assert blank.auth is not None
    assert blank.auth.status is None


# ---- round trips at the edges ------------------------------------------------------------


@pytest.mark.parametrize("value", ["1970-01-01T00:00:00Z", "00", "-0", "0"])
def test_epoch_datetime_round_trips(value: str) -> None:
    # Zero timestamps mean "no value" (v2 writes absent dates as "0"); the epoch written
    # as a date is a date, and to_dict writes it as one.
    event = parse_event({"event": "ONX", "ts": value})
    assert (event.ts is None) is (value[-1:] == "0")
    assert parse_event(to_dict(event)) == event


def test_scope_list_items_round_trip() -> None:
    event = parse_event({"event": "ONX", "auth": {"scope": ["crm task", "", "im"]}})
    assert event.auth is not None
    assert event.auth.scope == ("crm", "task", "im")  # split like scope text
    assert parse_event(to_dict(event)) == event


@pytest.mark.parametrize("key", ["t[s", "[x", "a[b]"])
def test_a_json_body_with_a_bracketed_top_level_key_is_refused(key: str) -> None:
    # Such a key only exists in flat form fields; accepting it in JSON would make the
    # event's to_dict() read back as form pairs (a different tree, or an error).
    with pytest.raises(PayloadError, match="top-level key"):
        parse_event(json.dumps({"event": "ONX", "ts": "1772090363", key: "1"}))


def test_form_and_json_bodies_of_the_examples_agree_after_mutation_free_parse() -> None:
    for body in FORM_BODIES:
        event = parse_event(body)
        assert parse_event(encode_form(to_dict(event))) == event
