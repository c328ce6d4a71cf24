"""``poll`` never shows the webhook's secret (``/rest/<user>/<secret>/``) nor the bot's
token: not in usage errors or ``--help`` (wherever on the command line they stand, however
the option is spelt), not in an error's line, not in a traceback it prints, not in a log
record, not in an offset store's spec (a Redis password)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from b24botevents.cli import main
from b24botevents.cli.display import masked
from b24botevents.cli.poll import ENV_BOT_TOKEN, ENV_WEBHOOK
from cli.poll_support import BOT_ID, BOT_TOKEN, PollBench, assert_no_secrets, poll_bench

SECRET = "whCANARYusage9x"
TOKEN = "tokCANARYusage4"
URL = f"https://my.bitrix24.com/rest/7/{SECRET}/"


@pytest.fixture(autouse=True)
def no_credentials_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_WEBHOOK, raising=False)
    monkeypatch.delenv(ENV_BOT_TOKEN, raising=False)


@pytest.fixture
def bench() -> Iterator[PollBench]:
    with poll_bench() as started:
        yield started


def shown(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out + err


@pytest.mark.parametrize(
    "argv",
    [
        ["poll", URL, "--bot-id", "1"],  # the URL where an option should be
        ["poll", "--webhook", URL, "--bot-id", "x", "--bot-token", TOKEN],
        ["poll", f"--webhook={URL}", "--bot-token", TOKEN, "--no-such-option"],
        ["poll", "--webhook", URL, "--bot-id", "1", "--bot-tok", TOKEN, "stray"],
        ["poll", "--webh", URL, "--bot-id", "1", f"--bot-t={TOKEN}", "stray"],
        ["poll", "--webhook", URL, "--bot-id", "1", "--bot", TOKEN],  # ambiguous: an error
        ["poll", "--webhook", f"https://my.bitrix24.com/rest/7/{SECRET}.x/", "--bot-id", "1"],
        ["poll", "--webhook", f"https://my.bitrix24.com/rest/x/{SECRET}/", "--bot-id", "1"],
        ["poll", "--webhook", URL, "--bot-id", "1", "--bot-token", TOKEN * 4],  # too long
        ["poll", "--bot-id", "1", "--once", URL],
        ["poll", "--webhook", URL, "--bot-token", TOKEN, "--help"],
        ["--help", URL, TOKEN],
        ["no-such-command", URL],
    ],
)
def test_usage_errors_and_help_mask_the_secrets(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    status, text = shown(argv, capsys)
    assert status in (0, 2)
    assert text
    assert SECRET not in text
    assert TOKEN not in text


def test_a_secret_from_the_environment_is_masked_in_usage_errors(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENV_BOT_TOKEN, TOKEN)
    status, text = shown(["poll", "--bot-id", "1", "--bot-token", TOKEN, TOKEN], capsys)
    assert status == 2
    assert TOKEN not in text


def test_an_error_description_that_echoes_the_url_is_masked(
    bench: PollBench, capsys: pytest.CaptureFixture[str]
) -> None:
    echo = f"no access for {bench.webhook} with {BOT_TOKEN}"
    bench.fake.fail_next(401, "AUTH_ERROR", method="imbot.v2.Event.get", description=echo)
    status, text = shown(bench.args("--once"), capsys)
    assert status == 1
    assert "AUTH_ERROR" in text.splitlines()[-1]
    assert_no_secrets(bench, text)


def test_a_traceback_it_prints_is_masked(
    bench: PollBench, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from b24botevents.poller import Poller

    def broken(self: Poller, *, handle_signals: bool = True) -> None:
        raise RuntimeError(f"unexpected, at {bench.webhook}imbot.v2.Event.get.json ({BOT_TOKEN})")

    monkeypatch.setattr(Poller, "run", broken)
    status, text = shown(bench.args(), capsys)
    assert status == 1
    assert "Traceback" in text
    assert "RuntimeError: unexpected, at http://127.0.0.1:" in text
    assert "/rest/1/***/" in text
    assert_no_secrets(bench, text)


def test_no_log_record_carries_a_secret(
    bench: PollBench, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    bench.push(2)
    bench.fake.fail_next(503, "INTERNAL_SERVER_ERROR", method="imbot.v2.Event.get")
    status, text = shown(bench.args("--max-events", "2"), capsys)
    assert status == 0, text
    messages = [record.getMessage() for record in caplog.records]
    assert any("imbot.v2.Event.get" in message for message in messages)  # httpx's lines
    assert_no_secrets(bench, text, *messages)


def test_started_and_stopped_lines_show_the_masked_url_only(
    bench: PollBench, capsys: pytest.CaptureFixture[str]
) -> None:
    status, text = shown(bench.args("--once"), capsys)
    assert status == 0
    assert "/rest/1/***/" in text
    assert f"bot {BOT_ID}" in text
    assert_no_secrets(bench, text)


def test_a_redis_password_is_masked() -> None:
    spec = "redis://:CANARYpassword@cache.internal:6379/0"
    assert "CANARYpassword" not in masked(f"offsets: {spec}")
    assert "redis://***@cache.internal:6379/0" in masked(spec)


def test_masking_keeps_placeholders_and_masks_malformed_secrets() -> None:
    assert masked("https://<portal>/rest/<user>/<secret>/") == (
        "https://<portal>/rest/<user>/<secret>/"
    )
    assert masked(f"x https://h/rest/1/{SECRET}.odd/y") == "x https://h/rest/1/***/y"
    assert masked(f"{TOKEN}!", [TOKEN]) == "***!"
