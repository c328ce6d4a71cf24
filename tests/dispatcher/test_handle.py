"""The framework-free core: ``handle``/``ahandle(body, content_type=..., headers=...)``.

Every status is checked through both entry points (the ``run`` fixture), with real bodies
and real stores; 503 uses a Redis URL where nothing listens. Tokens are canaries, and the
responses and every log record are searched for them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from b24botevents import (
    AnyBotDeleteEvent,
    BotDeleteEvent,
    Deduplicator,
    Dispatcher,
    Event,
    InstallReason,
    InstallRequest,
    Limits,
    MemoryDedupStore,
    MemoryPortalStore,
    PortalStore,
    Response,
)
from b24botevents.stores import RedisDedupStore, RedisPortalStore
from b24botevents.wire import encode_form
from dispatch_helpers import (
    ACCESS,
    CANARIES,
    DOMAIN,
    FORM,
    JSON,
    MEMBER,
    OTHER_TOKEN,
    PHP_BOT_DELETE,
    PHP_RECORD,
    REFRESH,
    TOKEN,
    Runner,
    bot_delete_body,
    bot_delete_tree,
    form,
    install_body,
    known_store,
    uninstall_body,
    update_body,
    v2_delete_body,
)

TEXT_PLAIN = ("content-type", "text/plain; charset=utf-8")


def _store_dp(**kwargs: Any) -> tuple[Dispatcher, list[Event]]:
    """A dispatcher verifying against a memory store that knows our portal."""
    dp = Dispatcher(portal_store=known_store(), **kwargs)
    seen: list[Event] = []
    dp.on_bot_delete(seen.append)
    return dp, seen


def _assert_response(response: Response, status: int, prefix: bytes) -> None:
    assert isinstance(response, Response)
    assert response.status == status
    assert isinstance(response.body, bytes)
    assert response.body.startswith(prefix), response.body
    assert len(response.body) < 300  # a short reason, not a dump
    assert TEXT_PLAIN in response.headers
    for canary in CANARIES:
        assert canary.encode() not in response.body


# ---- one test per status, through handle and ahandle -----------------------------------


def test_200_handled(run: Runner) -> None:
    dp, seen = _store_dp()
    response = run(dp, bot_delete_body())
    _assert_response(response, 200, b"ok")
    assert response.body == b"ok"
    assert len(seen) == 1
    assert isinstance(seen[0], BotDeleteEvent)
    assert seen[0].bot_id == 567


def test_200_ignored_when_no_handler_matches(run: Runner) -> None:
    dp = Dispatcher(portal_store=known_store())
    response = run(dp, bot_delete_body())
    _assert_response(response, 200, b"ignored")
    assert response.result is not None
    assert not response.result.handled


def test_200_ignored_runs_on_unknown(run: Runner) -> None:
    dp = Dispatcher(portal_store=known_store())
    unknown: list[Event] = []
    dp.on_unknown(unknown.append)
    response = run(dp, bot_delete_body())
    assert (response.status, response.body) == (200, b"ignored")
    assert len(unknown) == 1


def test_200_for_the_real_php_body(run: Runner) -> None:
    dp = Dispatcher(portal_store=known_store(PHP_RECORD))
    seen: list[tuple[int, str]] = []

    @dp.on_bot_delete
    def deleted(event: AnyBotDeleteEvent) -> None:
        seen.append((event.bot_id, event.bot_code))

    assert run(dp, PHP_BOT_DELETE).status == 200
    assert seen == [(567, "BOT")]


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"event=ONIMBOTDELETE&data[BOT_ID]=\xff\xfe", FORM, b"UTF-8"),
        (b"event=ONIMBOTDELETE&a%5Bb=1", FORM, b"malformed key"),
        (b'{"event": "ONIMBOTDELETE", ', JSON, b"invalid JSON"),
        (b"[1, 2]", JSON, b"JSON body must be an object"),
    ],
    ids=["bad-utf8", "malformed-key", "bad-json", "json-not-object"],
)
def test_400_payload_error(run: Runner, body: bytes, content_type: str, reason: bytes) -> None:
    dp, seen = _store_dp()
    response = run(dp, body, content_type=content_type)
    _assert_response(response, 400, b"bad request: ")
    assert reason in response.body
    assert seen == []


def test_400_schema_error_names_the_field(run: Runner) -> None:
    dp, seen = _store_dp()
    tree = bot_delete_tree()
    tree["data"]["BOT_ID"] = "not-a-number"
    response = run(dp, form(tree))
    _assert_response(response, 400, b"bad request: ")
    assert b"data[BOT_ID]" in response.body
    assert seen == []


def test_403_verification_failed(run: Runner) -> None:
    dp, seen = _store_dp()
    response = run(dp, bot_delete_body(token=OTHER_TOKEN))
    _assert_response(response, 403, b"forbidden")
    assert seen == []


def test_413_limit_exceeded(run: Runner) -> None:
    dp, seen = _store_dp(limits=Limits(max_body_bytes=64))
    response = run(dp, bot_delete_body())
    _assert_response(response, 413, b"payload too large")
    assert b"max_body_bytes" in response.body
    assert seen == []


@pytest.mark.parametrize(
    ("limits", "name"),
    [
        (Limits(max_fields=3), b"max_fields"),
        (Limits(max_depth=2), b"max_depth"),
        (Limits(max_key_length=8), b"max_key_length"),
    ],
    ids=["fields", "depth", "key-length"],
)
def test_413_other_limits(run: Runner, limits: Limits, name: bytes) -> None:
    dp, seen = _store_dp(limits=limits)
    response = run(dp, v2_delete_body(member_id=MEMBER))  # data[bot][auth][...]: depth 3
    _assert_response(response, 413, b"payload too large")
    assert name in response.body
    assert seen == []


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data; boundary=x"])
def test_415_unsupported_content_type(run: Runner, content_type: str) -> None:
    dp, seen = _store_dp()
    response = run(dp, bot_delete_body(), content_type=content_type)
    _assert_response(response, 415, b"unsupported media type")
    assert seen == []


def test_500_handler_error_no_hook_dealt_with(run: Runner) -> None:
    dp, _ = _store_dp()

    @dp.on("ONIMBOTDELETE")
    def failing(event: Event) -> None:
        raise RuntimeError("handler crashed")

    response = run(dp, bot_delete_body())
    _assert_response(response, 500, b"internal error")
    assert b"handler crashed" not in response.body  # no internals in the answer


def test_500_when_the_on_error_hook_raises(run: Runner) -> None:
    dp, _ = _store_dp()

    @dp.on("ONIMBOTDELETE")
    def failing(event: Event) -> None:
        raise RuntimeError("handler crashed")

    @dp.on_error
    def hook(event: Event, exc: Exception) -> None:
        raise exc

    _assert_response(run(dp, bot_delete_body()), 500, b"internal error")


def test_200_when_the_on_error_hook_deals_with_it(run: Runner) -> None:
    dp, seen = _store_dp()
    error = RuntimeError("handler crashed")

    @dp.on("ONIMBOTDELETE")
    def failing(event: Event) -> None:
        raise error

    hooked: list[Exception] = []
    dp.on_error(lambda event, exc: hooked.append(exc))
    response = run(dp, bot_delete_body())
    assert (response.status, response.body) == (200, b"ok")
    assert hooked == [error]
    assert len(seen) == 1  # the other handler still ran
    assert response.result is not None
    assert response.result.errors == (error,)


@pytest.fixture
def dead_redis_portal_store(dead_url: str) -> Iterator[RedisPortalStore]:
    with RedisPortalStore(dead_url) as store:
        yield store


@pytest.fixture
def dead_redis_dedup_store(dead_url: str) -> Iterator[RedisDedupStore]:
    with RedisDedupStore(dead_url) as store:
        yield store


@pytest.mark.parametrize(
    "body",
    [bot_delete_body(), install_body(), update_body(), uninstall_body()],
    ids=["ONIMBOTDELETE", "ONAPPINSTALL", "ONAPPUPDATE", "ONAPPUNINSTALL"],
)
def test_503_portal_store_down(
    run: Runner, dead_redis_portal_store: RedisPortalStore, body: bytes
) -> None:
    dp = Dispatcher(portal_store=dead_redis_portal_store)
    seen: list[Event] = []
    dp.on_unknown(seen.append)
    for code in ("ONIMBOTDELETE", "ONAPPINSTALL", "ONAPPUPDATE", "ONAPPUNINSTALL"):
        dp.on(code)(seen.append)
    response = run(dp, body)
    _assert_response(response, 503, b"service unavailable")
    assert seen == []


def test_503_dedup_store_down(run: Runner, dead_redis_dedup_store: RedisDedupStore) -> None:
    dp, seen = _store_dp(dedup=Deduplicator(dead_redis_dedup_store, ttl=60))
    response = run(dp, bot_delete_body())
    _assert_response(response, 503, b"service unavailable")
    assert seen == []


def test_503_dedup_store_down_without_verification(
    run: Runner, dead_redis_dedup_store: RedisDedupStore
) -> None:
    dp = Dispatcher(verify=False, dedup=Deduplicator(dead_redis_dedup_store, ttl=60))
    seen: list[Event] = []
    dp.on_bot_delete(seen.append)
    _assert_response(run(dp, bot_delete_body()), 503, b"service unavailable")
    assert seen == []


def test_503_with_approve_install_hook(
    run: Runner, dead_redis_portal_store: RedisPortalStore
) -> None:
    asked: list[InstallRequest] = []

    def approve(event: Any, request: InstallRequest) -> bool:
        asked.append(request)
        return True

    dp = Dispatcher(portal_store=dead_redis_portal_store, approve_install=approve)
    _assert_response(run(dp, install_body()), 503, b"service unavailable")
    assert asked == []  # the store could not say whether a token exists: nothing to ask


# ---- the portal record through the dispatcher -------------------------------------------


def test_uninstall_is_recorded_before_its_handlers_and_a_repeat_is_a_duplicate(
    run: Runner,
) -> None:
    store = known_store()
    dp = Dispatcher(portal_store=store)
    seen_installed: list[bool] = []

    @dp.on("ONAPPUNINSTALL")
    def uninstalled(event: Event) -> None:
        record = store.get(MEMBER)
        assert record is not None
        seen_installed.append(record.installed)

    first = run(dp, uninstall_body())
    assert (first.status, first.body) == (200, b"ok")
    assert seen_installed == [False]  # already uninstalled when the handler ran
    repeat = run(dp, uninstall_body())
    assert (repeat.status, repeat.body) == (200, b"duplicate")
    assert seen_installed == [False]  # not run again
    assert run(dp, bot_delete_body()).status == 403
    assert store.get_by_domain(DOMAIN) is None  # the domain is free for a reinstall
    assert run(dp, install_body()).status == 200
    assert run(dp, bot_delete_body()).status == 200


def test_an_event_from_another_domain_than_the_bound_one_is_403(run: Runner) -> None:
    dp, seen = _store_dp()
    assert run(dp, bot_delete_body(domain="elsewhere.bitrix24.com")).status == 403
    assert run(dp, bot_delete_body()).status == 200
    assert len(seen) == 1


def test_approve_install_is_asked_with_an_install_request(run: Runner) -> None:
    asked: list[InstallRequest] = []

    def approve(event: Any, request: InstallRequest) -> bool:
        asked.append(request)
        return True

    store = known_store()
    dp = Dispatcher(portal_store=store, approve_install=approve)
    assert run(dp, update_body(token=OTHER_TOKEN)).status == 200
    assert [(r.reason, r.member_id, r.domain, r.replaces_token) for r in asked] == [
        (InstallReason.NEW_TOKEN, MEMBER, DOMAIN, True)
    ]
    record = store.get(MEMBER)
    assert record is not None
    assert (record.application_token, record.installed) == (OTHER_TOKEN, True)
    assert run(dp, update_body(token=OTHER_TOKEN)).status == 200  # a repeat: not asked
    assert len(asked) == 1


# ---- content types ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Content-Type", "content-type", "CONTENT-TYPE", "cOnTeNt-TyPe"])
def test_content_type_is_read_from_headers_case_insensitively(run: Runner, name: str) -> None:
    dp, seen = _store_dp()
    json_body = json.dumps(bot_delete_tree()).encode()
    headers = {"X-Other": "1", name: "application/json; charset=utf-8"}
    assert run(dp, json_body, content_type=None, headers=headers).status == 200
    headers = {name: "text/plain"}
    assert run(dp, bot_delete_body(), content_type=None, headers=headers).status == 415
    headers = {name: "application/x-www-form-urlencoded"}
    assert run(dp, bot_delete_body(), content_type=None, headers=headers).status == 200
    assert len(seen) == 2


def test_explicit_content_type_wins_over_headers(run: Runner) -> None:
    dp, seen = _store_dp()
    response = run(dp, bot_delete_body(), content_type=FORM, headers={"Content-Type": "text/plain"})
    assert response.status == 200
    assert len(seen) == 1


def test_no_content_type_anywhere_sniffs_form_and_json(run: Runner) -> None:
    dp, seen = _store_dp()
    assert run(dp, bot_delete_body(), content_type=None).status == 200
    assert run(dp, json.dumps(bot_delete_tree()), content_type=None, headers={}).status == 200
    assert len(seen) == 2
    assert seen[0] == seen[1]


def test_an_empty_content_type_header_sniffs_like_a_missing_one() -> None:
    dp = Dispatcher(verify=False)
    body = encode_form({"event": "ONX", "data": {"A": "1"}})
    assert dp.handle(body, content_type="").status == 200
    assert dp.handle(body, headers={"Content-Type": " "}).status == 200
    assert dp.handle('{"event": "ONX"}', content_type="").status == 200


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded; charset=UTF-8", "Application/X-WWW-Form-Urlencoded"],
)
def test_form_content_type_parameters_and_case(run: Runner, content_type: str) -> None:
    dp, seen = _store_dp()
    assert run(dp, bot_delete_body(), content_type=content_type).status == 200
    assert len(seen) == 1


@pytest.mark.parametrize("body_type", [bytes, bytearray, memoryview, str])
def test_body_types(run: Runner, body_type: Callable[[bytes], Any]) -> None:
    dp, seen = _store_dp()
    raw = bot_delete_body()
    body = raw.decode() if body_type is str else body_type(raw)
    assert run(dp, body).status == 200
    assert len(seen) == 1


def test_unsupported_body_object_is_400_not_a_crash(run: Runner) -> None:
    dp, seen = _store_dp()
    response = run(dp, 12345, content_type=None)
    _assert_response(response, 400, b"bad request")
    assert seen == []


# ---- logging: quiet at INFO, and never a token -----------------------------------------


def _library_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.split(".")[0] == "b24botevents"]


def test_quiet_at_info_for_successful_events(run: Runner, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    store: PortalStore = MemoryPortalStore()
    dp = Dispatcher(portal_store=store, dedup=Deduplicator(MemoryDedupStore(), ttl=60))
    seen: list[Event] = []
    for code in ("ONAPPINSTALL", "ONAPPUPDATE", "ONAPPUNINSTALL", "ONIMBOTDELETE"):
        dp.on(code)(seen.append)
    statuses = [
        run(dp, body).status
        for body in (install_body(), update_body(), bot_delete_body(), uninstall_body())
    ]
    assert statuses == [200, 200, 200, 200]
    assert len(seen) == 4
    assert _library_records(caplog) == []


def test_refusals_are_logged(run: Runner, caplog: pytest.LogCaptureFixture) -> None:
    # The counterpart of "quiet": a refused event does leave a trace at WARNING.
    caplog.set_level(logging.INFO)
    dp, _ = _store_dp()
    assert run(dp, bot_delete_body(token=OTHER_TOKEN)).status == 403
    assert [r.levelno for r in _library_records(caplog)] == [logging.WARNING]


def _assert_no_canary_logged(caplog: pytest.LogCaptureFixture) -> None:
    records = _library_records(caplog)
    assert records, "nothing was logged: the leak check would be vacuous"
    text = caplog.text  # formatted records, with tracebacks
    for record in caplog.records:
        rendered = record.getMessage() + (record.exc_text or "")
        for canary in CANARIES:
            assert canary not in rendered
    for canary in CANARIES:
        assert canary not in text


def test_no_token_in_responses_or_logs_at_debug(
    run: Runner, caplog: pytest.LogCaptureFixture, dead_url: str
) -> None:
    caplog.set_level(logging.DEBUG)
    store = MemoryPortalStore()
    dp = Dispatcher(portal_store=store)
    dp.on_bot_delete(lambda event: None)

    @dp.on("ONIMBOTDELETE")
    def maybe_fail(event: BotDeleteEvent) -> None:
        if event.bot_id == 13:
            raise RuntimeError("a handler failure, with a traceback in the log")

    bad_schema = bot_delete_tree()
    bad_schema["data"]["BOT_ID"] = "x"
    bad_access = bot_delete_tree()
    bad_access["auth"]["access_token"] = {"nested": ACCESS}
    responses = [
        run(dp, install_body()),  # stores the token
        run(dp, bot_delete_body()),  # passed verification
        run(dp, bot_delete_body(token=OTHER_TOKEN)),  # failed verification
        run(dp, bot_delete_body(token=None)),  # no token at all
        run(dp, install_body(token=OTHER_TOKEN)),  # another install token
        run(dp, bot_delete_body(bot_id=13)),  # handler error
        run(dp, form(bad_schema)),  # SchemaError
        run(dp, form(bad_access)),  # SchemaError on a secret field
        run(dp, json.dumps(bot_delete_tree())[:-1], content_type=JSON),  # PayloadError
        run(dp, bot_delete_body(), content_type="text/html"),  # 415
    ]
    static = Dispatcher(application_token=[TOKEN, REFRESH])
    responses.append(run(static, bot_delete_body(token=OTHER_TOKEN)))  # static mismatch
    responses.append(run(static, bot_delete_body(token=ACCESS)))
    refusing = Dispatcher(
        portal_store=known_store(),
        approve_install=lambda event, request: False,
    )
    responses.append(run(refusing, install_body(token=OTHER_TOKEN)))  # hook refused
    responses.append(run(refusing, update_body(token=OTHER_TOKEN)))
    with RedisPortalStore(dead_url) as dead_store:
        responses.append(run(Dispatcher(portal_store=dead_store), bot_delete_body()))
    with RedisDedupStore(dead_url) as dead_dedup:
        outage = Dispatcher(application_token=TOKEN, dedup=Deduplicator(dead_dedup))
        responses.append(run(outage, bot_delete_body()))
    assert [r.status for r in responses] == [
        200, 200, 403, 403, 403, 500, 400, 400, 400, 415, 403, 403, 403, 403, 503, 503,
    ]  # fmt: skip
    for response in responses:
        for canary in CANARIES:
            assert canary.encode() not in response.body
            assert canary not in repr(response)
    _assert_no_canary_logged(caplog)


def test_debug_log_of_a_handled_event_names_the_code(
    run: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    dp, _ = _store_dp()
    assert run(dp, bot_delete_body()).status == 200
    assert any("ONIMBOTDELETE" in r.getMessage() for r in _library_records(caplog))
    _assert_no_canary_logged(caplog)


def test_handle_never_raises_on_hostile_input(run: Runner) -> None:
    dp, seen = _store_dp()
    hostile: list[tuple[Any, str | None]] = [
        (b"", FORM),
        (b"", JSON),
        (b"&&&", FORM),
        (b"a" * 5000 + b"[" * 2000, FORM),
        (b"[" * 5000, JSON),
        (b"{" * 100000, JSON),
        (b'{"event": 1, "auth": [1, 2]}', JSON),
        (b'{"event": "ONAPPINSTALL", "auth": {"application_token": {}, "member_id": 7}}', JSON),
        ({"event": ["x"]}, None),
        ([("event", b"\xff")], None),
        (None, None),
    ]
    for body, content_type in hostile:
        response = run(dp, body, content_type=content_type)
        assert response.status in {400, 403, 413, 415}, (body[:20], response)
    assert seen == []
