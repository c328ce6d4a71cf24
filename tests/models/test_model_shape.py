"""The models are attrs value objects: frozen, slotted, keyword-only; ``raw`` is out of eq/repr."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given

import b24botevents
from b24botevents import (
    AppInstallEvent,
    AppUninstallEvent,
    AppUpdateEvent,
    BotCommandAddEvent,
    BotDeleteEvent,
    BotJoinChatEvent,
    BotMessageAddEvent,
    BotMessageDeleteEvent,
    BotMessageUpdateEvent,
    BotV2CommandAddEvent,
    BotV2ContextGetEvent,
    BotV2DeleteEvent,
    BotV2JoinChatEvent,
    BotV2MessageAddEvent,
    BotV2MessageDeleteEvent,
    BotV2MessageUpdateEvent,
    BotV2ReactionChangeEvent,
    Event,
    UnknownEvent,
    UserJoinChatEvent,
    UserMessageAddEvent,
    UserMessageDeleteEvent,
    UserMessageUpdateEvent,
    UserReactionChangeEvent,
    models,
    parse_event,
)
from b24botevents.models import (
    EVENT_TYPES,
    AppInstallData,
    AppStatus,
    AppUninstallData,
    AppUpdateData,
    Auth,
    Bot,
    BotCommandData,
    BotCredentials,
    BotDeleteData,
    BotJoinChatData,
    BotMessageData,
    BotRef,
    BotV2CommandData,
    BotV2ContextGetData,
    BotV2DeleteData,
    BotV2JoinChatData,
    BotV2MessageData,
    BotV2MessageDeleteData,
    BotV2ReactionChangeData,
    Chat,
    ChatUser,
    Command,
    CommandCall,
    Forward,
    JoinChatParams,
    Message,
    MessageParams,
    User,
    UserJoinChatData,
    UserMessageData,
    UserMessageDeleteData,
    UserReactionChangeData,
)
from model_support import events, walk_models

#: Every attrs class ``b24botevents.models`` exports: events, their data and value classes.
MODELS: list[type[Any]] = [
    getattr(models, name) for name in models.__all__ if attrs.has(getattr(models, name))
]

_BOT = Bot(id=1, code="b")
_CHAT = Chat(id=1, dialog_id="chat1")
_MESSAGE = Message(id=1, text="hi")
_PARAMS = MessageParams(message="hi", message_id=1, dialog_id="1")
_CALLS = {1: CommandCall(bot_id=1, bot_code="b", command="echo", command_id=1)}

#: One valid instance of every model (minimal required arguments).
SAMPLES: dict[type[Any], Any] = {
    Event: Event(code="ONX"),
    Auth: Auth(),
    Bot: Bot(id=1, code="b"),
    BotDeleteData: BotDeleteData(bot_id=1, bot_code="b"),
    BotDeleteEvent: BotDeleteEvent(
        code="ONIMBOTDELETE", data=BotDeleteData(bot_id=1, bot_code="b")
    ),
    BotV2DeleteData: BotV2DeleteData(bot=Bot(id=1, code="b")),
    BotV2DeleteEvent: BotV2DeleteEvent(
        code="ONIMBOTV2DELETE", data=BotV2DeleteData(bot=Bot(id=1, code="b"))
    ),
    AppInstallData: AppInstallData(),
    AppInstallEvent: AppInstallEvent(code="ONAPPINSTALL"),
    AppUpdateData: AppUpdateData(),
    AppUpdateEvent: AppUpdateEvent(code="ONAPPUPDATE"),
    AppUninstallData: AppUninstallData(),
    AppUninstallEvent: AppUninstallEvent(code="ONAPPUNINSTALL"),
    UnknownEvent: UnknownEvent(code="ONX"),
    BotCommandAddEvent: BotCommandAddEvent(
        code="ONIMCOMMANDADD", data=BotCommandData(commands=_CALLS, params=_PARAMS)
    ),
    BotCommandData: BotCommandData(commands=_CALLS, params=_PARAMS),
    BotCredentials: BotCredentials(bot_id=1, bot_code="b"),
    BotRef: BotRef(id=1, code="b"),
    BotJoinChatData: BotJoinChatData(params=JoinChatParams(dialog_id="1")),
    BotJoinChatEvent: BotJoinChatEvent(
        code="ONIMBOTJOINCHAT", data=BotJoinChatData(params=JoinChatParams(dialog_id="1"))
    ),
    BotMessageAddEvent: BotMessageAddEvent(
        code="ONIMBOTMESSAGEADD", data=BotMessageData(params=_PARAMS)
    ),
    BotMessageData: BotMessageData(params=_PARAMS),
    BotMessageDeleteEvent: BotMessageDeleteEvent(
        code="ONIMBOTMESSAGEDELETE", data=BotMessageData(params=_PARAMS)
    ),
    BotMessageUpdateEvent: BotMessageUpdateEvent(
        code="ONIMBOTMESSAGEUPDATE", data=BotMessageData(params=_PARAMS)
    ),
    BotV2CommandAddEvent: BotV2CommandAddEvent(
        code="ONIMBOTV2COMMANDADD",
        data=BotV2CommandData(
            bot=_BOT, chat=_CHAT, command=Command(id=1, command="/x"), message=_MESSAGE
        ),
    ),
    BotV2CommandData: BotV2CommandData(
        bot=_BOT, chat=_CHAT, command=Command(id=1, command="/x"), message=_MESSAGE
    ),
    BotV2ContextGetData: BotV2ContextGetData(bot=_BOT, dialog_id="1"),
    BotV2ContextGetEvent: BotV2ContextGetEvent(
        code="ONIMBOTV2CONTEXTGET", data=BotV2ContextGetData(bot=_BOT, dialog_id="1")
    ),
    BotV2JoinChatData: BotV2JoinChatData(bot=_BOT),
    BotV2JoinChatEvent: BotV2JoinChatEvent(
        code="ONIMBOTV2JOINCHAT", data=BotV2JoinChatData(bot=_BOT)
    ),
    BotV2MessageAddEvent: BotV2MessageAddEvent(
        code="ONIMBOTV2MESSAGEADD",
        data=BotV2MessageData(bot=_BOT, chat=_CHAT, message=_MESSAGE),
    ),
    BotV2MessageData: BotV2MessageData(bot=_BOT, chat=_CHAT, message=_MESSAGE),
    BotV2MessageDeleteData: BotV2MessageDeleteData(bot=_BOT, chat=_CHAT, message_id=1),
    BotV2MessageDeleteEvent: BotV2MessageDeleteEvent(
        code="ONIMBOTV2MESSAGEDELETE",
        data=BotV2MessageDeleteData(bot=_BOT, chat=_CHAT, message_id=1),
    ),
    BotV2MessageUpdateEvent: BotV2MessageUpdateEvent(
        code="ONIMBOTV2MESSAGEUPDATE",
        data=BotV2MessageData(bot=_BOT, chat=_CHAT, message=_MESSAGE),
    ),
    BotV2ReactionChangeData: BotV2ReactionChangeData(bot=_BOT, chat=_CHAT, message=_MESSAGE),
    BotV2ReactionChangeEvent: BotV2ReactionChangeEvent(
        code="ONIMBOTV2REACTIONCHANGE",
        data=BotV2ReactionChangeData(bot=_BOT, chat=_CHAT, message=_MESSAGE),
    ),
    Chat: _CHAT,
    ChatUser: ChatUser(id=1),
    Command: Command(id=1, command="/x"),
    CommandCall: _CALLS[1],
    JoinChatParams: JoinChatParams(dialog_id="1"),
    Message: _MESSAGE,
    MessageParams: _PARAMS,
    User: User(id=1),
    Forward: Forward(id="1"),
    UserMessageData: UserMessageData(chat=_CHAT, message=_MESSAGE),
    UserMessageAddEvent: UserMessageAddEvent(
        code="ONIMV2MESSAGEADD", data=UserMessageData(chat=_CHAT, message=_MESSAGE)
    ),
    UserMessageUpdateEvent: UserMessageUpdateEvent(
        code="ONIMV2MESSAGEUPDATE", data=UserMessageData(chat=_CHAT, message=_MESSAGE)
    ),
    UserMessageDeleteData: UserMessageDeleteData(chat=_CHAT, message_id=1),
    UserMessageDeleteEvent: UserMessageDeleteEvent(
        code="ONIMV2MESSAGEDELETE", data=UserMessageDeleteData(chat=_CHAT, message_id=1)
    ),
    UserReactionChangeData: UserReactionChangeData(chat=_CHAT, message=_MESSAGE),
    UserReactionChangeEvent: UserReactionChangeEvent(
        code="ONIMV2REACTIONCHANGE", data=UserReactionChangeData(chat=_CHAT, message=_MESSAGE)
    ),
    UserJoinChatData: UserJoinChatData(),
    UserJoinChatEvent: UserJoinChatEvent(code="ONIMV2JOINCHAT", data=UserJoinChatData()),
}


def test_every_public_model_has_a_sample() -> None:
    exported = {
        getattr(models, name) for name in models.__all__ if attrs.has(getattr(models, name))
    }
    assert exported == set(MODELS)
    assert all(getattr(models, cls.__name__) is cls for cls in MODELS)
    # The events are the top-level face too; the data and value classes are models' only.
    events = {cls for cls in MODELS if issubclass(cls, models.Event)}
    assert all(getattr(b24botevents, cls.__name__) is cls for cls in events)
    assert not any(hasattr(b24botevents, cls.__name__) for cls in set(MODELS) - events)
    assert set(SAMPLES) == set(MODELS)


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_frozen(cls: type[Any]) -> None:
    instance = SAMPLES[cls]
    for field in attrs.fields(cls):
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(instance, field.name, getattr(instance, field.name))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        delattr(instance, attrs.fields(cls)[0].name)


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_slotted(cls: type[Any]) -> None:
    assert "__slots__" in vars(cls)
    assert all("__dict__" not in vars(klass) for klass in cls.__mro__ if klass is not object)
    instance = SAMPLES[cls]
    assert not hasattr(instance, "__dict__")
    with pytest.raises((AttributeError, attrs.exceptions.FrozenInstanceError)):
        instance.not_a_field = 1


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_keyword_only(cls: type[Any]) -> None:
    assert all(field.kw_only for field in attrs.fields(cls))
    instance = SAMPLES[cls]
    values = [getattr(instance, field.name) for field in attrs.fields(cls)]
    with pytest.raises(TypeError):
        cls(*values)
    # The same values by keyword build an equal instance.
    assert cls(**{f.name: v for f, v in zip(attrs.fields(cls), values, strict=True)}) == instance


@given(events())
def test_generated_events_are_frozen_all_the_way_down(event: Event) -> None:
    for model in walk_models(event):
        first = attrs.fields(type(model))[0].name
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(model, first, None)
    assert hash(Auth(scope=("a", "b"))) == hash(Auth(scope=("a", "b")))


def test_envelope_fields() -> None:
    assert [field.name for field in attrs.fields(Event)] == [
        "code",
        "handler_id",
        "event_id",
        "ts",
        "auth",
        "data",
        "raw",
    ]
    raw = attrs.fields(Event).raw
    assert raw.eq is False
    assert raw.repr is False


def test_auth_fields_are_all_optional() -> None:
    names = [field.name for field in attrs.fields(Auth)]
    assert names == [
        "access_token",
        "refresh_token",
        "expires",
        "expires_in",
        "scope",
        "domain",
        "server_endpoint",
        "client_endpoint",
        "member_id",
        "user_id",
        "status",
        "application_token",
        "client_id",
    ]
    empty = Auth()
    assert all(getattr(empty, name) is None for name in names if name != "scope")
    assert empty.scope == ()


def test_bot_fields() -> None:
    assert [field.name for field in attrs.fields(Bot)] == [
        "id",
        "code",
        "auth",
        "type",
        "is_hidden",
        "is_support_openline",
        "is_reactions_enabled",
        "background_id",
        "language",
        "module_id",
        "event_mode",
        "count_message",
        "count_command",
        "count_chat",
        "count_user",
        "app_id",
    ]
    with pytest.raises(TypeError):
        Bot(id=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Bot(code="b")  # type: ignore[call-arg]


def test_raw_takes_no_part_in_equality_or_repr() -> None:
    one = UnknownEvent(code="ONX", raw={"event": "ONX", "secret": "rawvalue1"})
    two = UnknownEvent(code="ONX", raw={"event": "onx", "other": "rawvalue2"})
    assert one == two
    assert "rawvalue1" not in repr(one)
    assert "raw=" not in repr(one)
    assert "raw" not in str(one)


def test_parsed_event_repr_has_no_raw() -> None:
    event = parse_event("event=ONX&data[k]=v&zzz_only_in_raw=marker123")
    assert event.raw["zzz_only_in_raw"] == "marker123"
    assert "marker123" not in repr(event)
    assert "raw=" not in repr(event)


def test_equality_needs_the_same_class() -> None:
    unknown: object = UnknownEvent(code="ONAPPINSTALL")
    install: object = AppInstallEvent(code="ONAPPINSTALL")
    assert unknown != install


def test_event_types_registry() -> None:
    assert dict(EVENT_TYPES) == {
        "ONIMBOTDELETE": BotDeleteEvent,
        "ONIMBOTV2DELETE": BotV2DeleteEvent,
        "ONAPPINSTALL": AppInstallEvent,
        "ONAPPUPDATE": AppUpdateEvent,
        "ONAPPUNINSTALL": AppUninstallEvent,
        "ONIMBOTMESSAGEADD": BotMessageAddEvent,
        "ONIMBOTMESSAGEUPDATE": BotMessageUpdateEvent,
        "ONIMBOTMESSAGEDELETE": BotMessageDeleteEvent,
        "ONIMBOTJOINCHAT": BotJoinChatEvent,
        "ONIMCOMMANDADD": BotCommandAddEvent,
        "ONIMBOTV2MESSAGEADD": BotV2MessageAddEvent,
        "ONIMBOTV2MESSAGEUPDATE": BotV2MessageUpdateEvent,
        "ONIMBOTV2MESSAGEDELETE": BotV2MessageDeleteEvent,
        "ONIMBOTV2JOINCHAT": BotV2JoinChatEvent,
        "ONIMBOTV2COMMANDADD": BotV2CommandAddEvent,
        "ONIMBOTV2REACTIONCHANGE": BotV2ReactionChangeEvent,
        "ONIMBOTV2CONTEXTGET": BotV2ContextGetEvent,
        "ONIMV2MESSAGEADD": UserMessageAddEvent,
        "ONIMV2MESSAGEUPDATE": UserMessageUpdateEvent,
        "ONIMV2MESSAGEDELETE": UserMessageDeleteEvent,
        "ONIMV2REACTIONCHANGE": UserReactionChangeEvent,
        "ONIMV2JOINCHAT": UserJoinChatEvent,
    }
    for code, cls in EVENT_TYPES.items():
        assert code == code.upper()
        assert code in cls.CODES
        assert issubclass(cls, Event)
    assert issubclass(UnknownEvent, Event)


def test_app_status_codes() -> None:
    assert {status.value for status in AppStatus} == {"F", "D", "T", "P", "L", "S"}
    assert AppStatus("F") is AppStatus.FREE
    free: object = AppStatus.FREE
    assert free == "F"  # a str enum: compares with the wire code


@pytest.mark.parametrize(
    ("auth", "expected"),
    [
        (Auth(), False),
        (Auth(access_token=""), False),
        (Auth(access_token="t0k"), True),
        (Auth(refresh_token="r", application_token="a"), False),
    ],
)
def test_has_user_tokens(auth: Auth, expected: bool) -> None:
    assert auth.has_user_tokens is expected


def test_one_handler_serves_both_delete_events() -> None:
    v1 = BotDeleteEvent(code="ONIMBOTDELETE", data=BotDeleteData(bot_id=567, bot_code="BOT"))
    v2 = BotV2DeleteEvent(code="ONIMBOTV2DELETE", data=BotV2DeleteData(bot=Bot(id=567, code="BOT")))
    pairs = [(event.bot_id, event.bot_code) for event in (v1, v2)]
    assert pairs == [(567, "BOT"), (567, "BOT")]


def test_envelope_properties() -> None:
    event = UnknownEvent(code="ONX", auth=Auth(member_id="m1", domain="d.bitrix24.com"))
    assert event.member_id == "m1"
    assert event.domain == "d.bitrix24.com"
    bare = UnknownEvent(code="ONX")
    assert bare.member_id is None
    assert bare.domain is None


def test_default_data_of_app_events() -> None:
    assert AppInstallEvent(code="ONAPPINSTALL").data == AppInstallData()
    assert AppUpdateEvent(code="ONAPPUPDATE").data == AppUpdateData()
    assert AppUninstallEvent(code="ONAPPUNINSTALL").data == AppUninstallData()
    assert UnknownEvent(code="ONX").data == {}
    assert UnknownEvent(code="ONX").raw == {}


def test_models_hold_aware_datetimes_after_parsing() -> None:
    event = parse_event({"event": "ONX", "ts": "1772090363", "auth": {"expires": 1772093963}})
    assert event.ts == datetime(2026, 2, 26, 7, 19, 23, tzinfo=timezone.utc)
    assert event.ts is not None
    assert event.ts.utcoffset() is not None
    assert event.auth is not None
    assert event.auth.expires is not None
    assert event.auth.expires.tzinfo is not None
