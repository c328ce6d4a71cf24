"""The shared adapter flow (``contrib._flow``) on its own, and each adapter's response
converter: what every adapter test above relies on, pinned where it is written once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from b24botevents import Dispatcher, Response
from b24botevents.contrib import _flow
from b24botevents.contrib.aiohttp import to_aiohttp_response
from b24botevents.contrib.django import to_django_response
from b24botevents.contrib.fastapi import to_fastapi_response
from b24botevents.contrib.flask import to_flask_response
from b24botevents.contrib.wsgi import to_wsgi_response
from b24botevents.errors import IncompleteBody
from b24botevents.response import method_not_allowed

from .bodies import DOC_BODY, FORM, TOKEN


class Reader:
    """A ``read(n)`` over ``data`` that records every size asked for."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.asked: list[int] = []

    def __call__(self, size: int) -> bytes:
        self.asked.append(size)
        chunk, self.data = self.data[:size], self.data[size:]
        return chunk


async def chunks_of(*parts: bytes, taken: list[int]) -> AsyncIterator[bytes]:
    for part in parts:
        taken.append(len(part))
        yield part


@pytest.mark.parametrize(
    ("value", "length"), [("12", 12), ("0", 0), (None, None), ("", None), ("-1", None)]
)
def test_declared_length_takes_digits_only(value: str | None, length: int | None) -> None:
    assert _flow.declared_length(value) == length


@pytest.mark.parametrize("value", ["", "-1", "+1", " 12", "12 ", "1_0", "\u00b2", "1" * 20])
def test_content_length_refuses_anything_but_1_to_19_ascii_digits(value: str) -> None:
    with pytest.raises(_flow.Refused) as refused:
        _flow.content_length(value)
    assert refused.value.response.status == 400


@pytest.mark.parametrize(("value", "length"), [(None, None), ("0", 0), ("9" * 19, 10**19 - 1)])
def test_content_length_takes_ascii_digits_and_no_header(
    value: str | None, length: int | None
) -> None:
    assert _flow.content_length(value) == length


@pytest.mark.parametrize(
    ("path", "paths"),
    [("/", ("/",)), ("/events", ("/events", "/events/")), ("/a/", ("/a/", "/a"))],
)
def test_handler_paths_add_the_other_form_of_the_trailing_slash(
    path: str, paths: tuple[str, ...]
) -> None:
    assert _flow.handler_paths(path) == paths


def test_read_bounded_never_asks_past_the_declared_length() -> None:
    read = Reader(DOC_BODY + b"next request on the same connection")
    body = _flow.read_bounded(read, 10_000, len(DOC_BODY), chunk_size=100)
    assert body == DOC_BODY
    assert sum(read.asked) == len(DOC_BODY)


def test_read_bounded_refuses_a_declared_length_over_the_limit_unread() -> None:
    read = Reader(b"x" * 11)
    assert _flow.read_bounded(read, 10, 11) is None
    assert read.asked == []


def test_read_bounded_reads_an_unsized_body_up_to_one_byte_past_the_limit() -> None:
    read = Reader(b"x" * 1000)
    assert _flow.read_bounded(read, 10, None) is None
    assert sum(read.asked) == 11


def test_read_bounded_raises_incomplete_body_for_a_short_stream() -> None:
    with pytest.raises(IncompleteBody, match="after 3 of 5 bytes"):
        _flow.read_bounded(Reader(b"abc"), 10, 5)


def test_read_chunks_stops_at_the_first_chunk_past_the_limit() -> None:
    taken: list[int] = []
    source = chunks_of(b"x" * 6, b"x" * 6, b"x" * 6, taken=taken)
    assert asyncio.run(_flow.read_chunks(source, 10, None)) is None
    assert taken == [6, 6]


def test_read_chunks_refuses_a_declared_length_over_the_limit_untaken() -> None:
    taken: list[int] = []
    assert asyncio.run(_flow.read_chunks(chunks_of(b"x", taken=taken), 10, 11)) is None
    assert taken == []


class GoneAway(Exception):
    """What some framework raises when the client hangs up."""


def refuse_reading(max_bytes: int) -> bytes | None:
    raise AssertionError("the body must not be read")


def hang_up(max_bytes: int) -> bytes | None:
    raise GoneAway


def test_respond_answers_405_before_reading_and_400_for_the_adapters_hang_up() -> None:
    dp = Dispatcher(application_token=TOKEN)
    assert _flow.respond(dp, "GET", refuse_reading, FORM).status == 405
    assert _flow.respond(dp, "POST", hang_up, FORM, cut_short=GoneAway).status == 400
    assert _flow.respond(dp, "POST", lambda limit: None, FORM).status == 413
    assert _flow.respond(dp, "POST", lambda limit: DOC_BODY, FORM).body == b"ignored"


def test_arespond_follows_the_same_flow() -> None:
    dp = Dispatcher(application_token=TOKEN)

    async def read(max_bytes: int) -> bytes | None:
        return DOC_BODY

    async def gone(max_bytes: int) -> bytes | None:
        raise GoneAway

    async def main() -> list[Response]:
        return [
            await _flow.arespond(dp, "PUT", read, FORM),
            await _flow.arespond(dp, "POST", gone, FORM, cut_short=GoneAway),
            await _flow.arespond(dp, "POST", read, FORM),
        ]

    assert [r.status for r in asyncio.run(main())] == [405, 400, 200]


def test_every_converter_keeps_status_body_and_headers() -> None:
    core = method_not_allowed()
    started: list[tuple[str, list[tuple[str, str]]]] = []
    assert to_wsgi_response(core, lambda status, headers: started.append((status, headers))) == [
        core.body
    ]
    assert started == [
        ("405 Method Not Allowed", [*core.headers, ("content-length", str(len(core.body)))])
    ]
    for converted in (
        to_flask_response(core),
        to_django_response(core),
        to_fastapi_response(core),
        to_aiohttp_response(core),
    ):
        status = getattr(converted, "status_code", getattr(converted, "status", None))
        assert status == 405, type(converted)
        assert converted.headers["allow"] == "POST"
        assert converted.headers["content-type"] == "text/plain; charset=utf-8"
    assert to_flask_response(core).get_data() == core.body
    assert to_django_response(core).content == core.body
    assert to_fastapi_response(core).body == core.body
    assert to_aiohttp_response(core).body == core.body
