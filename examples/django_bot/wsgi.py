"""The project's WSGI application: ``waitress-serve django_bot.wsgi:application`` or
``gunicorn django_bot.wsgi``."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_bot.settings")

application = get_wsgi_application()
