"""The fake's ``batch``: up to 50 sub-calls ``"method?query"`` as the same caller, in order.

Docs: ``settings/how-to-call-rest-api/batch.md``. The answer is ``{"result": {"result":
{...}, "result_error": {...}, "result_total": [], "result_next": [], "result_time":
{...}}}``, keyed by the ``cmd`` keys; an empty one is ``[]``, as PHP encodes an empty
array. ``halt`` stops at the first failed sub-call. A sub-call may use an earlier one's
result as ``$result[key][field]``. A nested ``batch`` is ``ERROR_BATCH_METHOD_NOT_ALLOWED``
and sub-calls past the 50th are ``ERROR_BATCH_LENGTH_EXCEEDED``.
"""

from __future__ import annotations

import re
import time
from typing import Any

from b24botevents import PayloadError
from b24botevents.wire import parse_form

from ._fake_context import Ctx, Handler, flag, loose_json
from ._fake_wire import ApiError, time_block

__all__ = ["MAX_COMMANDS", "METHODS"]

MAX_COMMANDS = 50

_REFERENCE = re.compile(r"\$result\[([^\]]*)\]((?:\[[^\]]*\])*)")


def _resolve(results: dict[str, Any], key: str, path: str) -> Any:
    value: Any = results.get(key)
    for part in re.findall(r"\[([^\]]*)\]", path):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _substitute(text: str, results: dict[str, Any]) -> Any:
    whole = _REFERENCE.fullmatch(text)
    if whole:
        found = _resolve(results, whole.group(1), whole.group(2))
        return text if found is None else found

    def one(match: re.Match[str]) -> str:
        found = _resolve(results, match.group(1), match.group(2))
        return match.group(0) if found is None else str(found)

    return _REFERENCE.sub(one, text)


def _fill(tree: Any, results: dict[str, Any]) -> Any:
    if isinstance(tree, dict):
        return {key: _fill(value, results) for key, value in tree.items()}
    if isinstance(tree, list):
        return [_fill(value, results) for value in tree]
    if isinstance(tree, str) and "$result[" in tree:
        return _substitute(tree, results)
    return tree


def _command(command: Any, results: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if isinstance(command, dict) and isinstance(command.get("method"), str):
        params = command.get("params")
        return command["method"], _fill(dict(params) if isinstance(params, dict) else {}, results)
    if not isinstance(command, str) or not command.strip():
        raise ApiError("ERROR_METHOD_NOT_FOUND", "Method not found!")
    name, _, query = command.strip().partition("?")
    try:
        params = parse_form(query) if query else {}
    except PayloadError as exc:
        raise ApiError("INVALID_REQUEST", f"Invalid sub-request: {exc}") from None
    return name.strip(), _fill(params, results)


def batch(ctx: Ctx) -> dict[str, Any]:
    cmd = loose_json(ctx.params.get("cmd"))
    if isinstance(cmd, dict):
        items = [(str(key), value) for key, value in cmd.items()]
    elif isinstance(cmd, list):
        items = [(str(index), value) for index, value in enumerate(cmd)]
    else:
        items = []
    halt = flag(ctx.params.get("halt"), False)
    results: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    times: dict[str, Any] = {}
    for index, (key, command) in enumerate(items):
        start = time.time()
        try:
            if index >= MAX_COMMANDS:
                raise ApiError("ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded")
            name, params = _command(command, results)
            if name.lower().removesuffix(".json") == "batch":
                raise ApiError(
                    "ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage"
                )
            results[key] = ctx.call(name, params)
            times[key] = time_block(start, time.time())
        except ApiError as error:
            errors[key] = {"error": error.code, "error_description": error.description}
            if halt:
                break
    return {
        "result": results or [],
        "result_error": errors or [],
        "result_total": [],
        "result_next": [],
        "result_time": times or [],
    }


METHODS: dict[str, Handler] = {"batch": batch}
