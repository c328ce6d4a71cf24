"""``client.reply(event, ...)`` and friends against the fake Bitrix24, for every chat event.

For each chat event class, v1 and v2, a reply goes to the right method, from the event's
bot, into the event's dialog, with the right parameters (what the fake recorded, and the
message it kept); commands get the command's answer and ``send`` a plain message. Sync
(``reply``) and async (``areply``), in-process and over real HTTP. Then the options, the
"typing", edit and delete calls, and which credentials a reply goes with: the event's bot
tokens while fresh, the stored ones after, the webhook of the event's domain for a portal
without a record, a webhook-only client.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from b24botevents import (
    AnyMessageAddEvent,
    Dispatcher,
    Event,
    MemoryPortalStore,
    RestError,
    parse_event,
)
from b24botevents.rest import WebhookAuth
from b24botevents.rest.client import RestClient
from b24botevents.testing import Portal, sample_body
from b24botevents.wire import encode_form, to_tree

from .support import (
    BOT_OF,
    CHAT_CODES,
    FORM,
    MODES,
    V1_CODES,
    V2_CODES,
    WEBHOOK_SECRET,
    Bench,
    RecordingTransport,
    chat_event,
    open_bench,
)

TEXT = "Hello from the bot"
HOW = ["sync", "async"]
V1_MESSAGE = "ONIMBOTMESSAGEADD"
V2_MESSAGE = "ONIMBOTV2MESSAGEADD"
ATTACH = [{"MESSAGE": "an attachment"}]
KEYBOARD = [{"TEXT": "Yes", "COMMAND": "yes"}]
MENU = [{"TEXT": "Help", "COMMAND": "help"}]


def _v1(bot_id: int, dialog: str = "27") -> tuple[str, dict[str, Any]]:
    return "imbot.message.add", {"BOT_ID": bot_id, "DIALOG_ID": dialog, "MESSAGE": TEXT}


def _v2(dialog: str = "chat5") -> tuple[str, dict[str, Any]]:
    return "imbot.v2.Chat.Message.send", {
        "botId": 456,
        "dialogId": dialog,
        "fields": {"message": TEXT},
    }


#: code -> (method, parameters as the fake records them) of ``reply(event, TEXT)``.
EXPECTED: dict[str, tuple[str, dict[str, Any]]] = {
    "ONIMBOTMESSAGEADD": _v1(567),
    "ONIMBOTMESSAGEUPDATE": _v1(571),
    "ONIMBOTMESSAGEDELETE": _v1(571),
    "ONIMBOTJOINCHAT": _v1(571),
    "ONIMCOMMANDADD": (
        "imbot.command.answer",
        {
            "BOT_ID": 1291,
            "MESSAGE": TEXT,
            "COMMAND_ID": 103,
            "COMMAND": "echo",
            "MESSAGE_ID": 33899,
        },
    ),
    "ONIMBOTV2MESSAGEADD": _v2(),
    "ONIMBOTV2MESSAGEUPDATE": _v2(),
    "ONIMBOTV2MESSAGEDELETE": _v2(),
    "ONIMBOTV2JOINCHAT": _v2(),
    "ONIMBOTV2COMMANDADD": (
        "imbot.v2.Command.answer",
        {
            "botId": 456,
            "commandId": 78,
            "messageId": 790,
            "dialogId": "chat5",
            "fields": {"message": TEXT},
        },
    ),
    "ONIMBOTV2REACTIONCHANGE": _v2(),
    "ONIMBOTV2CONTEXTGET": _v2("1"),
}
#: The dialog each sample event happens in (v1 command answers name only the message).
DIALOG_OF = {
    **dict.fromkeys(["ONIMBOTMESSAGEADD", "ONIMBOTMESSAGEUPDATE"], "27"),
    **dict.fromkeys(["ONIMBOTMESSAGEDELETE", "ONIMBOTJOINCHAT"], "27"),
    "ONIMCOMMANDADD": "1269",
    **dict.fromkeys(V2_CODES, "chat5"),
    "ONIMBOTV2CONTEXTGET": "1",
}


def act(client: RestClient, how: str, name: str, *args: Any, **kwargs: Any) -> Any:
    """``client.<name>(...)``, or ``await client.a<name>(...)`` in a fresh loop."""
    if how == "sync":
        return getattr(client, name)(*args, **kwargs)

    async def go() -> Any:
        try:
            return await getattr(client, f"a{name}")(*args, **kwargs)
        finally:
            await client.aclose()

    return asyncio.run(go())


def bench_client(bench: Bench, **options: Any) -> tuple[MemoryPortalStore, RestClient]:
    """A store the portal was installed into, and a client on it."""
    store = MemoryPortalStore()
    bench.installed(store)
    return store, bench.client(store, **options)


def bot_token(portal: Portal, code: str) -> str:
    return portal.bot_auth(BOT_OF[code])["access_token"]


def stored_token(store: MemoryPortalStore, portal: Portal) -> str:
    record = store.get(portal.member_id)
    assert record is not None
    assert record.credentials is not None
    return record.credentials.access_token


# ---- every chat event ------------------------------------------------------------------


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("code", CHAT_CODES)
def test_reply_goes_to_the_events_method_bot_and_dialog(code: str, mode: str, how: str) -> None:
    with open_bench(mode) as bench:
        _store, client = bench_client(bench)
        event = chat_event(code, bench.portal)
        message_id = act(client, how, "reply", event, TEXT)
        method, params = EXPECTED[code]
        calls = bench.fake.calls
        assert [call.method for call in calls] == [method]
        call = calls[0]
        assert dict(call.params) == params
        assert call.status == 200
        assert (call.auth_kind, call.token_kind) == ("oauth", "bot")
        assert call.member_id == bench.portal.member_id
        assert call.token == bot_token(bench.portal, code)  # the event's own bot's token
        [sent] = bench.fake.messages
        assert (sent.text, sent.bot_id, sent.method) == (TEXT, BOT_OF[code], method)
        assert sent.member_id == bench.portal.member_id
        if code == "ONIMCOMMANDADD":
            # imbot.command.answer names the command's message, not a dialog.
            assert (sent.command_id, sent.reply_to) == (103, 33899)
        else:
            assert sent.dialog_id == DIALOG_OF[code]
        if code == "ONIMBOTV2COMMANDADD":
            assert (sent.command_id, sent.reply_to) == (78, 790)
            assert message_id is None  # Command.answer answers {"result": true}, no id
        else:
            assert message_id == sent.message_id


@pytest.mark.parametrize("code", CHAT_CODES)
def test_a_handler_replies_through_the_dispatcher_sync_and_async(code: str) -> None:
    with open_bench("in-process") as bench:
        store = MemoryPortalStore()
        dp = bench.installed(store)
        client = bench.client(store)
        seen: list[int | None] = []

        @dp.on(code)
        def answer(event: Event) -> None:
            seen.append(client.reply(event, TEXT))

        adp = Dispatcher(portal_store=store)

        @adp.on(code)
        async def aanswer(event: Event) -> None:
            seen.append(await client.areply(event, TEXT))

        body = sample_body(code, portal=bench.portal)
        assert dp.handle(body, content_type=FORM).status == 200

        async def go() -> int:
            try:
                return (await adp.ahandle(body, content_type=FORM)).status
            finally:
                await client.aclose()

        assert asyncio.run(go()) == 200
        method, params = EXPECTED[code]
        calls = bench.fake.calls_to(method)
        assert [dict(call.params) for call in calls] == [params, params]
        assert len(bench.fake.messages) == 2
        assert len(seen) == 2


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize(
    ("code", "method", "params"),
    [
        (
            "ONIMCOMMANDADD",
            "imbot.message.add",
            {"BOT_ID": 1291, "DIALOG_ID": "1269", "MESSAGE": TEXT},
        ),
        (
            "ONIMBOTV2COMMANDADD",
            "imbot.v2.Chat.Message.send",
            {"botId": 456, "dialogId": "chat5", "fields": {"message": TEXT}},
        ),
    ],
)
def test_send_posts_a_plain_message_even_for_a_command(
    code: str, method: str, params: dict[str, Any], how: str
) -> None:
    with open_bench("in-process") as bench:
        _store, client = bench_client(bench)
        message_id = act(client, how, "send", chat_event(code, bench.portal), TEXT)
        assert [(call.method, dict(call.params)) for call in bench.fake.calls] == [(method, params)]
        [sent] = bench.fake.messages
        assert sent.command_id is None
        assert message_id == sent.message_id
        assert sent.dialog_id == DIALOG_OF[code]


@pytest.mark.parametrize("code", [V1_MESSAGE, V2_MESSAGE])
def test_send_takes_attach_and_keyboard(code: str) -> None:
    with open_bench("in-process") as bench:
        _store, client = bench_client(bench)
        client.send(chat_event(code, bench.portal), TEXT, attach=ATTACH, keyboard=KEYBOARD)
        [sent] = bench.fake.messages
        assert (sent.attach, sent.keyboard) == (ATTACH, KEYBOARD)


# ---- options ---------------------------------------------------------------------------


@pytest.mark.parametrize("how", HOW)
def test_v1_options_attach_keyboard_menu_system_url_preview(how: str) -> None:
    with open_bench("in-process") as bench:
        _store, client = bench_client(bench)
        event = chat_event(V1_MESSAGE, bench.portal)
        act(
            client,
            how,
            "reply",
            event,
            TEXT,
            attach=ATTACH,
            keyboard=KEYBOARD,
            menu=MENU,
            system=True,
            url_preview=False,
        )
        [call] = bench.fake.calls
        assert dict(call.params) == {
            "BOT_ID": 567,
            "DIALOG_ID": "27",
            "MESSAGE": TEXT,
            "ATTACH": ATTACH,
            "KEYBOARD": KEYBOARD,
            "MENU": MENU,
            "SYSTEM": "Y",
            "URL_PREVIEW": "N",
        }
        [sent] = bench.fake.messages
        assert (sent.attach, sent.keyboard, sent.menu) == (ATTACH, KEYBOARD, MENU)
        assert (sent.system, sent.url_preview) == (True, False)


def test_v1_command_answer_carries_the_options_too() -> None:
    with open_bench("in-process") as bench:
        _store, client = bench_client(bench)
        event = chat_event("ONIMCOMMANDADD", bench.portal)
        client.reply(event, TEXT, keyboard=KEYBOARD, menu=MENU, system=False, url_preview=True)
        [call] = bench.fake.calls
        assert call.method == "imbot.command.answer"
        assert dict(call.params) == {
            **EXPECTED["ONIMCOMMANDADD"][1],
            "KEYBOARD": KEYBOARD,
            "MENU": MENU,
            "SYSTEM": "N",
            "URL_PREVIEW": "Y",
        }


@pytest.mark.parametrize("how", HOW)
def test_v2_options_attach_keyboard_system_url_preview_reply_to(how: str) -> None:
    with open_bench("in-process") as bench:
        _store, client = bench_client(bench)
        event = chat_event(V2_MESSAGE, bench.portal)
        act(
            client,
            how,
            "reply",
            event,
            TEXT,
            attach=ATTACH,
            keyboard=KEYBOARD,
            system=True,
            url_preview=False,
            reply_to=789,
        )
        [call] = bench.fake.calls
        assert dict(call.params) == {
            "botId": 456,
            "dialogId": "chat5",
            "fields": {
                "message": TEXT,
                "attach": ATTACH,
                "keyboard": KEYBOARD,
                "system": True,
                "urlPreview": False,
                "replyId": 789,
            },
        }
        [sent] = bench.fake.messages
        assert (sent.attach, sent.keyboard, sent.reply_to) == (ATTACH, KEYBOARD, 789)
        assert (sent.system, sent.url_preview) == (True, False)


def test_v2_command_answer_carries_the_options_too() -> None:
    with open_bench("in-process") as bench:
        _store, client = bench_client(bench)
        event = chat_event("ONIMBOTV2COMMANDADD", bench.portal)
        client.reply(event, TEXT, keyboard=KEYBOARD, system=True)
        [call] = bench.fake.calls
        assert call.method == "imbot.v2.Command.answer"
        assert call.params["fields"] == {"message": TEXT, "keyboard": KEYBOARD, "system": True}


@pytest.mark.parametrize("code", [V1_MESSAGE, V2_MESSAGE])
def test_an_attachment_alone_is_an_answer(code: str) -> None:
    with open_bench("in-process") as bench:
        _store, client = bench_client(bench)
        client.reply(chat_event(code, bench.portal), attach=ATTACH)
        [sent] = bench.fake.messages
        assert (sent.text, sent.attach) == ("", ATTACH)


@pytest.mark.parametrize(
    ("code", "options"),
    [
        (V2_MESSAGE, {"menu": MENU}),
        ("ONIMBOTV2COMMANDADD", {"menu": MENU}),
        ("ONIMBOTV2JOINCHAT", {"menu": MENU}),
        (V1_MESSAGE, {"reply_to": 84331}),
        ("ONIMCOMMANDADD", {"reply_to": 33899}),
        ("ONIMBOTJOINCHAT", {"reply_to": 1}),
        ("ONIMBOTV2COMMANDADD", {"reply_to": 790}),
    ],
)
@pytest.mark.parametrize("how", HOW)
def test_an_option_of_the_other_version_is_a_value_error_and_nothing_is_sent(
    code: str, options: dict[str, Any], how: str
) -> None:
    with open_bench("in-process") as bench:
        _store, client = bench_client(bench)
        with pytest.raises(ValueError, match=r"v1|v2|command"):
            act(client, how, "reply", chat_event(code, bench.portal), TEXT, **options)
        assert bench.fake.calls == []


@pytest.mark.parametrize("code", [V1_MESSAGE, V2_MESSAGE, "ONIMCOMMANDADD"])
def test_an_answer_without_text_or_attachment_is_a_value_error(code: str) -> None:
    with open_bench("in-process") as bench:
        _store, client = bench_client(bench)
        event = chat_event(code, bench.portal)
        with pytest.raises(ValueError, match="text or an attachment"):
            client.reply(event)
        with pytest.raises(ValueError, match="text or an attachment"):
            client.send(event, keyboard=KEYBOARD)
        assert bench.fake.calls == []


# ---- typing, edit, delete --------------------------------------------------------------


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize(
    ("code", "method", "params"),
    [
        (V1_MESSAGE, "imbot.chat.sendTyping", {"BOT_ID": 567, "DIALOG_ID": "27"}),
        ("ONIMCOMMANDADD", "imbot.chat.sendTyping", {"BOT_ID": 1291, "DIALOG_ID": "1269"}),
        (V2_MESSAGE, "imbot.v2.Chat.InputAction.notify", {"botId": 456, "dialogId": "chat5"}),
        (
            "ONIMBOTV2CONTEXTGET",
            "imbot.v2.Chat.InputAction.notify",
            {"botId": 456, "dialogId": "1"},
        ),
    ],
)
def test_typing_is_shown_by_the_events_bot_in_its_dialog(
    code: str, method: str, params: dict[str, Any], how: str
) -> None:
    with open_bench("in-process") as bench:
        _store, client = bench_client(bench)
        assert act(client, how, "typing", chat_event(code, bench.portal)) is None
        [call] = bench.fake.calls
        assert (call.method, dict(call.params), call.status) == (method, params, 200)
        assert call.token == bot_token(bench.portal, code)
        assert bench.fake.messages == []


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("code", [V1_MESSAGE, V2_MESSAGE])
def test_edit_changes_the_bots_own_message(code: str, mode: str, how: str) -> None:
    with open_bench(mode) as bench:
        _store, client = bench_client(bench)
        event = chat_event(code, bench.portal)
        message_id = client.reply(event, TEXT)
        assert isinstance(message_id, int)
        act(
            client,
            how,
            "edit",
            event,
            message_id,
            "edited",
            attach=ATTACH,
            keyboard=KEYBOARD,
            url_preview=False,
        )
        call = bench.fake.calls[-1]
        if code == V1_MESSAGE:
            assert call.method == "imbot.message.update"
            assert dict(call.params) == {
                "BOT_ID": 567,
                "MESSAGE_ID": message_id,
                "MESSAGE": "edited",
                "ATTACH": ATTACH,
                "KEYBOARD": KEYBOARD,
                "URL_PREVIEW": "N",
            }
        else:
            assert call.method == "imbot.v2.Chat.Message.update"
            assert dict(call.params) == {
                "botId": 456,
                "messageId": message_id,
                "fields": {
                    "message": "edited",
                    "attach": ATTACH,
                    "keyboard": KEYBOARD,
                    "urlPreview": "N",
                },
            }
        assert call.status == 200
        [sent] = bench.fake.messages
        assert (sent.message_id, sent.text, sent.edited) == (message_id, "edited", True)
        assert (sent.attach, sent.keyboard, sent.url_preview) == (ATTACH, KEYBOARD, False)


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("code", [V1_MESSAGE, V2_MESSAGE])
def test_delete_removes_the_bots_own_message(code: str, how: str) -> None:
    with open_bench("in-process") as bench:
        _store, client = bench_client(bench)
        event = chat_event(code, bench.portal)
        message_id = client.reply(event, TEXT)
        assert isinstance(message_id, int)
        assert act(client, how, "delete", event, message_id) is None
        call = bench.fake.calls[-1]
        if code == V1_MESSAGE:
            assert (call.method, dict(call.params)) == (
                "imbot.message.delete",
                {"BOT_ID": 567, "MESSAGE_ID": message_id, "COMPLETE": "Y"},
            )
        else:
            assert (call.method, dict(call.params)) == (
                "imbot.v2.Chat.Message.delete",
                {"botId": 456, "messageId": message_id},
            )
        assert call.status == 200
        assert bench.fake.messages_in(DIALOG_OF[code]) == []
        [sent] = bench.fake.messages
        assert sent.deleted


@pytest.mark.parametrize("bad", [0, -1, True, "5", 1.0])
@pytest.mark.parametrize("code", [V1_MESSAGE, V2_MESSAGE])
def test_edit_and_delete_refuse_what_is_not_a_message_id(code: str, bad: Any) -> None:
    with open_bench("in-process") as bench:
        _store, client = bench_client(bench)
        event = chat_event(code, bench.portal)
        with pytest.raises(ValueError, match="message_id"):
            client.edit(event, bad, "x")
        with pytest.raises(ValueError, match="message_id"):
            client.delete(event, bad)
        assert bench.fake.calls == []


# ---- which credentials -----------------------------------------------------------------


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("code", [V1_MESSAGE, "ONIMCOMMANDADD", V2_MESSAGE])
def test_event_tokens_past_their_expiry_are_never_sent(code: str, how: str) -> None:
    with open_bench("in-process") as bench:
        store, client = bench_client(bench)
        two_hours_ago = int(time.time()) - 7200  # the bot's tokens died an hour ago
        event = chat_event(code, bench.portal, ts=two_hours_ago)
        act(client, how, "reply", event, TEXT)
        [call] = bench.fake.calls
        assert (call.token_kind, call.status) == ("user", 200)
        assert call.token == stored_token(store, bench.portal)
        assert all(each.token != bot_token(bench.portal, code) for each in bench.fake.calls)
        assert len(bench.fake.messages) == 1


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("code", [V1_MESSAGE, V2_MESSAGE])
def test_event_tokens_the_portal_refuses_give_way_to_the_stored_ones(code: str, how: str) -> None:
    with open_bench("in-process") as bench:
        store, client = bench_client(bench)
        # The same portal, but bot tokens the fake never issued: answered invalid_token.
        stranger_tokens = bench.portal.evolve(access_token="f" * 50)
        act(client, how, "reply", chat_event(code, stranger_tokens), TEXT)
        first, second = bench.fake.calls
        assert (first.error, first.status) == ("invalid_token", 401)
        assert (second.token_kind, second.status) == ("user", 200)
        assert second.token == stored_token(store, bench.portal)
        assert dict(second.params) == dict(first.params)
        assert len(bench.fake.messages) == 1
        assert bench.fake.refreshes == []


@pytest.mark.parametrize("how", HOW)
def test_expired_event_and_stored_tokens_refresh_once_then_reply(how: str) -> None:
    with open_bench("in-process") as bench:
        store, client = bench_client(bench)
        bench.fake.expire_tokens(bench.portal)
        act(client, how, "reply", chat_event(V2_MESSAGE, bench.portal), TEXT)
        kinds = [(call.method, call.token_kind, call.error) for call in bench.fake.calls]
        assert kinds == [
            ("imbot.v2.Chat.Message.send", "bot", "expired_token"),
            ("imbot.v2.Chat.Message.send", "user", "expired_token"),
            ("oauth/token", "user", None),
            ("imbot.v2.Chat.Message.send", "user", None),
        ]
        assert [refresh.error for refresh in bench.fake.refreshes] == [None]
        assert stored_token(store, bench.portal) == bench.fake.user_tokens(bench.portal)[0]
        assert len(bench.fake.messages) == 1


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("code", [V1_MESSAGE, V2_MESSAGE])
def test_prefer_event_tokens_false_replies_with_the_stored_credentials(code: str, how: str) -> None:
    with open_bench("in-process") as bench:
        store, client = bench_client(bench, prefer_event_tokens=False)
        act(client, how, "reply", chat_event(code, bench.portal), TEXT)
        [call] = bench.fake.calls
        assert (call.token_kind, call.status) == ("user", 200)
        assert call.token == stored_token(store, bench.portal)
        [sent] = bench.fake.messages
        assert sent.bot_id == BOT_OF[code]


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("prefer_event_tokens", [True, False])
def test_a_v2_envelope_naming_only_the_domain_finds_its_portal(
    how: str, prefer_event_tokens: bool
) -> None:
    with open_bench("in-process") as bench:
        store, client = bench_client(bench, prefer_event_tokens=prefer_event_tokens)
        body = sample_body(V2_MESSAGE, portal=bench.portal, with_user_tokens=False)
        event = parse_event(body, content_type=FORM)
        assert (event.member_id, event.domain) == (None, bench.portal.domain)
        act(client, how, "reply", event, TEXT)
        [call] = bench.fake.calls
        assert (call.member_id, call.status) == (bench.portal.member_id, 200)
        if prefer_event_tokens:
            assert call.token == bot_token(bench.portal, V2_MESSAGE)
        else:
            assert call.token == stored_token(store, bench.portal)


def _webhook_bot(bench: Bench, code: str) -> str:
    """Register the event's bot as a webhook bot; its botToken (v1: CLIENT_ID)."""
    if code in V1_CODES:
        token = "v1botCANARY0123456789"
        bench.fake.add_bot(bench.portal, BOT_OF[code], v=1, bot_token=token)
        return token
    return bench.fake.bot_token(bench.portal, BOT_OF[code])


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("code", [V1_MESSAGE, "ONIMCOMMANDADD", V2_MESSAGE])
def test_a_portal_without_a_record_replies_by_the_webhook_of_its_domain(
    code: str, how: str
) -> None:
    with open_bench("in-process") as bench:
        token = _webhook_bot(bench, code)
        webhook = bench.webhook(token, host=bench.portal.domain)
        recording = RecordingTransport(bench.fake.transport())
        client = bench.client(
            MemoryPortalStore(), webhook=webhook, transport=recording, async_transport=recording
        )
        act(client, how, "reply", chat_event(code, bench.portal), TEXT)
        [call] = bench.fake.calls
        assert (call.auth_kind, call.token, call.bot_token) == ("webhook", WEBHOOK_SECRET, token)
        assert (call.method, dict(call.params)) == EXPECTED[code]
        assert call.status == 200
        [sent] = recording.sent
        assert sent.url.startswith(f"https://{bench.portal.domain}/rest/1/{WEBHOOK_SECRET}/")
        body = json.loads(sent.body)
        assert "auth" not in body  # no event token goes to the webhook
        assert body.get("botToken" if code in V2_CODES else "CLIENT_ID") == token
        assert len(bench.fake.messages) == 1


def test_a_webhook_of_another_domain_is_no_fallback_for_an_unknown_portal() -> None:
    with open_bench("in-process") as bench:
        webhook = bench.webhook("x" * 32, host="other-portal.bitrix24.com")
        client = bench.client(MemoryPortalStore(), webhook=webhook)
        with pytest.raises(RestError) as caught:
            client.reply(chat_event(V2_MESSAGE, bench.portal), TEXT)
        assert caught.value.code == "PORTAL_NOT_INSTALLED"
        assert bench.fake.calls == []


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("code", [V1_MESSAGE, "ONIMCOMMANDADD", V2_MESSAGE, "ONIMBOTV2COMMANDADD"])
def test_a_webhook_only_client_adds_the_bots_token(code: str, mode: str, how: str) -> None:
    with open_bench(mode) as bench:
        token = _webhook_bot(bench, code)
        client = bench.client(webhook=bench.webhook(token))
        assert client.portal_store is None
        act(client, how, "reply", chat_event(code, bench.portal), TEXT)
        act(client, how, "typing", chat_event(code, bench.portal))
        first, second = bench.fake.calls
        for call in (first, second):
            assert (call.auth_kind, call.token, call.bot_token) == (
                "webhook",
                WEBHOOK_SECRET,
                token,
            )
            assert call.status == 200
        assert (first.method, dict(first.params)) == EXPECTED[code]
        [sent] = bench.fake.messages
        assert (sent.bot_id, sent.text) == (BOT_OF[code], TEXT)


# ---- which bot -------------------------------------------------------------------------


def _two_bot_event(code: str, portal: Portal) -> Event:
    """A v1 ``code`` event addressed to two bots: the sample's and bot 2002."""
    tree = to_tree(sample_body(code, portal=portal), content_type=FORM)
    data = tree["data"]
    tokens = portal.bot_auth(2002, refresh_token=True, client_id=True)
    block = {**tokens, "AUTH": dict(tokens), "BOT_ID": "2002", "BOT_CODE": "OTHER"}
    if code == "ONIMCOMMANDADD":
        [first] = data["COMMAND"].values()
        command = {**block, **{key: first[key] for key in ("COMMAND_CONTEXT", "MESSAGE_ID")}}
        data["COMMAND"]["104"] = {**command, "COMMAND": "help", "COMMAND_ID": "104"}
    else:
        data["BOT"]["2002"] = block
    return parse_event(encode_form(tree), content_type=FORM)


@pytest.mark.parametrize("code", [V1_MESSAGE, "ONIMBOTJOINCHAT", "ONIMCOMMANDADD"])
def test_a_v1_event_for_several_bots_needs_bot_id(code: str) -> None:
    with open_bench("in-process") as bench:
        _store, client = bench_client(bench)
        event = _two_bot_event(code, bench.portal)
        with pytest.raises(ValueError, match="several bots"):
            client.reply(event, TEXT)
        with pytest.raises(ValueError, match="bot"):
            client.reply(event, TEXT, bot_id=999)
        assert bench.fake.calls == []
        client.reply(event, TEXT, bot_id=2002)
        client.typing(event, bot_id=BOT_OF[code])
        reply, typing = bench.fake.calls
        assert reply.params["BOT_ID"] == 2002
        assert reply.token == bench.portal.bot_auth(2002)["access_token"]
        if code == "ONIMCOMMANDADD":
            assert (reply.params["COMMAND_ID"], reply.params["COMMAND"]) == (104, "help")
        assert typing.params["BOT_ID"] == BOT_OF[code]
        assert typing.token == bot_token(bench.portal, code)
        [sent] = bench.fake.messages
        assert sent.bot_id == 2002


def test_a_v2_event_answers_only_as_its_own_bot() -> None:
    with open_bench("in-process") as bench:
        _store, client = bench_client(bench)
        event = chat_event(V2_MESSAGE, bench.portal)
        with pytest.raises(ValueError, match="bot 456"):
            client.reply(event, TEXT, bot_id=457)
        assert bench.fake.calls == []
        client.reply(event, TEXT, bot_id=456)
        assert bench.fake.calls[0].params["botId"] == 456


@pytest.mark.parametrize(
    "code", ["ONAPPINSTALL", "ONAPPUPDATE", "ONIMBOTDELETE", "ONIMBOTV2DELETE"]
)
@pytest.mark.parametrize("how", HOW)
def test_an_event_outside_a_chat_has_nothing_to_answer(code: str, how: str) -> None:
    with open_bench("in-process") as bench:
        _store, client = bench_client(bench)
        event = parse_event(sample_body(code, portal=bench.portal), content_type=FORM)
        for name in ("reply", "send"):
            with pytest.raises(TypeError, match="not a chat event"):
                act(client, how, name, event, TEXT)
        with pytest.raises(TypeError, match="not a chat event"):
            act(client, how, "typing", event)
        assert bench.fake.calls == []


# ---- typing for mypy -------------------------------------------------------------------


def typed_handler(client: RestClient) -> Callable[[AnyMessageAddEvent], None]:
    """A handler of either version's message, answering in one line (mypy checks it)."""

    def h(event: AnyMessageAddEvent) -> None:
        client.reply(event, "x")

    return h


def test_a_handler_typed_for_either_version_replies() -> None:
    with open_bench("in-process") as bench:
        store = MemoryPortalStore()
        dp = bench.installed(store)
        dp.on_message(typed_handler(bench.client(store)))
        for code in (V1_MESSAGE, V2_MESSAGE):
            body = sample_body(code, portal=bench.portal)
            assert dp.handle(body, content_type=FORM).status == 200
        assert [message.text for message in bench.fake.messages] == ["x", "x"]
        assert [message.bot_id for message in bench.fake.messages] == [567, 456]


def test_webhook_auth_is_what_the_webhook_only_client_keeps() -> None:
    with open_bench("in-process") as bench:
        webhook = bench.webhook("t" * 32)
        client = bench.client(webhook=webhook)
        assert isinstance(client.webhook, WebhookAuth)
        assert client.credentials_for().webhook is webhook
