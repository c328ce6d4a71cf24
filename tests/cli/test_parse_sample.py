"""``parse`` and ``sample``, run in-process through ``main([...])``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from b24botevents import parse_event
from b24botevents.cli import describe_event, main
from b24botevents.testing import (
    SAMPLE_CODES,
    Portal,
    bot_delete_body,
    event_body,
    sample_body,
)


def feed_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))


# ---- parse ---------------------------------------------------------------------------


def test_parse_a_file_prints_the_typed_event_with_secrets_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    portal = Portal.random()
    path = tmp_path / "body.txt"
    path.write_text(bot_delete_body(567, "BOT", portal=portal, ts=1772090363), encoding="ascii")
    assert main(["parse", str(path)]) == 0
    out, err = capsys.readouterr()
    shown = json.loads(out)
    assert shown["type"] == "BotDeleteEvent"
    assert shown["event"]["data"] == {"BOT_ID": 567, "BOT_CODE": "BOT"}
    assert shown["event"]["ts"] == 1772090363
    assert shown["event"]["auth"]["application_token"] == "***"
    assert shown["event"]["auth"]["access_token"] == "***"
    assert shown["event"]["auth"]["member_id"] == portal.member_id
    for token in portal.tokens():
        assert token not in out + err


def test_parse_reads_stdin_by_default_and_with_a_dash(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    portal = Portal.random()
    body = sample_body("ONIMBOTV2DELETE", portal=portal).encode()
    for argv in (["parse"], ["parse", "-"]):
        feed_stdin(monkeypatch, body)
        assert main(argv) == 0
        out = capsys.readouterr().out
        shown = json.loads(out)
        assert shown["type"] == "BotV2DeleteEvent"
        assert shown["event"]["data"]["bot"]["auth"]["access_token"] == "***"
        for token in (*portal.tokens(), *portal.bot_tokens(456)):
            assert token not in out


def test_parse_json_bodies_with_a_content_type(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    body = json.dumps({"event": "onappuninstall", "data": {"CLEAN": 1}, "auth": {"domain": "d"}})
    feed_stdin(monkeypatch, body.encode())
    assert main(["parse", "--content-type", "application/json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["type"] == "AppUninstallEvent"
    assert shown["event"]["data"]["CLEAN"] is True


def test_parse_a_message_body_as_its_typed_event(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_stdin(monkeypatch, sample_body("ONIMBOTMESSAGEADD").encode())
    assert main(["parse"]) == 0
    out = capsys.readouterr().out
    shown = json.loads(out)
    assert shown["type"] == "BotMessageAddEvent"
    bot = shown["event"]["data"]["BOT"]["567"]
    assert bot["AUTH"]["refresh_token"] == "***"
    assert bot["refresh_token"] == "***"  # the flat copy of the bot's tokens too
    assert shown["event"]["data"]["PARAMS"]["MESSAGE"] == "Hello"
    for token in Portal.example().tokens():
        assert token not in out


def test_parse_unknown_codes_as_unknown_event(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_stdin(monkeypatch, sample_body("ONCRMDEALADD").encode())
    assert main(["parse"]) == 0
    out = capsys.readouterr().out
    shown = json.loads(out)
    assert shown["type"] == "UnknownEvent"
    assert shown["event"]["data"] == {"FIELDS": {"ID": "1"}}
    assert shown["event"]["auth"]["access_token"] == "***"
    for token in Portal.example().tokens():
        assert token not in out


def test_a_bad_body_prints_its_wire_path_to_stderr_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    portal = Portal.random()
    body = event_body("ONIMBOTDELETE", {"BOT_ID": "abc", "BOT_CODE": "B"}, portal.auth())
    feed_stdin(monkeypatch, body.encode())
    assert main(["parse"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "SchemaError: data[BOT_ID]: expected an integer, got 'abc'" in err
    for token in portal.tokens():
        assert token not in err


def test_every_problem_of_a_body_is_listed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_stdin(monkeypatch, b"event=ONIMBOTDELETE&data[BOT_ID]=x")
    assert main(["parse"]) == 2
    err = capsys.readouterr().err
    assert "2 problems" in err
    assert "data[BOT_ID]: expected an integer" in err
    assert "data[BOT_CODE]: required field is missing" in err


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"a[b=1", "PayloadError: malformed key"),
        (b"event=X&data=%FF", "PayloadError"),
        (b"{not json", "PayloadError: invalid JSON"),
        (b"data[BOT_ID]=1", "SchemaError: event: required field is missing"),
    ],
)
def test_undecodable_bodies_exit_2(
    body: bytes,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    feed_stdin(monkeypatch, body)
    assert main(["parse"]) == 2
    assert message in capsys.readouterr().err


def test_an_unsupported_content_type_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_stdin(monkeypatch, b"event=X")
    assert main(["parse", "--content-type", "text/plain"]) == 2
    assert "UnsupportedContentType" in capsys.readouterr().err


def test_a_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(tmp_path / "nope.txt")]) == 2
    assert "cannot read" in capsys.readouterr().err


# ---- sample --------------------------------------------------------------------------


@pytest.mark.parametrize("code", SAMPLE_CODES)
def test_sample_prints_a_body_that_parses(code: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sample", code]) == 0
    out, err = capsys.readouterr()
    assert not out.endswith("\n")  # not a terminal: the exact body, for pipes
    assert err == ""
    event = parse_event(out)
    assert event.code == code
    assert event.member_id == Portal.example().member_id


def test_sample_version_2_gives_the_v2_event(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sample", "onimbotdelete", "--version", "2"]) == 0
    event = parse_event(capsys.readouterr().out)
    assert event.code == "ONIMBOTV2DELETE"


def test_sample_with_a_version_the_code_lacks_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sample", "ONAPPINSTALL", "--version", "2"]) == 2
    assert "no version 2 form" in capsys.readouterr().err


def test_sample_of_an_unknown_code_is_generic(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sample", "ONCRMDEALADD"]) == 0
    out, err = capsys.readouterr()
    assert "generic" in err
    event = parse_event(out)
    assert event.code == "ONCRMDEALADD"
    assert event.data == {"FIELDS": {"ID": "1"}}


def test_sample_for_your_own_portal(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sample", "ONIMBOTV2DELETE", "--token", "tok", "--member-id", "m1"]
    assert main([*argv, "--domain", "mine.bitrix24.com", "--no-user-tokens"]) == 0
    event = parse_event(capsys.readouterr().out)
    assert event.auth is not None
    assert event.auth.application_token == "tok"
    assert event.domain == "mine.bitrix24.com"
    assert event.member_id is None  # the minimal v2 envelope: domain and token only


def test_sample_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sample", "ONAPPUNINSTALL", "--json"]) == 0
    tree = json.loads(capsys.readouterr().out)
    assert tree["event"] == "ONAPPUNINSTALL"
    assert tree["data"] == {"LANGUAGE_ID": "en", "CLEAN": "1"}
    assert parse_event(json.dumps(tree)).code == "ONAPPUNINSTALL"


def test_sample_then_parse_round_trip(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sample", "ONAPPINSTALL"]) == 0
    feed_stdin(monkeypatch, capsys.readouterr().out.encode())
    assert main(["parse"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["type"] == "AppInstallEvent"
    assert shown["event"]["data"]["VERSION"] == "1.0.0"


# ---- the rest of main ------------------------------------------------------------------


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    out = capsys.readouterr().out
    for command in ("parse", "sample", "listen", "demo"):
        assert command in out


def test_usage_errors_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bogus"]) == 2
    assert "invalid choice" in capsys.readouterr().err
    assert main(["listen", "--port", "x"]) == 2
    assert "port" in capsys.readouterr().err
    assert main(["listen", "--store", "redis:x"]) == 2
    assert "sqlite:PATH" in capsys.readouterr().err
    assert main(["listen", "--token", "t", "--no-verify"]) == 2
    assert "not allowed with" in capsys.readouterr().err
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("b24botevents ")


def test_describe_event_is_one_line_without_secrets() -> None:
    portal = Portal.random()
    line = describe_event(parse_event(bot_delete_body(567, "BOT", portal=portal, user_id=27)))
    assert line.startswith("ONIMBOTDELETE  BotDeleteEvent  portal=")
    assert "bot_id=567" in line
    assert "bot_code=BOT" in line
    assert "user_id=27" in line
    assert "\n" not in line
    for token in portal.tokens():
        assert token not in line


def test_describe_event_neutralises_control_characters() -> None:
    body = event_body("ONX\x1b[31m", {"A": "1"}, {"domain": "evil\x1b[2J.com"}, ts=1)
    line = describe_event(parse_event(body))
    assert "\x1b" not in line
    assert "\\x1b" in line
