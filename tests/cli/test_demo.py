"""``demo``: every step goes as scripted, the bot answers through the fake, no token shows."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest

from b24botevents import cli
from b24botevents.cli import demo
from b24botevents.testing import Portal

from .support import run_command

STEP_CODES = [
    "ONAPPINSTALL",
    "ONIMBOTMESSAGEADD (v1)",
    "ONIMBOTV2MESSAGEADD (v2)",
    "ONIMCOMMANDADD",
    "expired_token",
    "429",
    "ONIMBOTV2DELETE",
    "WRONG application_token",
    "malformed",
    "ONAPPUNINSTALL",
]
STEPS = len(STEP_CODES)


def test_demo_in_a_subprocess_exits_0_with_every_step() -> None:
    done = run_command("demo")
    out = done.stdout.decode()
    assert done.returncode == 0, out + done.stderr.decode()
    assert done.stderr.decode() == ""
    assert out.startswith("b24botevents demo\n")
    assert "This demo plays Bitrix24" in out
    steps = re.findall(rf"^\[(\d+)/{STEPS}\] (.*)$", out, re.MULTILINE)
    assert [int(number) for number, _ in steps] == list(range(1, STEPS + 1))
    for (_, what), code in zip(steps, STEP_CODES, strict=True):
        assert code in what
    assert out.count("(as expected)") == STEPS
    assert "UNEXPECTED" not in out
    for shown in ("receiver: ", "AppInstallEvent", "BotMessageAddEvent", "BotV2DeleteEvent"):
        assert shown in out
    assert "refused 403" in out
    assert "refused 400" in out
    assert f"All {STEPS} steps went as expected." in out
    # The round trip: each answer is a REST call the fake portal saw, with its text.
    assert 'portal:   imbot.message.add -> 200, the bot said "You said: Hello"' in out
    assert 'portal:   imbot.v2.Chat.Message.send -> 200, the bot said "You said: Hello bot!"' in out
    assert "portal:   imbot.command.answer -> 200" in out
    assert "imbot.v2.Chat.Message.send -> 401 expired_token" in out
    assert "oauth/token -> 200 (the bot refreshed its OAuth tokens)" in out
    assert "imbot.v2.Chat.Message.send -> 429 QUERY_LIMIT_EXCEEDED" in out
    # Every id the demo portal has is random hex; tokens are 32 and 50 hex digits long.
    # Only the member_id (not a secret) may appear in full, in the library's 403 reasons.
    member_ids = set(re.findall(r"from ([0-9a-f]{32}):", out))
    assert len(member_ids) == 1
    long_hex = set(re.findall(r"[0-9a-f]{16,}", out))
    assert long_hex <= member_ids


def test_the_forged_event_gets_no_answer(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    forged = out[out.index("WRONG application_token") : out.index("malformed")]
    assert "portal:" not in forged


def test_without_httpx_the_demo_plays_the_receiving_half() -> None:
    """The [rest] extra is optional: without httpx the bot cannot answer, and says so."""
    script = textwrap.dedent(
        """
        import sys
        sys.modules["httpx"] = None  # as if it were not installed
        from b24botevents import cli
        raise SystemExit(cli.main(["demo"]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, timeout=120, check=False
    )
    out = done.stdout.decode()
    assert done.returncode == 0, out + done.stderr.decode()
    assert "Install b24botevents[rest] to see the bot answer" in out
    assert "portal:" not in out
    assert f"All {STEPS} steps went as expected." in out


def test_demo_never_prints_the_portals_tokens(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    portal = Portal.random(domain="demo.bitrix24.com")
    monkeypatch.setattr(demo, "_demo_portal", lambda: portal)
    assert cli.main(["demo"]) == 0
    out, err = capsys.readouterr()
    assert "demo.bitrix24.com" in out
    for token in (*portal.tokens(), *portal.bot_tokens(456, 567, 1291)):
        assert token not in out + err
    assert "demo-app-secret" not in out + err


def test_demo_exits_1_when_a_step_goes_wrong(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_steps = demo._demo_steps

    def one_wrong(portal: Portal, *, replies: bool = True) -> list[demo.Step]:
        steps = real_steps(portal, replies=replies)
        steps[1] = demo.Step(steps[1].what, steps[1].body, 403, steps[1].replies)  # gets 200
        return steps

    monkeypatch.setattr(demo, "_demo_steps", one_wrong)
    assert cli.main(["demo"]) == 1
    out = capsys.readouterr().out
    assert "UNEXPECTED: wanted 403" in out
    assert f"1 of {STEPS} steps did not go as expected." in out


def test_demo_exits_1_when_the_bot_does_not_answer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_steps = demo._demo_steps

    def silent(portal: Portal, *, replies: bool = True) -> list[demo.Step]:
        steps = real_steps(portal, replies=replies)
        steps[1] = demo.Step(steps[1].what, steps[1].body, 200, ("imbot.message.update",))
        return steps

    monkeypatch.setattr(demo, "_demo_steps", silent)
    assert cli.main(["demo"]) == 1
    out = capsys.readouterr().out
    assert "UNEXPECTED: wanted the calls imbot.message.update" in out
