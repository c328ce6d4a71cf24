"""Nothing a request sends comes back: a malformed key is never quoted with what it holds.

A broken body can put a value into a key: a JSON body posted as form data is one long key,
and so is ``auth[application_token]TOKEN`` with its '=' lost. Each test sends one such
body, holding a fresh portal's tokens, and checks every channel a refusal goes out on: the
answer of ``handle`` and ``ahandle``, ``str``/``repr`` of the ``B24EventError`` that
``parse_event`` raises, and every log record of the ``b24botevents`` logger at DEBUG.
No 8-character run of any token may appear in any of them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from b24botevents import B24EventError, Dispatcher, parse_event
from b24botevents.testing import Portal

from .log_capture import b24_records

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
RUN = 8  # the longest run of a token's characters an answer may hold is 7


def token_runs(tokens: tuple[str, ...]) -> set[str]:
    """Every 8-character run of every token."""
    return {token[i : i + RUN] for token in tokens for i in range(len(token) - RUN + 1)}


def shown_texts(body: Any, portal: Portal, content_type: str | None) -> list[str]:
    """Everything a refusal of ``body`` shows: answers, exception text, log lines."""
    dp = Dispatcher(application_token=portal.application_token)
    with b24_records() as records:
        answers = [
            dp.handle(body, content_type=content_type),
            asyncio.run(dp.ahandle(body, content_type=content_type)),
        ]
    texts = [answer.body.decode("utf-8", "replace") for answer in answers]
    texts += [record.getMessage() for record in records]
    assert all(answer.status != 200 for answer in answers), texts
    try:
        parse_event(body, content_type=content_type)
    except B24EventError as exc:
        texts += [str(exc), repr(exc)]
    return texts


def assert_nothing_echoed(body: Any, portal: Portal, content_type: str | None = FORM) -> None:
    runs = token_runs(portal.tokens())
    for text in shown_texts(body, portal, content_type):
        shown = sorted(run for run in runs if run in text)
        assert not shown, f"{text[:200]!r} shows {shown[:3]}"


def envelope(portal: Portal) -> str:
    """The well-formed fields in front of the broken one (they carry the user tokens)."""
    return (
        f"event=ONIMBOTDELETE&auth[access_token]={portal.access_token}"
        f"&auth[refresh_token]={portal.refresh_token}&auth[member_id]={portal.member_id}&"
    )


# ---- one broken body per test --------------------------------------------------------


def test_a_json_body_posted_as_form_data_is_not_echoed() -> None:
    portal = Portal.random()
    # The token first, as a JSON encoder given this dict writes it: 30 of its 32
    # characters fell within the 60 that the message used to quote.
    tree: dict[str, Any] = {"auth": {"application_token": portal.application_token}}
    tree["auth"].update(portal.auth())
    tree["event"] = "ONIMBOTDELETE"
    assert_nothing_echoed(json.dumps(tree), portal)


def test_a_token_after_a_lost_equals_sign_is_not_echoed() -> None:
    portal = Portal.random()
    assert_nothing_echoed(
        envelope(portal) + f"auth[application_token]{portal.application_token}", portal
    )


def test_a_token_after_an_encoded_equals_sign_is_not_echoed() -> None:
    portal = Portal.random()
    body = envelope(portal) + f"auth%5Bapplication_token%5D%3D{portal.application_token}"
    assert_nothing_echoed(body, portal)


def test_a_token_inside_a_broken_bracket_is_not_echoed() -> None:
    portal = Portal.random()
    body = envelope(portal) + f"auth[application_token[{portal.application_token}]"
    assert_nothing_echoed(body, portal)


def test_a_token_in_an_over_long_key_is_not_echoed() -> None:
    portal = Portal.random()
    body = envelope(portal) + f"auth[application_token]{portal.application_token}" + "0" * 1100
    assert_nothing_echoed(body, portal)


def test_a_token_in_an_over_long_percent_encoded_key_is_not_echoed() -> None:
    portal = Portal.random()
    key = f"auth[application_token]%20{portal.application_token}" + "%20" * 1100
    assert_nothing_echoed(envelope(portal) + key, portal)


def test_a_token_after_a_nul_byte_in_a_key_is_not_echoed() -> None:
    portal = Portal.random()
    body = envelope(portal) + f"auth[application_token]%00{portal.application_token}"
    assert_nothing_echoed(body, portal)


def test_a_token_in_the_key_of_a_value_that_is_not_utf8_is_not_echoed() -> None:
    portal = Portal.random()
    body = envelope(portal) + f"auth[application_token]{portal.application_token}=%C3"
    assert_nothing_echoed(body, portal)


def test_a_token_between_quotes_in_a_key_is_not_echoed() -> None:
    portal = Portal.random()
    body = envelope(portal) + f"auth['application_token']'{portal.application_token}'"
    assert_nothing_echoed(body, portal)


def test_a_token_after_a_newline_in_a_key_is_not_echoed() -> None:
    portal = Portal.random()
    body = envelope(portal) + f"auth[application_token]%0A{portal.application_token}"
    assert_nothing_echoed(body, portal)


def test_a_token_after_control_characters_in_a_key_is_not_echoed() -> None:
    portal = Portal.random()
    body = envelope(portal) + f"auth[application_token]%1B%5B31m%07{portal.application_token}"
    assert_nothing_echoed(body, portal)


def test_a_form_body_sent_as_a_json_key_is_not_echoed() -> None:
    portal = Portal.random()
    form = f"event=ONIMBOTDELETE&auth[application_token]={portal.application_token}"
    assert_nothing_echoed(json.dumps({form: ""}), portal, JSON)


def test_a_token_in_a_malformed_key_of_a_parsed_mapping_is_not_echoed() -> None:
    portal = Portal.random()
    mapping: Mapping[str, str] = {
        "event": "ONIMBOTDELETE",
        "auth[member_id]": portal.member_id,
        f"auth[application_token]{portal.application_token}": "",
    }
    assert_nothing_echoed(mapping, portal, None)


# ---- the same, over generated bodies -------------------------------------------------

#: What a broken body puts around a value: anything but identifier characters, and but
#: the separators that would make the token a field, or a key, of its own ('&', '=')
#: and the escapes that would change it ('%', '+').
_JUNK = " []{}\"':,.;\\/<>()!*?~^|`@#$\t\n\r\x01\x1b\x7f\u2028\u202e"
_PORTAL = Portal.random()


@settings(max_examples=150, deadline=None)
@given(
    before=st.sampled_from(["", "auth", "auth[application_token]", '{"auth": ', "a[b][c"])
    | st.text(alphabet=_JUNK + "ab", max_size=12),
    sep=st.sampled_from(sorted(set(_JUNK) - {"["})),
    after=st.text(alphabet=_JUNK + "ab", max_size=12),
)
@example(before="auth[application_token]", sep="\n", after="")
@example(before='{"auth": {"application_token": ', sep='"', after='"}}')
@example(before="x" * 2000 + "[a]", sep="]", after="")
def test_no_broken_key_around_a_token_is_echoed(before: str, sep: str, after: str) -> None:
    field = before + sep + _PORTAL.application_token + after
    assert_nothing_echoed(envelope(_PORTAL) + field, _PORTAL)
    assert_nothing_echoed((envelope(_PORTAL) + field).encode(), _PORTAL)
