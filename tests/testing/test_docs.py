"""docs/testing.md's examples run as written, through the plugin, so the docs cannot rot.

Every ```python block that starts with a ``# test_<name>.py`` line is written to that file
and run by an inner pytest with ``-p pytest_b24botevents``; all of its tests must
pass. Any other python block must at least compile.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "testing.md"

_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)
_FILE_NAME = re.compile(r"# (test_\w+)\.py\n")


def python_blocks() -> list[str]:
    return _BLOCK.findall(DOC.read_text(encoding="utf-8"))


def test_the_docs_have_a_runnable_test_file() -> None:
    files = [block for block in python_blocks() if _FILE_NAME.match(block)]
    assert files, "docs/testing.md should show at least one complete test file"


def test_every_python_block_compiles() -> None:
    for number, block in enumerate(python_blocks()):
        compile(block, f"docs/testing.md block {number}", "exec")


def test_the_documented_test_files_pass(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    expected = 0
    for block in python_blocks():
        match = _FILE_NAME.match(block)
        if match is None:
            continue
        pytester.makepyfile(**{match.group(1): block})
        expected += len(re.findall(r"^def test_", block, re.MULTILINE))
    result = pytester.runpytest("-p", "pytest_b24botevents", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=expected)
    assert expected >= 5
