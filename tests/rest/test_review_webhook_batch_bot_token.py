"""Review: a webhook client's ``batch`` does not add the bot token to its ``imbot`` commands.

The docs: "The client adds ``botToken`` to ``imbot.v2.*`` calls and ``CLIENT_ID`` to v1
``imbot.*`` calls that do not carry one." ``_flow._add_bot_token`` looks at the method
of the request, and for a batch that is ``batch``: the commands inside (``cmd[a] =
"imbot.v2.Chat.Message.send?..."``) go without it. ``client.call`` of the same command
works; ``client.batch`` of it is refused by the portal (``BOT_TOKEN_NOT_SPECIFIED``), so
sync and batch behave differently for the one auth mode where the token is required.
Against the fake Bitrix24 served on 127.0.0.1.
"""

from __future__ import annotations

from b24botevents.rest import RetryPolicy, WebhookAuth
from b24botevents.rest.client import RestClient
from b24botevents.testing import FakeBitrix24, Portal
from rest.support import CLIENT_ID, CLIENT_SECRET


def test_a_webhook_batch_of_bot_calls_carries_the_bot_token() -> None:
    fake = FakeBitrix24(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    portal = Portal.random()
    fake.add_portal(portal)
    with fake.serve():
        url = fake.add_webhook(portal)
        bot_token = fake.bot_token(portal, 903)
        client = RestClient(
            webhook=WebhookAuth(url, bot_token), rate=None, retry=RetryPolicy(attempts=1)
        )
        send = {"botId": 903, "dialogId": "chat1", "fields": {"message": "hi"}}
        with client:
            assert client.call("imbot.v2.Chat.Message.send", send)["id"] >= 1  # works
            result = client.batch({"one": ("imbot.v2.Chat.Message.send", send)})
    assert not result.errors, {name: error.code for name, error in result.errors.items()}
    assert [message.text for message in fake.messages] == ["hi", "hi"]
