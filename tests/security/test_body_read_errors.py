"""An ``OSError`` while the body is read is the 400 of a body cut short, never a 500.

A reset cannot be timed over a real socket (the reset may land before the request line),
so each adapter gets a body stream that raises what a socket file raises, part way in.
"""

from __future__ import annotations

import errno

import pytest

from contrib.bodies import DOC_BODY

from .framing import INCOMPLETE, SYNC, direct, recording_dp


@pytest.mark.parametrize("adapter", [*SYNC, "asgi", "fastapi"])
def test_a_connection_reset_while_the_body_is_read_is_400(adapter: str) -> None:
    """(aiohttp already took its ``ConnectionError`` for a client gone: tests/contrib.)"""
    dp, recorder = recording_dp()
    headers = {"Content-Length": str(len(DOC_BODY))}
    reset = ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")
    assert direct(adapter, dp, headers, DOC_BODY[:100], then=reset) == INCOMPLETE
    assert recorder.bot_ids == []


@pytest.mark.parametrize("adapter", [*SYNC, "asgi", "fastapi", "aiohttp"])
def test_a_stream_error_while_the_body_is_read_is_400(adapter: str) -> None:
    dp, recorder = recording_dp()
    headers = {"Content-Length": str(len(DOC_BODY))}
    failed = OSError(errno.EIO, "Input/output error")
    assert direct(adapter, dp, headers, DOC_BODY[:100], then=failed) == INCOMPLETE
    assert recorder.bot_ids == []
