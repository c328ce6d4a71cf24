"""Internal: ``batch`` requests (up to 50 calls in one) and their answers.

Each command travels as ``"method?query"``, its parameters encoded as PHP's
``http_build_query`` would (``b24botevents.wire.encode_form``), which is how Bitrix24
reads them back. A longer list is split into requests of 50, run one after another.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from b24botevents._redact import shown_text
from b24botevents.errors import RestError
from b24botevents.wire import encode_form

from ._flow import add_bot_token, check_method, is_idempotent
from .config import WebhookAuth

__all__ = ["BATCH_SIZE", "BatchResult"]

#: Bitrix24's limit of calls per batch.
BATCH_SIZE = 50
_NAME_CHARS = 64

Commands = Mapping[str, tuple[str, Mapping[str, Any]]] | Sequence[tuple[str, Mapping[str, Any]]]


@attrs.frozen
class BatchResult:
    """What a batch answered: ``results`` and ``errors`` (``RestError``) by command name."""

    results: dict[str, Any] = attrs.field(factory=dict)
    errors: dict[str, RestError] = attrs.field(factory=dict)

    def merge(self, other: BatchResult) -> BatchResult:
        """Both results in one; ``other``'s entry wins where a name is in both."""
        return BatchResult({**self.results, **other.results}, {**self.errors, **other.errors})

    def __getitem__(self, name: str) -> Any:
        """The result of command ``name``; its ``RestError`` is raised if it failed."""
        if name in self.errors:
            raise self.errors[name]
        return self.results[name]


def _named(commands: Commands) -> list[tuple[str, tuple[str, Mapping[str, Any]]]]:
    if isinstance(commands, Mapping):
        items = list(commands.items())
    else:
        items = [(str(index), command) for index, command in enumerate(commands)]
    for name, command in items:
        if type(name) is not str or not name or len(name) > _NAME_CHARS:
            raise ValueError(f"batch command names must be 1-{_NAME_CHARS} characters")
        if not name.replace("_", "").isalnum():
            raise ValueError("batch command names must be letters, digits and '_'")
        if not isinstance(command, tuple) or len(command) != 2:
            raise TypeError("each batch command must be a (method, params) tuple")
        check_method(command[0])
        if not isinstance(command[1], Mapping):
            raise TypeError("batch command params must be a mapping")
    return items


def chunks(commands: Commands) -> Iterator[list[tuple[str, tuple[str, Mapping[str, Any]]]]]:
    """The commands, validated, in requests of at most ``BATCH_SIZE``."""
    items = _named(commands)
    if not items:
        raise ValueError("a batch needs at least one command")
    for start in range(0, len(items), BATCH_SIZE):
        yield items[start : start + BATCH_SIZE]


def batch_params(
    chunk: Sequence[tuple[str, tuple[str, Mapping[str, Any]]]],
    halt: bool,
    webhook: WebhookAuth | None = None,
) -> tuple[dict[str, Any], bool]:
    """The ``batch`` call's parameters, and whether repeating it is harmless.

    Through a ``webhook``, each bot command carries the bot's token itself, as a single
    call would (``botToken`` in v2, ``CLIENT_ID`` in v1): the batch's own name is not
    an ``imbot`` method.
    """
    cmd = {}
    for name, (method, params) in chunk:
        if webhook is not None:
            params = dict(params)
            add_bot_token(params, method, webhook)
        cmd[name] = f"{method}?{encode_form(params)}"
    repeatable = all(is_idempotent(method) for _, (method, _params) in chunk)
    return {"halt": 1 if halt else 0, "cmd": cmd}, repeatable


def read_batch(answer: Any) -> BatchResult:
    """``result`` of a ``batch`` call: ``{"result": {...}, "result_error": {...}, ...}``."""
    if not isinstance(answer, Mapping):
        raise RestError("INVALID_RESPONSE", "batch answered no object", method="batch")
    results = answer.get("result")
    errors = answer.get("result_error")
    # PHP sends an empty object as [] in JSON.
    results = results if isinstance(results, Mapping) else {}
    errors = errors if isinstance(errors, Mapping) else {}
    failed: dict[str, RestError] = {}
    for name, error in errors.items():
        if isinstance(error, Mapping):
            code = error.get("error")
            text = error.get("error_description")
            failed[str(name)] = RestError(
                shown_text(code) if isinstance(code, str) and code else "UNKNOWN_ERROR",
                shown_text(text, 200) if isinstance(text, str) else "",
                method="batch",
            )
    return BatchResult({str(name): value for name, value in results.items()}, failed)
