"""Internal: cattrs' nested validation errors as ``SchemaError``, with wire paths.

A bad field is reported by where it stands on the wire (``data[BOT][567][BOT_ID]``),
never by its value when it could be a secret.
"""

from __future__ import annotations

from cattrs.errors import ClassValidationError

from b24botevents._redact import shown_text
from b24botevents.errors import SchemaError

from .names import is_model, wire_names
from .scalars import Invalid


class KeyedErrors(Exception):
    """Errors of an id-keyed map's entries, by wire key; ``collect_errors`` walks them."""

    def __init__(self, errors: list[tuple[str, BaseException]]) -> None:
        super().__init__(f"{len(errors)} invalid entries")
        self.errors = errors


def key_label(key: object) -> str:
    """An entry's key for a wire path: request text, so cut short and escaped (a newline
    in a key must not start a second log line)."""
    return shown_text(str(key), 40)


def _wire_path(parts: list[str]) -> str:
    if not parts:
        return ""
    return parts[0] + "".join(f"[{part}]" for part in parts[1:])


def _reason(exc: BaseException) -> str:
    if isinstance(exc, Invalid):
        return str(exc)
    if isinstance(exc, KeyError):
        return "required field is missing"
    return f"invalid value ({type(exc).__name__})"


def _collect(exc: BaseException, path: list[str], out: list[tuple[str, str]]) -> None:
    if isinstance(exc, KeyedErrors):
        for key, sub in exc.errors:
            _collect(sub, [*path, key], out)
    elif isinstance(exc, ClassValidationError):
        names = wire_names(exc.cl) if is_model(exc.cl) else {}
        with_notes, without_notes = exc.group_exceptions()
        for sub, note in with_notes:
            _collect(sub, [*path, names.get(note.name, note.name)], out)
        for sub in without_notes:
            _collect(sub, path, out)
    else:
        out.append((_wire_path(path), _reason(exc)))


def schema_error(exc: ClassValidationError) -> SchemaError:
    """One ``SchemaError`` listing every ``(wire path, reason)``, in field order."""
    errors: list[tuple[str, str]] = []
    _collect(exc, [], errors)
    path, reason = errors[0]
    return SchemaError(path, reason, errors=tuple(errors))
