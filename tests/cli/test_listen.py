"""``listen`` in a subprocess: real HTTP on 127.0.0.1, printed lines, clean signal exits."""

from __future__ import annotations

import http.client
import json
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from b24botevents.testing import (
    Portal,
    app_install_body,
    app_uninstall_body,
    bot_delete_body,
    event_body,
    sample_body,
)

from .support import FORM, PATIENCE, HeldRequest, Listener


@pytest.fixture
def portal() -> Portal:
    return Portal.random()


@contextmanager
def listening(*args: str) -> Iterator[Listener]:
    started = Listener(*args)
    try:
        yield started
    finally:
        started.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    with listening() as started:
        yield started


def assert_no_secrets(text: str, portal: Portal, *bot_ids: int) -> None:
    for token in (*portal.tokens(), *portal.bot_tokens(*bot_ids)):
        assert token not in text


def test_default_listen_learns_tokens_and_answers_like_the_adapters(
    listener: Listener, portal: Portal
) -> None:
    assert "in-memory portal store" in listener.stdout
    assert listener.request(app_install_body(portal=portal)) == (200, "ok")
    listener.wait_for(lambda line: "ONAPPINSTALL  AppInstallEvent" in line)

    assert listener.request(bot_delete_body(567, "BOT", portal=portal)) == (200, "ok")
    line = listener.wait_for(lambda line: "ONIMBOTDELETE" in line)
    assert f"portal={portal.domain}" in line
    assert "bot_id=567" in line

    v2 = bot_delete_body(456, "support_bot", version=2, portal=portal, with_user_tokens=False)
    assert listener.request(v2)[0] == 200
    listener.wait_for(lambda line: "ONIMBOTV2DELETE  BotV2DeleteEvent" in line)

    status, _ = listener.request(sample_body("ONIMBOTMESSAGEADD", portal=portal))
    assert status == 200
    message = listener.wait_for(lambda line: "ONIMBOTMESSAGEADD  BotMessageAddEvent" in line)
    assert "dialog=27  message_id=84331  bots=567" in message
    assert "Hello" not in message  # ids only: the text is the users' content

    forged = bot_delete_body(567, "BOT", portal=portal.with_application_token())
    assert listener.request(forged)[0] == 403
    refused = listener.wait_for(lambda line: "refused 403" in line)
    assert "application_token does not match" in refused

    bad = event_body("ONIMBOTDELETE", {"BOT_ID": "x", "BOT_CODE": "B"}, portal.auth())
    assert listener.request(bad)[0] == 400
    refused = listener.wait_for(lambda line: "refused 400" in line)
    assert "data[BOT_ID]: expected an integer" in refused

    assert listener.request(None, method="GET", content_type=None)[0] == 405
    listener.wait_for(lambda line: "refused 405: method not allowed" in line)
    assert listener.request("x=1", content_type="text/plain")[0] == 415
    listener.wait_for(lambda line: "refused 415: unsupported media type" in line)
    assert listener.request(b"a[b=1")[0] == 400
    listener.wait_for(lambda line: "refused 400: bad request: malformed key" in line)

    assert listener.request(app_uninstall_body(portal=portal))[0] == 200
    listener.wait_for(lambda line: "ONAPPUNINSTALL  AppUninstallEvent" in line)
    assert listener.request(bot_delete_body(567, "BOT", portal=portal))[0] == 403
    listener.wait_for(lambda line: "unknown portal" in line)

    assert listener.stop() == 0
    assert listener.stdout.rstrip().endswith("stopped")
    assert "Traceback" not in listener.stderr
    assert_no_secrets(listener.stdout + listener.stderr, portal, 456, 567)


def test_json_output_is_redacted_and_limits_apply(portal: Portal) -> None:
    with listening("--json", "--max-body-bytes", "2000") as listener:
        check_json_and_limits(listener, portal)


def check_json_and_limits(listener: Listener, portal: Portal) -> None:
    assert listener.request(app_install_body(portal=portal))[0] == 200
    listener.wait_for(lambda line: "ONAPPINSTALL" in line)
    listener.wait_for(lambda line: line.startswith("}"))
    start = listener.stdout.index("{")
    shown, _ = json.JSONDecoder().raw_decode(listener.stdout[start:])
    assert shown["type"] == "AppInstallEvent"
    assert shown["event"]["auth"]["application_token"] == "***"
    assert shown["event"]["auth"]["refresh_token"] == "***"
    assert listener.request("event=X&pad=" + "a" * 3000)[0] == 413
    listener.wait_for(lambda line: "refused 413: payload too large" in line)
    assert listener.stop() == 0
    assert_no_secrets(listener.stdout + listener.stderr, portal)


def test_fixed_tokens_and_sigterm(portal: Portal) -> None:
    rotated = portal.with_application_token()
    listener = Listener("--token", portal.application_token, "--token", rotated.application_token)
    try:
        assert "fixed application_token (2 given" in listener.stdout
        assert listener.request(bot_delete_body(1, "A", portal=portal))[0] == 200
        assert listener.request(bot_delete_body(2, "B", portal=rotated))[0] == 200
        stranger = Portal.random()
        assert listener.request(bot_delete_body(3, "C", portal=stranger))[0] == 403
        listener.wait_for(lambda line: "refused 403" in line)
        assert listener.stop(signal.SIGTERM) == 0
        assert listener.stdout.rstrip().endswith("stopped")
        assert "Traceback" not in listener.stderr
        assert_no_secrets(listener.stdout + listener.stderr, portal)
        assert_no_secrets(listener.stdout + listener.stderr, rotated)
    finally:
        listener.close()


def test_sqlite_store_keeps_tokens_across_restarts(tmp_path: Path, portal: Portal) -> None:
    store = f"sqlite:{tmp_path / 'tokens.db'}"
    first = Listener("--store", store)
    try:
        assert "SQLite portal store" in first.stdout
        assert first.request(app_install_body(portal=portal))[0] == 200
        assert first.stop() == 0
    finally:
        first.close()
    second = Listener("--store", store)
    try:
        assert second.request(bot_delete_body(9, "N", portal=portal))[0] == 200
        second.wait_for(lambda line: "bot_id=9" in line)
        assert second.stop() == 0
    finally:
        second.close()


def test_no_verify_warns_loudly_and_accepts_anything(portal: Portal) -> None:
    listener = Listener("--no-verify")
    try:
        assert "verification: OFF" in listener.stdout
        assert listener.request(bot_delete_body(5, "X", portal=portal))[0] == 200
        listener.wait_for(lambda line: "bot_id=5" in line)
        assert listener.stop() == 0
        assert "WARNING: --no-verify" in listener.stderr
    finally:
        listener.close()


def test_uvicorn_server(portal: Portal) -> None:
    listener = Listener("--server", "uvicorn")
    try:
        assert "(uvicorn server)" in listener.stdout
        assert listener.request(app_install_body(portal=portal))[0] == 200
        assert listener.request(bot_delete_body(567, "BOT", portal=portal))[0] == 200
        listener.wait_for(lambda line: "bot_id=567" in line)
        forged = bot_delete_body(567, "BOT", portal=portal.with_application_token())
        assert listener.request(forged)[0] == 403
        listener.wait_for(lambda line: "application_token does not match" in line)
        assert listener.request(None, method="GET", content_type=None)[0] == 405
        listener.wait_for(lambda line: "refused 405" in line)
        assert listener.stop() == 0
        assert listener.stdout.rstrip().endswith("stopped")
        assert "Traceback" not in listener.stderr
        assert_no_secrets(listener.stdout + listener.stderr, portal)
    finally:
        listener.close()


def test_ctrl_c_while_requests_keep_arriving_still_stops_cleanly(portal: Portal) -> None:
    body = bot_delete_body(1, "A", portal=portal)
    with listening("--no-verify") as listener:
        stop = threading.Event()
        first_answer = threading.Event()
        answered: list[int] = []

        def hammer() -> None:
            while not stop.is_set():
                try:
                    answered.append(listener.request(body)[0])
                except OSError:
                    return  # the server is gone
                first_answer.set()

        workers = [threading.Thread(target=hammer, daemon=True) for _ in range(4)]
        for worker in workers:
            worker.start()
        listener.wait_for(lambda line: "bot_id=1" in line)
        # The line is printed before its answer is sent: wait for an answer, not the line.
        assert first_answer.wait(PATIENCE), f"no request was answered; stdout {listener.out}"
        code = listener.stop()
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
        assert code == 0
        assert listener.stdout.rstrip().endswith("stopped")
        assert "Traceback" not in listener.stderr
        assert set(answered) == {200}


@pytest.mark.parametrize("server", ["stdlib", "uvicorn"])
def test_stop_answers_a_request_already_in_flight(server: str, portal: Portal) -> None:
    with listening("--no-verify", "--server", server) as listener:
        held = HeldRequest(listener.port, bot_delete_body(7, "LATE", portal=portal))
        try:
            # Connections are accepted in order: this one answered, the held one is in flight.
            assert listener.request(bot_delete_body(1, "A", portal=portal))[0] == 200
            listener.process.send_signal(signal.SIGINT)
            listener.wait_until_refusing()
            assert held.finish() == 200
        finally:
            held.close()
        assert listener.wait_exit() == 0
        assert "bot_id=7" in listener.stdout
        assert listener.stdout.rstrip().endswith("stopped")
        assert "Traceback" not in listener.stderr


@pytest.mark.parametrize("server", ["stdlib", "uvicorn"])
def test_a_stalled_client_cannot_hold_the_stop_up(server: str, portal: Portal) -> None:
    with listening("--no-verify", "--server", server) as listener:
        stalled = HeldRequest(listener.port, bot_delete_body(7, "STALLED", portal=portal))
        try:
            assert listener.request(bot_delete_body(1, "A", portal=portal))[0] == 200
            # Bounded by PATIENCE: a stop that waited for this client would fail here.
            assert listener.stop() == 0
        finally:
            stalled.close()
        assert "bot_id=7" not in listener.stdout
        assert listener.stdout.rstrip().endswith("stopped")
        assert "Traceback" not in listener.stderr


def post_chunked(port: int, body: bytes, path: str = "/bitrix24/handler") -> tuple[int, str]:
    """POST ``body`` in chunked transfer coding (no Content-Length), as tunnels forward it."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=PATIENCE)
    pieces = [body[start : start + 100] for start in range(0, len(body), 100)]
    try:
        connection.request(
            "POST",
            path,
            body=iter(pieces),
            headers={"Content-Type": FORM, "Transfer-Encoding": "chunked"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


@pytest.mark.parametrize("server", ["stdlib", "uvicorn"])
def test_listen_accepts_chunked_bodies(server: str, portal: Portal) -> None:
    """Behind a tunnel every event arrives chunked; wsgiref alone would read none of them."""
    with listening("--server", server) as listener:
        assert post_chunked(listener.port, app_install_body(portal=portal).encode()) == (200, "ok")
        body = bot_delete_body(567, "BOT", portal=portal).encode()
        assert post_chunked(listener.port, body) == (200, "ok")
        listener.wait_for(lambda line: "bot_id=567" in line)
        assert listener.stop() == 0
        assert "refused" not in listener.stdout
        assert "Traceback" not in listener.stderr


def test_listen_refuses_a_chunked_body_over_max_body_bytes(portal: Portal) -> None:
    with listening("--max-body-bytes", "100") as listener:
        body = bot_delete_body(567, "BOT", portal=portal).encode()
        assert post_chunked(listener.port, body) == (
            413,
            "payload too large: the body exceeds max_body_bytes=100",
        )
        listener.wait_for(lambda line: "refused 413" in line)
