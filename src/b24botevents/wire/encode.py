"""Encoding: a tree to a form body, byte for byte as PHP's ``http_build_query``.

The testing kit builds the bodies Bitrix24 would send with it, so its output is checked
against real PHP (floats included) rather than against what looks plausible.

Internal module: import these names from ``b24botevents.wire``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote_plus


def _php_quote(text: str) -> str:
    # PHP's urlencode (RFC 1738) keeps only alphanumerics and "-_." ; Python also keeps "~".
    return quote_plus(text, safe="").replace("~", "%7E")


def _php_float(number: float) -> str:
    """A float as PHP prints it with ``precision=14`` (``%.14G``, PHP's own flavour)."""
    if math.isnan(number):
        return "NAN"
    if math.isinf(number):
        return "INF" if number > 0 else "-INF"
    sign = "-" if math.copysign(1.0, number) < 0 else ""
    if number == 0:
        return sign + "0"
    mantissa, _, exponent = f"{abs(number):.13e}".partition("e")
    rounded = mantissa.replace(".", "")  # 14 significant digits, correctly rounded
    digits = rounded.rstrip("0") or "0"
    if number.is_integer() and 1e14 <= abs(number) < 1e15:
        # dtoa's path for integral doubles keeps trailing zeros when an exact tie (a 15th
        # digit of 5) rounds down to even: PHP prints 710002428981305.0 as
        # 7.1000242898130E+14 (found by the differential test against php).
        exact = str(int(abs(number)))
        if exact[14] == "5" and exact[:14] == rounded:
            digits = rounded
    decpt = int(exponent) + 1  # position of the decimal point after the first digit
    if (decpt < -3) if decpt < 0 else (decpt > 14):
        exp = decpt - 1
        exp_sign = "-" if exp < 0 else "+"
        return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exp_sign}{abs(exp)}"
    if decpt <= 0:
        return f"{sign}0.{'0' * -decpt}{digits}"
    if decpt >= len(digits):
        return sign + digits + "0" * (decpt - len(digits))
    return f"{sign}{digits[:decpt]}.{digits[decpt:]}"


def _php_scalar(value: Any) -> str:
    if isinstance(value, str):
        return _php_quote(value)
    if value is True:
        return "1"
    if value is False:
        return "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _php_quote(_php_float(value))
    if isinstance(value, (bytes, bytearray)):
        return quote_plus(bytes(value), safe="").replace("~", "%7E")
    raise TypeError(f"encode_form cannot encode a {type(value).__name__}")


def _items(container: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(container, Mapping):
        return iter(container.items())
    return enumerate(container)


def _key_text(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key)
    raise TypeError(f"encode_form keys must be str or int, not {type(key).__name__}")


def encode_form(tree: Mapping[Any, Any] | list[Any] | tuple[Any, ...]) -> str:
    """Encode a tree exactly as PHP's ``http_build_query`` does (RFC 1738).

    Nested mappings become ``a[b]=v``, lists ``a[0]=v``; ``True``/``False`` become
    ``1``/``0``; ``None`` values and empty containers are dropped; floats print as PHP
    prints them. Keys, including the brackets, are percent-encoded, as PHP does.
    """
    out: list[str] = []
    stack: list[tuple[str | None, Iterator[tuple[Any, Any]]]] = [(None, _items(tree))]
    while stack:
        prefix, items = stack[-1]
        for key, value in items:
            quoted = _php_quote(_key_text(key))
            path = quoted if prefix is None else f"{prefix}%5B{quoted}%5D"
            if value is None:
                continue
            if isinstance(value, (Mapping, list, tuple)):
                stack.append((path, _items(value)))
                break
            out.append(f"{path}={_php_scalar(value)}")
        else:
            stack.pop()
    return "&".join(out)
