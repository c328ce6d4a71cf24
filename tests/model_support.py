"""Shared helpers for the model and converter tests: doc examples, secret tokens, strategies.

The strategies build *model instances* with realistic values (hex tokens, comma-free scope
items, whole-second UTC datetimes in a sane range, statuses from ``AppStatus`` or odd codes),
so that ``to_dict`` / ``encode_form`` round trips can be checked for every event class.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import attrs
from hypothesis import strategies as st

import spec_examples
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
    JoinChatParams,
    Message,
    MessageParams,
    User,
)

#: The doc examples, kept in tests/data/examples (see tests/spec_examples.py).
EXAMPLES = spec_examples.EXAMPLES
example_text = spec_examples.example_text
example_json = spec_examples.example_json

#: Distinctive secret values: long enough that a chance match in unrelated output is nil.
ACCESS_TOKEN = "acc5ec4e7a11ce0ffee5ec4e7a11ce0ffee5ec4e7a11ce01"
REFRESH_TOKEN = "4ef4e5b0b5ec4e7d00d1e5ec4e7d00d1e5ec4e7d00d1e502"
APPLICATION_TOKEN = "a991ca7105ec4e7b0a7b0a75ec4e7b0a7b0a7"
BOT_ACCESS_TOKEN = "b07acce55ec4e7f00d5ec4e7f00d5ec4e7f00d5ec4e7f00d03"
BOT_REFRESH_TOKEN = "b07ef4e55ec4e7ca75ec4e7ca75ec4e7ca75ec4e7ca75ec404"
BOT_APPLICATION_TOKEN = "b07a9905ec4e7beef5ec4e7beef5ec4e7beef05"
ALL_TOKENS = (
    ACCESS_TOKEN,
    REFRESH_TOKEN,
    APPLICATION_TOKEN,
    BOT_ACCESS_TOKEN,
    BOT_REFRESH_TOKEN,
    BOT_APPLICATION_TOKEN,
)
SECRET_FIELDS = ("access_token", "refresh_token", "application_token")


def json_example_names() -> list[str]:
    return sorted(path.name for path in EXAMPLES.glob("*.json"))


def envelope_example_names() -> list[str]:
    """The JSON examples that are whole event envelopes (they have an ``event`` key)."""
    return [
        name
        for name in json_example_names()
        if isinstance(example_json(name), dict) and "event" in example_json(name)
    ]


def form_example_names() -> list[str]:
    """The real form bodies: PHP-derived encodings and the PHPSDK test body."""
    return sorted(
        path.name
        for path in EXAMPLES.glob("*.txt")
        if "http_build_query" in path.name or "raw-body" in path.name
    )


class FakeQueryDict(dict[str, Any]):
    """A tiny Django ``QueryDict``: a dict of lists that shows the last value per key.

    Like Django's ``MultiValueDict`` (and werkzeug's ``MultiDict``) it is a ``dict``
    subclass; ``lists()`` is the only way to see repeated keys.
    """

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__()
        for key, value in pairs:
            super().setdefault(key, []).append(value)

    def __getitem__(self, key: str) -> Any:
        return super().__getitem__(key)[-1]

    def lists(self) -> list[tuple[str, list[str]]]:
        return list(super().items())

    def items(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        return ((key, values[-1]) for key, values in super().items())


def leak_free(text: str, tokens: tuple[str, ...] = ALL_TOKENS) -> bool:
    return not any(token in text for token in tokens)


def error_texts(exc: BaseException) -> str:
    """Everything an error exposes that could end up in a log line or a response."""
    parts = [str(exc), repr(exc), *(str(arg) for arg in exc.args)]
    for name in ("path", "reason", "errors", "limit"):
        parts.append(repr(getattr(exc, name, None)))
    return "\n".join(parts)


def walk_models(event: Event) -> Iterator[Any]:
    """Every attrs instance in an event, the event included, also inside id-keyed maps."""
    stack: list[Any] = [event]
    while stack:
        item = stack.pop()
        if attrs.has(type(item)):
            yield item
            stack.extend(getattr(item, a.name) for a in attrs.fields(type(item)))
        elif isinstance(item, dict):  # v1's id-keyed maps of models (free-form data too)
            stack.extend(value for value in item.values() if attrs.has(type(value)))


# --------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------

HEX = "0123456789abcdef"
#: Characters that survive UTF-8 (no lone surrogates).
UTF8 = st.characters(codec="utf-8")
tokens = st.text(HEX, min_size=24, max_size=72)
ids = st.integers(min_value=0, max_value=2**31 - 1)
small_ints = st.integers(min_value=-(2**31), max_value=2**53)
#: Whole seconds, UTC, 2001..2100: what Bitrix24 sends as Unix seconds.
datetimes = st.datetimes(
    min_value=datetime(2001, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.just(timezone.utc),
).map(lambda value: value.replace(microsecond=0))
scope_items = st.text(string.ascii_lowercase + string.digits + "._-:", min_size=1, max_size=12)
#: Any printable-ish text that survives a trip through UTF-8 (no lone surrogates); non-empty
#: because "" means "no value" for optional fields.
texts = st.text(UTF8, min_size=1, max_size=20)
domains = st.from_regex(r"[a-z][a-z0-9-]{0,15}\.bitrix24\.(com|de|ru)", fullmatch=True)
hex32 = st.text(HEX, min_size=32, max_size=32)
odd_statuses = texts.filter(lambda text: text not in {status.value for status in AppStatus})
statuses: st.SearchStrategy[AppStatus | str] = st.one_of(st.sampled_from(AppStatus), odd_statuses)
languages = st.sampled_from(["en", "de", "ru", "ua", "la", "br"])
versions = st.from_regex(r"[0-9]{1,2}(\.[0-9]{1,2}){0,2}", fullmatch=True) | texts
#: Bot codes: required strings, so "" is a value like any other.
codes = st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True) | st.text(UTF8, max_size=20)


def _opt(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


@st.composite
def auths(draw: st.DrawFn, *, allow_empty: bool = True) -> Auth:
    """An ``auth`` block: any subset of the fields, realistic values."""
    domain = draw(_opt(domains))
    auth = Auth(
        access_token=draw(_opt(tokens)),
        refresh_token=draw(_opt(tokens)),
        expires=draw(_opt(datetimes)),
        expires_in=draw(_opt(st.integers(min_value=0, max_value=10**6))),
        scope=tuple(draw(st.lists(scope_items, max_size=5))),
        domain=domain,
        server_endpoint=draw(_opt(st.just("https://oauth.bitrix.info/rest/"))),
        client_endpoint=draw(_opt(st.just(f"https://{domain or 'x.bitrix24.com'}/rest/"))),
        member_id=draw(_opt(hex32)),
        user_id=draw(_opt(ids)),
        status=draw(_opt(statuses)),
        application_token=draw(_opt(tokens)),
        client_id=draw(
            _opt(st.from_regex(r"(local\.[0-9a-f]{14}\.[0-9]{8}|app\.[a-z0-9]{8})", fullmatch=True))
        ),
    )
    if not allow_empty and auth == Auth():
        return attrs.evolve(auth, application_token=draw(tokens))
    return auth


@st.composite
def bots(draw: st.DrawFn, *, allow_empty_auth: bool = True) -> Bot:
    """A v2 bot in webhook shape (``{id, code, auth}``) or fetch shape (the full object)."""
    fetch = draw(st.booleans())
    base: dict[str, Any] = {
        "id": draw(ids),
        "code": draw(codes),
    }
    if not fetch:
        return Bot(**base, auth=draw(_opt(auths(allow_empty=allow_empty_auth))))
    return Bot(
        **base,
        type=draw(_opt(st.sampled_from(["bot", "supervisor", "personal", "openline"]))),
        is_hidden=draw(_opt(st.booleans())),
        is_support_openline=draw(_opt(st.booleans())),
        is_reactions_enabled=draw(_opt(st.booleans())),
        background_id=draw(_opt(texts)),
        language=draw(_opt(languages)),
        module_id=draw(_opt(st.sampled_from(["rest", "im", "imbot"]))),
        event_mode=draw(_opt(st.sampled_from(["fetch", "webhook"]))),
        count_message=draw(_opt(ids)),
        count_command=draw(_opt(ids)),
        count_chat=draw(_opt(ids)),
        count_user=draw(_opt(ids)),
        app_id=draw(_opt(st.from_regex(r"custom[0-9a-z]{3,10}", fullmatch=True))),
    )


#: Keys of free-form ``data`` that every wire can carry: not PHP integers (a form body would
#: turn ``{"0": ...}`` into a list), no brackets, dots or spaces.
data_keys = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True)
form_scalars = st.text(UTF8, max_size=12)


def form_trees() -> st.SearchStrategy[dict[str, Any]]:
    """Free-form ``data`` a form body can carry as is: strings, non-empty dicts and lists."""
    leaves: st.SearchStrategy[Any] = form_scalars
    values = st.recursive(
        leaves,
        lambda children: (
            st.dictionaries(data_keys, children, min_size=1, max_size=4)
            | st.lists(children, min_size=1, max_size=3)
        ),
        max_leaves=12,
    )
    return st.dictionaries(data_keys, values, max_size=5)


def json_trees() -> st.SearchStrategy[dict[str, Any]]:
    """Free-form ``data`` with JSON's native types too (only JSON bodies keep those)."""
    leaves: st.SearchStrategy[Any] = (
        st.none()
        | st.booleans()
        | small_ints
        | st.floats(allow_nan=False, allow_infinity=False)
        | form_scalars
    )
    values = st.recursive(
        leaves,
        lambda children: (
            st.dictionaries(st.text(UTF8, max_size=6), children, max_size=4)
            | st.lists(children, max_size=3)
        ),
        max_leaves=12,
    )
    return st.dictionaries(st.text(UTF8, max_size=8), values, max_size=5)


unknown_codes = st.from_regex(r"ON[A-Z][A-Z0-9_]{0,24}", fullmatch=True).filter(
    lambda code: code not in EVENT_TYPES
)


# ---- chat-bot events (v1 and v2) -----------------------------------------------------

message_types = st.sampled_from(list("PCOLSNJTABX"))
yes_no = _opt(st.booleans())
dialog_ids = st.from_regex(r"(chat)?[1-9][0-9]{0,6}", fullmatch=True)
#: MENTIONED_LIST is a set ({id: id}): distinct ids.
id_sets = st.lists(ids, unique=True, max_size=4).map(tuple)


@st.composite
def bot_credentials(draw: st.DrawFn, *, form_safe: bool = False) -> BotCredentials:
    return BotCredentials(
        bot_id=draw(ids),
        bot_code=draw(codes),
        auth=draw(_opt(auths(allow_empty=not form_safe))),
    )


@st.composite
def command_calls(draw: st.DrawFn, *, form_safe: bool = False) -> CommandCall:
    return CommandCall(
        bot_id=draw(ids),
        bot_code=draw(codes),
        command=draw(_opt(texts)),
        command_id=draw(_opt(ids)),
        command_params=draw(_opt(texts)),
        command_context=draw(_opt(st.sampled_from(["TEXTAREA", "KEYBOARD"]))),
        message_id=draw(_opt(ids)),
        auth=draw(_opt(auths(allow_empty=not form_safe))),
    )


@st.composite
def message_params(draw: st.DrawFn) -> MessageParams:
    return MessageParams(
        message=draw(_opt(texts)),
        message_id=draw(_opt(ids)),
        message_type=draw(_opt(message_types)),
        chat_type=draw(_opt(message_types)),
        dialog_id=draw(_opt(dialog_ids)),
        from_user_id=draw(_opt(ids)),
        to_user_id=draw(_opt(ids)),
        to_chat_id=draw(_opt(ids)),
        author_id=draw(_opt(ids)),
        chat_id=draw(_opt(ids)),
        chat_title=draw(_opt(texts)),
        chat_author_id=draw(_opt(ids)),
        chat_entity_type=draw(_opt(texts)),
        chat_entity_id=draw(_opt(texts)),
        chat_user_count=draw(_opt(ids)),
        system=draw(yes_no),
        language=draw(_opt(languages)),
        command_context=draw(_opt(st.sampled_from(["TEXTAREA", "KEYBOARD"]))),
        platform_context=draw(_opt(st.sampled_from(["web", "mobile", "desktop"]))),
        template_id=draw(_opt(st.uuids().map(str))),
        message_original=draw(_opt(texts)),
        mentioned=draw(id_sets),
    )


@st.composite
def chat_users(draw: st.DrawFn) -> ChatUser:
    return ChatUser(
        id=draw(ids),
        name=draw(_opt(texts)),
        first_name=draw(_opt(texts)),
        last_name=draw(_opt(texts)),
        work_position=draw(_opt(texts)),
        gender=draw(_opt(st.sampled_from(["M", "F"]))),
        is_bot=draw(yes_no),
        is_connector=draw(yes_no),
        is_network=draw(yes_no),
        is_extranet=draw(yes_no),
    )


@st.composite
def join_params(draw: st.DrawFn) -> JoinChatParams:
    return JoinChatParams(
        chat_type=draw(_opt(message_types)),
        message_type=draw(_opt(message_types)),
        bot_id=draw(_opt(ids)),
        user_id=draw(_opt(ids)),
        dialog_id=draw(_opt(dialog_ids)),
        language=draw(_opt(languages)),
        to_user_id=draw(_opt(ids)),
        from_user_id=draw(_opt(ids)),
        chat_id=draw(_opt(ids)),
        chat_author_id=draw(_opt(ids)),
        chat_entity_type=draw(_opt(texts)),
        chat_entity_id=draw(_opt(texts)),
        access_history=draw(yes_no),
        silent_join=draw(yes_no),
    )


def _free_form(form_safe: bool) -> st.SearchStrategy[dict[str, Any]]:
    return form_trees() if form_safe else (form_trees() | json_trees())


@st.composite
def messages(draw: st.DrawFn, *, form_safe: bool = False) -> Message:
    # A form body drops an empty mapping: forward is None or has something in it there.
    forward = _free_form(form_safe).filter(bool) if form_safe else _free_form(form_safe)
    return Message(
        id=draw(ids),
        chat_id=draw(_opt(ids)),
        author_id=draw(_opt(ids)),
        date=draw(_opt(datetimes)),
        text=draw(_opt(texts)),
        is_system=draw(yes_no),
        uuid=draw(_opt(st.uuids().map(str))),
        forward=draw(_opt(forward)),
        params=draw(_free_form(form_safe)),
        viewed_by_others=draw(yes_no),
    )


@st.composite
def chats(draw: st.DrawFn) -> Chat:
    return Chat(
        id=draw(ids),
        dialog_id=draw(_opt(dialog_ids)),
        type=draw(_opt(st.sampled_from(["chat", "open", "channel", "private", "copilot"]))),
        name=draw(_opt(texts)),
        entity_type=draw(_opt(texts)),
        owner=draw(_opt(ids)),
        avatar=draw(_opt(texts)),
        color=draw(_opt(st.from_regex(r"#[0-9a-f]{6}", fullmatch=True))),
    )


@st.composite
def users(draw: st.DrawFn) -> User:
    return User(
        id=draw(ids),
        active=draw(yes_no),
        name=draw(_opt(texts)),
        first_name=draw(_opt(texts)),
        last_name=draw(_opt(texts)),
        work_position=draw(_opt(texts)),
        color=draw(_opt(st.from_regex(r"#[0-9a-f]{6}", fullmatch=True))),
        avatar=draw(_opt(texts)),
        gender=draw(_opt(st.sampled_from(["M", "F"]))),
        extranet=draw(yes_no),
        bot=draw(yes_no),
        connector=draw(yes_no),
        external_auth_id=draw(_opt(texts)),
        status=draw(_opt(st.sampled_from(["online", "away", "dnd"]))),
        last_activity_date=draw(_opt(datetimes)),
        absent=draw(_opt(datetimes)),
        departments=tuple(draw(st.lists(ids, max_size=3))),
        type=draw(_opt(st.sampled_from(["employee", "extranet", "bot"]))),
    )


@st.composite
def v2_commands(draw: st.DrawFn) -> Command:
    return Command(
        id=draw(ids),
        command=draw(_opt(texts)),
        params=draw(_opt(texts)),
        context=draw(_opt(st.sampled_from(["textarea", "keyboard", "menu"]))),
    )


V1_MESSAGE_CODES: dict[str, type[Event]] = {
    "ONIMBOTMESSAGEADD": BotMessageAddEvent,
    "ONIMBOTMESSAGEUPDATE": BotMessageUpdateEvent,
    "ONIMBOTMESSAGEDELETE": BotMessageDeleteEvent,
}
V2_MESSAGE_CODES: dict[str, type[Event]] = {
    "ONIMBOTV2MESSAGEADD": BotV2MessageAddEvent,
    "ONIMBOTV2MESSAGEUPDATE": BotV2MessageUpdateEvent,
}


@st.composite
def chat_bot_events(draw: st.DrawFn, *, envelope: dict[str, Any], form_safe: bool = False) -> Event:
    """A v1 or v2 message, join, command, reaction or context event."""
    code = draw(
        st.sampled_from(
            [
                *V1_MESSAGE_CODES,
                "ONIMBOTJOINCHAT",
                "ONIMCOMMANDADD",
                *V2_MESSAGE_CODES,
                "ONIMBOTV2MESSAGEDELETE",
                "ONIMBOTV2JOINCHAT",
                "ONIMBOTV2COMMANDADD",
                "ONIMBOTV2REACTIONCHANGE",
                "ONIMBOTV2CONTEXTGET",
            ]
        )
    )
    bot_maps = st.dictionaries(ids, bot_credentials(form_safe=form_safe), max_size=3)
    user = draw(_opt(chat_users()))
    if code in V1_MESSAGE_CODES:
        data = BotMessageData(bots=draw(bot_maps), params=draw(message_params()), user=user)
        return V1_MESSAGE_CODES[code](code=code, data=data, **envelope)
    if code == "ONIMBOTJOINCHAT":
        join = BotJoinChatData(bots=draw(bot_maps), params=draw(join_params()), user=user)
        return BotJoinChatEvent(code=code, data=join, **envelope)
    if code == "ONIMCOMMANDADD":
        calls = st.dictionaries(ids, command_calls(form_safe=form_safe), max_size=3)
        command = BotCommandData(commands=draw(calls), params=draw(message_params()), user=user)
        return BotCommandAddEvent(code=code, data=command, **envelope)
    common: dict[str, Any] = {
        "bot": draw(bots(allow_empty_auth=not form_safe)),
        "chat": draw(_opt(chats())),
        "user": draw(_opt(users())),
        "language": draw(_opt(languages)),
    }
    message = _opt(messages(form_safe=form_safe))
    if code in V2_MESSAGE_CODES:
        v2 = BotV2MessageData(message=draw(message), **common)
        return V2_MESSAGE_CODES[code](code=code, data=v2, **envelope)
    if code == "ONIMBOTV2MESSAGEDELETE":
        deleted = BotV2MessageDeleteData(message_id=draw(_opt(ids)), **common)
        return BotV2MessageDeleteEvent(code=code, data=deleted, **envelope)
    if code == "ONIMBOTV2JOINCHAT":
        joined = BotV2JoinChatData(dialog_id=draw(_opt(dialog_ids)), **common)
        return BotV2JoinChatEvent(code=code, data=joined, **envelope)
    if code == "ONIMBOTV2COMMANDADD":
        called = BotV2CommandData(
            command=draw(_opt(v2_commands())), message=draw(message), **common
        )
        return BotV2CommandAddEvent(code=code, data=called, **envelope)
    if code == "ONIMBOTV2REACTIONCHANGE":
        reacted = BotV2ReactionChangeData(
            reaction=draw(_opt(st.sampled_from(["like", "dislike", "fire"]))),
            action=draw(_opt(st.sampled_from(["add", "delete"]))),
            message=draw(message),
            **common,
        )
        return BotV2ReactionChangeEvent(code=code, data=reacted, **envelope)
    context = BotV2ContextGetData(
        dialog_id=draw(_opt(dialog_ids)), context=draw(_free_form(form_safe)), **common
    )
    return BotV2ContextGetEvent(code=code, data=context, **envelope)


@st.composite
def events(draw: st.DrawFn, *, form_safe: bool = False) -> Event:
    """An event of any typed class or ``UnknownEvent``, built from its models.

    ``form_safe`` keeps to what a form body can represent: no empty ``auth`` blocks (PHP's
    ``http_build_query`` drops empty arrays) and string-only free-form ``data``.
    """
    envelope: dict[str, Any] = {
        "handler_id": draw(_opt(ids)),
        "ts": draw(_opt(datetimes)),
        "auth": draw(_opt(auths(allow_empty=not form_safe))),
    }
    kind = draw(
        st.sampled_from(
            ["delete", "v2delete", "install", "update", "uninstall", "unknown", "chat-bot"]
        )
    )
    if kind == "chat-bot":
        return draw(chat_bot_events(envelope=envelope, form_safe=form_safe))
    if kind == "delete":
        data_v1 = BotDeleteData(bot_id=draw(ids), bot_code=draw(codes))
        return BotDeleteEvent(code="ONIMBOTDELETE", data=data_v1, **envelope)
    if kind == "v2delete":
        data_v2 = BotV2DeleteData(bot=draw(bots(allow_empty_auth=not form_safe)))
        return BotV2DeleteEvent(code="ONIMBOTV2DELETE", data=data_v2, **envelope)
    if kind == "install":
        install = AppInstallData(
            version=draw(_opt(versions)),
            active=draw(_opt(st.booleans())),
            installed=draw(_opt(st.booleans())),
            language_id=draw(_opt(languages)),
        )
        return AppInstallEvent(code="ONAPPINSTALL", data=install, **envelope)
    if kind == "update":
        update = AppUpdateData(
            version=draw(_opt(versions)),
            previous_version=draw(_opt(versions)),
            language_id=draw(_opt(languages)),
        )
        return AppUpdateEvent(code="ONAPPUPDATE", data=update, **envelope)
    if kind == "uninstall":
        uninstall = AppUninstallData(
            language_id=draw(_opt(languages)), clean=draw(_opt(st.booleans()))
        )
        return AppUninstallEvent(code="ONAPPUNINSTALL", data=uninstall, **envelope)
    tree = draw(form_trees() if form_safe else (form_trees() | json_trees()))
    return UnknownEvent(code=draw(unknown_codes), data=tree, **envelope)


#: Arbitrary JSON-ish garbage: scalars of every kind (floats with NaN/inf, bytes), dicts with
#: non-string keys, lists and tuples, nested.
garbage_scalars: st.SearchStrategy[Any] = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=30)
    | st.binary(max_size=10)
    | st.datetimes()
)
garbage: st.SearchStrategy[Any] = st.recursive(
    garbage_scalars,
    lambda children: (
        st.dictionaries(
            st.text(max_size=8)
            | st.integers()
            | st.none()
            | st.booleans()
            | st.floats(allow_nan=False),
            children,
            max_size=4,
        )
        | st.lists(children, max_size=4)
        | st.tuples(children, children)
    ),
    max_leaves=20,
)
