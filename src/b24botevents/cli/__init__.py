"""The ``b24botevents`` command line: ``parse``, ``sample``, ``listen`` and ``demo``.

* ``parse`` types one request body and prints it as JSON, secrets masked;
* ``sample`` prints a realistic body for an event code (from the testing kit);
* ``listen`` runs a local receiver (``WSGIApp`` on the stdlib ``wsgiref`` server, or
  ``ASGIApp`` on uvicorn) that prints every verified event and every refused request;
* ``demo`` starts that receiver in-process and plays Bitrix24 against it over HTTP.

This package is the command's public face (``main`` is the console script); one module
per concern lives beside it: ``display`` (what is printed), ``receiver`` (servers and
signals), ``chunked`` (de-chunking for the stdlib server), ``listen``, ``parse_sample``,
``demo`` and ``parser`` (arguments and ``main``).
Nothing the command prints carries a token.
"""

from __future__ import annotations

from .display import describe_event, event_json
from .parser import build_parser, main

__all__ = ["build_parser", "describe_event", "event_json", "main"]
