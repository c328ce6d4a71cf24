"""Properties of ``handle`` over generated bodies.

* Whatever the body (random trees through ``encode_form`` or JSON, arbitrary bytes, any
  content type), ``handle`` returns a ``Response`` with a status in {200, 400, 403, 413,
  415}; it never raises and never answers 500 (no handler fails here) or 503.
* Without verification the status follows from ``parse_event`` alone, and the handlers
  see exactly ``parse_event(body)``.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b24botevents import (
    B24EventError,
    Dispatcher,
    Event,
    LimitExceeded,
    MemoryPortalStore,
    UnsupportedContentType,
    parse_event,
)
from b24botevents.models import EVENT_TYPES
from dispatch_helpers import (
    DOMAIN,
    FORM,
    JSON,
    MEMBER,
    RECORD,
    TOKEN,
    bot_delete_tree,
    example,
    lifecycle_tree,
    v2_delete_tree,
)

ALLOWED = {200, 400, 403, 413, 415}
CODES = [*EVENT_TYPES, "ONIMBOTJOINCHAT", "ONIMBOTMESSAGEADD", "ONCRMDEALADD"]
CONTENT_TYPES = [FORM, JSON, None, "text/plain", "application/vnd.api+json", "", "x"]

keys = st.one_of(
    st.sampled_from(["event", "data", "auth", "ts", "BOT_ID", "bot", "id", "0", "1"]),
    st.text(max_size=8),
)
scalars = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
)
trees = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.dictionaries(keys, children, max_size=4), st.lists(children, max_size=4)
    ),
    max_leaves=16,
)


@st.composite
def envelopes(draw: st.DrawFn) -> dict[str, Any]:
    """Trees shaped like events often enough to get past decoding and verification."""
    tree: dict[str, Any] = draw(st.dictionaries(keys, trees, max_size=4))
    if draw(st.booleans()):
        code = draw(st.sampled_from(CODES))
        tree["event"] = draw(st.sampled_from([code, code.lower(), code.title()]))
    if draw(st.booleans()):
        auth: dict[str, Any] = draw(st.dictionaries(keys, scalars, max_size=3))
        if draw(st.booleans()):
            auth["application_token"] = draw(st.sampled_from([TOKEN, "forged", ""]))
        if draw(st.booleans()):
            auth["member_id"] = draw(st.sampled_from([MEMBER, "other", ""]))
        if draw(st.booleans()):
            auth["domain"] = DOMAIN
        tree["auth"] = auth
    return tree


def known_trees() -> st.SearchStrategy[dict[str, Any]]:
    """Valid events of every modelled kind, and some unknown ones, with drawn values."""
    ids = st.integers(min_value=0, max_value=2**62)
    return st.one_of(
        st.builds(
            lambda bot_id, ts: bot_delete_tree(bot_id=bot_id, ts=ts), ids, st.integers(0, 2**32)
        ),
        st.builds(lambda ts: v2_delete_tree(ts=ts), st.integers(0, 2**32)),
        st.sampled_from(["ONAPPINSTALL", "ONAPPUPDATE", "ONAPPUNINSTALL"]).map(lifecycle_tree),
        st.sampled_from(
            ["ONIMBOTJOINCHAT.json", "ONIMBOTMESSAGEADD.json", "ONIMCOMMANDADD.json"]
        ).map(example),
    )


def _dispatchers() -> list[Dispatcher]:
    return [
        Dispatcher(verify=False),
        Dispatcher(application_token=TOKEN),
        Dispatcher(portal_store=MemoryPortalStore([RECORD])),
    ]


DISPATCHERS = _dispatchers()
for _dp in DISPATCHERS:
    _dp.on_unknown(lambda event: None)
    _dp.on_bot_delete(lambda event: None)


def _encode(tree: dict[str, Any], as_json: bool) -> bytes:
    from b24botevents.wire import encode_form

    if as_json:
        return json.dumps(tree, allow_nan=False).encode()
    return encode_form(tree).encode("ascii")


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=envelopes(), as_json=st.booleans(), content_type=st.sampled_from(CONTENT_TYPES))
def test_handle_of_random_trees_never_raises(
    tree: dict[str, Any], as_json: bool, content_type: str | None
) -> None:
    body = _encode(tree, as_json)
    for dp in DISPATCHERS:
        response = dp.handle(body, content_type=content_type)
        assert response.status in ALLOWED, (response, body[:200])


@given(body=st.binary(max_size=300), content_type=st.sampled_from(CONTENT_TYPES))
def test_handle_of_arbitrary_bytes_never_raises(body: bytes, content_type: str | None) -> None:
    for dp in DISPATCHERS:
        response = dp.handle(body, content_type=content_type)
        assert response.status in ALLOWED, (response, body)


@given(text=st.text(max_size=200), content_type=st.sampled_from(CONTENT_TYPES))
def test_handle_of_arbitrary_text_never_raises(text: str, content_type: str | None) -> None:
    for dp in DISPATCHERS:
        response = dp.handle(text, content_type=content_type)
        assert response.status in ALLOWED, (response, text)


def _expected_status(body: bytes, content_type: str | None) -> tuple[int, Event | None]:
    try:
        return 200, parse_event(body, content_type=content_type)
    except UnsupportedContentType:
        return 415, None
    except LimitExceeded:
        return 413, None
    except B24EventError:
        return 400, None


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tree=st.one_of(known_trees(), envelopes()),
    as_json=st.booleans(),
    content_type=st.sampled_from([FORM, JSON, None]),
)
def test_without_verification_handlers_see_parse_event(
    tree: dict[str, Any], as_json: bool, content_type: str | None
) -> None:
    body = _encode(tree, as_json)
    if content_type is not None:
        content_type = JSON if as_json else FORM
    dp = Dispatcher(verify=False)
    seen: list[Event] = []
    dp.on_unknown(seen.append)
    dp.on_bot_delete(seen.append)
    response = dp.handle(body, content_type=content_type)
    status, expected = _expected_status(body, content_type)
    assert response.status == status
    if expected is None:
        assert seen == []
        return
    assert len(seen) == 1
    event = seen[0]
    assert type(event) is type(expected)
    assert event == expected
    assert event.raw == expected.raw
    assert response.body == (
        b"ok" if event.code in ("ONIMBOTDELETE", "ONIMBOTV2DELETE") else b"ignored"
    )


@given(tree=known_trees())
def test_valid_events_are_dispatched_by_their_code(tree: dict[str, Any]) -> None:
    dp = Dispatcher(verify=False)
    seen: list[tuple[str, Event]] = []
    for code in EVENT_TYPES:
        dp.on(code)(lambda event, code=code: seen.append((code, event)))
    dp.on_unknown(lambda event: seen.append(("unknown", event)))
    body = _encode(tree, as_json=False)
    response = dp.handle(body, content_type=FORM)
    assert response.status == 200
    expected = parse_event(body, content_type=FORM)
    route = expected.code if expected.code in EVENT_TYPES else "unknown"
    assert seen == [(route, expected)]
    assert isinstance(seen[0][1], EVENT_TYPES.get(expected.code, Event))
