"""The hot path's constructors for ``DispatchResult`` and ``Response`` build what attrs would."""

from __future__ import annotations

import attrs
import pytest

from b24botevents import Dispatcher, DispatchResult, Response, parse_event
from b24botevents._slots import slot_setters
from b24botevents.testing import bot_delete_body


def test_dispatch_builds_the_same_result_attrs_would() -> None:
    dp = Dispatcher(verify=False)
    seen: list[object] = []
    dp.on("ONIMBOTDELETE")(seen.append)
    event = parse_event(bot_delete_body(1, "x", member_id="m", application_token="t"))
    result = dp.dispatch(event)
    assert result == DispatchResult(event, True, (seen.append,), ())
    assert repr(result) == repr(DispatchResult(event, True, (seen.append,), ()))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        result.handled = False  # type: ignore[misc]


def test_handle_answers_a_frozen_response_equal_to_the_attrs_one() -> None:
    dp = Dispatcher(verify=False)
    dp.on("ONIMBOTDELETE")(lambda event: None)
    response = dp.handle(bot_delete_body(1, "x", member_id="m", application_token="t"))
    assert response == Response(200, b"ok")
    assert response.result is not None
    assert response.result.handled
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        response.status = 500  # type: ignore[misc]


@attrs.frozen
class _Validated:
    value: int = attrs.field(validator=attrs.validators.instance_of(int))


@attrs.frozen
class _Factory:
    value: list[int] = attrs.field(factory=list)


@attrs.frozen
class _PostInit:
    value: int

    def __attrs_post_init__(self) -> None:
        pass


@pytest.mark.parametrize("cls", [_Validated, _Factory, _PostInit])
def test_classes_the_shortcut_would_get_wrong_are_refused(cls: type[object]) -> None:
    with pytest.raises(TypeError):
        slot_setters(cls)


@attrs.frozen(cache_hash=True)
class _CachedHash:
    value: int


@attrs.frozen
class _PreInit:
    value: int

    def __attrs_pre_init__(self) -> None:
        pass


@pytest.mark.parametrize("cls", [_CachedHash, _PreInit])
def test_classes_with_hash_caching_or_a_pre_init_are_refused(cls: type[object]) -> None:
    with pytest.raises(TypeError):
        slot_setters(cls)
