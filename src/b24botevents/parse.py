"""``parse_event``: any request body to its typed event, in one call.

Internal module: import ``parse_event`` from ``b24botevents``.
"""

from __future__ import annotations

from typing import Any

from .convert import event_from_tree
from .limits import Limits
from .models import Event
from .wire import to_tree


def parse_event(
    body: Any, *, content_type: str | None = None, limits: Limits | None = None
) -> Event:
    """Decode and type one Bitrix24 event.

    ``body`` may be the raw request body (``bytes``/``str``: form data, or JSON when
    ``content_type`` says so or, with no content type, when it starts with ``{``), an
    already-decoded tree, a flat mapping of bracket keys (Django ``QueryDict``, werkzeug
    ``MultiDict``, a plain dict), or an iterable of ``(key, value)`` pairs.

    Returns the event's model (``BotDeleteEvent``, ``BotV2DeleteEvent``, ...) or
    ``UnknownEvent`` for codes without one; codes match case-insensitively. Raises only
    ``PayloadError`` (undecodable or over ``limits``) and ``SchemaError`` (does not fit
    the model), both ``B24EventError``.
    """
    return event_from_tree(to_tree(body, content_type=content_type, limits=limits))
