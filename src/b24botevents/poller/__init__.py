"""Fetch mode: ``Poller`` polls one bot's ``imbot.v2.Event.get`` queue and dispatches each
event to the same handlers webhooks use, at least once, with its progress and the bot's
single-consumer lease in an ``OffsetStore``; ``PollerMetrics`` is what it reports.

Needs the ``rest`` extra (``pip install 'b24botevents[rest]'``), like ``RestClient``.
"""

from __future__ import annotations

from .metrics import PollerMetrics
from .poller import APP_LIMITER, Poller

__all__ = ["APP_LIMITER", "Poller", "PollerMetrics"]
