"""``b24botevents parse`` and ``sample``: one request body, read in or written out.

``parse`` types a body and prints it as JSON, secrets masked (exit 2 if it does not
parse); ``sample`` prints a realistic body for an event code, from the testing kit.
"""

from __future__ import annotations

import argparse
import sys

from b24botevents import B24EventError, SchemaError, parse_event
from b24botevents.testing import SAMPLE_CODES, Portal, sample_body, versioned_code
from b24botevents.wire import parse_form

from .display import event_json, json_text

__all__ = ["cmd_parse", "cmd_sample"]


def _error_text(exc: B24EventError) -> str:
    if isinstance(exc, SchemaError) and len(exc.errors) > 1:
        lines = [f"{type(exc).__name__}: {len(exc.errors)} problems"]
        lines.extend(f"  {path or '(body)'}: {reason}" for path, reason in exc.errors)
        return "\n".join(lines)
    return f"{type(exc).__name__}: {exc}"


def cmd_parse(args: argparse.Namespace) -> int:
    """The ``parse`` command: type one body and print it as JSON, secrets masked."""
    try:
        if args.file == "-":
            body = sys.stdin.buffer.read()
        else:
            with open(args.file, "rb") as handle:
                body = handle.read()
    except OSError as exc:
        print(f"b24botevents parse: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        event = parse_event(body, content_type=args.content_type)
    except B24EventError as exc:
        print(f"b24botevents parse: {_error_text(exc)}", file=sys.stderr)
        return 2
    print(json_text(event_json(event)))
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    """The ``sample`` command: print a realistic body for an event code."""
    try:
        code = versioned_code(args.code, args.version)
    except ValueError as exc:
        print(f"b24botevents sample: {exc}", file=sys.stderr)
        return 2
    if not code:
        print("b24botevents sample: the event code is empty", file=sys.stderr)
        return 2
    portal = Portal.example()
    overrides = {
        name: value
        for name, value in (
            ("application_token", args.token),
            ("member_id", args.member_id),
            ("domain", args.domain),
        )
        if value
    }
    if overrides:
        portal = portal.evolve(**overrides)
    if code not in SAMPLE_CODES:
        print(f"note: no specific sample for {code}; this is a generic event body", file=sys.stderr)
    body = sample_body(code, portal=portal, with_user_tokens=not args.no_user_tokens)
    if args.json:
        print(json_text(parse_form(body)))
    else:
        # A pipe gets the exact body (`sample X | curl --data-binary @-`); a terminal, a newline.
        print(body, end="\n" if sys.stdout.isatty() else "")
    return 0
