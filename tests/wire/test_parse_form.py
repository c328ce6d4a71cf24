"""``parse_form`` on explicit inputs: shapes, PHP's rules, malformed keys, UTF-8, limits.

The expected values for PHP's rules were checked against ``php -n`` 8.2
(``test_parse_form_php.py`` re-checks the interesting ones against PHP on every run).
"""

from __future__ import annotations

import array
import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from b24botevents.errors import LimitExceeded, PayloadError
from b24botevents.limits import DEFAULT_LIMITS, Limits
from b24botevents.wire import encode_form, parse_form
from php_reference import php_parse_str
from spec_examples import EXAMPLES

from .helpers import (
    assert_decoded_shape,
    assert_same_tree,
    expected_round_trip,
    is_well_formed_key,
    stringify_leaves,
)

MIB = 1 << 20


def assert_limit(info: pytest.ExceptionInfo[LimitExceeded], name: str) -> None:
    assert info.value.limit == name
    assert name in str(info.value)


# --------------------------------------------------------------------------------------
# Basic decoding
# --------------------------------------------------------------------------------------


def test_plain_fields() -> None:
    assert_same_tree(
        parse_form("event=ONIMBOTDELETE&ts=1772090363"),
        {"event": "ONIMBOTDELETE", "ts": "1772090363"},
    )


def test_empty_body_and_empty_fields() -> None:
    assert parse_form("") == {}
    assert parse_form("&") == {}
    assert parse_form(b"&&&") == {}
    assert_same_tree(parse_form("&&a=1&&&b=2&"), {"a": "1", "b": "2"})


def test_field_without_equals_sign_is_empty_string() -> None:
    assert_same_tree(parse_form("a&b=&c[d]"), {"a": "", "b": "", "c": {"d": ""}})


def test_value_keeps_later_equals_signs() -> None:
    assert parse_form("a=b=c==") == {"a": "b=c=="}


def test_plus_is_a_space() -> None:
    assert_same_tree(
        parse_form("a=b+c&b=%2B&c=+%20+&d[x+y]=1&g[++]=3"),
        {"a": "b c", "b": "+", "c": "   ", "d": {"x y": "1"}, "g": {"  ": "3"}},
    )


def test_percent_escapes_decode_as_utf8_in_either_case() -> None:
    tree = parse_form("a=%E2%82%AC&b=%e2%82%ac&c=€&%D0%BA%D0%BB%D1%8E%D1%87[%F0%9F%98%80]=x")
    assert_same_tree(tree, {"a": "€", "b": "€", "c": "€", "ключ": {"😀": "x"}})
    assert parse_form("c=€".encode()) == {"c": "€"}


def test_stray_percent_signs_are_literal() -> None:
    assert_same_tree(
        parse_form("a=%zz%4%4g%&b=100%&c=%%41&d=%5"),
        {"a": "%zz%4%4g%", "b": "100%", "c": "%A", "d": "%5"},
    )


def test_escaped_brackets_are_brackets_in_keys_and_text_in_values() -> None:
    assert_same_tree(
        parse_form("a%5Bb%5D%5b%5d=1&a%5bb%5d%5B%5D=2&v=%5B%5d"),
        {"a": {"b": ["1", "2"]}, "v": "[]"},
    )


def test_nul_and_control_characters_in_values_are_kept() -> None:
    assert parse_form("a=%00%0D%0A%09") == {"a": "\x00\r\n\t"}


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview, str])
def test_body_types(kind: type[Any]) -> None:
    text = "data%5BBOT_ID%5D=567&data[TAGS][]=%D1%8F&x=+"
    body = text if kind is str else kind(text.encode("ascii"))
    assert_same_tree(parse_form(body), {"data": {"BOT_ID": "567", "TAGS": ["я"]}, "x": " "})


def test_raw_utf8_bytes_and_str_agree() -> None:
    text = "имя=значение&k[ключ]=😀"
    assert_same_tree(parse_form(text.encode("utf-8")), parse_form(text))
    assert parse_form(text) == {"имя": "значение", "k": {"ключ": "😀"}}


# --------------------------------------------------------------------------------------
# Arrays: ids stay dicts, PHP lists become lists
# --------------------------------------------------------------------------------------


def test_id_keyed_arrays_stay_dicts() -> None:
    tree = parse_form(
        "data[BOT][567][BOT_ID]=567&data[BOT][17][BOT_ID]=17"
        "&data[PARAMS][MENTIONED_LIST][17]=17&data[COMMAND][103][COMMAND]=echo"
    )
    assert_same_tree(
        tree,
        {
            "data": {
                "BOT": {"567": {"BOT_ID": "567"}, "17": {"BOT_ID": "17"}},
                "PARAMS": {"MENTIONED_LIST": {"17": "17"}},
                "COMMAND": {"103": {"COMMAND": "echo"}},
            }
        },
    )


def test_arrays_keyed_zero_to_n_in_order_become_lists() -> None:
    """PHP cannot tell ``[0 => x]`` from a list and neither can ``json_encode``: an array
    keyed exactly 0..n-1 in insertion order IS rendered as a list. So an id that happens to
    be 0 (``MENTIONED_LIST[0]``, ``BOT[0]``) yields a list; consumers must accept both."""
    assert parse_form("MENTIONED_LIST[0]=0") == {"MENTIONED_LIST": ["0"]}
    assert parse_form("data[BOT][0][BOT_ID]=0") == {"data": {"BOT": [{"BOT_ID": "0"}]}}
    assert parse_form("a[0]=x&a[1]=y") == {"a": ["x", "y"]}
    assert parse_form("a[]=x&a[]=y") == {"a": ["x", "y"]}
    assert parse_form("a[0][0]=x&a[0][1]=y&a[1][]=z") == {"a": [["x", "y"], ["z"]]}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("a[1]=x&a[0]=y", {"a": {"1": "x", "0": "y"}}),  # out of order: a dict, in order
        ("a[0]=x&a[2]=y", {"a": {"0": "x", "2": "y"}}),  # a gap
        ("a[1]=x", {"a": {"1": "x"}}),  # not starting at 0
        ("a[05]=x", {"a": {"05": "x"}}),  # "05" is a string key
        ("a[-0]=x", {"a": {"-0": "x"}}),  # "-0" too
        ("a[0]=x&a[y]=z", {"a": {"0": "x", "y": "z"}}),
        ("a[ 0]=x", {"a": {" 0": "x"}}),
    ],
)
def test_other_arrays_stay_dicts_in_order(body: str, expected: dict[str, Any]) -> None:
    assert_same_tree(parse_form(body), expected)


# --------------------------------------------------------------------------------------
# Duplicates, conflicts and appends: what PHP does
# --------------------------------------------------------------------------------------


def test_duplicate_scalars_last_wins() -> None:
    assert parse_form("a=1&a=2&a=3") == {"a": "3"}
    assert parse_form("a[b]=1&a[b]=2") == {"a": {"b": "2"}}


def test_array_replaces_earlier_scalar() -> None:
    assert_same_tree(parse_form("a=1&a[b]=2"), {"a": {"b": "2"}})


def test_scalar_replaces_earlier_array() -> None:
    assert_same_tree(parse_form("a[b]=2&a=1"), {"a": "1"})
    assert_same_tree(parse_form("a[x][y]=1&a[x]=2&a[x][z]=3"), {"a": {"x": {"z": "3"}}})


def test_replacement_keeps_the_original_position() -> None:
    assert list(parse_form("a=1&b=2&a[x]=3")) == ["a", "b"]
    assert list(parse_form("a[x]=1&b=2&a=3")) == ["a", "b"]
    assert list(parse_form("a=1&b=2&a=3")) == ["a", "b"]


def test_appends_take_the_next_index_after_explicit_int_keys() -> None:
    assert_same_tree(
        parse_form("a[]=1&a[]=2&a[5]=3&a[]=4"), {"a": {"0": "1", "1": "2", "5": "3", "6": "4"}}
    )
    assert_same_tree(parse_form("a[05]=1&a[]=2"), {"a": {"05": "1", "0": "2"}})
    assert_same_tree(parse_form("a[]=1&a[0]=2"), {"a": ["2"]})


def test_appends_after_negative_keys() -> None:
    """PHP 8.2 (checked): after ``a[-5]`` the next free index is -4, after ``a[-1]`` it is 0."""
    assert_same_tree(parse_form("a[-5]=1&a[]=2"), {"a": {"-5": "1", "-4": "2"}})
    assert_same_tree(parse_form("a[-1]=1&a[]=2"), {"a": {"-1": "1", "0": "2"}})
    assert_same_tree(parse_form("a[5]=1&a[-9]=3&a[]=2"), {"a": {"5": "1", "-9": "3", "6": "2"}})


def test_int_key_range_is_zend_long() -> None:
    tree = parse_form(
        "a[-9223372036854775808]=1&a[]=2&b[9223372036854775808]=1&b[]=2&c[9223372036854775806]=1&c[]=2"
    )
    assert_same_tree(
        tree,
        {
            "a": {"-9223372036854775808": "1", "-9223372036854775807": "2"},
            "b": {"9223372036854775808": "1", "0": "2"},
            "c": {"9223372036854775806": "1", "9223372036854775807": "2"},
        },
    )


@pytest.mark.parametrize(
    "body",
    [
        "a[9223372036854775807]=1&a[]=2",
        "a[9223372036854775806]=1&a[]=2&a[]=3",
        "a[9223372036854775807]=1&a[][x]=2",
        "x[y][9223372036854775807]=1&x[y][]=2",
    ],
)
def test_append_after_the_largest_int_key_is_an_error(body: str) -> None:
    """PHP drops such a value silently; we refuse the body instead."""
    with pytest.raises(PayloadError, match="overflow") as info:
        parse_form(body)
    assert not isinstance(info.value, LimitExceeded)
    assert "[]" in str(info.value)


# --------------------------------------------------------------------------------------
# Malformed keys: PHP reshapes them, we refuse
# --------------------------------------------------------------------------------------

MALFORMED = [
    # (the key as written on the wire, the decoded key the message must name)
    ("a[b", "a[b"),  # PHP: a_b
    ("a]b[", "a]b["),
    ("a[b]c", "a[b]c"),  # PHP drops "c"
    ("", ""),  # empty name: PHP drops the field
    ("[x]", "[x]"),
    ("[]", "[]"),
    ("a b", "a b"),  # PHP: a_b
    ("a+b", "a b"),
    ("a%20b", "a b"),
    (" a", " a"),  # PHP strips leading spaces
    ("a.b", "a.b"),  # PHP: a_b
    ("a%2Eb", "a.b"),
    (".", "."),
    ("a%00b", "a\x00b"),  # PHP truncates at NUL
    ("a[b%00]", "a[b\x00]"),
    ("a[b[c]", "a[b[c]"),  # PHP keeps "b[c"
    ("a[b]]", "a[b]]"),  # PHP ignores the extra ']'
    ("a]b", "a]b"),
    ("a]", "a]"),
    ("a[", "a["),
    ("a[]]", "a[]]"),
    ("a[][", "a[]["),
    ("a[b][c", "a[b][c"),
    ("a[b]x[c]", "a[b]x[c]"),
    ("a%5Bb", "a[b"),
    ("a%5bb%5d%5d", "a[b]]"),
]


@pytest.mark.parametrize(("wire_key", "key"), MALFORMED)
@pytest.mark.parametrize("with_value", [True, False])
def test_malformed_keys_raise_naming_the_key(wire_key: str, key: str, with_value: bool) -> None:
    field = f"{wire_key}=1" if with_value else wire_key
    if not field:
        field = "=1"  # the empty name needs its '=' to be a field at all
    for body in (f"ok=1&{field}&z=2", f"ok=1&{field}&z=2".encode()):
        with pytest.raises(PayloadError) as info:
            parse_form(body)
        assert type(info.value) is PayloadError
        assert repr(key) in str(info.value)


def test_long_malformed_key_is_truncated_in_the_message() -> None:
    key = "k" * 900 + "[x"
    with pytest.raises(PayloadError) as info:
        parse_form(f"{key}=1")
    message = str(info.value)
    assert key not in message
    assert "k" * 40 in message
    assert str(len(key)) in message  # says how long it was
    assert len(message) < 300


def test_over_long_key_is_truncated_in_the_message() -> None:
    key = "k" * 50_000
    with pytest.raises(LimitExceeded) as info:
        parse_form(f"{key}=1")
    assert_limit(info, "max_key_length")
    assert len(str(info.value)) < 300


@settings(max_examples=400, deadline=None)
@given(key=st.text(alphabet="ab0 .[]\x00\t", min_size=0, max_size=16))
@example(key="a[ ]")
@example(key="a[][]")
@example(key="a[.]")
def test_any_key_is_accepted_exactly_when_well_formed(key: str) -> None:
    body = key + "=v"
    if is_well_formed_key(key):
        tree = parse_form(body)
        assert_decoded_shape(tree)
        assert key.partition("[")[0] in tree
    else:
        with pytest.raises(PayloadError) as info:
            parse_form(body)
        if "\x00" in key:  # a raw NUL is refused for the whole body, before keys are read
            assert "raw NUL byte" in str(info.value)
        else:
            assert repr(key) in str(info.value)


# --------------------------------------------------------------------------------------
# UTF-8
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "a=%FF",
        "a=%C3",  # truncated sequence
        "a=%E2%82",
        "a=%C0%AF",  # overlong '/'
        "a=%ED%A0%80",  # UTF-16 surrogate
        "a=%F4%90%80%80",  # above U+10FFFF
        "a[b]=%80",
        "a=ok&b[c][d]=x%FEy",
    ],
)
def test_invalid_utf8_in_a_value_is_an_error(body: str) -> None:
    with pytest.raises(PayloadError, match="UTF-8") as info:
        parse_form(body)
    assert "\ufffd" not in str(info.value)
    key = body.rpartition("&")[2].partition("=")[0]
    assert repr(key) in str(info.value)  # names the field


@pytest.mark.parametrize("body", ["%FF=1", "a[%FF]=1", "a%C3=1", "a[b][%ED%A0%80]"])
def test_invalid_utf8_in_a_key_is_an_error(body: str) -> None:
    with pytest.raises(PayloadError, match="UTF-8"):
        parse_form(body)


@pytest.mark.parametrize(
    "body", [b"a=\xff", b"a\xc3=1", b"a=\xe2\x82", b"\xff", b"a=1&b=\xed\xa0\x80"]
)
def test_invalid_utf8_raw_bytes_are_an_error(body: bytes) -> None:
    with pytest.raises(PayloadError, match="UTF-8"):
        parse_form(body)
    with pytest.raises(PayloadError, match="UTF-8"):
        parse_form(bytearray(body))


def test_lone_surrogates_in_a_str_body_are_an_error() -> None:
    """Regression (was a bug): a ``str`` body is not checked for lone surrogates, so the text
    ``surrogateescape`` makes of invalid bytes (``b"a=\\xff"`` -> ``"a=\\udcff"``) is
    accepted and the surrogate lands in the tree, while the same bytes raise."""
    body = b"a=\xff".decode("utf-8", "surrogateescape")
    with pytest.raises(PayloadError):
        parse_form(body)


# --------------------------------------------------------------------------------------
# Limits
# --------------------------------------------------------------------------------------


def test_default_limits() -> None:
    assert attrs.asdict(DEFAULT_LIMITS) == {
        "max_body_bytes": MIB,
        "max_fields": 1000,
        "max_depth": 32,
        "max_key_length": 1024,
        "max_containers": 2000,
    }
    assert Limits() == DEFAULT_LIMITS


@pytest.mark.parametrize(
    "field", ["max_body_bytes", "max_fields", "max_depth", "max_key_length", "max_containers"]
)
@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "10", None])
def test_limits_must_be_positive_ints(field: str, bad: object) -> None:
    kwargs: dict[str, Any] = {field: bad}
    with pytest.raises(ValueError, match=field):
        Limits(**kwargs)


def test_limits_are_frozen() -> None:
    limits = Limits(max_fields=5)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        limits.max_fields = 10  # type: ignore[misc]
    assert limits.max_fields == 5


def test_max_body_bytes_default() -> None:
    body = "a=" + "x" * (MIB - 2)
    assert len(parse_form(body)["a"]) == MIB - 2
    assert len(parse_form(body.encode())["a"]) == MIB - 2
    for too_big in (body + "x", (body + "x").encode()):
        with pytest.raises(LimitExceeded) as info:
            parse_form(too_big)
        assert_limit(info, "max_body_bytes")


def test_max_body_bytes_counts_utf8_bytes_of_a_str_body() -> None:
    body = "a=" + "é" * (MIB // 2)  # fewer than 1 MiB characters, more than 1 MiB bytes
    assert len(body) < MIB
    with pytest.raises(LimitExceeded) as info:
        parse_form(body)
    assert_limit(info, "max_body_bytes")


def test_max_body_bytes_custom() -> None:
    limits = Limits(max_body_bytes=10)
    assert parse_form("a=12345678", limits=limits) == {"a": "12345678"}
    with pytest.raises(LimitExceeded) as info:
        parse_form(b"a=123456789", limits=limits)
    assert_limit(info, "max_body_bytes")


def test_max_body_bytes_counts_bytes_of_a_wide_memoryview() -> None:
    """Regression (was a bug): the size check uses ``len(memoryview)``, which counts items,
    not bytes; a memoryview of 4-byte items passes a limit 4x smaller than its size."""
    view = memoryview(array.array("I", [0x26313D61] * 10))  # b"a=1&" * 10: 40 bytes
    assert view.nbytes == 40
    with pytest.raises(LimitExceeded) as info:
        parse_form(view, limits=Limits(max_body_bytes=20))
    assert_limit(info, "max_body_bytes")


def test_max_fields_default() -> None:
    body = "&".join(f"f{n}=1" for n in range(1000))
    assert len(parse_form(body)) == 1000
    with pytest.raises(LimitExceeded) as info:
        parse_form(body + "&f1000=1")
    assert_limit(info, "max_fields")
    with pytest.raises(LimitExceeded) as info:
        parse_form("&".join(["a[]=1"] * 1001))  # repeats count too
    assert_limit(info, "max_fields")


def test_max_fields_ignores_empty_pieces() -> None:
    assert parse_form("a=1" + "&" * 5000 + "b=2") == {"a": "1", "b": "2"}


def test_max_fields_custom() -> None:
    limits = Limits(max_fields=2)
    assert parse_form("a=1&&b=2&", limits=limits) == {"a": "1", "b": "2"}
    with pytest.raises(LimitExceeded) as info:
        parse_form("a=1&b=2&c", limits=limits)
    assert_limit(info, "max_fields")


def test_max_depth_default() -> None:
    deepest = "a" + "[b]" * 32 + "=1"
    tree: Any = parse_form(deepest)
    tree = tree["a"]
    for _ in range(32):
        tree = tree["b"]
    assert tree == "1"
    with pytest.raises(LimitExceeded) as info:
        parse_form("a" + "[b]" * 33 + "=1")
    assert_limit(info, "max_depth")


def test_max_depth_counts_segments() -> None:
    """``a[b][c]`` is depth 2; ``a[][]`` too."""
    assert parse_form("a[b][c]=1", limits=Limits(max_depth=2)) == {"a": {"b": {"c": "1"}}}
    assert parse_form("a[][]=1", limits=Limits(max_depth=2)) == {"a": [["1"]]}
    for body in ("a[b][c]=1", "a[][]=1", "a%5Bb%5D%5Bc%5D=1"):
        with pytest.raises(LimitExceeded) as info:
            parse_form(body, limits=Limits(max_depth=1))
        assert_limit(info, "max_depth")


def test_max_key_length_default() -> None:
    assert parse_form("k" * 1024 + "=1") == {"k" * 1024: "1"}
    assert parse_form("a[" + "k" * 1021 + "]=1") == {"a": {"k" * 1021: "1"}}
    assert parse_form("%6B" * 1024 + "=1") == {"k" * 1024: "1"}  # measured decoded
    for body in ("k" * 1025 + "=1", "a[" + "k" * 1022 + "]=1", "%6B" * 1025 + "=1"):
        with pytest.raises(LimitExceeded) as info:
            parse_form(body)
        assert_limit(info, "max_key_length")


def test_max_key_length_custom() -> None:
    limits = Limits(max_key_length=5)
    assert parse_form("abcde=1&a[bc]=2", limits=limits) == {"abcde": "1", "a": {"bc": "2"}}
    for body in ("abcdef=1", "a[bcd]=1", "%61%62%63%64%65%66=1", "a%5Bbc%5D%5B%5D=1"):
        with pytest.raises(LimitExceeded) as info:
            parse_form(body, limits=limits)
        assert_limit(info, "max_key_length")


def test_huge_body_is_refused() -> None:
    body = b"a=" + b"x" * (10 * MIB)
    with pytest.raises(LimitExceeded) as info:
        parse_form(body)
    assert_limit(info, "max_body_bytes")
    with pytest.raises(LimitExceeded) as info:
        parse_form(body.decode("ascii"))
    assert_limit(info, "max_body_bytes")


def test_a_million_fields_are_refused() -> None:
    body = "a=1&" * 10**6
    limits = Limits(max_body_bytes=8 * MIB)  # so that the field count is what trips
    with pytest.raises(LimitExceeded) as info:
        parse_form(body, limits=limits)
    assert_limit(info, "max_fields")
    with pytest.raises(LimitExceeded) as info:
        parse_form("&".join(["a[]=1"] * 10**6), limits=limits)
    assert_limit(info, "max_fields")


def test_a_key_nested_1e5_deep_is_refused() -> None:
    key = "a" + "[b]" * 10**5
    with pytest.raises(LimitExceeded) as info:
        parse_form(key + "=1")  # the default key length trips first
    assert_limit(info, "max_key_length")
    roomy = Limits(max_key_length=10**6, max_body_bytes=4 * MIB)
    for body in (key + "=1", "a" + "%5Bb%5D" * 10**5 + "=1", "a" + "[]" * 10**5):
        with pytest.raises(LimitExceeded) as info:
            parse_form(body, limits=roomy)
        assert_limit(info, "max_depth")


# --------------------------------------------------------------------------------------
# The documented payloads
# --------------------------------------------------------------------------------------


def _load(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def _body(name: str) -> str:
    return (EXAMPLES / name).read_text(encoding="utf-8").strip()


@pytest.mark.parametrize(
    ("body_file", "json_file"),
    [
        ("ONIMBOTDELETE.derived-http_build_query.txt", "ONIMBOTDELETE.json"),
        (
            "ONIMBOTMESSAGEADD.group.derived-http_build_query.txt",
            "ONIMBOTMESSAGEADD.group.json",
        ),
    ],
)
def test_documented_bodies_parse_to_their_json(body_file: str, json_file: str) -> None:
    body, rendered = _body(body_file), _load(json_file)
    tree = parse_form(body)
    assert_same_tree(tree, stringify_leaves(rendered))  # every wire scalar is a string
    assert_same_tree(tree, php_parse_str([body])[0])
    assert encode_form(rendered) == body  # and back, byte for byte


def test_message_add_keeps_id_keyed_dicts() -> None:
    tree = parse_form(_body("ONIMBOTMESSAGEADD.group.derived-http_build_query.txt"))
    assert list(tree["data"]["BOT"]) == ["567"]
    assert tree["data"]["BOT"]["567"]["AUTH"]["application_token"] == (
        "831c76b092f9f135d9b6b36c3a720757"
    )
    assert tree["data"]["PARAMS"]["MENTIONED_LIST"] == {"567": "567"}
    assert tree["data"]["PARAMS"]["CHAT_TITLE"] == "Brown Chat #18"
    assert tree["data"]["PARAMS"]["MESSAGE_ORIGINAL"] == (
        "[USER=567]NewBot[/USER] , how to set up the left menu"
    )


def test_real_sdk_body() -> None:
    tree = parse_form(_body("ONCRMCONTACTADD.raw-body.b24phpsdk-test.txt").encode("ascii"))
    assert tree["event"] == "ONCRMCONTACTADD"
    assert tree["event_handler_id"] == "58"
    assert tree["data"] == {"FIELDS": {"ID": "134806"}}
    assert tree["auth"]["scope"] == "crm,placement,user_brief"
    assert tree["auth"]["server_endpoint"] == "https://oauth.bitrix.info/rest/"
    assert tree["auth"]["application_token"] == "3c6c9248ec54af6bea1159b43ee0ab32"
    assert list(tree) == ["event", "event_handler_id", "data", "ts", "auth"]


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda path: path.name)
def test_every_json_example_round_trips(path: Path) -> None:
    rendered = json.loads(path.read_text(encoding="utf-8"))
    body = encode_form(rendered)
    tree = parse_form(body)
    assert_decoded_shape(tree)
    assert_same_tree(tree, expected_round_trip(rendered))
