"""``b24botevents listen``'s stdlib receiver de-chunks chunked bodies, bounded and strictly.

wsgiref hands a chunked body on as it came; the receiver's request handler now decodes
the framing before the app runs. Every test here went the old way before: the app read
no body at all and answered 403 (and 200, reading the raw stream, when a
``Content-Length`` came along). Over real HTTP on 127.0.0.1.
"""

from __future__ import annotations

from contrib.bodies import DOC_BODY

from .framing import INCOMPLETE, chunked, raw_post
from .receiver import answer_on, stdlib_receiver

MALFORMED = (400, "bad request: malformed chunked body")
CHUNKED = [("Transfer-Encoding", "chunked")]


def refused_as_malformed(body: bytes) -> None:
    """A chunked POST of ``body`` gets the 400 for bad framing, and a "refused" line."""
    with stdlib_receiver() as receiver:
        assert receiver.send(raw_post(CHUNKED, body)) == MALFORMED
        assert receiver.recorder.bot_ids == []
        assert [line.split("  ", 1)[1] for line in receiver.lines] == [
            "refused 400: bad request: malformed chunked body"
        ]


def test_a_chunk_size_that_is_not_hex_on_the_stdlib_receiver_is_400() -> None:
    refused_as_malformed(b"zz\r\n" + DOC_BODY + b"\r\n0\r\n\r\n")


def test_a_chunk_size_with_a_0x_prefix_on_the_stdlib_receiver_is_400() -> None:
    """``int(size, 16)`` would take ``0x10``; a proxy in front may not: no lenient parse."""
    refused_as_malformed(b"0x10\r\n" + DOC_BODY[:16] + b"\r\n0\r\n\r\n")


def test_a_chunk_size_line_ending_in_a_bare_lf_on_the_stdlib_receiver_is_400() -> None:
    size = b"%x" % len(DOC_BODY)
    refused_as_malformed(size + b"\n" + DOC_BODY + b"\r\n0\r\n\r\n")


def test_a_chunk_without_its_closing_crlf_on_the_stdlib_receiver_is_400() -> None:
    size = b"%x" % len(DOC_BODY)
    refused_as_malformed(size + b"\r\n" + DOC_BODY + b"XX0\r\n\r\n")


def test_an_overlong_chunk_size_line_on_the_stdlib_receiver_is_400() -> None:
    refused_as_malformed(b"0" * 5000 + b"1\r\nx\r\n0\r\n\r\n")


def test_too_many_trailer_fields_on_the_stdlib_receiver_are_400() -> None:
    trailers = b"".join(b"X-Trailer-%d: y\r\n" % number for number in range(100))
    refused_as_malformed(chunked(DOC_BODY)[:-2] + trailers + b"\r\n")


def test_a_chunked_body_cut_short_on_the_stdlib_receiver_is_400() -> None:
    """The client stops sending part way into a chunk: never a partial event."""
    body = b"%x\r\n" % len(DOC_BODY) + DOC_BODY[:-10]
    with stdlib_receiver() as receiver:
        assert receiver.send(raw_post(CHUNKED, body), then_close=True) == INCOMPLETE
        assert receiver.recorder.bot_ids == []


def test_a_chunk_larger_than_the_body_limit_on_the_stdlib_receiver_is_413_unread() -> None:
    """Only the chunk's size line is sent: the answer comes without waiting for its data."""
    with stdlib_receiver(max_body_bytes=10_000) as receiver, receiver.connect() as client:
        client.sendall(raw_post(CHUNKED, b"ffffffffffffffff\r\n"))
        status, text = answer_on(client)
    assert (status, text) == (413, "payload too large: the body exceeds max_body_bytes=10000")


def test_many_small_chunks_over_the_body_limit_on_the_stdlib_receiver_are_413() -> None:
    with stdlib_receiver(max_body_bytes=1000) as receiver:
        status, _ = receiver.send(raw_post(CHUNKED, chunked(b"a" * 1500, size=10)))
        assert status == 413
        assert receiver.recorder.bot_ids == []


def test_transfer_encoding_with_a_content_length_on_the_stdlib_receiver_is_refused() -> None:
    headers = [*CHUNKED, ("Content-Length", str(len(DOC_BODY)))]
    with stdlib_receiver() as receiver:
        status, text = receiver.send(raw_post(headers, DOC_BODY))
        assert (status, text) == (
            400,
            "bad request: Transfer-Encoding and Content-Length must not come together",
        )
        assert receiver.recorder.bot_ids == []
