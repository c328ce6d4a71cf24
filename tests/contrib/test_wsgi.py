"""``WSGIApp`` specifics: a body shorter than its Content-Length is answered 400 and
never dispatched."""

from __future__ import annotations

import io

from b24botevents import Dispatcher
from b24botevents.contrib.wsgi import WSGIApp
from b24botevents.wire import encode_form


def test_wsgi_app_does_not_dispatch_a_body_shorter_than_its_content_length() -> None:
    dp = Dispatcher(verify=False)
    ran: list[object] = []
    dp.on_unknown(ran.append)
    body = encode_form({"event": "ONX", "data": {"A": "1"}}).encode() + b"&extra=1"
    statuses: list[str] = []
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body[:-8]),  # the client sent less than it declared
    }
    answer = WSGIApp(dp)(environ, lambda status, headers: statuses.append(status))
    assert statuses == ["400 Bad Request"]
    assert b"".join(answer).startswith(b"bad request: the body ended")
    assert ran == []
