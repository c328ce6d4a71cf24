"""Internal: building frozen, slotted attrs instances on the hot path.

attrs' ``__init__`` for a frozen class goes through ``object.__setattr__`` for every
field, to get past the frozen ``__setattr__``; setting the slots through their
descriptors does the same thing in about half the time. Two objects are built per request
(``DispatchResult``, ``Response``), and this is most of what remains of the dispatcher's
cost over ``parse_event`` (``bench/bench_dispatch.py``). Only for classes whose fields have
no default factory, converter or validator, without ``__attrs_pre_init__`` or
``__attrs_post_init__`` and without ``cache_hash``: the shortcut would skip those, so
``slot_setters`` refuses such a class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs


def slot_setters(cls: type[Any]) -> tuple[Callable[[object, object], None], ...]:
    """The slot setters of ``cls``'s fields, in field order (see the module docstring)."""
    fields = attrs.fields(cls)
    if "__slots__" not in cls.__dict__ or any(
        hasattr(cls, hook) for hook in ("__attrs_pre_init__", "__attrs_post_init__")
    ):
        raise TypeError(f"{cls.__name__} must be slotted, without __attrs_pre/post_init__")
    if "_attrs_cached_hash" in cls.__dict__["__slots__"]:
        raise TypeError(f"{cls.__name__} caches its hash, which the shortcut would not reset")
    for field in fields:
        if field.validator is not None or field.converter is not None:
            raise TypeError(f"{cls.__name__}.{field.name} has a validator or converter")
        if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            raise TypeError(f"{cls.__name__}.{field.name} has a default factory")
    return tuple(cls.__dict__[field.name].__set__ for field in fields)
