"""The converter between decoded trees and the models: wire names, coercion, wire paths.

Models declare snake_case attributes; the converter maps them to the wire (``BOT_ID`` in
v1 and app events, ``isHidden`` in v2, ``event_handler_id`` in the envelope) and coerces
the strings of form bodies and the native types of JSON bodies alike (``scalars``). A
body that does not fit raises ``SchemaError`` naming the wire path (``data[BOT_ID]``).

* ``make_converter()`` builds a cattrs converter whose hooks are made on first use;
  ``converter`` is the one the library uses;
* ``event_from_tree(tree)`` builds the typed event for a decoded tree;
* ``to_dict(event)`` is its inverse: ``parse_event(to_dict(event)) == event``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cattrs.errors import ClassValidationError

from b24botevents._redact import RawTree
from b24botevents.errors import SchemaError
from b24botevents.models import EVENT_TYPES, Event, UnknownEvent

from .converter import make_converter
from .overlay import event_to_dict
from .paths import schema_error
from .scalars import Invalid, kind, structure_code

__all__ = ["converter", "event_from_tree", "make_converter", "to_dict"]

#: The library's converter (hooks are generated per model on first use).
converter = make_converter()


def event_from_tree(tree: Mapping[str, Any]) -> Event:
    """Build the typed event for a decoded tree; ``SchemaError`` if it does not fit."""
    if not isinstance(tree, Mapping):
        raise SchemaError("", f"expected an event mapping, got {kind(tree)}")
    try:
        code = structure_code(tree["event"], str)
    except KeyError:
        raise SchemaError("event", "required field is missing") from None
    except Invalid as exc:
        raise SchemaError("event", str(exc)) from None
    cls = EVENT_TYPES.get(code, UnknownEvent)
    try:
        event = converter.structure(tree, cls)
    except ClassValidationError as exc:
        raise schema_error(exc) from None
    # raw is not a constructor concern: attach the tree as received (frozen class), as a
    # RawTree, the dict whose repr masks the tokens (a shallow copy of the top level).
    object.__setattr__(event, "raw", RawTree(tree))
    return event


def to_dict(event: Event, *, redact: bool = False) -> dict[str, Any]:
    """A JSON-serialisable, wire-shaped dict of ``event``; ``parse_event`` of it equals it.

    Typed fields are written with their wire names over ``event.raw``, so nothing the
    body carried is lost. ``redact=True`` masks every token, at any depth.
    """
    return event_to_dict(converter, event, redact=redact)
