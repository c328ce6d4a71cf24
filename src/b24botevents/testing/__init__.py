"""The testing kit: Bitrix24 request bodies and a fake portal, to test your handlers.

Everything here is built on the public ``b24botevents`` API. Bodies are form data exactly
as Bitrix24 posts them (PHP ``http_build_query`` via ``encode_form``); ``Portal`` holds a
made-up portal's ids and tokens; ``PortalClient`` posts its events into a ``Dispatcher``.
With the package installed, pytest also gets the ``b24_portal`` fixture (from the
``pytest_b24botevents`` plugin module beside the package).

``FakeBitrix24`` (Bitrix24's REST API and OAuth server, faked on the wire) and its record
types load on first access; only ``FakeBitrix24.transport()`` needs httpx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .bodies import (
    FORM_CONTENT_TYPE,
    app_install_body,
    app_uninstall_body,
    app_update_body,
    bot_delete_body,
    event_body,
)
from .client import PortalClient
from .portal import Portal, Timestamp, unix_ts
from .samples import SAMPLE_CODES, sample_body, versioned_code

if TYPE_CHECKING:
    from .fake_bitrix24 import (
        EventOffset,
        FakeBitrix24,
        FakeBot,
        RecordedCall,
        RefreshRecord,
        SentMessage,
    )

__all__ = [
    "FORM_CONTENT_TYPE",
    "SAMPLE_CODES",
    "EventOffset",
    "FakeBitrix24",
    "FakeBot",
    "Portal",
    "PortalClient",
    "RecordedCall",
    "RefreshRecord",
    "SentMessage",
    "Timestamp",
    "app_install_body",
    "app_uninstall_body",
    "app_update_body",
    "bot_delete_body",
    "event_body",
    "sample_body",
    "unix_ts",
    "versioned_code",
]

# Loaded on first access: projects that never fake the REST side never load it.
_LAZY = dict.fromkeys(
    ("EventOffset", "FakeBitrix24", "FakeBot", "RecordedCall", "RefreshRecord", "SentMessage"),
    "fake_bitrix24",
)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
