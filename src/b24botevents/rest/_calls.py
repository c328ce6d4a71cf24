"""Internal: run a multi-call REST procedure, written once as a generator, sync or async.

A procedure (``register_bot``, ``register_command``) yields ``(method, params)`` for each
call it needs and is sent the call's ``result``, or has the ``RestError`` it raised thrown
in, so it decides itself which failures it recovers from. Its return value is the
outcome. ``run_calls`` drives one with ``client.call``, ``arun_calls`` with
``client.acall``: the logic is not written twice.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from b24botevents.errors import RestError

if TYPE_CHECKING:
    from .client import PortalRef, RestClient

__all__ = ["Call", "Calls", "arun_calls", "run_calls"]

T = TypeVar("T")

#: One REST call a procedure asks for: the method and its parameters.
Call = tuple[str, dict[str, Any]]
#: A procedure: yields calls, is sent their results, returns its outcome.
Calls = Generator[Call, Any, T]


@attrs.frozen
class _Done(Generic[T]):
    value: T


def _advance(steps: Calls[T], result: Any, error: RestError | None) -> Call | _Done[T]:
    """The procedure's next call, or its outcome once it returns."""
    try:
        return steps.send(result) if error is None else steps.throw(error)
    except StopIteration as done:
        return _Done(done.value)


def run_calls(client: RestClient, portal: PortalRef | None, steps: Calls[T]) -> T:
    """Drive ``steps`` to its end with ``client.call`` on ``portal``."""
    step = _advance(steps, None, None)
    while not isinstance(step, _Done):
        try:
            result = client.call(*step, portal=portal)
        except RestError as exc:
            step = _advance(steps, None, exc)
        else:
            step = _advance(steps, result, None)
    return step.value


async def arun_calls(client: RestClient, portal: PortalRef | None, steps: Calls[T]) -> T:
    """``run_calls`` with ``client.acall``."""
    step = _advance(steps, None, None)
    while not isinstance(step, _Done):
        try:
            result = await client.acall(*step, portal=portal)
        except RestError as exc:
            step = _advance(steps, None, exc)
        else:
            step = _advance(steps, result, None)
    return step.value
