"""``parse_form`` and ``encode_form`` against PHP 8.2 itself (differential, hypothesis).

Every example is answered by the session's persistent ``php`` worker (one process, one
JSON line per job); the fixed corpora go to PHP in one batch.
"""

from __future__ import annotations

import json
import math
import subprocess
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from b24botevents.errors import PayloadError
from b24botevents.wire import encode_form, parse_form
from php_reference import (
    PhpWorker,
    php_build_query,
    php_executable,
    php_parse_str,
    php_version,
)
from spec_examples import EXAMPLES

from .helpers import (
    C_SPACES,
    LONG_MAX,
    LONG_MIN,
    QUERY_STRINGS,
    TREES,
    assert_decoded_shape,
    assert_same_tree,
    canonical,
    expected_round_trip,
    has_empty_nested_key,
    php_float_model,
)

PROPERTY = settings(max_examples=400, deadline=None)


def test_reference_is_php_8_2() -> None:
    """The contract is PHP 8.2's parse_str; a different PHP would be a different oracle."""
    assert php_version().startswith("8.2."), php_version()


def test_worker_and_batch_agree(php: PhpWorker) -> None:
    qs = "a[]=1&a[]=2&b[5]=x&c=%2B+"
    assert (
        php.parse_str(qs)
        == php_parse_str([qs])[0]
        == {
            "a": ["1", "2"],
            "b": {"5": "x"},
            "c": "+ ",
        }
    )


# --------------------------------------------------------------------------------------
# Trees -> PHP http_build_query -> both parsers
# --------------------------------------------------------------------------------------


@PROPERTY
@given(tree=TREES)
@example(tree={"a": {"0": "x", "1": "y"}, "b": {"1": "x", "0": "y"}})
@example(tree={"data": {"BOT": {"567": {"BOT_ID": 567}}}, "l": [None, "x"], "e": [[], {}]})
@example(tree={"a": {"5": "y", "": "z"}, "b": [{"": {"x": 1}}, {"0": {"y": 2}}]})
@example(tree={"a": [1.0, -0.0, 1e25, 1e-5, 0.1 + 0.2, 10000000000000.5, True, False]})
@example(tree={"k": "&=+%[]# \x00😀~", "05": {"-3": "a", "-0": "b", " 1": "c"}})
def test_http_build_query_round_trip(php: PhpWorker, tree: dict[str, Any]) -> None:
    built = php.build_query(tree)
    assert encode_form(tree) == built  # byte for byte
    ours = parse_form(built)
    assert_same_tree(ours, php.parse_str(built))
    assert_decoded_shape(ours)
    if not has_empty_nested_key(tree):
        assert_same_tree(ours, expected_round_trip(tree))


@settings(max_examples=300, deadline=None)
@given(
    numbers=st.lists(
        st.one_of(
            st.floats(allow_nan=False, allow_infinity=False),
            st.floats(min_value=1e-6, max_value=1e16),
            st.integers(-(10**16), 10**16).map(lambda n: n / 2),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_floats_print_as_php_prints_them(php: PhpWorker, numbers: list[float]) -> None:
    built = php.build_query({"f": numbers})
    assert encode_form({"f": numbers}) == built
    expected = "&".join(
        f"f%5B{index}%5D={php_float_model(number).replace('+', '%2B')}"
        for index, number in enumerate(numbers)
    )
    assert built == expected


def test_special_floats_and_scalars() -> None:
    """NAN/INF cannot travel through JSON to the worker, so ask PHP directly, once."""
    code = (
        'echo http_build_query(["n" => NAN, "i" => INF, "m" => -INF, "z" => -0.0,'
        ' "t" => true, "f" => false, "x" => null, "e" => [], "s" => "~ -_.!"]);'
    )
    completed = subprocess.run(
        [php_executable(), "-n", "-r", code], capture_output=True, check=True, text=True
    )
    tree: dict[str, Any] = {
        "n": math.nan,
        "i": math.inf,
        "m": -math.inf,
        "z": -0.0,
        "t": True,
        "f": False,
        "x": None,
        "e": [],
        "s": "~ -_.!",
    }
    assert completed.stdout == "n=NAN&i=INF&m=-INF&z=-0&t=1&f=0&s=%7E+-_.%21"
    assert encode_form(tree) == completed.stdout


# --------------------------------------------------------------------------------------
# Query strings written directly
# --------------------------------------------------------------------------------------


@PROPERTY
@given(qs=QUERY_STRINGS)
@example(qs="a=1&a=2&b[]=x&b[]=y&b[5]=z&b[]=w")
@example(qs="a=1&a[b]=2&c[d]=3&c=4&&&e")
@example(qs="a[-5]=1&a[]=2&b[3]=x&b[-9]=y&b[]=z")
@example(qs="a%5Bb%5d%5B%5D=1&a[b][]=2&a[][x]=1&a[0][y]=2")
@example(qs="a=%zz%4%4g%&b=%e2%82%ac%E2%82%AC+%2B&c=%&d=%%41")
@example(qs="a[x][y]=1&a[x]=2&a[x][z]=3")
@example(qs="5[0]=a&5[1]=b&05[1]=c&05[0]=d&-3[]=e")
@example(qs="a[-9223372036854775808]=1&a[]=2&b[9223372036854775808]=1&b[]=2")
def test_query_strings_parse_like_php(php: PhpWorker, qs: str) -> None:
    ours = parse_form(qs)
    assert_same_tree(ours, php.parse_str(qs))
    assert_decoded_shape(ours)
    assert_same_tree(parse_form(qs.encode("utf-8")), ours)


@settings(max_examples=300, deadline=None)
@given(
    ops=st.lists(
        st.one_of(
            st.none(),  # a[] (append)
            st.integers(-3, 3),
            st.integers(LONG_MAX - 3, LONG_MAX),
            st.integers(LONG_MIN, LONG_MIN + 2),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_appends_near_the_int_limits(php: PhpWorker, ops: list[int | None]) -> None:
    """``a[]`` takes PHP's next free index; where PHP has none left, it silently drops the
    value and ``parse_form`` raises instead (documented divergence)."""
    qs = "&".join(f"a[{'' if op is None else op}]={n}" for n, op in enumerate(ops))
    # PHP 8.2's nNextFreeElement: starts unset (0 on first use), becomes k + 1 (capped at
    # LONG_MAX) after any int key k >= it; an append into an occupied slot is dropped.
    next_free: int | None = None
    keys: set[int] = set()
    dropped: int | None = None
    for index, op in enumerate(ops):
        key = (0 if next_free is None else next_free) if op is None else op
        if op is None and key in keys:
            dropped = index
            break
        keys.add(key)
        if next_free is None or key >= next_free:
            next_free = min(key + 1, LONG_MAX)
    if dropped is not None:
        with pytest.raises(PayloadError, match="overflow") as info:
            parse_form(qs)
        assert "a[]" in str(info.value)
        # PHP lost that value without a word (the values are the field numbers).
        assert str(dropped) not in php.parse_str(qs)["a"].values()
    else:
        assert_same_tree(parse_form(qs), php.parse_str(qs))


# --------------------------------------------------------------------------------------
# The documented payloads, in one PHP batch
# --------------------------------------------------------------------------------------


def _example_bodies() -> list[str]:
    return [path.read_text(encoding="utf-8").strip() for path in sorted(EXAMPLES.glob("*.txt"))]


def _example_trees() -> list[Any]:
    return [
        json.loads(path.read_text(encoding="utf-8")) for path in sorted(EXAMPLES.glob("*.json"))
    ]


def test_example_corpus_against_php() -> None:
    """Every JSON example encoded (PHP vs ours), and every body parsed (PHP vs ours)."""
    trees = _example_trees()
    assert len(trees) >= 20
    built = php_build_query(trees)
    assert [encode_form(tree) for tree in trees] == built
    bodies = [body for body in built if body] + _example_bodies()
    assert len(bodies) >= 20
    for body, theirs in zip(bodies, php_parse_str(bodies), strict=True):
        ours = parse_form(body)
        assert_same_tree(ours, theirs)
        assert_decoded_shape(ours)


# --------------------------------------------------------------------------------------
# Known mismatches with PHP (reported; these tests fail until parse_form is fixed)
# --------------------------------------------------------------------------------------


def test_single_whitespace_segment_appends_like_php(php: PhpWorker) -> None:
    """Regression (was a PHP mismatch). PHP's ``php_register_variable_ex`` skips ONE ``isspace``
    character after ``[`` before looking for ``]``, so a segment that is exactly one
    space/tab/LF/VT/FF/CR is an append: ``parse_str("a[ ]=1")`` is ``["a" => [0 => "1"]]``.
    ``parse_form`` makes it the key ``" "``. The key is well-formed, so it must match PHP
    (``http_build_query(["a" => [" " => 1]])`` itself writes ``a%5B+%5D=1``)."""
    mismatches = []
    for space in C_SPACES:
        for template in ("a[{}]=1", "a[x][{}]=1", "a[5]=0&a[{}]=1", "a[{}][{}]=1"):
            qs = template.format(space, space)
            ours, theirs = parse_form(qs), php.parse_str(qs)
            if canonical(ours) != canonical(theirs):
                mismatches.append((qs, ours, theirs))
    assert mismatches == []


def test_raw_nul_byte_in_body_is_refused_or_read_like_php(php: PhpWorker) -> None:
    """Regression (was a PHP mismatch). ``parse_str`` stops at a raw NUL byte (it tokenises a C
    string): ``parse_str("a=1\\0x&b=2")`` is ``["a" => "1"]``. ``parse_form`` reads on
    past it (``{"a": "1\\x00x", "b": "2"}``): a PHP consumer and a Python consumer of the
    same body then see different data. Either refusing the body or matching PHP is fine."""
    mismatches = []
    for qs in ("a=1\x00x&b=2", "a=1&b[c]=\x00&d=3", "a=1&\x00", "\x00a=1"):
        try:
            ours = parse_form(qs)
        except PayloadError:
            continue
        theirs = php.parse_str(qs)
        if canonical(ours) != canonical(theirs):
            mismatches.append((qs, ours, theirs))
    assert mismatches == []


def test_integral_float_ties_keep_the_zeros_php_prints(php: PhpWorker) -> None:
    """A quirk found by hypothesis: dtoa keeps trailing zeros of a rounded-down tie."""
    for number in (710002428981305.0, -232762829599805.0, 100000000000005.0, 1e14, 1e15):
        assert encode_form({"a": number}) == php.build_query({"a": number})
    assert encode_form({"a": 710002428981305.0}) == "a=7.1000242898130E%2B14"
