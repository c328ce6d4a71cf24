"""docs/reference/events.md: every event, every field, generated from the models.

For each event code its class and ``data`` model, then one table per model reached from
``data`` (and the envelope, and ``Auth``): attribute, wire name, type, and whether a body
must carry it. The page is written from the attrs classes and the converter's name tables,
so it cannot drift: this test fails when the committed page differs from what the models
say. Rewrite it with ``python tests/test_docs_reference_events.py --write``.
"""

from __future__ import annotations

import inspect
import sys
import types
import typing
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from b24botevents.convert.names import wire_names
from b24botevents.models import EVENT_TYPES, Event

PAGE = Path(__file__).resolve().parent.parent / "docs" / "reference" / "events.md"

HEADER = """\
# Event reference

<!-- Generated from the models by tests/test_docs_reference_events.py: do not edit by hand.
Rewrite with `python tests/test_docs_reference_events.py --write`. -->

Every event `parse_event` types, and every field of its model: the attribute you read,
the name the field has on the wire, its type, and whether a body must carry it. A body
missing a *required* field is refused with a `SchemaError` naming the wire path; an
*optional* field missing reads as its default. What a body carries beyond these fields
stays in `event.raw`. Codes are matched case-insensitively; any other code gives an
`UnknownEvent` whose `data` is the decoded mapping as received. The guide to the
models is [Events and their models](../events.md).
"""


def _is_model(tp: object) -> bool:
    return isinstance(tp, type) and attrs.has(tp)


def _anchor(model: type) -> str:
    return model.__name__.lower()


def type_text(tp: Any) -> str:
    """A field's type as a reader writes it, with models linked to their tables."""
    if tp is type(None):
        return "None"
    if _is_model(tp):
        return f"[`{tp.__name__}`](#{_anchor(tp)})"
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return " \\| ".join(type_text(arg) for arg in args)
    if origin is typing.Literal:
        return " \\| ".join(f"`{arg!r}`" for arg in args)
    if origin is not None:
        name = getattr(origin, "__name__", str(origin))
        inner = ", ".join("..." if arg is Ellipsis else _plain(arg) for arg in args)
        links = ", ".join(type_text(model) for model in _models_in(tp))
        return f"`{name}[{inner}]`" + (f" ({links})" if links else "")
    if tp is Any:
        return "`Any`"
    if isinstance(tp, type):
        return f"`{tp.__name__}`"
    return f"`{tp}`"


def _plain(tp: Any) -> str:
    """The type as code, models by name only (a link cannot sit inside code)."""
    if _is_model(tp):
        return str(tp.__name__)
    return type_text(tp).replace("`", "").replace("\\|", "|").split(" (", 1)[0]


def _models_in(tp: Any) -> list[type]:
    if _is_model(tp):
        return [tp]
    return [model for arg in typing.get_args(tp) for model in _models_in(arg)]


def _required(field: attrs.Attribute[Any]) -> str:
    if field.default is attrs.NOTHING:
        return "required"
    default: Any = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        default = default.factory()
    return f"optional: `{default!r}`"


def _summary(obj: object) -> str:
    doc = inspect.getdoc(obj) or ""
    return " ".join(doc.split("\n\n", 1)[0].split())


def model_table(model: type) -> list[str]:
    fields = attrs.fields(attrs.resolve_types(model))
    names = wire_names(model)
    lines = [
        f"### `{model.__name__}` {{#{_anchor(model)}}}",
        "",
        _summary(model),
        "",
        "| attribute | wire name | type | |",
        "|---|---|---|---|",
    ]
    for field in fields:
        if not field.init or field.name not in names:
            continue
        lines.append(
            f"| `{field.name}` | `{names[field.name]}` | {type_text(field.type)} "
            f"| {_required(field)} |"
        )
    return [*lines, ""]


def _data_model(cls: type[Event]) -> type:
    data = attrs.fields_dict(attrs.resolve_types(cls))["data"].type
    assert _is_model(data), cls
    return typing.cast(type, data)


def _reachable(roots: list[type]) -> list[type]:
    seen: list[type] = []
    todo = list(roots)
    while todo:
        model = todo.pop(0)
        if model in seen:
            continue
        seen.append(model)
        for field in attrs.fields(attrs.resolve_types(model)):
            todo.extend(_models_in(field.type))
    return seen


def generated_page() -> str:
    lines = [HEADER, "## Events", "", "| code | class | `event.data` |", "|---|---|---|"]
    for code, cls in EVENT_TYPES.items():
        data = _data_model(cls)
        lines.append(f"| `{code}` | `{cls.__name__}` | [`{data.__name__}`](#{_anchor(data)}) |")
    lines += ["", "## The envelope", ""]
    lines += [
        "Every event class has these fields besides `data`; `raw` (not a wire field) is the",
        "decoded body as received.",
        "",
        *model_table(Event)[4:],
    ]
    lines += ["## Each event's `data`", ""]
    by_data: dict[type, list[str]] = {}
    for code, cls in EVENT_TYPES.items():
        by_data.setdefault(_data_model(cls), []).append(code)
    for data, codes in by_data.items():
        table = model_table(data)
        table[2] = f"`data` of {', '.join(f'`{code}`' for code in codes)}. {table[2]}"
        lines += table
    lines += ["## The models within", ""]
    roots = [*by_data, Event]
    for model in _reachable(roots):
        if model in by_data or model is Event:
            continue
        lines += model_table(model)
    return "\n".join(lines).rstrip("\n") + "\n"


def test_the_event_reference_is_current() -> None:
    assert PAGE.read_text(encoding="utf-8") == generated_page(), (
        "docs/reference/events.md is stale: run `python tests/test_docs_reference_events.py"
        " --write`"
    )


def test_every_event_and_every_field_is_on_the_page() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for code, cls in EVENT_TYPES.items():
        assert f"| `{code}` | `{cls.__name__}` |" in text
        for model in _reachable([_data_model(cls)]):
            for attribute, wire in wire_names(model).items():
                assert f"| `{attribute}` | `{wire}` |" in text, (model, attribute)


def test_types_read_as_written() -> None:
    assert type_text(int | None) == "`int` \\| None"
    assert type_text(tuple[int, ...]) == "`tuple[int, ...]`"
    assert type_text(datetime) == "`datetime`"
    assert type_text(dict[str, Any]) == "`dict[str, Any]`"


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    PAGE.write_text(generated_page(), encoding="utf-8")
