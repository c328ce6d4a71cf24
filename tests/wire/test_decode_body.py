"""``decode_body`` (content-type dispatch), ``parse_json``, ``check_tree``,
``tree_from_pairs`` and ``tree_from_mapping``."""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs, parse_qsl

import pytest
from hypothesis import given, settings

from b24botevents import parse_event
from b24botevents.errors import LimitExceeded, PayloadError, UnsupportedContentType
from b24botevents.limits import Limits
from b24botevents.wire import (
    check_tree,
    decode_body,
    media_type,
    parse_form,
    parse_json,
    tree_from_mapping,
    tree_from_pairs,
)

from .helpers import QUERY_STRINGS, assert_same_tree

MIB = 1 << 20
FORM = "application/x-www-form-urlencoded"
FORM_BODY = "event=ONIMBOTDELETE&data%5BBOT_ID%5D=567&data[TAGS][]=a"
FORM_TREE = {"event": "ONIMBOTDELETE", "data": {"BOT_ID": "567", "TAGS": ["a"]}}
JSON_BODY = '{"event": "ONIMBOTDELETE", "data": {"BOT_ID": 567, "TAGS": ["a"], "ok": true}}'
JSON_TREE = {"event": "ONIMBOTDELETE", "data": {"BOT_ID": 567, "TAGS": ["a"], "ok": True}}


def assert_limit(info: pytest.ExceptionInfo[LimitExceeded], name: str) -> None:
    assert info.value.limit == name
    assert name in str(info.value)


# --------------------------------------------------------------------------------------
# Dispatch
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [FORM, "application/x-www-form-urlencoded; charset=UTF-8", "Application/X-WWW-Form-URLEncoded"],
)
def test_form_content_types(content_type: str) -> None:
    assert_same_tree(decode_body(FORM_BODY, content_type=content_type), FORM_TREE)
    assert_same_tree(decode_body(FORM_BODY.encode(), content_type=content_type), FORM_TREE)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        " application/json ;charset=utf-8",
        "application/vnd.x+json",
        "application/problem+json; charset=utf-8",
    ],
)
def test_json_content_types(content_type: str) -> None:
    assert_same_tree(decode_body(JSON_BODY, content_type=content_type), JSON_TREE)
    assert_same_tree(decode_body(JSON_BODY.encode(), content_type=content_type), JSON_TREE)


def test_json_keeps_json_types() -> None:
    """JSON mode keeps ints and booleans: the model layer must coerce both modes."""
    tree = decode_body('{"a": 1, "b": 1.5, "c": false, "d": null, "e": "x"}')
    assert_same_tree(tree, {"a": 1, "b": 1.5, "c": False, "d": None, "e": "x"})


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview, str])
def test_sniffing_without_content_type(kind: type[Any]) -> None:
    def body(text: str) -> Any:
        return text if kind is str else kind(text.encode())

    assert_same_tree(decode_body(body(JSON_BODY)), JSON_TREE)
    assert_same_tree(decode_body(body(" \r\n\t" + JSON_BODY)), JSON_TREE)
    assert_same_tree(decode_body(body(FORM_BODY)), FORM_TREE)
    assert decode_body(body("")) == {}
    with pytest.raises(PayloadError):
        decode_body(body("[1, 2]"))  # not "{": form, and "[1, 2]" is a malformed key


def test_form_body_sent_as_json_is_a_json_error() -> None:
    with pytest.raises(PayloadError, match="invalid JSON"):
        decode_body(FORM_BODY, content_type="application/json")


def test_an_empty_content_type_is_sniffed_like_none() -> None:
    # Some clients send "Content-Type:" with nothing after it; that says nothing either.
    assert decode_body(b'{"a": "1"}', content_type="") == {"a": "1"}
    assert decode_body(b"a=1", content_type=" ; charset=utf-8") == {"a": "1"}


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "multipart/form-data; boundary=xyz",
        "application/xml",
        "text/json",
        "application/jsonx",
        "application/x-www-form-urlencodedx",
    ],
)
def test_unsupported_content_types(content_type: str) -> None:
    with pytest.raises(UnsupportedContentType) as info:
        decode_body(JSON_BODY, content_type=content_type)
    assert isinstance(info.value, PayloadError)
    assert "application/json" in str(info.value)


def test_unsupported_content_type_message_is_bounded() -> None:
    with pytest.raises(UnsupportedContentType) as info:
        decode_body("a=1", content_type="text/" + "x" * 10_000)
    assert len(str(info.value)) < 300


def test_a_content_type_that_is_not_text_is_unsupported() -> None:
    with pytest.raises(UnsupportedContentType):
        parse_event(b"event=ONX", content_type=5)  # type: ignore[arg-type]


def test_media_type() -> None:
    assert media_type(None) is None
    assert media_type("Application/JSON; charset=utf-8") == "application/json"
    assert media_type("  text/plain  ") == "text/plain"


# --------------------------------------------------------------------------------------
# JSON errors and limits
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["[1, 2]", '"x"', "1", "null", "true", "[]"])
def test_json_must_be_an_object(body: str) -> None:
    with pytest.raises(PayloadError, match="object"):
        parse_json(body)
    with pytest.raises(PayloadError):
        decode_body(body, content_type="application/json")


@pytest.mark.parametrize(
    "body", ['{"a": NaN}', '{"a": Infinity}', '{"a": -Infinity}', '{"a": [1, NaN]}']
)
def test_json_nan_and_infinity_are_rejected(body: str) -> None:
    with pytest.raises(PayloadError, match="JSON"):
        decode_body(body, content_type="application/json")
    with pytest.raises(PayloadError):
        decode_body(body)


SECRET = "831c76b092f9f135d9b6b36c3a720757"


@pytest.mark.parametrize(
    "body",
    [
        '{"auth": {"application_token": "' + SECRET + '"}',  # truncated
        '{"auth": {"application_token": "' + SECRET + '"},}',  # trailing comma
        '{"auth": {"application_token": "' + SECRET + '" "x": 1}}',
        "{'application_token': '" + SECRET + "'}",  # single quotes
        '{"application_token": ' + SECRET + "}",  # unquoted
        '{"application_token": "' + SECRET + '\x01"}',  # control character
        '{"a": 1} ' + SECRET,  # extra data
        '{"a": ' + "7" * 5000 + "}",  # integer too long for int()
    ],
)
def test_invalid_json_message_does_not_echo_the_body(body: str) -> None:
    with pytest.raises(PayloadError) as info:
        decode_body(body, content_type="application/json")
    message = str(info.value)
    assert "JSON" in message
    assert SECRET not in message
    assert "7" * 50 not in message
    assert len(message) < 300


def test_json_invalid_utf8_is_an_error() -> None:
    with pytest.raises(PayloadError, match="UTF-8"):
        decode_body(b'{"a": "\xff"}', content_type="application/json")


def test_json_depth_counts_like_form_depth() -> None:
    """``{"a": {"b": {"c": 1}}}`` is depth 2, like the form key ``a[b][c]``."""
    nested = '{"a": {"b": {"c": 1}}}'
    assert parse_json(nested, limits=Limits(max_depth=2)) == {"a": {"b": {"c": 1}}}
    with pytest.raises(LimitExceeded) as info:
        parse_json(nested, limits=Limits(max_depth=1))
    assert_limit(info, "max_depth")
    with pytest.raises(LimitExceeded) as info:
        parse_json('{"a": [[1]]}', limits=Limits(max_depth=1))
    assert_limit(info, "max_depth")


def test_json_max_depth_default() -> None:
    def nested(levels: int) -> str:  # `levels` containers below the top-level object
        return '{"a": ' * (levels + 1) + "1" + "}" * (levels + 1)

    assert parse_json(nested(32))
    with pytest.raises(LimitExceeded) as info:
        decode_body(nested(33))
    assert_limit(info, "max_depth")


@pytest.mark.parametrize("opener", ['{"a": ', "[", '{"a": ['])
def test_json_nested_1e5_deep_is_refused(opener: str) -> None:
    depth = 10**5
    body = "{" + '"x": ' + opener * depth
    for _ in range(3):  # and the interpreter is still fine afterwards
        with pytest.raises(LimitExceeded) as info:
            decode_body(body, content_type="application/json")
        assert_limit(info, "max_depth")
    assert sys.getrecursionlimit() > 0
    assert parse_json('{"ok": [1]}') == {"ok": [1]}


def test_json_max_fields() -> None:
    assert len(parse_json(json.dumps({"a": [0] * 1000}))["a"]) == 1000
    with pytest.raises(LimitExceeded) as info:
        parse_json(json.dumps({"a": [0] * 1001}))
    assert_limit(info, "max_fields")
    many = json.dumps({f"k{n}": {"x": n} for n in range(600)})  # 600 leaves
    assert len(parse_json(many)) == 600
    with pytest.raises(LimitExceeded) as info:
        parse_json(many, limits=Limits(max_fields=599))
    assert_limit(info, "max_fields")


def test_json_a_million_leaves_are_refused() -> None:
    body = json.dumps({"a": [1] * 10**6})
    with pytest.raises(LimitExceeded) as info:
        decode_body(body, limits=Limits(max_body_bytes=8 * MIB))
    assert_limit(info, "max_fields")


def test_json_max_body_bytes() -> None:
    body = '{"a": "' + "x" * (10 * MIB) + '"}'
    with pytest.raises(LimitExceeded) as info:
        decode_body(body)
    assert_limit(info, "max_body_bytes")
    with pytest.raises(LimitExceeded) as info:
        decode_body(b'{"a": "xxxxxxxx"}', limits=Limits(max_body_bytes=10))
    assert_limit(info, "max_body_bytes")


# --------------------------------------------------------------------------------------
# check_tree
# --------------------------------------------------------------------------------------


def test_check_tree() -> None:
    tree = {"a": {"b": [1, 2, (3, 4)]}, "c": "x"}
    check_tree(tree, limits=Limits(max_depth=3, max_fields=5))
    with pytest.raises(LimitExceeded) as info:
        check_tree(tree, limits=Limits(max_depth=2))
    assert_limit(info, "max_depth")
    with pytest.raises(LimitExceeded) as info:
        check_tree(tree, limits=Limits(max_fields=4))
    assert_limit(info, "max_fields")
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(10**5):  # no recursion, however deep
        node["a"] = {}
        node = node["a"]
    with pytest.raises(LimitExceeded) as info:
        check_tree(deep)
    assert_limit(info, "max_depth")


# --------------------------------------------------------------------------------------
# tree_from_pairs
# --------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(qs=QUERY_STRINGS)
def test_pairs_from_parse_qsl_build_the_same_tree_as_parse_form(qs: str) -> None:
    pairs = parse_qsl(qs, keep_blank_values=True)
    assert_same_tree(tree_from_pairs(pairs), parse_form(qs))
    assert_same_tree(tree_from_pairs(iter(pairs)), parse_form(qs))


def test_pairs_basic() -> None:
    pairs = [("data[BOT][567][BOT_ID]", "567"), ("data[TAGS][]", "a"), ("data[TAGS][]", "b")]
    assert_same_tree(
        tree_from_pairs(pairs), {"data": {"BOT": {"567": {"BOT_ID": "567"}}, "TAGS": ["a", "b"]}}
    )


def test_pairs_keep_values_and_decode_bytes() -> None:
    tree = tree_from_pairs([(b"a[b]", b"\xd1\x8f"), ("n", 5), ("a[c]", None)])
    assert_same_tree(tree, {"a": {"b": "я", "c": None}, "n": 5})


@pytest.mark.parametrize(
    "pairs",
    [
        [(b"a\xff", "1")],
        [("a", b"\xff")],
        [("a",)],
        [("a", "1", "2")],
        [5],
        [(5, "1")],
        [("a[b", "1")],
        [("", "1")],
        [("a.b", "1")],
        [("a[9223372036854775807]", "1"), ("a[]", "2")],
    ],
)
def test_pairs_errors(pairs: list[Any]) -> None:
    with pytest.raises(PayloadError):
        tree_from_pairs(pairs)


def test_pairs_limits() -> None:
    with pytest.raises(LimitExceeded) as info:
        tree_from_pairs([("a", "1")] * 3, limits=Limits(max_fields=2))
    assert_limit(info, "max_fields")
    with pytest.raises(LimitExceeded) as info:
        tree_from_pairs(itertools.repeat(("a[]", "1")))  # endless: stops at the limit
    assert_limit(info, "max_fields")
    with pytest.raises(LimitExceeded) as info:
        tree_from_pairs([("a" + "[b]" * 33, "1")])
    assert_limit(info, "max_depth")
    with pytest.raises(LimitExceeded) as info:
        tree_from_pairs([("a" * 1025, "1")])
    assert_limit(info, "max_key_length")


# --------------------------------------------------------------------------------------
# tree_from_mapping
# --------------------------------------------------------------------------------------


class ListsMultiDict(dict[str, list[str]]):
    """Like Django's ``QueryDict``/werkzeug's ``MultiDict``: a dict of lists whose item
    access returns the last value, with ``.lists()`` giving every value."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__()
        for key, value in pairs:
            super().setdefault(key, []).append(value)

    def __getitem__(self, key: str) -> Any:
        return super().__getitem__(key)[-1]

    def lists(self) -> Iterator[tuple[str, list[str]]]:
        return iter(super().items())


class MultiItemsDict(Mapping[str, str]):
    """Like Starlette's ``FormData``: a mapping of last values, plus ``.multi_items()``."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    def __getitem__(self, key: str) -> str:
        return [value for name, value in self._pairs if name == key][-1]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(name for name, _ in self._pairs))

    def __len__(self) -> int:
        return len(dict.fromkeys(name for name, _ in self._pairs))

    def multi_items(self) -> list[tuple[str, str]]:
        return list(self._pairs)


PAIRS = [
    ("event", "ONIMBOTMESSAGEADD"),
    ("data[PARAMS][MENTIONED_LIST][567]", "567"),
    ("data[TAGS][]", "a"),
    ("data[TAGS][]", "b"),
    ("event", "ONIMBOTMESSAGEUPDATE"),
]
PAIRS_TREE = {
    "event": "ONIMBOTMESSAGEUPDATE",
    "data": {"PARAMS": {"MENTIONED_LIST": {"567": "567"}}, "TAGS": ["a", "b"]},
}


def test_mapping_flat_with_bracket_keys() -> None:
    flat = {"event": "ONIMBOTDELETE", "data[BOT_ID]": "567", "auth[domain]": "x.bitrix24.com"}
    assert_same_tree(
        tree_from_mapping(flat),
        {"event": "ONIMBOTDELETE", "data": {"BOT_ID": "567"}, "auth": {"domain": "x.bitrix24.com"}},
    )


def test_mapping_parse_qs_dict_of_lists() -> None:
    qs = "event=ONIMBOTDELETE&data[TAGS][]=a&data[TAGS][]=b&data[BOT_ID]=567"
    assert_same_tree(
        tree_from_mapping(parse_qs(qs)),
        {"event": "ONIMBOTDELETE", "data": {"TAGS": ["a", "b"], "BOT_ID": "567"}},
    )


def test_mapping_already_nested_tree_is_checked_and_returned() -> None:
    tree = {"event": "ONIMBOTDELETE", "data": {"BOT_ID": 567, "TAGS": ["a"]}}
    result = tree_from_mapping(tree)
    assert_same_tree(result, tree)
    with pytest.raises(LimitExceeded) as info:
        tree_from_mapping(tree, limits=Limits(max_depth=1))
    assert_limit(info, "max_depth")
    with pytest.raises(LimitExceeded) as info:
        tree_from_mapping(tree, limits=Limits(max_fields=2))
    assert_limit(info, "max_fields")


def test_mapping_with_lists_method() -> None:
    multi = ListsMultiDict(PAIRS)
    assert multi["event"] == "ONIMBOTMESSAGEUPDATE"
    assert_same_tree(tree_from_mapping(multi), PAIRS_TREE)


def test_mapping_with_multi_items_method() -> None:
    assert_same_tree(tree_from_mapping(MultiItemsDict(PAIRS)), PAIRS_TREE)


def test_mapping_multidicts_apply_limits_and_key_checks() -> None:
    with pytest.raises(LimitExceeded) as info:
        tree_from_mapping(ListsMultiDict(PAIRS), limits=Limits(max_fields=4))
    assert_limit(info, "max_fields")
    with pytest.raises(PayloadError, match="malformed"):
        tree_from_mapping(ListsMultiDict([("a[b", "1"), ("c[d]", "2")]))


def test_multidict_without_bracket_keys_gives_values_not_lists() -> None:
    """Regression (was a bug): with no ``[`` in any key, a multi-dict is taken as an
    already-nested tree and copied with ``dict(mapping)``; for the dict-of-lists classes
    (Django's ``QueryDict``, werkzeug's ``MultiDict``) that copies the internal lists, so
    ``event=X`` comes back as ``{"event": ["X"]}``."""
    pairs = [("event", "ONAPPTEST"), ("ts", "1")]
    assert tree_from_mapping(MultiItemsDict(pairs)) == {"event": "ONAPPTEST", "ts": "1"}
    assert tree_from_mapping(ListsMultiDict(pairs)) == {"event": "ONAPPTEST", "ts": "1"}
