"""A ``Content-Length`` is 1 to 19 ASCII digits, or the request is a 400 in every adapter.

Before: ``str.isdigit()`` let Unicode digits through to ``int()`` (a 500, with a traceback on
wsgiref), anything else not a digit string was taken for "no length" (the WSGI adapters
then read an empty body and answered a misleading 403; the ASGI ones read the whole body),
and aiohttp took Python's ``int()`` (signs, spaces) at its word.
"""

from __future__ import annotations

import pytest

from .framing import ADAPTERS, ASYNC, refused_length


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_content_length_with_a_superscript_digit_is_refused(adapter: str) -> None:
    """``²`` (byte 0xB2 in latin-1, as wsgiref decodes it) passes ``str.isdigit()``, not
    ``int()``. uvicorn and aiohttp refuse it first: the async adapters get it directly."""
    refused_length(adapter, "\u00b2")


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_content_length_in_arabic_indic_digits_is_refused(adapter: str) -> None:
    """``١٢`` is 12 to ``int()``. No server delivers it (WSGI and ASGI headers are latin-1,
    aiohttp's parser wants ASCII digits), so every adapter gets it directly."""
    refused_length(adapter, "\u0661\u0662", through_wsgiref=False)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_negative_content_length_is_refused(adapter: str) -> None:
    """``-1``: wsgiref passes it on; uvicorn and aiohttp refuse it first (async: directly)."""
    refused_length(adapter, "-1")


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_content_length_with_trailing_letters_is_refused(adapter: str) -> None:
    """``12abc``: wsgiref passes it on; uvicorn and aiohttp refuse it first (async: directly)."""
    refused_length(adapter, "12abc")


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_content_length_with_a_leading_space_is_refused(adapter: str) -> None:
    """`` 12`` (``int()`` ignores the space): wsgiref strips a header's leading whitespace
    and uvicorn and aiohttp refuse it, so every adapter gets it directly."""
    refused_length(adapter, " 12", through_wsgiref=False)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_content_length_of_five_thousand_digits_is_refused(adapter: str) -> None:
    """5,000 digits: past ``int()``'s digit limit (a ValueError), and no real length.
    wsgiref passes it on; uvicorn and aiohttp refuse it first (async: directly)."""
    refused_length(adapter, "9" * 5000)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_content_length_of_twenty_digits_is_refused(adapter: str) -> None:
    """Twenty digits is more than any body can be: not a length (was a 413)."""
    refused_length(adapter, "1" * 20)


@pytest.mark.parametrize("adapter", ASYNC)
def test_an_empty_content_length_header_is_refused(adapter: str) -> None:
    """``Content-Length:`` with no value. uvicorn and aiohttp refuse it first, so the async
    adapters get it directly. The WSGI adapters cannot tell it from no header (PEP 3333:
    ``CONTENT_LENGTH`` "may be empty or absent"; wsgiref drops it, werkzeug sends ``""``)."""
    refused_length(adapter, "")
