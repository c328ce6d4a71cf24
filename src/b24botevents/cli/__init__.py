"""The ``b24botevents`` command line: ``parse``, ``sample``, ``listen``, ``poll`` and ``demo``.

* ``parse`` types one request body and prints it as JSON, secrets masked;
* ``sample`` prints a realistic body for an event code (from the testing kit);
* ``listen`` runs a local receiver (``WSGIApp`` on the stdlib ``wsgiref`` server, or
  ``ASGIApp`` on uvicorn) that prints every verified event and every refused request;
* ``poll`` runs a ``Poller`` on an inbound webhook (fetch mode: ``imbot.v2.Event.get``)
  and prints every event it fetches;
* ``demo`` starts that receiver in-process and plays Bitrix24 against it over HTTP.

This package is the command's public face (``main`` is the console script); one module
per concern lives beside it: ``display`` (what is printed), ``receiver`` (servers and
signals), ``chunked`` (de-chunking for the stdlib server), ``listen``, ``poll``,
``parse_sample``, ``demo`` and ``parser`` (arguments and ``main``).
Nothing the command prints carries a token, nor a webhook's secret.
"""

from __future__ import annotations

from .display import describe_event, event_json
from .parser import build_parser, main

__all__ = ["build_parser", "describe_event", "event_json", "main"]
