"""docs/replies.md stays true: its examples run, and its tables match the library.

Every ```python block runs in a fresh namespace (against the fake Bitrix24), except one
whose fence is preceded by ``<!-- not run -->`` (a sketch that needs a real portal or
names a dispatcher from another block); those must still compile. The page's error
table lists exactly the client's own ``RestError`` codes, and its reply table the
methods ``replies`` builds.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from doc_blocks import runnable_and_sketches

DOC = Path(__file__).resolve().parents[2] / "docs" / "replies.md"
SOURCE = Path(__file__).resolve().parents[2] / "src" / "b24botevents" / "rest"


def _text() -> str:
    return DOC.read_text(encoding="utf-8")


RUNNABLE, SKETCHES = runnable_and_sketches(DOC)


def test_the_page_has_runnable_examples_and_sketches() -> None:
    assert len(RUNNABLE) >= 3
    assert SKETCHES


@pytest.mark.parametrize(
    ("line", "runs", "source"), RUNNABLE, ids=[f"line{b[0]}" for b in RUNNABLE]
)
def test_example_runs(line: int, runs: bool, source: str) -> None:
    exec(compile(source, f"docs/replies.md:{line}", "exec"), {"__name__": "docs_example"})  # noqa: S102


@pytest.mark.parametrize(
    ("line", "runs", "source"), SKETCHES, ids=[f"line{b[0]}" for b in SKETCHES]
)
def test_sketch_compiles(line: int, runs: bool, source: str) -> None:
    compile(source, f"docs/replies.md:{line}", "exec")


def test_the_error_table_names_every_code_of_the_client() -> None:
    """Each capitalised code the client raises itself appears in the table, and back."""
    raised = set()
    for path in SOURCE.glob("*.py"):
        raised |= set(re.findall(r'RestError\(\s*"([A-Z_]+)"', path.read_text(encoding="utf-8")))
    raised |= {"TIMEOUT", "RESPONSE_LOST", "CONNECTION_FAILED", "HTTP_ERROR"}  # from _answers
    table = _text().split("## Errors", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", table, re.MULTILINE))
    assert documented == raised


def test_the_reply_table_names_the_methods_replies_builds() -> None:
    built = set(re.findall(r'"(imbot\.[A-Za-z0-9_.]+)"', (SOURCE / "replies.py").read_text()))
    table = _text().split("| event | v1", 1)[1].split("\n\n", 1)[0].split("\n", 2)[2]
    assert built == set(re.findall(r"`(imbot\.[A-Za-z0-9_.]+)`", table))
