"""``Limits``: the bounds every decoder enforces before it trusts a request body.

Internal module: import ``Limits`` from ``b24botevents``.
"""

from __future__ import annotations

import attrs


def _positive(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or value < 1:
        raise ValueError(f"Limits.{attribute.name} must be a positive int, got {value!r}")


@attrs.frozen(kw_only=True)
class Limits:
    """Bounds for one request body. Exceeding any of them raises ``LimitExceeded``.

    The defaults are far above anything Bitrix24 sends (a 5 KB message event has about
    120 fields and is 5 levels deep) and low enough that a hostile body costs little.
    """

    #: Largest accepted body, in bytes (UTF-8 bytes for ``str`` bodies).
    max_body_bytes: int = attrs.field(default=1 << 20, validator=_positive)
    #: Most ``key=value`` fields in a form body, or leaf values in a JSON body.
    #: 1000 is PHP's ``max_input_vars`` default.
    max_fields: int = attrs.field(default=1000, validator=_positive)
    #: Deepest nesting below the top level: the form key ``a[b][c]`` is depth 2, and so is
    #: the JSON ``{"a": {"b": {"c": 1}}}``. PHP's own ``max_input_nesting_level`` is 64.
    max_depth: int = attrs.field(default=32, validator=_positive)
    #: Longest decoded key, in characters (``data[BOT][567][AUTH][access_token]`` is 34).
    max_key_length: int = attrs.field(default=1024, validator=_positive)
    #: Most containers (dicts and lists) in one body. Fields and depth alone allow 1000
    #: fields of 32 levels each, 32,000 containers that all cost to build before any
    #: token is checked; a message event has a few dozen.
    max_containers: int = attrs.field(default=2000, validator=_positive)


DEFAULT_LIMITS = Limits()
