"""The README's examples run as written, so the first thing a newcomer copies works."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from b24botevents import parse_event
from b24botevents.wire import encode_form

README = Path(__file__).resolve().parent.parent / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_first_screen_has_the_two_commands() -> None:
    first_screen = README.read_text(encoding="utf-8").splitlines()[:20]
    assert any(line.startswith("./scripts/demo") for line in first_screen)
    assert any(line.startswith("./scripts/test") for line in first_screen)


def test_parse_example_prints_the_bot_and_masks_the_token() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(_python_blocks()[0], "README.md", "exec"), {})  # noqa: S102
    printed = out.getvalue()
    assert printed.splitlines()[0] == "BotDeleteEvent 567 BOT"
    assert "application_token='***'" in printed
    assert "831c76b092f9f135d9b6b36c3a720757" not in printed


def test_verified_handler_example_serves_install_then_delete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the example creates portals.db in the working directory
    namespace: dict[str, object] = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(_python_blocks()[1], "README.md", "exec"), namespace)  # noqa: S102
    app = namespace["app"]
    auth = {"member_id": "m1", "domain": "p.bitrix24.com", "application_token": "tok-1"}
    install = encode_form({"event": "ONAPPINSTALL", "data": {"VERSION": "1"}, "auth": auth})
    delete = encode_form(
        {"event": "ONIMBOTDELETE", "data": {"BOT_ID": 7, "BOT_CODE": "echo"}, "auth": auth}
    )
    forged = encode_form(
        {
            "event": "ONIMBOTDELETE",
            "data": {"BOT_ID": 7, "BOT_CODE": "echo"},
            "auth": {**auth, "application_token": "forged"},
        }
    )
    statuses = []
    for body in (install, delete, forged):
        raw = body.encode()
        environ = {
            "REQUEST_METHOD": "POST",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(raw)),
            "wsgi.input": io.BytesIO(raw),
        }

        def start_response(status: str, headers: list[tuple[str, str]]) -> None:
            statuses.append(status)

        with contextlib.redirect_stdout(out):
            app(environ, start_response)  # type: ignore[operator]
    with contextlib.redirect_stdout(out):
        assert app.close(10)  # type: ignore[attr-defined]
    assert statuses == ["200 OK", "200 OK", "403 Forbidden"]
    assert "bot deleted: 7 echo" in out.getvalue()
    assert parse_event(delete).code == "ONIMBOTDELETE"


def test_testing_section_example_runs_under_pytest(pytester: pytest.Pytester) -> None:
    example = _python_blocks()[2]
    assert "b24_portal" in example
    pytester.makepyfile(test_readme_example=example)
    # The plugin is loaded explicitly, so this works whether or not the package is
    # installed (installed, its entry point registers it under the same module).
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:b24botevents", "-p", "pytest_b24botevents"
    )
    result.assert_outcomes(passed=1)
