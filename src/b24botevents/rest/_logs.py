"""Internal: keep secrets out of httpx's own log lines.

httpx logs every request at INFO as ``HTTP Request: GET <url> "HTTP/1.1 200 OK"``. A
refresh's URL carries ``client_secret`` and ``refresh_token`` in its query (the way
Bitrix24's OAuth server documents it), and a webhook URL carries its secret in the path.
A filter on the ``httpx`` logger masks both before any handler sees the record.
"""

from __future__ import annotations

import logging
import re
import threading

from .config import mask_webhook_url

__all__ = ["install", "mask_secrets"]

_QUERY_SECRET = re.compile(
    r"(?i)((?:client_secret|refresh_token|access_token|auth|code|bottoken|application_token)=)[^&\s\"']*"
)
_installed = False
_lock = threading.Lock()


def mask_secrets(text: str) -> str:
    """``text`` with query secrets and webhook secrets masked."""
    return mask_webhook_url(_QUERY_SECRET.sub(r"\1***", text))


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot format: leave it to logging's own handling
            return True
        masked = mask_secrets(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True


def install() -> None:
    """Add the filter to the ``httpx`` logger, once per process."""
    global _installed
    with _lock:
        if _installed:
            return
        logging.getLogger("httpx").addFilter(_RedactingFilter())
        _installed = True
