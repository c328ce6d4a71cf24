"""Test helper: the ```python blocks of a docs page, for the tests that keep it true.

A block runs unless the line before its fence is ``<!-- not run -->`` (a sketch that
needs a real portal, or names objects from another block); sketches must still compile.
"""

from __future__ import annotations

import re
from pathlib import Path

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
