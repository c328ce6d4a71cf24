"""The worker's entry point: ``celery -A celery_bot.worker worker -Q <queue>``.

The settings come from ``CELERY_BOT_*`` (see ``settings``), read when Celery imports this.
"""

from __future__ import annotations

import logging

from .settings import Settings
from .tasks import make_celery

app = make_celery(Settings.from_env())
logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per REST call is noise here
