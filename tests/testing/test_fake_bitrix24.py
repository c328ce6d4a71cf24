"""FakeBitrix24 on the wire: authorisation, webhooks and every method's answer.

Every test here runs twice, through a plain ``httpx.Client`` on the in-process transport
and over real HTTP to the served fake (``site`` fixture). Batch and OAuth are in
``test_fake_bitrix24_batch_oauth.py``, faults, recording and concurrency in
``test_fake_bitrix24_faults.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest

from b24botevents.testing import FakeBitrix24, Portal
from b24botevents.wire import encode_form

from .fake_support import CLIENT_ID, MODES, Site, error, open_site, rest, result


@pytest.fixture(params=MODES)
def site(request: pytest.FixtureRequest) -> Iterator[Site]:
    with open_site(request.param) as opened:
        yield opened


# -- authorisation ------------------------------------------------------------------------


def test_auth_is_read_from_a_json_body_a_form_body_and_the_query_string(site: Site) -> None:
    with site.client() as client:
        by_json = client.post("/rest/profile", json={"auth": site.token})
        by_form = client.post("/rest/profile.json", data={"auth": site.token})
        by_query = client.get("/rest/profile", params={"auth": site.token})
        by_get_json = client.get("/rest/profile.json", params={"auth": site.token})
    for response in (by_json, by_form, by_query, by_get_json):
        assert result(response)["ID"] == "1"
    assert [call.http_method for call in site.fake.calls] == ["POST", "POST", "GET", "GET"]
    assert {call.method for call in site.fake.calls} == {"profile"}
    assert all(call.params == {} for call in site.fake.calls)  # auth is not a parameter


def test_a_call_without_auth_is_no_auth_found(site: Site) -> None:
    with site.client() as client:
        error(client.post("/rest/profile", json={}), 401, "NO_AUTH_FOUND")
        error(client.post("/rest/imbot.message.add"), 401, "NO_AUTH_FOUND")
    assert [call.auth_kind for call in site.fake.calls] == ["none", "none"]
    assert site.fake.messages == []


def test_an_unknown_token_is_invalid_token(site: Site) -> None:
    with site.client() as client:
        description = error(rest(client, "profile", "0" * 50), 401, "invalid_token")
    assert description == "The access token provided is invalid."
    assert site.fake.calls[0].member_id is None


def test_expired_tokens_answer_expired_token_and_bot_tokens_too(site: Site) -> None:
    bot_token = site.portal.bot_auth(567)["access_token"]
    site.fake.expire_tokens(site.portal)
    with site.client() as client:
        description = error(rest(client, "profile", site.token), 401, "expired_token")
        bot_answer = rest(client, "imbot.message.add", bot_token, BOT_ID=567, DIALOG_ID="1")
    assert description == "The access token provided has expired."
    error(bot_answer, 401, "expired_token")
    assert [call.member_id for call in site.fake.calls] == [site.portal.member_id] * 2


def test_any_bots_derived_token_works_for_that_bot(site: Site) -> None:
    token = site.portal.bot_auth(567)["access_token"]
    with site.client() as client:
        sent = rest(client, "imbot.message.add", token, BOT_ID=567, DIALOG_ID="7", MESSAGE="hi")
        v2 = rest(
            client,
            "imbot.v2.Chat.Message.send",
            site.portal.bot_auth(901)["access_token"],
            botId=901,
            dialogId="chat3",
            fields={"message": "v2"},
        )
        as_bot = rest(client, "profile", token)  # no bot id named: found as a known bot now
    assert isinstance(result(sent), int)
    assert result(v2)["id"] == result(sent) + 1
    assert result(as_bot)["ID"] == "567"
    assert result(as_bot)["ADMIN"] is False
    assert [call.token_kind for call in site.fake.calls] == ["bot", "bot", "bot"]


def test_the_host_does_not_matter_only_the_path(site: Site) -> None:
    portal_url = f"https://{site.portal.domain}"
    if site.mode == "in-process":
        client = httpx.Client(transport=site.fake.transport(), base_url=portal_url)
        with client:
            assert result(rest(client, "server.time", site.token))
    else:
        with site.client(headers={"Host": site.portal.domain}) as client:
            assert result(rest(client, "server.time", site.token))


# -- inbound webhooks ---------------------------------------------------------------------


def test_a_webhook_url_authorises_without_auth(site: Site) -> None:
    url = site.fake.add_webhook(site.portal, 1, "8g9l071eismy9q2l")
    assert url == f"{site.fake.base_url}/rest/1/8g9l071eismy9q2l/"
    with site.client() as client:
        answer = client.post(url + "profile.json", json={})
        wrong_secret = client.post("/rest/1/wrongsecret/profile", json={})
        wrong_user = client.post("/rest/2/8g9l071eismy9q2l/profile", json={})
    assert result(answer)["ID"] == "1"
    error(wrong_secret, 401, "NO_AUTH_FOUND")
    error(wrong_user, 401, "NO_AUTH_FOUND")
    first = site.fake.calls[0]
    assert (first.auth_kind, first.token, first.member_id) == (
        "webhook",
        "8g9l071eismy9q2l",
        site.portal.member_id,
    )
    assert "8g9l071eismy9q2l" not in repr(first)


def test_webhook_v2_calls_need_the_bots_token(site: Site) -> None:
    hook = site.webhook_path()
    bot_token = site.fake.bot_token(site.portal, 42)
    assert len(bot_token) <= 40
    send = hook + "imbot.v2.Chat.Message.send"
    body = {"botId": 42, "dialogId": "5", "fields": {"message": "over a webhook"}}
    with site.client() as client:
        missing = client.post(send, json=body)
        wrong = client.post(send, json={**body, "botToken": "not-the-token"})
        right = client.post(send, json={**body, "botToken": bot_token})
        unknown_bot = client.post(send, json={**body, "botId": 43, "botToken": bot_token})
    error(missing, 400, "BOT_TOKEN_NOT_SPECIFIED")
    error(wrong, 403, "BOT_OWNERSHIP_ERROR")
    assert result(right)["id"] == 1
    error(unknown_bot, 400, "BOT_NOT_FOUND")
    recorded = site.fake.calls[2]
    assert recorded.bot_token == bot_token
    assert "botToken" not in recorded.params
    assert bot_token not in repr(recorded)
    assert [m.text for m in site.fake.messages] == ["over a webhook"]


def test_webhook_v1_calls_need_the_bots_client_id(site: Site) -> None:
    hook = site.webhook_path()
    with site.client() as client:
        registered = client.post(
            hook + "imbot.register",
            json={
                "CODE": "hookbot",
                "EVENT_HANDLER": "https://bot.example/handler",
                "CLIENT_ID": "my-client-id",
                "PROPERTIES": {"NAME": "Hook Bot"},
            },
        )
        bot_id = result(registered)
        body = {"BOT_ID": bot_id, "DIALOG_ID": "chat9", "MESSAGE": "v1 via webhook"}
        no_client = client.post(hook + "imbot.message.add", json=body)
        other_client = client.post(hook + "imbot.message.add", json={**body, "CLIENT_ID": "x"})
        sent = client.post(hook + "imbot.message.add", json={**body, "CLIENT_ID": "my-client-id"})
        by_oauth = rest(client, "imbot.message.add", site.token, **body)
    error(no_client, 403, "ACCESS_DENIED")
    error(other_client, 400, "APP_ID_ERROR")
    assert isinstance(result(sent), int)
    error(by_oauth, 400, "APP_ID_ERROR")  # a webhook's bot is not the application's


def test_app_info_over_a_webhook_is_access_denied(site: Site) -> None:
    with site.client() as client:
        answer = client.post(site.webhook_path() + "app.info", json={})
    assert error(answer, 400, "ACCESS_DENIED") == "Access denied! Application context required"


# -- app.info, profile, server.time -------------------------------------------------------


def test_a_portals_app_info_has_the_documented_fields_only(site: Site) -> None:
    with site.client() as client:
        info = result(rest(client, "app.info", site.token))
    documented = {
        "ID",
        "CODE",
        "VERSION",
        "STATUS",
        "INSTALLED",
        "PAYMENT_EXPIRED",
        "DAYS",
        "LANGUAGE_ID",
        "LICENSE",
        "LICENSE_TYPE",
        "LICENSE_FAMILY",
    }
    assert set(info) == documented  # nothing that names the portal
    assert info["CODE"] == CLIENT_ID
    assert (info["STATUS"], info["INSTALLED"], info["PAYMENT_EXPIRED"]) == ("F", True, "N")
    assert info["DAYS"] is None
    assert (info["LICENSE"], info["LICENSE_TYPE"], info["LICENSE_FAMILY"]) == (
        "ru_project",
        "project",
        "project",
    )


def test_the_oauth_servers_app_info_names_the_installation(site: Site) -> None:
    with site.client() as client:
        answer = client.post("/oauth/rest/app.info.json", json={"auth": site.token})
    info = answer.json()["result"]
    assert info["client_id"] == CLIENT_ID
    install = info["install"]
    assert install["member_id"] == site.portal.member_id
    assert install["domain"] == site.portal.domain
    assert install["client_endpoint"] == site.portal.client_endpoint
    assert install["installed"] is True
    assert info["user_id"] == 1
    assert datetime.fromisoformat(info["expires"]).timestamp() > datetime.now().timestamp()


def test_profile_and_server_time(site: Site) -> None:
    with site.client() as client:
        profile = result(rest(client, "profile", site.token))
        now = result(rest(client, "server.time", site.token))
        answer = rest(client, "server.time", site.token).json()
    assert profile == {
        "ID": "1",
        "ADMIN": True,
        "NAME": "Test",
        "LAST_NAME": "User",
        "PERSONAL_GENDER": "",
        "TIME_ZONE": "",
    }
    assert datetime.fromisoformat(now).tzinfo is not None
    timing = answer["time"]
    assert {"start", "finish", "duration", "processing", "date_start", "date_finish"} <= set(timing)
    assert timing["finish"] >= timing["start"]


def test_an_unknown_method_is_404(site: Site) -> None:
    with site.client() as client:
        answer = rest(client, "crm.deal.add", site.token)
        not_rest = client.get("/favicon.ico")
    assert error(answer, 404, "ERROR_METHOD_NOT_FOUND") == "Method not found!"
    error(not_rest, 404, "ERROR_METHOD_NOT_FOUND")


# -- imbot v1 -----------------------------------------------------------------------------


def test_v1_message_add_update_delete(site: Site) -> None:
    with site.client() as client:
        first = result(
            rest(
                client,
                "imbot.message.add",
                site.token,
                BOT_ID=5,
                DIALOG_ID="chat1",
                MESSAGE="  hello  ",
                KEYBOARD='[{"TEXT": "Yes", "COMMAND": "yes"}]',
                SYSTEM="Y",
                URL_PREVIEW="N",
            )
        )
        second = result(
            rest(client, "imbot.message.add", site.token, BOT_ID=5, DIALOG_ID="1", MESSAGE="2")
        )
        updated = rest(
            client, "imbot.message.update", site.token, BOT_ID=5, MESSAGE_ID=first, MESSAGE="new"
        )
        deleted = rest(
            client, "imbot.message.delete", site.token, BOT_ID=5, MESSAGE_ID=second, COMPLETE="Y"
        )
    assert (first, second) == (1, 2)
    assert result(updated) is True
    assert result(deleted) is True
    one, two = site.fake.messages
    assert (one.text, one.edited, one.deleted, one.system, one.url_preview) == (
        "new",
        True,
        False,
        True,
        False,
    )
    assert one.keyboard == [{"TEXT": "Yes", "COMMAND": "yes"}]
    assert (two.deleted, two.complete) == (True, True)
    assert site.fake.messages_in("chat1") == [one]
    assert site.fake.messages_in("1") == []
    assert site.fake.messages_in("1", deleted=True) == [two]


def test_v1_errors(site: Site) -> None:
    with site.client() as client:
        empty = rest(client, "imbot.message.add", site.token, BOT_ID=5, DIALOG_ID="1")
        no_dialog = rest(client, "imbot.message.add", site.token, BOT_ID=5, MESSAGE="x")
        mine = result(
            rest(client, "imbot.message.add", site.token, BOT_ID=5, DIALOG_ID="1", MESSAGE="x")
        )
        others = rest(
            client, "imbot.message.update", site.token, BOT_ID=6, MESSAGE_ID=mine, MESSAGE="y"
        )
        no_id = rest(client, "imbot.message.delete", site.token, BOT_ID=5)
        wiped = rest(
            client, "imbot.message.update", site.token, BOT_ID=5, MESSAGE_ID=mine, MESSAGE=""
        )
        gone = rest(client, "imbot.message.delete", site.token, BOT_ID=5, MESSAGE_ID=mine)
    assert error(empty, 400, "MESSAGE_EMPTY") == "Message can't be empty"
    error(no_dialog, 400, "DIALOG_ID_EMPTY")
    error(others, 400, "CANT_EDIT_MESSAGE")
    error(no_id, 400, "MESSAGE_ID_ERROR")
    assert result(wiped) is True  # an empty MESSAGE deletes, as documented
    error(gone, 400, "CANT_EDIT_MESSAGE")
    assert [m.deleted for m in site.fake.messages] == [True]


def test_v1_private_message_command_answer_and_typing(site: Site) -> None:
    with site.client() as client:
        private = rest(
            client,
            "imbot.message.add",
            site.token,
            BOT_ID=5,
            FROM_USER_ID=3,
            TO_USER_ID=4,
            MESSAGE="psst",
        )
        answer = rest(
            client,
            "imbot.command.answer",
            site.token,
            COMMAND_ID=12,
            MESSAGE_ID=result(private),
            MESSAGE="done",
        )
        typing = rest(client, "imbot.chat.sendTyping", site.token, BOT_ID=5, DIALOG_ID="chat1")
        no_command = rest(client, "imbot.command.answer", site.token, MESSAGE_ID=1, MESSAGE="x")
        no_message_id = rest(client, "imbot.command.answer", site.token, COMMAND_ID=1)
    command_reply = result(answer)
    assert command_reply == result(private) + 1
    assert result(typing) is True
    error(no_command, 400, "COMMAND_ID_ERROR")
    error(no_message_id, 400, "MESSAGE_ID_EMPTY")
    sent, reply = site.fake.messages
    assert (sent.dialog_id, sent.system) == ("4", True)
    assert (reply.command_id, reply.reply_to, reply.dialog_id, reply.method) == (
        12,
        sent.message_id,
        "4",
        "imbot.command.answer",
    )


def test_v1_register_is_idempotent_and_bot_list_lists_it(site: Site) -> None:
    body = {
        "CODE": "newbot",
        "TYPE": "O",
        "EVENT_MESSAGE_ADD": "https://bot.example/add",
        "EVENT_WELCOME_MESSAGE": "https://bot.example/welcome",
        "EVENT_BOT_DELETE": "https://bot.example/delete",
        "PROPERTIES": {"NAME": "NewBot", "COLOR": "GREEN"},
    }
    with site.client() as client:
        empty = result(rest(client, "imbot.bot.list", site.token))
        bot_id = result(rest(client, "imbot.register", site.token, **body))
        again = result(rest(client, "imbot.register", site.token, **body))
        listed = result(rest(client, "imbot.bot.list", site.token))
        no_code = rest(client, "imbot.register", site.token, **{**body, "CODE": ""})
        no_name = rest(client, "imbot.register", site.token, **{**body, "PROPERTIES": {}})
        no_handler = rest(client, "imbot.register", site.token, **{**body, "EVENT_MESSAGE_ADD": ""})
        bad_url = rest(
            client, "imbot.register", site.token, **{**body, "EVENT_BOT_DELETE": "ftp://x"}
        )
        first_bot = rest(client, "imbot.message.add", site.token, DIALOG_ID="1", MESSAGE="auto")
    assert empty == []
    assert isinstance(bot_id, int)
    assert again == bot_id
    assert listed == {
        str(bot_id): {"ID": bot_id, "NAME": "NewBot", "CODE": "newbot", "OPENLINE": "Y"}
    }
    error(no_code, 400, "CODE_ERROR")
    error(no_name, 400, "NAME_ERROR")
    error(no_handler, 400, "EVENT_MESSAGE_ADD_ERROR")
    error(bad_url, 400, "EVENT_BOT_DELETE_ERROR")
    assert isinstance(result(first_bot), int)  # no BOT_ID: the application's first bot
    assert site.fake.messages[0].bot_id == bot_id
    (bot,) = site.fake.bots
    assert (bot.code, bot.version, bot.openline, bot.registered_by) == ("newbot", 1, True, "app")


# -- imbot v2 -----------------------------------------------------------------------------


def test_v2_send_update_delete(site: Site) -> None:
    with site.client() as client:
        sent = result(
            rest(
                client,
                "imbot.v2.Chat.Message.send",
                site.token,
                botId=7,
                dialogId="chat2",
                fields={"message": "hi", "replyId": 99, "system": False, "urlPreview": "N"},
            )
        )
        attach_only = rest(
            client,
            "imbot.v2.Chat.Message.send",
            site.token,
            botId=7,
            dialogId="chat2",
            fields={"attach": [{"MESSAGE": "block"}]},
        )
        updated = rest(
            client,
            "imbot.v2.Chat.Message.update",
            site.token,
            botId=7,
            messageId=sent["id"],
            fields={"message": "edited", "keyboard": "N"},
        )
        deleted = rest(
            client,
            "imbot.v2.Chat.Message.delete",
            site.token,
            botId=7,
            messageId=result(attach_only)["id"],
            complete=True,
        )
    assert sent == {"id": 1, "uuidMap": {}}
    assert result(updated) == {"result": True}
    assert result(deleted) == {"result": True}
    first, second = site.fake.messages
    assert (first.text, first.edited, first.reply_to, first.url_preview) == (
        "edited",
        True,
        99,
        False,
    )
    assert first.method == "imbot.v2.Chat.Message.send"
    assert (second.attach, second.deleted, second.complete) == ([{"MESSAGE": "block"}], True, True)


def test_v2_errors(site: Site) -> None:
    with site.client() as client:
        empty = rest(
            client, "imbot.v2.Chat.Message.send", site.token, botId=7, dialogId="1", fields={}
        )
        no_bot = rest(client, "imbot.v2.Chat.Message.send", site.token, dialogId="1")
        mine = result(
            rest(
                client,
                "imbot.v2.Chat.Message.send",
                site.token,
                botId=7,
                dialogId="1",
                fields={"message": "x", "system": True},
            )
        )["id"]
        system_edit = rest(
            client,
            "imbot.v2.Chat.Message.update",
            site.token,
            botId=7,
            messageId=mine,
            fields={"message": "y"},
        )
        other_bot = rest(
            client, "imbot.v2.Chat.Message.delete", site.token, botId=8, messageId=mine
        )
    assert error(empty, 400, "EMPTY_MESSAGE") == "Message is empty"
    error(no_bot, 400, "BOT_ID_REQUIRED")
    error(system_edit, 403, "ACCESS_DENIED")  # system messages are not the bot's
    error(other_bot, 403, "ACCESS_DENIED")


def test_v2_command_answer_and_input_action(site: Site) -> None:
    with site.client() as client:
        answered = rest(
            client,
            "imbot.v2.Command.answer",
            site.token,
            botId=7,
            commandId=3,
            messageId=55,
            dialogId="chat4",
            fields={"message": "pong"},
        )
        missing = rest(
            client,
            "imbot.v2.Command.answer",
            site.token,
            botId=7,
            commandId=3,
            dialogId="chat4",
            fields={"message": "pong"},
        )
        typing = rest(
            client,
            "imbot.v2.Chat.InputAction.notify",
            site.token,
            botId=7,
            dialogId="chat4",
            statusMessageCode="IMBOT_AGENT_ACTION_THINKING",
            duration=5,
        )
    assert result(answered) == {"result": True}
    error(missing, 400, "INVALID_ARG_VALUE")
    assert result(typing) == {"result": True}
    (answer,) = site.fake.messages
    assert (answer.command_id, answer.reply_to, answer.dialog_id, answer.text) == (
        3,
        55,
        "chat4",
        "pong",
    )
    typing_call = site.fake.calls_to("imbot.v2.chat.inputaction.notify")[0]
    assert typing_call.params["statusMessageCode"] == "IMBOT_AGENT_ACTION_THINKING"


def test_v2_bot_register_is_idempotent_and_listed(site: Site) -> None:
    fields = {
        "code": "support_bot",
        "properties": {"name": "Support Bot", "workPosition": "AI Assistant"},
        "type": "bot",
        "eventMode": "webhook",
        "webhookUrl": "https://bot.example/events",
    }
    with site.client() as client:
        registered = result(rest(client, "imbot.v2.Bot.register", site.token, fields=fields))
        again = result(
            rest(
                client,
                "imbot.v2.Bot.register",
                site.token,
                fields={**fields, "properties": {"name": "Renamed"}},
            )
        )
        listed = result(rest(client, "imbot.v2.Bot.list", site.token))
        no_code = rest(client, "imbot.v2.Bot.register", site.token, fields={"properties": {}})
        no_url = rest(
            client,
            "imbot.v2.Bot.register",
            site.token,
            fields={**fields, "code": "other", "webhookUrl": ""},
        )
        bad_type = rest(
            client, "imbot.v2.Bot.register", site.token, fields={**fields, "type": "robot"}
        )
    bot = registered["bot"]
    assert set(registered) == {"bot", "users"}
    assert (bot["code"], bot["type"], bot["eventMode"], bot["appId"]) == (
        "support_bot",
        "bot",
        "webhook",
        CLIENT_ID,
    )
    assert registered["users"][0]["id"] == bot["id"]
    assert registered["users"][0]["name"] == "Support Bot"
    assert again == registered  # the existing bot, unchanged
    assert listed["hasNextPage"] is False
    assert [item["id"] for item in listed["bots"]] == [bot["id"]]
    assert "appId" not in listed["bots"][0]
    error(no_code, 400, "BOT_CODE_REQUIRED")
    error(no_url, 400, "BOT_WEBHOOK_URL_REQUIRED")
    error(bad_type, 400, "BOT_INVALID_TYPE")


def test_v2_bot_register_over_a_webhook_takes_the_bots_token(site: Site) -> None:
    hook = site.webhook_path()
    fields = {"code": "hook_bot", "botToken": "my_bot_token", "properties": {"name": "Hook"}}
    with site.client() as client:
        no_token = client.post(
            hook + "imbot.v2.Bot.register", json={"fields": {**fields, "botToken": ""}}
        )
        too_long = client.post(
            hook + "imbot.v2.Bot.register", json={"fields": {**fields, "botToken": "t" * 41}}
        )
        registered = result(client.post(hook + "imbot.v2.Bot.register", json={"fields": fields}))
        listed = result(client.post(hook + "imbot.v2.Bot.list", json={"botToken": "my_bot_token"}))
        taken = rest(client, "imbot.v2.Bot.register", site.token, fields=fields)
    error(no_token, 400, "BOT_TOKEN_NOT_SPECIFIED")
    error(too_long, 400, "BOT_TOKEN_INVALID_LENGTH")
    bot_id = registered["bot"]["id"]
    assert [item["id"] for item in listed["bots"]] == [bot_id]
    error(taken, 400, "BOT_CODE_ALREADY_TAKEN")
    assert site.fake.bot_token(site.portal, bot_id) == "my_bot_token"
    assert site.fake.calls[2].params == {
        "fields": {"code": "hook_bot", "properties": {"name": "Hook"}}
    }


def test_php_style_form_bodies_are_decoded_into_nested_params(site: Site) -> None:
    body = encode_form(
        {
            "auth": site.token,
            "botId": 7,
            "dialogId": "chat5",
            "fields": {
                "message": "from a form",
                "keyboard": [{"TEXT": "Yes", "COMMAND": "yes"}, {"TEXT": "No", "COMMAND": "no"}],
                "system": "Y",
            },
        }
    )
    with site.client() as client:
        answer = client.post(
            "/rest/imbot.v2.Chat.Message.send.json",
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert result(answer)["id"] == 1
    (message,) = site.fake.messages
    assert message.keyboard == [{"TEXT": "Yes", "COMMAND": "yes"}, {"TEXT": "No", "COMMAND": "no"}]
    assert message.system is True
    assert site.fake.calls[0].params["fields"]["message"] == "from a form"


def test_a_body_that_does_not_decode_is_refused(site: Site) -> None:
    with site.client() as client:
        answer = client.post(
            "/rest/profile", content=b"{not json", headers={"Content-Type": "application/json"}
        )
    error(answer, 400, "INVALID_REQUEST")


def test_add_bot_registers_a_bot_for_either_version(site: Site) -> None:
    fake, portal = site.fake, site.portal
    v1 = fake.add_bot(portal, code="legacy", v=1)
    v2 = fake.add_bot(portal, 300, name="Helper Bot", event_mode="fetch")
    with pytest.raises(ValueError, match="v must be 1 or 2"):
        fake.add_bot(portal, v=3)
    with pytest.raises(KeyError, match="add_portal"):
        fake.add_bot(Portal.random())
    by_id = {bot.bot_id: bot for bot in fake.bots}
    assert (by_id[v1].code, by_id[v1].version, by_id[v1].type) == ("legacy", 1, "B")
    assert (by_id[v2].bot_id, by_id[v2].name, by_id[v2].event_mode) == (300, "Helper Bot", "fetch")
    with site.client() as client:
        profile = result(rest(client, "profile", portal.bot_auth(300)["access_token"]))
    assert (profile["NAME"], profile["LAST_NAME"]) == ("Helper", "Bot")


def test_a_new_fake_is_empty_and_says_so() -> None:
    fake = FakeBitrix24()
    assert (fake.calls, fake.messages, fake.refreshes, fake.bots) == ([], [], [], [])
    assert fake.client_id == "local.app.1"
    assert repr(fake) == (
        "FakeBitrix24(portals=0, bots=0, calls=0, messages=0, refreshes=0, pending_faults=0)"
    )
