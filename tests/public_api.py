"""The public API as the documentation tests see it: the public modules and their names.

A module of ``src/b24botevents`` is public when no component of its dotted path starts with
an underscore. Its names are its ``__all__`` plus the ones it loads lazily on first access
(``RestClient``, the Redis stores, ``FakeBitrix24``, ...): those stay out of ``__all__`` so
that a star import needs no extra, but they are API all the same.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "b24botevents"

#: The module-level tables that name lazily loaded exports (name -> defining module).
LAZY_TABLES = ("_EXPORTS", "_LAZY", "_LAZY_MODULES")


def public_modules() -> list[str]:
    """Every public module's dotted name, read from the source tree (nothing is imported)."""
    names = []
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if not any(part.startswith("_") for part in parts):
            names.append(".".join(parts))
    return names


def is_package(name: str) -> bool:
    """Whether the module ``name`` is a package (a directory with an ``__init__.py``)."""
    return (SRC.joinpath(*name.split(".")) / "__init__.py").is_file()


def exported_names(module: ModuleType) -> list[str]:
    """``__all__`` and then the lazily loaded names, each once, in that order."""
    names = list(getattr(module, "__all__", ()))
    for table in LAZY_TABLES:
        lazy = getattr(module, table, None)
        if isinstance(lazy, dict):
            names += [name for name in lazy if name not in names]
    return names


def load(name: str) -> ModuleType:
    """Import the module ``name``."""
    return importlib.import_module(name)
