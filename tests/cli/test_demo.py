"""``demo``: every step gets its expected status, the output explains, no token shows."""

from __future__ import annotations

import re

import pytest

from b24botevents import cli
from b24botevents.cli import demo
from b24botevents.testing import Portal

from .support import run_command

STEP_CODES = [
    "ONAPPINSTALL",
    "ONIMBOTDELETE",
    "ONIMBOTV2DELETE",
    "ONAPPUPDATE",
    "ONIMBOTMESSAGEADD",
    "WRONG application_token",
    "malformed",
    "ONAPPUNINSTALL",
    "after the uninstall",
]


def test_demo_in_a_subprocess_exits_0_with_every_step() -> None:
    done = run_command("demo")
    out = done.stdout.decode()
    assert done.returncode == 0, out + done.stderr.decode()
    assert done.stderr.decode() == ""
    assert out.startswith("b24botevents demo\n")
    assert "This demo plays Bitrix24" in out
    steps = re.findall(r"^\[(\d)/9\] (.*)$", out, re.MULTILINE)
    assert [int(number) for number, _ in steps] == list(range(1, 10))
    for (_, what), code in zip(steps, STEP_CODES, strict=True):
        assert code in what
    assert out.count("(as expected)") == 9
    assert "UNEXPECTED" not in out
    for shown in ("receiver: ", "AppInstallEvent", "BotDeleteEvent", "BotV2DeleteEvent"):
        assert shown in out
    assert "refused 403" in out
    assert "refused 400" in out
    assert "All 9 requests got the expected status." in out
    # Every id the demo portal has is random hex; tokens are 32 and 50 hex digits long.
    # Only the member_id (not a secret) may appear in full, in the library's 403 reasons.
    member_ids = set(re.findall(r"from ([0-9a-f]{32}):", out))
    assert len(member_ids) == 1
    long_hex = set(re.findall(r"[0-9a-f]{16,}", out))
    assert long_hex <= member_ids


def test_demo_never_prints_the_portals_tokens(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    portal = Portal.random(domain="demo.bitrix24.com")
    monkeypatch.setattr(demo, "_demo_portal", lambda: portal)
    assert cli.main(["demo"]) == 0
    out, err = capsys.readouterr()
    assert "demo.bitrix24.com" in out
    for token in (*portal.tokens(), *portal.bot_tokens(456, 567)):
        assert token not in out + err


def test_demo_exits_1_when_a_step_goes_wrong(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_steps = demo._demo_steps

    def one_wrong(portal: Portal) -> list[tuple[str, str, int]]:
        steps = real_steps(portal)
        what, body, _ = steps[1]
        steps[1] = (what, body, 403)  # it will get 200
        return steps

    monkeypatch.setattr(demo, "_demo_steps", one_wrong)
    assert cli.main(["demo"]) == 1
    out = capsys.readouterr().out
    assert "UNEXPECTED: wanted 403" in out
    assert "1 of 9 requests did not get the expected status." in out
