"""Settings of the Django bot project, all from the environment.

Django's own: ``DJANGO_SECRET_KEY`` (required), ``DJANGO_ALLOWED_HOSTS`` (comma-separated;
add your public host), ``DJANGO_DEBUG=1``. The bot's, read by ``chatbot/bot.py``:

* ``DJANGO_BOT_CLIENT_ID``, ``DJANGO_BOT_CLIENT_SECRET``: the Bitrix24 application's;
* ``DJANGO_BOT_PUBLIC_URL``: the public HTTPS address of ``/bitrix24/events``;
* ``DJANGO_BOT_DATABASE``: the portal store's SQLite file;
* ``DJANGO_BOT_OAUTH_TOKEN_URL``, ``DJANGO_BOT_OAUTH_SERVER_URL``: the OAuth server
  (Bitrix24's by default; your portal's own for an on-premise installation);
* ``DJANGO_BOT_PORTAL_URL``: test rigs only (a fake Bitrix24): every portal's REST calls
  go there instead of ``https://<portal domain>``.
"""

from __future__ import annotations

import os
from pathlib import Path

from b24botevents.rest import BITRIX24_OAUTH_SERVER, BITRIX24_OAUTH_URL

BASE_DIR = Path(__file__).resolve().parent


def _required(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise RuntimeError(f"set {name} (see examples/django_bot/README.md)")
    return value


SECRET_KEY = _required("DJANGO_SECRET_KEY")
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")

INSTALLED_APPS = ["django_bot.chatbot"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",  # the events view is exempt
]
ROOT_URLCONF = "django_bot.urls"
WSGI_APPLICATION = "django_bot.wsgi.application"
DATABASES: dict[str, dict[str, str]] = {}  # the bot keeps its portals in the store below
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,  # keep the server's own (waitress, gunicorn)
    "formatters": {"plain": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        # No log line of either ever shows a token.
        "django_bot": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "b24botevents": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

B24_CLIENT_ID = _required("DJANGO_BOT_CLIENT_ID")
B24_CLIENT_SECRET = _required("DJANGO_BOT_CLIENT_SECRET")
B24_PUBLIC_URL = _required("DJANGO_BOT_PUBLIC_URL")
B24_PORTAL_DATABASE = os.environ.get("DJANGO_BOT_DATABASE") or str(BASE_DIR / "portals.sqlite3")
B24_OAUTH_TOKEN_URL = os.environ.get("DJANGO_BOT_OAUTH_TOKEN_URL") or BITRIX24_OAUTH_URL
B24_OAUTH_SERVER_URL = os.environ.get("DJANGO_BOT_OAUTH_SERVER_URL") or BITRIX24_OAUTH_SERVER
B24_PORTAL_URL = os.environ.get("DJANGO_BOT_PORTAL_URL") or None
