"""``SchemaError`` names the wire path and what was expected, never a secret's value."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b24botevents import (
    B24EventError,
    LimitExceeded,
    Limits,
    PayloadError,
    SchemaError,
    UnsupportedContentType,
    parse_event,
)
from b24botevents.wire import encode_form
from model_support import (
    ACCESS_TOKEN,
    ALL_TOKENS,
    APPLICATION_TOKEN,
    BOT_ACCESS_TOKEN,
    BOT_APPLICATION_TOKEN,
    BOT_REFRESH_TOKEN,
    REFRESH_TOKEN,
    error_texts,
    leak_free,
)


def test_hierarchy() -> None:
    assert issubclass(PayloadError, B24EventError)
    assert issubclass(LimitExceeded, PayloadError)
    assert issubclass(UnsupportedContentType, PayloadError)
    assert issubclass(SchemaError, B24EventError)
    assert not issubclass(SchemaError, PayloadError)


def secret_v1() -> dict[str, Any]:
    return {
        "event": "ONIMBOTDELETE",
        "event_handler_id": "439",
        "data": {"BOT_ID": "567", "BOT_CODE": "BOT"},
        "ts": "1772090363",
        "auth": {
            "access_token": ACCESS_TOKEN,
            "refresh_token": REFRESH_TOKEN,
            "application_token": APPLICATION_TOKEN,
            "expires": "1772093963",
            "expires_in": "3600",
            "user_id": "27",
            "status": "F",
            "domain": "some-domain.bitrix24.com",
        },
    }


def secret_v2() -> dict[str, Any]:
    return {
        "event": "ONIMBOTV2DELETE",
        "data": {
            "bot": {
                "id": 456,
                "code": "support_bot",
                "isHidden": False,
                "countUser": 45,
                "auth": {
                    "access_token": BOT_ACCESS_TOKEN,
                    "refresh_token": BOT_REFRESH_TOKEN,
                    "application_token": BOT_APPLICATION_TOKEN,
                    "expires": 1772093963,
                    "user_id": 27,
                },
            }
        },
        "ts": 1772093963,
        "auth": {
            "domain": "your-account.bitrix24.com",
            "application_token": APPLICATION_TOKEN,
            "access_token": ACCESS_TOKEN,
            "refresh_token": REFRESH_TOKEN,
        },
    }


def secret_install() -> dict[str, Any]:
    tree = secret_v1()
    tree["event"] = "ONAPPINSTALL"
    tree["data"] = {"VERSION": "1", "ACTIVE": "Y", "INSTALLED": "Y", "LANGUAGE_ID": "de"}
    return tree


def secret_uninstall() -> dict[str, Any]:
    tree = secret_v1()
    tree["event"] = "ONAPPUNINSTALL"
    tree["data"] = {"LANGUAGE_ID": "de", "CLEAN": "1"}
    return tree


def at(tree: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    tree = copy.deepcopy(tree)
    node = tree
    for key in path[:-1]:
        node = node[key]
    if value is _DROP:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return tree


_DROP = object()


def schema_error(tree: dict[str, Any]) -> list[SchemaError]:
    """The SchemaError of the tree, its JSON body and its form body (all three must fail)."""
    errors = []
    for body in (tree, json.dumps(tree), encode_form(tree)):
        with pytest.raises(SchemaError) as info:
            parse_event(body)
        errors.append(info.value)
    return errors


REQUIRED = [
    (secret_v1, ("data", "BOT_ID"), "data[BOT_ID]"),
    (secret_v1, ("data", "BOT_CODE"), "data[BOT_CODE]"),
    (secret_v1, ("data",), "data"),
    (secret_v1, ("event",), "event"),
    (secret_v2, ("data", "bot", "id"), "data[bot][id]"),
    (secret_v2, ("data", "bot", "code"), "data[bot][code]"),
    (secret_v2, ("data", "bot"), "data[bot]"),
    (secret_v2, ("data",), "data"),
]


@pytest.mark.parametrize(("make", "path", "wire"), REQUIRED, ids=[r[2] for r in REQUIRED])
def test_missing_required_field(make: Any, path: tuple[str, ...], wire: str) -> None:
    for error in schema_error(at(make(), path, _DROP)):
        # A form body cannot carry the empty {"bot": ...}-less data block at all, so there
        # the nearest missing ancestor is reported.
        assert error.path == wire or (wire, error.path) == ("data[bot]", "data")
        assert "missing" in error.reason
        assert str(error).startswith(f"{error.path}: ")
        assert (error.path, error.reason) in error.errors
        assert leak_free(error_texts(error))


BAD_VALUES = [
    (secret_v1, ("data", "BOT_ID"), "x1", "data[BOT_ID]", "integer"),
    (secret_v1, ("data", "BOT_ID"), "", "data[BOT_ID]", "integer"),
    (secret_v1, ("data", "BOT_ID"), "1.5", "data[BOT_ID]", "integer"),
    (secret_v1, ("event_handler_id",), "abc", "event_handler_id", "integer"),
    (secret_v1, ("ts",), "yesterday", "ts", "ISO-8601"),
    (secret_v1, ("auth", "expires"), "soon", "auth[expires]", "ISO-8601"),
    (secret_v1, ("auth", "expires_in"), "1h", "auth[expires_in]", "integer"),
    (secret_v1, ("auth", "user_id"), "u27", "auth[user_id]", "integer"),
    (secret_v1, ("auth",), "not-a-block", "auth", "mapping"),
    (secret_v1, ("data",), "not-a-block", "data", "mapping"),
    (secret_v1, ("event",), "", "event", "event code"),
    (secret_v1, ("event",), ["A", "B"], "event", "string"),
    (secret_v2, ("data", "bot", "id"), "x", "data[bot][id]", "integer"),
    (secret_v2, ("data", "bot", "isHidden"), "maybe", "data[bot][isHidden]", "boolean"),
    (secret_v2, ("data", "bot", "countUser"), "many", "data[bot][countUser]", "integer"),
    (
        secret_v2,
        ("data", "bot", "auth", "expires"),
        "later",
        "data[bot][auth][expires]",
        "ISO-8601",
    ),
    (secret_v2, ("data", "bot", "auth", "user_id"), "me", "data[bot][auth][user_id]", "integer"),
    (secret_v2, ("data", "bot", "code"), ["a"], "data[bot][code]", "string"),
    (secret_install, ("data", "ACTIVE"), "maybe", "data[ACTIVE]", "boolean"),
    (secret_install, ("data", "INSTALLED"), "2", "data[INSTALLED]", "boolean"),
    (secret_uninstall, ("data", "CLEAN"), "yes", "data[CLEAN]", "boolean"),
]


@pytest.mark.parametrize(
    ("make", "path", "value", "wire", "expected"),
    BAD_VALUES,
    ids=[f"{r[3]}={r[2]!r}" for r in BAD_VALUES],
)
def test_value_that_does_not_coerce(
    make: Any, path: tuple[str, ...], value: Any, wire: str, expected: str
) -> None:
    for error in schema_error(at(make(), path, value)):
        assert error.path == wire, error
        assert expected in error.reason
        assert "expected" in error.reason
        assert str(error).startswith(f"{wire}: expected")
        assert leak_free(error_texts(error))


def test_every_error_is_listed_in_field_order() -> None:
    tree = at(secret_v2(), ("data", "bot", "id"), "x")
    tree = at(tree, ("data", "bot", "auth", "expires"), "later")
    tree = at(tree, ("ts",), "never")
    for error in schema_error(tree):
        paths = [path for path, _ in error.errors]
        assert set(paths) == {"ts", "data[bot][id]", "data[bot][auth][expires]"}
        assert paths.index("data[bot][id]") < paths.index("data[bot][auth][expires]")
        assert (error.path, error.reason) == error.errors[0]
        assert str(error).endswith("(and 2 more errors)")
        assert leak_free(error_texts(error))


def test_one_more_error_is_singular() -> None:
    tree = at(secret_v1(), ("data", "BOT_ID"), "x")
    tree = at(tree, ("auth", "user_id"), "y")
    error = schema_error(tree)[0]
    assert str(error).endswith("(and 1 more error)")


def test_error_messages_do_not_show_string_field_values() -> None:
    """String fields include the tokens, so no string field's value is ever quoted."""
    for path in [
        ("auth", "access_token"),
        ("auth", "application_token"),
        ("auth", "refresh_token"),
    ]:
        for shape in ([ACCESS_TOKEN], {"x": ACCESS_TOKEN}, {ACCESS_TOKEN: 1}, True):
            with pytest.raises(SchemaError) as info:
                parse_event(at(secret_v1(), path, shape))
            error = info.value
            assert error.path == "auth[" + path[1] + "]"
            assert leak_free(error_texts(error))


#: A token sent where a block belongs (below): the error must not echo it.
MISPLACED_SECRET = "5ec2e75ec2e75ec2e75ec2e75ec2e7aa"


@pytest.mark.parametrize(
    "body",
    [
        f"event=ONIMBOTDELETE&data[BOT_ID]=1&data[BOT_CODE]=b&auth={MISPLACED_SECRET}",
        f"event=ONIMBOTV2DELETE&data[bot][id]=1&data[bot][code]=b&data[bot][auth]={MISPLACED_SECRET}",
    ],
)
def test_a_token_where_a_mapping_belongs_is_not_echoed(body: str) -> None:
    with pytest.raises(SchemaError) as info:
        parse_event(body)
    assert "expected a mapping, got a str" in str(info.value)
    assert MISPLACED_SECRET not in str(info.value)


#: Fields whose values are not secrets; breaking them must not reveal the tokens elsewhere.
BREAKABLE: dict[str, list[tuple[str, ...]]] = {
    "v1": [
        ("data", "BOT_ID"),
        ("data", "BOT_CODE"),
        ("event_handler_id",),
        ("ts",),
        ("auth", "expires"),
        ("auth", "expires_in"),
        ("auth", "user_id"),
        ("auth", "status"),
        ("auth", "domain"),
    ],
    "v2": [
        ("data", "bot", "id"),
        ("data", "bot", "code"),
        ("data", "bot", "isHidden"),
        ("data", "bot", "countUser"),
        ("data", "bot", "auth", "expires"),
        ("data", "bot", "auth", "user_id"),
        ("ts",),
        ("auth", "domain"),
    ],
}
BAD = st.sampled_from(["x", "-", "1.5", "Y?", [], ["1"], {"a": "b"}, {"1": ["2"]}, True, 1.5])


@given(st.sampled_from(["v1", "v2"]), st.data())
def test_tokens_never_appear_in_error_messages(kind: str, data: st.DataObject) -> None:
    tree = secret_v1() if kind == "v1" else secret_v2()
    paths = data.draw(st.lists(st.sampled_from(BREAKABLE[kind]), min_size=1, unique=True))
    for path in paths:
        tree = at(tree, path, data.draw(BAD))
    bodies: list[Any] = [tree, json.dumps(tree), encode_form(tree)]
    for body in bodies:
        result = _outcome(body)
        # Some breakages are still valid values (a list for scope), so not every one fails.
        text = error_texts(result) if isinstance(result, B24EventError) else repr(result)
        assert leak_free(text), text


def _outcome(body: Any) -> object:
    try:
        return parse_event(body)
    except B24EventError as exc:
        return exc


@pytest.mark.parametrize(
    "body",
    [
        f"event=X&auth%5Baccess_token%5D={ACCESS_TOKEN}%FF",
        f"event=X&auth%5Baccess_token%5D%5B={ACCESS_TOKEN}",
        f"event=X&auth%5Baccess_token%5D%5Bx%5Dy={ACCESS_TOKEN}",
        f"event=X&auth.x%5Baccess_token%5D={ACCESS_TOKEN}",
        f'{{"event": "X", "auth": {{"access_token": "{ACCESS_TOKEN}"}}',
        f'{{"event": "X", "auth": {{"access_token": "{ACCESS_TOKEN}\\x"}}}}',
        f'{{"event": "X", "auth": {{"access_token": "{ACCESS_TOKEN}" "x"}}}}',
    ],
)
def test_payload_errors_do_not_show_token_values(body: str) -> None:
    with pytest.raises(PayloadError) as info:
        parse_event(body)
    assert leak_free(error_texts(info.value), ALL_TOKENS)


@pytest.mark.parametrize(
    ("limits", "body", "limit"),
    [
        (
            Limits(max_body_bytes=50),
            f"event=X&auth%5Baccess_token%5D={ACCESS_TOKEN}",
            "max_body_bytes",
        ),
        (Limits(max_fields=1), f"event=X&auth%5Baccess_token%5D={ACCESS_TOKEN}", "max_fields"),
        (Limits(max_depth=1), f"event=X&a%5Bb%5D%5Bc%5D={ACCESS_TOKEN}", "max_depth"),
        (
            Limits(max_key_length=5),
            f"event=X&auth%5Baccess_token%5D={ACCESS_TOKEN}",
            "max_key_length",
        ),
        (Limits(max_depth=1), {"event": "X", "a": {"b": {"c": ACCESS_TOKEN}}}, "max_depth"),
        (
            Limits(max_fields=1),
            {"event": "X", "auth": {"access_token": ACCESS_TOKEN}},
            "max_fields",
        ),
    ],
)
def test_limit_errors(limits: Limits, body: Any, limit: str) -> None:
    with pytest.raises(LimitExceeded) as info:
        parse_event(body, limits=limits)
    assert info.value.limit == limit
    assert limit in str(info.value)
    assert leak_free(error_texts(info.value))


@pytest.mark.parametrize(
    "content_type", ["text/plain", "multipart/form-data; boundary=x", "application/xml"]
)
def test_unsupported_content_type(content_type: str) -> None:
    with pytest.raises(UnsupportedContentType):
        parse_event(b"event=X", content_type=content_type)
