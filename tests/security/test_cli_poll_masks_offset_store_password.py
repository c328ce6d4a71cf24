"""``poll --offset-store redis://:PASSWORD@...`` prints the password when it
holds a quote, an ``@`` or a space.

``cli.display.masked`` (``shown_store``, and every line ``poll`` prints) finds a URL's
user info with ``(://)[^@/\\s'\"]+@``: it stops at the first ``@`` and does not match at
all across a quote or a space. redis-py takes such URLs as they are (the user info ends
at the *last* ``@``; quotes and spaces need no escaping), so a working store URL with a
generated password like ``Xk9"Zq7pw`` goes whole to stderr in the start line ("offsets:
redis://:Xk9\"Zq7pw@..."), and one with ``@`` in it goes there in part. The
password is not among the ``hidden`` secrets either (only ``--webhook``/``--bot-token``
are), so nothing else masks it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from b24botevents.cli import main
from b24botevents.cli.poll import ENV_BOT_TOKEN, ENV_WEBHOOK, shown_store
from cli.poll_support import PollBench, poll_bench
from redis_server import start_redis_server

PASSWORDS = ['Xk9"Zq7pw', "Xk9'Zq7pw", "Xk9@Zq7pw"]


@pytest.fixture(autouse=True)
def no_credentials_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_WEBHOOK, raising=False)
    monkeypatch.delenv(ENV_BOT_TOKEN, raising=False)


@pytest.fixture
def bench() -> Iterator[PollBench]:
    with poll_bench() as started:
        yield started


@pytest.mark.parametrize("password", PASSWORDS)
def test_shown_store_hides_the_whole_password(password: str) -> None:
    shown = shown_store(f"redis://:{password}@127.0.0.1:6379/0")
    assert "Xk9" not in shown
    assert "Zq7pw" not in shown


@pytest.mark.parametrize("password", PASSWORDS)
def test_poll_never_prints_the_offset_stores_password(
    bench: PollBench, password: str, capsys: pytest.CaptureFixture[str]
) -> None:
    server = start_redis_server()
    try:
        admin = redis.Redis(host="127.0.0.1", port=server.port)
        admin.config_set("requirepass", password)
        admin.close()
        url = f"redis://:{password}@127.0.0.1:{server.port}/0"
        bench.push(1)
        status = main(bench.args("--once", "--offset-store", url))
        out, err = capsys.readouterr()
    finally:
        server.stop()
    assert status == 0, err  # the store worked: the URL is a good one
    assert "offsets: redis://" in err  # the start line names the store
    for text in (out, err):
        assert "Xk9" not in text
        assert "Zq7pw" not in text
