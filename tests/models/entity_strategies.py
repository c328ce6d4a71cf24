"""Fetch-mode ``data`` as Bitrix24's JSON would carry it, drawn field by field from the docs.

Each entity key of ``entities.md`` is drawn with the type the docs give it (``integer``,
``boolean``, ``string``, ``string|null``, "ISO 8601 or ``false``", ``object|false``,
``object``), or left out. ``event_data(code)`` builds the ``data`` of any ``imbot.v2`` or
im.v2 user event from them, its required keys always present, so the same tree can be
parsed as JSON (fetch mode) and through ``encode_form`` (webhook mode) and compared.

Free-form objects use keys without brackets or NUL: a key with one cannot be carried by a form
body at all (PHP reshapes it, and the parser refuses the body).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from b24botevents.testing.samples import FETCH_CODES

UTF8 = st.characters(codec="utf-8")
texts = st.text(UTF8, max_size=12)
ints = st.integers(min_value=-(2**63), max_value=2**63 - 1)
ids = st.integers(min_value=0, max_value=2**31 - 1)
booleans = st.booleans()
offsets = st.sampled_from(
    [timezone.utc, timezone(timedelta(hours=2)), timezone(-timedelta(hours=5))]
)
#: ISO 8601 text, as the docs' dates are (whole seconds or not).
iso_dates = st.datetimes(
    min_value=datetime(2001, 1, 1), max_value=datetime(2100, 1, 1), timezones=offsets
).map(lambda moment: moment.isoformat())
iso_or_false = iso_dates | st.just(False)

_keys = st.text(
    st.characters(codec="utf-8", exclude_characters="[]\x00"), max_size=6
) | st.sampled_from(["0", "1", "2", "id", " x", "-1", "01"])
_leaves = st.none() | booleans | ints | st.floats(allow_nan=False, allow_infinity=False) | texts
#: A JSON object of any shape: what the docs call ``object`` ("arbitrary data").
free_objects: st.SearchStrategy[Any] = st.dictionaries(
    _keys,
    st.recursive(
        _leaves,
        lambda children: (
            st.dictionaries(_keys, children, max_size=3) | st.lists(children, max_size=3)
        ),
        max_leaves=10,
    ),
    max_size=4,
) | st.just([])  # PHP's empty array, as JSON renders it


def _entity(required: dict[str, Any], optional: dict[str, Any]) -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(required, optional=optional)


chats = _entity(
    {"id": ids, "dialogId": texts},
    {
        "name": texts,
        "type": st.sampled_from(["chat", "open", "channel", "private", "thread"]) | texts,
        "messageType": st.sampled_from(list("COPL")),
        "owner": ids,
        "color": st.none() | texts,
        "avatar": texts,
        "description": texts,
        "extranet": booleans,
        "containsCollaber": booleans,
        "entityType": texts,
        "entityId": texts,
        "entityData1": texts,
        "entityData2": texts,
        "entityData3": texts,
        "entityLink": free_objects,
        "diskFolderId": st.none() | ids,
        "permissions": free_objects,
        "parentChatId": st.none() | ids,
        "parentMessageId": st.none() | ids,
        "isNew": booleans,
        "textFieldEnabled": st.sampled_from(["Y", "N"]),
        "backgroundId": st.none() | texts,
    },
)
users = _entity(
    {"id": ids},
    {
        "active": booleans,
        "name": texts,
        "firstName": texts,
        "lastName": texts,
        "workPosition": texts,
        "color": texts,
        "avatar": texts,
        "gender": st.sampled_from(["M", "F"]),
        "birthday": texts,
        "extranet": booleans,
        "bot": booleans,
        "connector": booleans,
        "externalAuthId": texts,
        "status": texts,
        "idle": iso_or_false,
        "lastActivityDate": iso_or_false,
        "mobileLastDate": iso_or_false,
        "desktopLastDate": iso_or_false,
        "absent": iso_or_false,
        "departments": st.lists(ids, max_size=3),
        "phones": st.just(False) | st.dictionaries(_keys, texts, max_size=3),
        "type": texts,
        "website": texts,
        "email": texts,
    },
)
forwards = st.none() | _entity(
    {}, {"id": ids, "userId": ids, "chatId": ids, "date": st.none() | iso_dates}
)
messages = _entity(
    {"id": ids, "text": texts},
    {
        "chatId": ids,
        "authorId": ids,
        "date": st.none() | iso_dates,
        "isSystem": booleans,
        "uuid": texts,
        "forward": forwards,
        "params": free_objects,
        "viewedByOthers": booleans,
    },
)
fetch_bots = _entity(
    {"id": ids, "code": texts},
    {
        "type": st.sampled_from(["bot", "supervisor", "personal", "openline"]),
        "isHidden": booleans,
        "isSupportOpenline": booleans,
        "isReactionsEnabled": booleans,
        "backgroundId": st.none() | texts,
        "language": texts,
        "moduleId": texts,
        "eventMode": st.sampled_from(["fetch", "webhook"]),
        "countMessage": ids,
        "countCommand": ids,
        "countChat": ids,
        "countUser": ids,
    },
)
commands = _entity(
    {"id": ids, "command": texts},
    {"params": texts, "context": st.sampled_from(["textarea", "keyboard", "menu"])},
)

_COMMON = {"user": users, "language": texts}


def event_data(code: str) -> st.SearchStrategy[dict[str, Any]]:
    """Fetch-format ``data`` of ``code`` (an ``imbot.v2`` or im.v2 user event)."""
    user_event = code.startswith("ONIMV2")
    required: dict[str, Any] = {} if user_event else {"bot": fetch_bots}
    optional: dict[str, Any] = dict(_COMMON)
    kind = code.removeprefix("ONIMBOTV2").removeprefix("ONIMV2")
    if kind == "DELETE":
        return _entity(required, {})
    if kind in ("JOINCHAT",):
        optional.update({"dialogId": texts, "chat": chats})
    elif kind == "CONTEXTGET":
        required.update({"dialogId": texts})
        optional.update({"chat": chats, "context": free_objects})
    else:
        required["chat"] = chats
        if kind == "MESSAGEDELETE":
            required["messageId"] = ids
        else:
            required["message"] = messages
        if kind == "COMMANDADD":
            required["command"] = commands
        if kind == "REACTIONCHANGE":
            optional.update({"reaction": texts, "action": st.sampled_from(["add", "delete"])})
    return _entity(required, optional)


#: Every code ``event_data`` knows, the same as ``fetch_sample_data``'s.
CODES = FETCH_CODES
