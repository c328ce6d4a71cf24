"""docs/events.md lists every modelled event and every model's fields with their wire names.

The reference part of the page is generated from the models and the converter's own
tables, between two markers; this test fails when it is stale. Rewrite it with
``python tests/test_docs_events.py --write``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import attrs

from b24botevents.convert.names import named_models, wire_names
from b24botevents.models import EVENT_TYPES

DOC = Path(__file__).resolve().parent.parent / "docs" / "events.md"
BEGIN = "<!-- generated: events -->"
END = "<!-- end generated -->"


def generated_reference() -> str:
    lines = ["| code | class | `event.data` |", "|---|---|---|"]
    for code, cls in EVENT_TYPES.items():
        data = attrs.fields_dict(attrs.resolve_types(cls))["data"].type
        assert isinstance(data, type)
        lines.append(f"| `{code}` | `{cls.__name__}` | `{data.__name__}` |")
    lines += ["", "### Fields and their wire names", ""]
    for model in named_models():
        names = wire_names(model)
        if issubclass(model, tuple(EVENT_TYPES.values())) or model.__name__.endswith("Event"):
            continue  # the envelope is described above the table
        fields = ", ".join(
            f"`{attr}`" if attr == key else f"`{attr}` (`{key}`)" for attr, key in names.items()
        )
        lines += [f"**`{model.__name__}`**: {fields}", ""]
    return "\n".join(lines).rstrip("\n")


def _current_block(text: str) -> str:
    start = text.index(BEGIN) + len(BEGIN)
    return text[start : text.index(END)].strip("\n")


def test_the_reference_in_docs_events_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert _current_block(text) == generated_reference(), (
        "docs/events.md is stale: run `python tests/test_docs_events.py --write`"
    )


def test_every_modelled_code_is_in_the_docs() -> None:
    text = DOC.read_text(encoding="utf-8")
    for code, cls in EVENT_TYPES.items():
        assert f"`{code}`" in text
        assert f"`{cls.__name__}`" in text


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    text = DOC.read_text(encoding="utf-8")
    before, after = text.split(BEGIN)[0], text.split(END)[1]
    DOC.write_text(f"{before}{BEGIN}\n{generated_reference()}\n{END}{after}", encoding="utf-8")
