"""Every code block of the docs is run by a test, or marked as not run.

The pages are ``docs/**/*.md`` (the site), the README and each example's README. Each
fenced block has a language. A ``text`` block is shown output or a diagram, not code. A
python block runs unless the line before it is ``<!-- not run -->`` (a sketch, which must
still compile): the pages listed in ``RUNNERS`` have their own test, which runs them
against real servers or a fake portal; the blocks of every other page run here, in
order, in one namespace, in a fresh directory. Shell blocks run only where this module
runs them (``docs/cli.md``: each ``$`` line, against the installed ``b24botevents``
command, its shown output compared); every other shell block (an install, a deploy, a
long-running server) is marked. JSON blocks must parse.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from doc_blocks import Fenced, fenced_blocks

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(
    [
        *(ROOT / "docs").rglob("*.md"),
        ROOT / "README.md",
        *(ROOT / "examples").glob("*/README.md"),
    ]
)

#: Pages whose python blocks a test of their own runs: page glob -> that test.
RUNNERS = {
    "README.md": "tests/test_readme.py",
    "docs/fetch-mode.md": "tests/poller/test_docs_fetch_mode.py",
    "docs/replies.md": "tests/rest/test_docs_replies.py",
    "docs/b24pysdk.md": "tests/rest/test_b24pysdk_recipe.py",
    "docs/security.md": "tests/security/test_docs_security.py",
    "docs/testing.md": "tests/testing/test_docs.py",
    "docs/adapters/*.md": "tests/contrib/test_docs_examples.py",
}
#: Pages whose unmarked shell blocks this module runs.
SHELL_RUN_HERE = ("docs/cli.md",)
SHELL = {"bash", "sh", "console"}
SHOWN = {"text"}


def _name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def _runner(page: Path) -> str | None:
    for pattern, test in RUNNERS.items():
        if Path(_name(page)).match(pattern):
            return test
    return None


def _blocks(lang: set[str] | None = None) -> list[tuple[str, Fenced]]:
    return [
        (_name(page), block)
        for page in PAGES
        for block in fenced_blocks(page)
        if lang is None or block.lang in lang
    ]


def test_the_pages_are_found() -> None:
    names = {_name(page) for page in PAGES}
    assert {"README.md", "docs/index.md", "docs/cli.md", "docs/reference/events.md"} <= names
    assert len(_blocks()) > 80


@pytest.mark.parametrize(("page", "block"), _blocks(), ids=lambda v: str(getattr(v, "line", v)))
def test_every_block_runs_or_is_marked(page: str, block: Fenced) -> None:
    where = f"{page}:{block.line}"
    assert block.lang, f"{where}: a fenced block without a language (use `text` for output)"
    if block.lang in SHOWN or not block.runs:
        return
    if block.lang == "python":
        runner = _runner(ROOT / page)
        if runner is not None:  # that test must exist and read this page
            text = (ROOT / runner).read_text(encoding="utf-8")
            assert f'"{Path(page).name}"' in text, f"{where}: {runner} does not name the page"
        return  # otherwise run below
    if block.lang in SHELL:
        assert page in SHELL_RUN_HERE, f"{where}: run this {block.lang} block or mark it"
        return
    if block.lang == "json":
        json.loads(block.source)
        return
    pytest.fail(f"{where}: no test runs `{block.lang}` blocks; mark it `<!-- not run -->`")


@pytest.mark.parametrize(("page", "block"), _blocks({"python"}), ids=lambda v: str(v)[:40])
def test_python_sketches_compile(page: str, block: Fenced) -> None:
    compile(block.source, f"{page}:{block.line}", "exec")


def _pages_run_here() -> list[str]:
    return [
        _name(page)
        for page in PAGES
        if _runner(page) is None
        and any(block.lang == "python" and block.runs for block in fenced_blocks(page))
    ]


@pytest.mark.parametrize("page", _pages_run_here())
def test_the_python_blocks_of_the_other_pages_run(page: str, tmp_path: Path) -> None:
    blocks = [b for b in fenced_blocks(ROOT / page) if b.lang == "python" and b.runs]
    script = "\n".join(
        f"exec(compile({block.source!r}, {f'{page}:{block.line}'!r}, 'exec'))" for block in blocks
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def _matches(shown: list[str], actual: list[str]) -> bool:
    """``shown`` output against ``actual``: a ``...`` line stands for any lines; numbers
    (timestamps, expiry times) may differ."""
    if not shown:
        return True
    head, rest = shown[0], shown[1:]
    if head.strip() == "...":
        return any(_matches(rest, actual[i:]) for i in range(len(actual) + 1))
    if not actual:
        return False
    pattern = re.escape(head.rstrip())
    pattern = re.sub(r"[0-9]+", r"[0-9]+", pattern)
    return bool(re.fullmatch(pattern, actual[0].rstrip())) and _matches(rest, actual[1:])


def _console(block: Fenced) -> list[tuple[str, list[str]]]:
    commands: list[tuple[str, list[str]]] = []
    for row in block.source.splitlines():
        if row.startswith("$ "):
            commands.append((row[2:], []))
        else:
            commands[-1][1].append(row)
    return commands


@pytest.mark.parametrize(
    ("page", "block"),
    [(page, block) for page, block in _blocks(SHELL) if page in SHELL_RUN_HERE and block.runs],
    ids=lambda v: str(getattr(v, "line", v)),
)
def test_the_cli_examples_run_as_shown(page: str, block: Fenced, tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    for command, shown in _console(block):
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command.split("  #", 1)[0]],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        output = (done.stdout + done.stderr).splitlines()
        if shown:
            assert _matches(shown, output), f"{page}:{block.line}: $ {command}\n{done.stdout}"
        else:
            assert done.returncode == 0, f"{page}:{block.line}: $ {command}\n{done.stderr}"
