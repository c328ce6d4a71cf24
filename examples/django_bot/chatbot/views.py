"""The view Bitrix24 posts to: ``make_view`` of ``b24botevents.contrib.django``.

It is CSRF-exempt (Bitrix24 sends no CSRF token; the ``application_token`` check against
the portal's record is what authenticates a request) and reads the raw body itself,
bounded, so ``request.POST`` and ``DATA_UPLOAD_MAX_*`` play no part.
"""

from __future__ import annotations

from b24botevents.contrib.django import make_view

from .bot import dispatcher

events = make_view(dispatcher)
