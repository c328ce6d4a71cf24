"""Injected faults: what the next request(s) of a ``FakeBitrix24`` suffer instead of an answer.

A ``Fault`` is one of three kinds: ``fail`` (answer an error status instead of processing),
``delay`` (answer late) or ``drop`` (close the connection without an answer, before or
after the call took effect). Each hits ``times`` requests, optionally only those to one
method, and then is gone. ``FaultQueue`` hands them out in the order they were added: one
fault per request.
"""

from __future__ import annotations

import attrs

__all__ = ["Fault", "FaultQueue"]


@attrs.frozen(kw_only=True)
class Fault:
    """One injected fault (``kind`` is ``"fail"``, ``"delay"`` or ``"drop"``)."""

    kind: str
    method: str | None = None
    times: int = 1
    status: int = 0
    error: str | None = None
    description: str | None = None
    retry_after: float | None = None
    seconds: float = 0.0
    after_processing: bool = False

    def __attrs_post_init__(self) -> None:
        if self.times < 1:
            raise ValueError(f"times must be at least 1, not {self.times}")

    @property
    def label(self) -> str:
        """How a ``RecordedCall`` names this fault."""
        if self.kind == "drop" and self.after_processing:
            return "drop_after"
        return self.kind

    def matches(self, method: str) -> bool:
        return self.method is None or self.method.lower() == method.lower()


@attrs.define
class _Pending:
    fault: Fault
    left: int


class FaultQueue:
    """Faults waiting for requests, first added first used. Not locked: the owner locks."""

    def __init__(self) -> None:
        self._pending: list[_Pending] = []

    def add(self, fault: Fault) -> None:
        self._pending.append(_Pending(fault, fault.times))

    def take(self, method: str) -> Fault | None:
        """The fault the next request to ``method`` suffers (and one use of it), if any."""
        for index, pending in enumerate(self._pending):
            if pending.fault.matches(method):
                pending.left -= 1
                if pending.left == 0:
                    del self._pending[index]
                return pending.fault
        return None

    def clear(self) -> None:
        self._pending.clear()

    def __len__(self) -> int:
        return sum(pending.left for pending in self._pending)
