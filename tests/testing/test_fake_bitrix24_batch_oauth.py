"""FakeBitrix24's ``batch`` and its OAuth server (``/oauth/token/``), in-process and served."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .fake_support import MODES, Site, error, open_site, refresh_params, rest, result


@pytest.fixture(params=MODES)
def site(request: pytest.FixtureRequest) -> Iterator[Site]:
    with open_site(request.param) as opened:
        yield opened


# -- batch --------------------------------------------------------------------------------


def test_batch_runs_every_command_and_collects_results_errors_and_times(site: Site) -> None:
    cmd = {
        "now": "server.time",
        "sent": "imbot.message.add?BOT_ID=5&DIALOG_ID=chat1&MESSAGE=first",
        "missing": "no.such.method",
        "empty": "imbot.message.add?BOT_ID=5&DIALOG_ID=chat1",
        "edit": "imbot.message.update?BOT_ID=5&MESSAGE_ID=$result[sent]&MESSAGE=second",
    }
    with site.client() as client:
        answer = result(rest(client, "batch", site.token, halt=0, cmd=cmd))
    assert set(answer) == {"result", "result_error", "result_total", "result_next", "result_time"}
    assert set(answer["result"]) == {"now", "sent", "edit"}
    assert answer["result"]["edit"] is True
    assert answer["result_error"] == {
        "missing": {"error": "ERROR_METHOD_NOT_FOUND", "error_description": "Method not found!"},
        "empty": {"error": "MESSAGE_EMPTY", "error_description": "Message can't be empty"},
    }
    assert (answer["result_total"], answer["result_next"]) == ([], [])
    assert set(answer["result_time"]) == {"now", "sent", "edit"}
    assert {"start", "finish", "duration"} <= set(answer["result_time"]["now"])
    (message,) = site.fake.messages
    assert (message.text, message.edited) == ("second", True)
    calls = site.fake.calls
    assert [call.method for call in calls] == [
        "batch",
        "server.time",
        "imbot.message.add",
        "no.such.method",
        "imbot.message.add",
        "imbot.message.update",
    ]
    assert [call.in_batch for call in calls] == [False, True, True, True, True, True]
    assert calls[3].error == "ERROR_METHOD_NOT_FOUND"
    assert calls[4].params == {"BOT_ID": "5", "DIALOG_ID": "chat1"}


def test_batch_halt_stops_at_the_first_error_and_empty_parts_are_lists(site: Site) -> None:
    cmd = {
        "bad": "imbot.message.add?BOT_ID=5",
        "never": "imbot.message.add?BOT_ID=5&DIALOG_ID=1&MESSAGE=x",
    }
    with site.client() as client:
        halted = result(rest(client, "batch", site.token, halt=1, cmd=cmd))
        empty = result(rest(client, "batch", site.token, cmd={}))
    assert halted["result"] == []
    assert list(halted["result_error"]) == ["bad"]
    assert halted["result_time"] == []
    assert site.fake.messages == []
    assert empty == {
        "result": [],
        "result_error": [],
        "result_total": [],
        "result_next": [],
        "result_time": [],
    }


def test_batch_refuses_nesting_and_more_than_50_commands(site: Site) -> None:
    cmd = {f"c{index}": "server.time" for index in range(52)}
    cmd["inner"] = "batch?cmd[a]=server.time"
    with site.client() as client:
        answer = result(rest(client, "batch", site.token, cmd=cmd))
    assert len(answer["result"]) == 50
    assert answer["result_error"] == {
        "c50": {
            "error": "ERROR_BATCH_LENGTH_EXCEEDED",
            "error_description": "Max batch length exceeded",
        },
        "c51": {
            "error": "ERROR_BATCH_LENGTH_EXCEEDED",
            "error_description": "Max batch length exceeded",
        },
        "inner": {
            "error": "ERROR_BATCH_LENGTH_EXCEEDED",
            "error_description": "Max batch length exceeded",
        },
    }
    with site.client() as client:
        nested = result(rest(client, "batch", site.token, cmd={"inner": "batch?cmd[a]=profile"}))
    assert nested["result_error"]["inner"]["error"] == "ERROR_BATCH_METHOD_NOT_ALLOWED"


def test_batch_as_a_form_body_with_nested_php_parameters(site: Site) -> None:
    token = site.token
    form = {
        "auth": token,
        "halt": "0",
        "cmd[send]": (
            "imbot.v2.Chat.Message.send?botId=7&dialogId=chat8"
            "&fields%5Bmessage%5D=hello&fields%5Bkeyboard%5D%5B0%5D%5BTEXT%5D=OK"
        ),
        "cmd[who]": "profile",
    }
    with site.client() as client:
        answer = result(client.post("/rest/batch.json", data=form))
    assert answer["result"]["send"] == {"id": 1, "uuidMap": {}}
    assert answer["result"]["who"]["ID"] == "1"
    (message,) = site.fake.messages
    assert (message.text, message.keyboard) == ("hello", [{"TEXT": "OK"}])


def test_batch_over_a_webhook_passes_each_sub_calls_bot_token(site: Site) -> None:
    hook = site.webhook_path()
    bot_token = site.fake.bot_token(site.portal, 42)
    cmd = {
        "ok": (
            f"imbot.v2.Chat.Message.send?botId=42&botToken={bot_token}&dialogId=1&fields[message]=a"
        ),
        "no_token": "imbot.v2.Chat.Message.send?botId=42&dialogId=1&fields[message]=b",
    }
    with site.client() as client:
        answer = result(client.post(hook + "batch", json={"cmd": cmd}))
    assert answer["result"]["ok"]["id"] == 1
    assert answer["result_error"]["no_token"]["error"] == "BOT_TOKEN_NOT_SPECIFIED"
    sub = site.fake.calls_to("imbot.v2.Chat.Message.send")
    assert [call.bot_token for call in sub] == [bot_token, None]
    assert all("botToken" not in call.params for call in sub)


def test_batch_is_authorised_once_for_all_its_commands(site: Site) -> None:
    site.fake.expire_tokens()
    with site.client() as client:
        answer = rest(client, "batch", site.token, cmd={"a": "server.time"})
    error(answer, 401, "expired_token")
    assert [call.method for call in site.fake.calls] == ["batch"]


# -- OAuth --------------------------------------------------------------------------------

TOKEN_FIELDS = [
    "access_token",
    "expires",
    "expires_in",
    "scope",
    "domain",
    "server_endpoint",
    "status",
    "client_endpoint",
    "member_id",
    "user_id",
    "refresh_token",
]


def test_refresh_rotates_the_pair_and_answers_the_documented_json(site: Site) -> None:
    old_access, old_refresh = site.token, site.portal.refresh_token
    with site.client() as client:
        answer = client.get("/oauth/token/", params=refresh_params(old_refresh))
        renewed = answer.json()
        reused = client.get("/oauth/token/", params=refresh_params(old_refresh))
        old_token_call = rest(client, "profile", old_access)
        new_token_call = rest(client, "profile", renewed["access_token"])
        by_post = client.post("/oauth/token", data=refresh_params(renewed["refresh_token"]))
    assert answer.status_code == 200
    assert list(renewed) == TOKEN_FIELDS
    assert renewed["domain"] == "oauth.bitrix.info"
    assert renewed["server_endpoint"] == "https://oauth.bitrix.info/rest/"
    assert (renewed["member_id"], renewed["user_id"]) == (site.portal.member_id, 1)
    assert (renewed["expires_in"], renewed["scope"], renewed["status"]) == (3600, "imbot", "F")
    assert renewed["client_endpoint"] == site.portal.client_endpoint
    assert renewed["access_token"] != old_access
    assert renewed["refresh_token"] != old_refresh
    assert isinstance(renewed["expires"], int)
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    error(old_token_call, 401, "invalid_token")
    assert result(new_token_call)["ID"] == "1"
    assert by_post.status_code == 200
    assert site.fake.user_tokens(site.portal) == (
        by_post.json()["access_token"],
        by_post.json()["refresh_token"],
    )
    assert [(r.member_id, r.kind, r.error) for r in site.fake.refreshes] == [
        (site.portal.member_id, "user", None),
        (site.portal.member_id, "user", "invalid_grant"),
        (site.portal.member_id, "user", None),
    ]


def test_refresh_refuses_a_wrong_client_and_a_bad_request(site: Site) -> None:
    refresh = site.portal.refresh_token
    with site.client() as client:
        wrong_secret = client.get(
            "/oauth/token/", params=refresh_params(refresh, client_secret="x")
        )
        wrong_client = client.post("/oauth/token/", data=refresh_params(refresh, client_id="other"))
        no_grant = client.get("/oauth/token/", params={"client_id": "local.app.1"})
        code_grant = client.get(
            "/oauth/token/", params=refresh_params(refresh, grant_type="authorization_code")
        )
        unknown = client.get("/oauth/token/", params=refresh_params("f" * 50))
        still_valid = client.get("/oauth/token/", params=refresh_params(refresh))
    for answer in (wrong_secret, wrong_client):
        assert answer.status_code == 401
        assert answer.json()["error"] == "invalid_client"
    assert (no_grant.status_code, no_grant.json()["error"]) == (400, "invalid_request")
    assert (code_grant.status_code, code_grant.json()["error"]) == (400, "invalid_grant")
    assert (unknown.status_code, unknown.json()["error"]) == (400, "invalid_grant")
    assert still_valid.status_code == 200  # refused requests did not use the token up
    assert [r.error for r in site.fake.refreshes] == [
        "invalid_client",
        "invalid_client",
        "invalid_request",
        "invalid_grant",
        "invalid_grant",
        None,
    ]
    oauth_calls = site.fake.calls_to("oauth/token")
    assert len(oauth_calls) == 6
    assert all("client_secret" not in call.params for call in oauth_calls)
    assert all("refresh_token" not in call.params for call in oauth_calls)
    assert "s3cret" not in repr(oauth_calls)
    assert refresh not in repr(oauth_calls)


def test_expired_tokens_work_again_after_a_refresh(site: Site) -> None:
    site.fake.expire_tokens()
    with site.client() as client:
        error(rest(client, "profile", site.token), 401, "expired_token")
        renewed = client.get("/oauth/token/", params=refresh_params(site.portal.refresh_token))
        assert result(rest(client, "profile", renewed.json()["access_token"]))["ID"] == "1"


def test_a_bots_refresh_token_rotates_the_bots_pair(site: Site) -> None:
    auth = site.portal.bot_auth(567, refresh_token=True)
    site.fake.add_bot(site.portal, 567, v=1)
    with site.client() as client:
        renewed = client.get("/oauth/token/", params=refresh_params(auth["refresh_token"])).json()
        old = rest(client, "profile", auth["access_token"])
        new = rest(client, "profile", renewed["access_token"])
    assert renewed["user_id"] == 567
    error(old, 401, "invalid_token")
    assert result(new)["ID"] == "567"
    assert site.fake.refreshes[0].kind == "bot"
