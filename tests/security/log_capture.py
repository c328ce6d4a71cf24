"""Test helper: capture every record the ``b24botevents`` loggers emit, DEBUG included."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def b24_records() -> Iterator[list[logging.LogRecord]]:
    """Every record the ``b24botevents`` loggers emit meanwhile, DEBUG included."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("b24botevents")
    handler = Keep(logging.DEBUG)
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
