"""``needs_extra``: the import guard of the adapters that need an optional framework.

A missing framework should say which extra brings it, not just "No module named flask".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["needs_extra"]


@contextmanager
def needs_extra(module: str, framework: str, extra: str) -> Iterator[None]:
    """Re-raise an ``ImportError`` in the block as one naming the extra to install."""
    try:
        yield
    except ImportError as exc:
        raise ImportError(
            f"{module} needs {framework}: pip install 'b24botevents[{extra}]'"
        ) from exc
