"""docs/security.md stays true: its examples run, and it names every reason and status.

Every ```python block runs in a fresh namespace, except one whose fence is preceded by
``<!-- not run -->`` on the line before (a signature, or a sketch that needs files or a
network); those must still compile. The page must name every ``InstallReason`` member,
and its status table must list exactly the statuses (and 200 bodies) that the core and
the adapters answer, taken from ``b24botevents.response`` itself.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from b24botevents import (
    InstallReason,
    LimitExceeded,
    PayloadError,
    SchemaError,
    StoreUnavailable,
    UnknownEvent,
    UnsupportedContentType,
    VerificationFailed,
)
from b24botevents.response import (
    ACCEPTED,
    DUPLICATE,
    Response,
    bad_content_length,
    body_incomplete,
    failed,
    framing_conflict,
    handled,
    length_required,
    method_not_allowed,
    payload_too_large,
)
from b24botevents.router import DispatchResult
from doc_blocks import runnable_and_sketches

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"

_ROW = re.compile(r"^\| (\d{3}) \| (.*?) \|", re.MULTILINE)


def _text() -> str:
    return DOC.read_text(encoding="utf-8")


def _ids(blocks: list[tuple[int, bool, str]]) -> list[str]:
    return [f"line{line}" for line, _, _ in blocks]


RUNNABLE, SKETCHES = runnable_and_sketches(DOC)


def test_the_page_has_runnable_examples_and_sketches() -> None:
    assert len(RUNNABLE) >= 6
    assert SKETCHES


@pytest.mark.parametrize(("line", "runs", "source"), RUNNABLE, ids=_ids(RUNNABLE))
def test_example_runs(line: int, runs: bool, source: str) -> None:
    code = compile(source, f"docs/security.md:{line}", "exec")
    exec(code, {"__name__": f"docs_security_line{line}"})  # noqa: S102 - the docs' own code


@pytest.mark.parametrize(("line", "runs", "source"), SKETCHES, ids=_ids(SKETCHES))
def test_sketch_compiles(line: int, runs: bool, source: str) -> None:
    compile(source, f"docs/security.md:{line}", "exec")


def test_every_install_reason_is_named() -> None:
    text = _text()
    for reason in InstallReason:
        assert f"`{reason.name}`" in text, reason


def _answers() -> list[Response]:
    """Every answer the core and the adapters give, from the code that gives it."""
    event = UnknownEvent(code="ONEXAMPLE")
    errors: list[Exception] = [
        VerificationFailed("x"),
        StoreUnavailable("x"),
        LimitExceeded("x", limit="max_fields"),
        UnsupportedContentType("x"),
        PayloadError("x"),
        SchemaError("data", "x"),
        RuntimeError("x"),
    ]
    logger = logging.getLogger("b24botevents")
    disabled, logger.disabled = logger.disabled, True  # failed() logs each one
    try:
        refusals = [failed(exc) for exc in errors]
    finally:
        logger.disabled = disabled
    return [
        handled(DispatchResult(event, True)),
        handled(DispatchResult(event, False)),
        ACCEPTED,
        DUPLICATE,
        method_not_allowed(),
        body_incomplete(),
        bad_content_length(),
        length_required(),
        framing_conflict(),
        payload_too_large(1),
        *refusals,
    ]


def _table() -> list[tuple[int, str]]:
    return [(int(status), body) for status, body in _ROW.findall(_text())]


def test_the_status_table_lists_every_answer() -> None:
    rows = _table()
    statuses = {status for status, _ in rows}
    bodies_200 = {body for status, body in rows if status == 200}
    for response in _answers():
        assert response.status in statuses, response
        if response.status == 200:
            assert f"`{response.body.decode()}`" in bodies_200, response


def test_the_status_table_lists_nothing_else() -> None:
    answered = {response.status for response in _answers()}
    assert {status for status, _ in _table()} == answered
    for status in (200, 400, 403, 405, 411, 413, 415, 500, 503):
        assert status in answered


def test_fixed_answer_bodies_are_quoted_as_sent() -> None:
    text = _text()
    for response in _answers():
        body = response.body.decode()
        if response.status in (200, 403, 500, 503):  # bodies that say all there is
            assert f"`{body}`" in text, body
