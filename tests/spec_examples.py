"""The official doc payloads every test directory reads.

``tests/data/examples`` is a copy of the spec's ``examples/`` (JSON renderings of the
documented payloads, and real PHP ``http_build_query`` encodings of two of them), kept in
the repository so the tests run in any checkout.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parent / "data" / "examples"


def example_text(name: str) -> str:
    """An example file's text, without the trailing newline of the file."""
    return (EXAMPLES / name).read_text(encoding="utf-8").rstrip("\n")


def example_json(name: str) -> Any:
    """An example JSON file, decoded."""
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
