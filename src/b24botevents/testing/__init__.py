"""The testing kit: Bitrix24 request bodies and a fake portal, to test your handlers.

Everything here is built on the public ``b24botevents`` API. Bodies are form data exactly
as Bitrix24 posts them (PHP ``http_build_query`` via ``encode_form``); ``Portal`` holds a
made-up portal's ids and tokens; ``PortalClient`` posts its events into a ``Dispatcher``.
With the package installed, pytest also gets the ``b24_portal`` fixture (from the
``pytest_b24botevents`` plugin module beside the package).
"""

from __future__ import annotations

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

__all__ = [
    "FORM_CONTENT_TYPE",
    "SAMPLE_CODES",
    "Portal",
    "PortalClient",
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
