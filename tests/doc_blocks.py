"""Test helper: the ```python blocks of a docs page, for the tests that keep it true.

A block runs unless the line before its fence is ``<!-- not run -->`` (a sketch that
needs a real portal, or names objects from another block); sketches must still compile.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

NOT_RUN = "<!-- not run -->"
_FENCE = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)

#: ``(line, runs, source)`` of one block.
Block = tuple[int, bool, str]


def python_blocks(page: Path) -> list[Block]:
    """``(line, runs, source)`` for every python block of ``page``, in order."""
    text = page.read_text(encoding="utf-8")
    blocks = []
    for match in _FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        blocks.append((line, before.strip() != NOT_RUN, match.group(1)))
    return blocks


def runnable_and_sketches(page: Path) -> tuple[list[Block], list[Block]]:
    """The page's blocks split into those that run and the sketches."""
    blocks = python_blocks(page)
    return [block for block in blocks if block[1]], [block for block in blocks if not block[1]]


_ANY_FENCE = re.compile(
    r"^(?P<indent> *)```(?P<lang>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```$", re.M | re.S
)


class Fenced(NamedTuple):
    """One fenced block of any language: where it starts, its tag, whether it runs."""

    line: int
    lang: str
    runs: bool
    source: str


def fenced_blocks(page: Path) -> list[Fenced]:
    """Every fenced block of ``page`` (indented ones in lists too), in order."""
    text = page.read_text(encoding="utf-8")
    blocks = []
    for match in _ANY_FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        indent = len(match.group("indent"))
        body = "\n".join(row[indent:] for row in match.group("body").split("\n"))
        blocks.append(Fenced(line, match.group("lang").strip(), before.strip() != NOT_RUN, body))
    return blocks
