"""``poll``: fetch mode from the command line, against a fake Bitrix24 served on 127.0.0.1.

Most cases run the command in-process (``main([...])``); the signal and restart cases run
it as a real subprocess (``python -m b24botevents poll ...``).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from b24botevents.cli import main
from b24botevents.cli.poll import ENV_BOT_TOKEN, ENV_WEBHOOK
from b24botevents.stores.offsets import open_offset_store

from .poll_support import (
    BOT_ID,
    BOT_TOKEN,
    CODE,
    PollBench,
    assert_no_secrets,
    json_lines,
    poll_bench,
)
from .support import PATIENCE, command_env

REST_EXTRA = "pip install 'b24botevents[rest]'"


@pytest.fixture(autouse=True)
def no_credentials_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_WEBHOOK, raising=False)
    monkeypatch.delenv(ENV_BOT_TOKEN, raising=False)


@pytest.fixture
def bench() -> Iterator[PollBench]:
    with poll_bench() as started:
        yield started


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


# ---- what it prints ----------------------------------------------------------------------


def test_json_prints_one_object_per_event_with_its_id_code_date_and_redacted_dict(
    bench: PollBench, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = bench.push(3)
    status, out, err = run(bench.args("--json", "--max-events", "3"), capsys)
    assert status == 0, err
    shown = json_lines(out)
    assert [each["event_id"] for each in shown] == ids
    for each in shown:
        assert each["code"] == CODE
        assert each["type"] == "BotV2JoinChatEvent"
        assert datetime.fromisoformat(each["date"]).tzinfo is not None
        assert each["event"]["event"] == CODE
        assert each["event"]["event_id"] == each["event_id"]
    assert "stopped: 3 events handled" in err
    assert_no_secrets(bench, out, err)


def test_text_lines_look_like_listen_s_with_the_event_id(
    bench: PollBench, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = bench.push(2)
    status, out, err = run(bench.args("--max-events", "2"), capsys)
    assert status == 0, err
    lines = out.splitlines()
    assert len(lines) == 2
    assert f"  {CODE}  BotV2JoinChatEvent  event_id={first}  " in lines[0]
    assert f"event_id={second}" in lines[1]
    assert "bots=" in lines[0]
    assert_no_secrets(bench, out, err)


def test_once_handles_one_page_and_reports_the_offset(
    bench: PollBench, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = bench.push(5)
    status, out, err = run(bench.args("--once", "--limit", "2", "--json"), capsys)
    assert status == 0, err
    assert [each["event_id"] for each in json_lines(out)] == ids[:2]
    assert f"stopped: 2 events handled, 1 page, offset {ids[1] + 1}" in err


def test_an_empty_queue_once_prints_nothing(
    bench: PollBench, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(bench.args("--once"), capsys)
    assert status == 0, err
    assert out == ""
    assert "stopped: 0 events handled, 1 page" in err


def test_the_default_memory_store_warns_that_progress_is_not_kept(
    bench: PollBench, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(bench.args("--once"), capsys)
    assert status == 0
    assert "not kept across runs" in err
    status, _, err = run(
        bench.args("--once", "--offset-store", f"sqlite:{tmp_path / 'o.db'}"), capsys
    )
    assert status == 0
    assert "not kept across runs" not in err


def test_an_event_that_does_not_fit_its_model_is_printed_as_rejected_and_passed(
    bench: PollBench, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = bench.fake.push_event(bench.portal, BOT_ID, CODE, {"dialogId": ["not", "a", "str"]})
    (good,) = bench.push(1)
    status, out, err = run(bench.args("--json", "--max-events", "2"), capsys)
    assert status == 0, err
    rejected, shown = json_lines(out)
    assert rejected["event_id"] == bad
    assert rejected["code"] == CODE
    assert "SchemaError" in rejected["error"]
    assert shown["event_id"] == good
    assert "1 rejected" in err


def test_events_come_once_across_runs_with_an_sqlite_store(
    bench: PollBench, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = f"sqlite:{tmp_path / 'offsets.db'}"
    first = bench.push(3)
    status, out, _ = run(bench.args("--json", "--offset-store", store, "--max-events", "2"), capsys)
    assert status == 0
    seen = [each["event_id"] for each in json_lines(out)]
    assert seen == first[:2]  # stopped mid-page: the third is still to come
    later = bench.push(2)
    status, out, err = run(
        bench.args("--json", "--offset-store", store, "--max-events", "3"), capsys
    )
    assert status == 0, err
    seen += [each["event_id"] for each in json_lines(out)]
    assert seen == [*first, *later]
    assert "2 skipped (handled before)" in err


# ---- how it ends -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bot_id", "token", "code"),
    [
        (999, BOT_TOKEN, "BOT_NOT_FOUND"),
        (BOT_ID, "not-the-bots-token", "BOT_OWNERSHIP_ERROR"),
        (BOT_ID, None, "BOT_TOKEN_NOT_SPECIFIED"),
    ],
)
def test_an_error_that_needs_a_person_exits_1_with_one_line_naming_its_code(
    bench: PollBench, capsys: pytest.CaptureFixture[str], bot_id: int, token: str | None, code: str
) -> None:
    argv = ["poll", "--webhook", bench.webhook, "--bot-id", str(bot_id), "--idle-interval", "0"]
    if token is not None:
        argv += ["--bot-token", token]
    status, out, err = run(argv, capsys)
    assert status == 1
    assert out == ""
    failure = err.splitlines()[-1]
    assert failure.startswith("b24botevents poll: imbot.v2.Event.get: ")
    assert code in failure
    assert "Traceback" not in err
    assert_no_secrets(bench, err)


def test_a_bot_already_polled_elsewhere_is_left_alone_once(
    bench: PollBench, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "offsets.db"
    other = open_offset_store(f"sqlite:{path}")
    assert other.acquire(bench.key, "someone-else", 60.0)
    bench.push(1)
    status, out, err = run(bench.args("--once", "--offset-store", f"sqlite:{path}"), capsys)
    assert status == 1
    assert out == ""
    assert f"another poller holds the lease of {bench.key}" in err


def test_retried_failures_are_warnings_on_stderr_and_the_poll_goes_on(
    bench: PollBench, capsys: pytest.CaptureFixture[str]
) -> None:
    (event_id,) = bench.push(1)
    bench.fake.fail_next(503, "INTERNAL_SERVER_ERROR", method="imbot.v2.Event.get")
    status, out, err = run(bench.args("--json", "--max-events", "1"), capsys)
    assert status == 0, err
    assert [each["event_id"] for each in json_lines(out)] == [event_id]
    assert "warning: poller" in err
    assert "1 retry" in err
    assert_no_secrets(bench, out, err)


def test_without_the_rest_extra_it_names_the_install_command(bench: PollBench) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules["httpx"] = None  # as if it were not installed
        from b24botevents import cli
        raise SystemExit(cli.main({bench.args("--once")!r}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=command_env(),
        timeout=PATIENCE,
        check=False,
    )
    assert done.returncode == 2
    assert REST_EXTRA in done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert_no_secrets(bench, done.stderr)


# ---- options -----------------------------------------------------------------------------


def test_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["poll", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--webhook", "--bot-id", "--bot-token", "--offset-store", "--limit"):
        assert option in out
    for option in ("--idle-interval", "--json", "--user-events", "--max-events", "--once"):
        assert option in out
    assert ENV_WEBHOOK in out
    assert REST_EXTRA in out


def test_credentials_may_come_from_the_environment(
    bench: PollBench, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (event_id,) = bench.push(1)
    monkeypatch.setenv(ENV_WEBHOOK, bench.webhook)
    monkeypatch.setenv(ENV_BOT_TOKEN, BOT_TOKEN)
    status, out, err = run(["poll", "--bot-id", str(BOT_ID), "--once", "--json"], capsys)
    assert status == 0, err
    assert [each["event_id"] for each in json_lines(out)] == [event_id]
    assert_no_secrets(bench, out, err)


def test_without_a_webhook_it_says_where_to_give_one(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["poll", "--bot-id", "1"], capsys)
    assert status == 2
    assert "--webhook URL" in err
    assert ENV_WEBHOOK in err


@pytest.mark.parametrize(
    ("extra", "complaint"),
    [
        (["--bot-id", "0"], "argument --bot-id: expected a positive integer"),
        (["--bot-id", "1", "--limit", "1001"], "argument --limit"),
        (["--bot-id", "1", "--idle-interval", "-1"], "argument --idle-interval"),
        (["--bot-id", "1", "--idle-interval", "nan"], "argument --idle-interval"),
        (["--bot-id", "1", "--offset-store", "postgres://x"], "argument --offset-store"),
        (["--bot-id", "1", "--max-events", "0"], "argument --max-events"),
        ([], "--bot-id"),
    ],
)
def test_bad_options_are_usage_errors(
    capsys: pytest.CaptureFixture[str], extra: list[str], complaint: str
) -> None:
    argv = ["poll", "--webhook", "https://x.bitrix24.com/rest/1/abc/", *extra]
    status, _, err = run(argv, capsys)
    assert status == 2
    assert complaint in err


def test_user_events_come_too_with_user_events(
    bench: PollBench, capsys: pytest.CaptureFixture[str]
) -> None:
    bench.fake.subscribe_user(bench.portal, 1)  # the webhook's user
    user_event = bench.fake.push_user_event(
        bench.portal, 1, "ONIMV2JOINCHAT", {"dialogId": "chat5"}
    )
    (bot_event,) = bench.push(1)
    status, out, err = run(bench.args("--json", "--once"), capsys)
    assert status == 0, err
    assert [each["event_id"] for each in json_lines(out)] == [bot_event]
    status, out, err = run(bench.args("--json", "--once", "--user-events"), capsys)
    assert status == 0, err
    shown = {each["event_id"]: each["code"] for each in json_lines(out)}
    assert shown[user_event] == "ONIMV2JOINCHAT"


def test_a_store_that_cannot_work_ends_it_at_once(
    bench: PollBench, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = f"sqlite:{tmp_path / 'no-such-directory' / 'offsets.db'}"
    status, out, err = run(bench.args("--offset-store", store), capsys)
    assert status == 1
    assert out == ""
    assert err.splitlines()[-1].startswith("b24botevents poll: offset store unavailable: ")
