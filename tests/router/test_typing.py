"""Typed registration: ``mypy --strict`` accepts ``typing_check.py`` and bites without an ignore.

Two mypy runs, in a subprocess each: the file as it is must pass (so every deliberate
error's ``# type: ignore`` is still needed, under ``warn_unused_ignores``), and a copy with
the ignore marked ``BITE`` removed must fail with that very error.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK = Path(__file__).resolve().with_name("typing_check.py")
IGNORE = "  # type: ignore[type-var]"
MARKER = "# BITE"


def _mypy(target: Path, cache_dir: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["MYPYPATH"] = str(ROOT / "src")
    env.pop("MYPY_FORCE_COLOR", None)
    return subprocess.run(
        [
            sys.executable, "-m", "mypy",
            "--config-file", str(ROOT / "pyproject.toml"),
            "--strict",
            "--python-version", "3.10",
            "--cache-dir", str(cache_dir),
            "--no-color-output",
            "--show-error-codes",
            str(target),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mypy-cache")


def test_typing_check_passes_mypy_strict(cache_dir: Path) -> None:
    result = _mypy(CHECK, cache_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found in 1 source file" in result.stdout


def test_removing_a_deliberate_ignore_fails(cache_dir: Path, tmp_path: Path) -> None:
    lines = CHECK.read_text(encoding="utf-8").splitlines(keepends=True)
    marked = [index for index, line in enumerate(lines) if MARKER in line and IGNORE in line]
    assert len(marked) == 1
    index = marked[0]
    lines[index] = lines[index].split(IGNORE)[0] + "\n"
    broken = tmp_path / "typing_check_bites.py"
    broken.write_text("".join(lines), encoding="utf-8")
    result = _mypy(broken, cache_dir)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    error_lines = [line for line in result.stdout.splitlines() if ": error: " in line]
    assert len(error_lines) == 1, output
    (error,) = error_lines
    assert error.startswith(f"{broken}:{index + 1}: error: "), output
    assert "BotV2DeleteEvent" in error
    assert error.endswith("[type-var]"), output
