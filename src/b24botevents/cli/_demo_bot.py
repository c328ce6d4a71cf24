"""The demo's bot and its Bitrix24: handlers that answer, a fake portal that records.

``DemoBot.serving(dp, store, portal)`` serves a ``FakeBitrix24`` on 127.0.0.1 for the
demo portal, builds the ``RestClient`` the bot answers with (pointed at it explicitly,
``portal_url=``: nothing in an event decides where the bot calls) and registers the
bot's handlers on the dispatcher: echo every message, answer every command.
``portal_calls`` turns what the fake recorded into the lines the demo prints.
Needs httpx (the ``[rest]`` extra); ``demo`` checks before importing this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import attrs

from b24botevents import Dispatcher, PortalStore
from b24botevents.models import AnyCommandEvent, AnyMessageAddEvent
from b24botevents.rest import OAuthApp, RetryPolicy
from b24botevents.testing import Portal

from .display import clean

if TYPE_CHECKING:
    from b24botevents.rest.client import RestClient
    from b24botevents.testing.fake_bitrix24 import FakeBitrix24

__all__ = ["DemoBot", "portal_calls"]

#: The demo app's OAuth secret: made up, and only ever sent to the fake's /oauth/token/.
_SECRET = "demo-app-secret"  # noqa: S105
_HELP = "Commands: /help shows this. Anything else, I repeat."


@attrs.frozen
class PortalCall:
    """One REST call the fake saw, as the demo prints it."""

    method: str
    line: str


@attrs.define
class DemoBot:
    fake: FakeBitrix24
    client: RestClient
    url: str

    def mark(self) -> int:
        """How many calls the fake has seen so far."""
        return len(self.fake.calls)

    @classmethod
    @contextmanager
    def serving(cls, dp: Dispatcher, store: PortalStore, portal: Portal) -> Iterator[DemoBot]:
        from b24botevents.rest.client import RestClient
        from b24botevents.testing.fake_bitrix24 import FakeBitrix24

        fake = FakeBitrix24(client_id="local.demo.app", client_secret=_SECRET)
        fake.add_portal(portal)
        with fake.serve() as url:
            client = RestClient(
                portal_store=store,
                app=OAuthApp(fake.client_id, _SECRET, token_url=f"{url}/oauth/token/"),
                portal_url=url,
                burst=4,
                # The stored tokens, so each step shows one thing; events' own bot tokens
                # come first by default (see RestClient.credentials_for).
                prefer_event_tokens=False,
                retry=RetryPolicy(attempts=4, base_delay=0.2, max_delay=1.0),
            )
            _register_handlers(dp, client)
            try:
                yield cls(fake, client, url)
            finally:
                client.close()


def _register_handlers(dp: Dispatcher, client: RestClient) -> None:
    @dp.on_message
    def echo(event: AnyMessageAddEvent) -> None:
        client.reply(event, f"You said: {event.text}")

    @dp.on_command
    def answer(event: AnyCommandEvent) -> None:
        client.reply(event, _HELP)


def portal_calls(bot: DemoBot, seen: int) -> list[PortalCall]:
    """The calls since ``seen``: method, status, error, and the text a message carried."""
    lines = []
    for call in bot.fake.calls[seen:]:
        outcome = f"{call.status}" + (f" {call.error}" if call.error else "")
        if call.method == "oauth/token":
            line = f"oauth/token -> {outcome} (the bot refreshed its OAuth tokens)"
        else:
            text = _text_of(call.params)
            said = f', the bot said "{clean(text, 80)}"' if text and call.status == 200 else ""
            line = f"{call.method} -> {outcome}{said}"
        lines.append(PortalCall(call.method, line))
    return lines


def _text_of(params: object) -> str | None:
    if not isinstance(params, dict):
        return None
    text = params.get("MESSAGE")
    fields = params.get("fields")
    if text is None and isinstance(fields, dict):
        text = fields.get("message")
    return text if isinstance(text, str) else None
