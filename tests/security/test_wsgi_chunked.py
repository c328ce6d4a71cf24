"""A chunked body a WSGI server hands on without de-chunking it (wsgiref) is refused
clearly, over a real wsgiref server on 127.0.0.1.

Before: with no ``Content-Length`` and no ``wsgi.input_terminated`` the adapters read an
empty body (a 403, "no auth block", for an event that was there); with a
``Content-Length`` as well they read that many bytes of the raw stream as the body.
"""

from __future__ import annotations

import pytest

from contrib.bodies import DOC_BODY

from .framing import SYNC, chunked, over_wsgiref, raw_post, recording_dp, wsgi_app


@pytest.mark.parametrize("adapter", SYNC)
def test_a_chunked_body_the_server_did_not_dechunk_is_411(adapter: str) -> None:
    dp, recorder = recording_dp()
    request = raw_post([("Transfer-Encoding", "chunked")], chunked(DOC_BODY))
    with wsgi_app(adapter, dp) as app:
        (status, text), errors = over_wsgiref(app, request)
    assert status == 411
    assert text.startswith("length required: ")
    assert (errors, recorder.bot_ids) == ("", [])


@pytest.mark.parametrize("adapter", SYNC)
def test_transfer_encoding_with_a_content_length_on_wsgiref_is_refused(adapter: str) -> None:
    """The request-smuggling ambiguity: a proxy that honours ``Transfer-Encoding`` sees
    one body, an app that trusts ``Content-Length`` another. Here the length frames a
    valid event, which the adapters used to dispatch."""
    dp, recorder = recording_dp()
    headers = [("Transfer-Encoding", "chunked"), ("Content-Length", str(len(DOC_BODY)))]
    with wsgi_app(adapter, dp) as app:
        (status, text), errors = over_wsgiref(app, raw_post(headers, DOC_BODY))
    assert (status, text) == (
        400,
        "bad request: Transfer-Encoding and Content-Length must not come together",
    )
    assert (errors, recorder.bot_ids) == ("", [])
