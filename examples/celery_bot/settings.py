"""``Settings``: what the receiver and the workers run with, read from ``CELERY_BOT_*``.

Both sides read the same variables, so one environment file serves a deploy. The app's
client secret is read from the environment only (never a command line, which ``ps``
shows).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from b24botevents.rest import BITRIX24_OAUTH_SERVER, BITRIX24_OAUTH_URL, OAuthApp

#: Every key the example writes in Redis starts with this (the library's stores have theirs).
PREFIX = "celery_bot:"


@dataclass(frozen=True)
class Settings:
    """The bot's configuration; ``from_env`` reads it."""

    client_id: str  # the OAuth application's client_id and secret (refreshes, install check)
    client_secret: str = field(repr=False)
    public_url: str  # where Bitrix24 posts events: https://bot.example.com/events
    #: The broker, the stores and the effects alike; kept out of ``repr``: it may hold a
    #: password (``redis://:secret@host/0``).
    redis_url: str = field(default="redis://127.0.0.1:6379/0", repr=False)
    queue: str = "celery_bot"
    #: Seconds a task taken by a worker may stay unacknowledged before Redis hands it to
    #: another worker: longer than any task runs, or a slow task runs twice at once.
    visibility_timeout: float = 300.0
    #: Seconds between a worker's sweeps for such tasks (kombu's own default: 100).
    restore_interval: float = 10.0
    #: Seconds the message handler waits after its reply: a demo and test knob, so that a
    #: kill can land inside a handler. 0 in production.
    handler_delay: float = 0.0
    #: Test rigs only: a served ``FakeBitrix24`` that takes every REST and OAuth call.
    fake_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            client_id=env["CELERY_BOT_CLIENT_ID"],
            client_secret=env["CELERY_BOT_CLIENT_SECRET"],
            public_url=env["CELERY_BOT_PUBLIC_URL"],
            redis_url=env.get("CELERY_BOT_REDIS_URL", cls.redis_url),
            queue=env.get("CELERY_BOT_QUEUE", cls.queue),
            visibility_timeout=float(
                env.get("CELERY_BOT_VISIBILITY_TIMEOUT", cls.visibility_timeout)
            ),
            restore_interval=float(env.get("CELERY_BOT_RESTORE_INTERVAL", cls.restore_interval)),
            handler_delay=float(env.get("CELERY_BOT_HANDLER_DELAY", cls.handler_delay)),
            fake_url=env.get("CELERY_BOT_FAKE_URL") or None,
        )

    def to_env(self) -> dict[str, str]:
        """The variables ``from_env`` reads back into these settings (for a child process)."""
        env = {
            "CELERY_BOT_CLIENT_ID": self.client_id,
            "CELERY_BOT_CLIENT_SECRET": self.client_secret,
            "CELERY_BOT_PUBLIC_URL": self.public_url,
            "CELERY_BOT_REDIS_URL": self.redis_url,
            "CELERY_BOT_QUEUE": self.queue,
            "CELERY_BOT_VISIBILITY_TIMEOUT": repr(self.visibility_timeout),
            "CELERY_BOT_RESTORE_INTERVAL": repr(self.restore_interval),
            "CELERY_BOT_HANDLER_DELAY": repr(self.handler_delay),
        }
        if self.fake_url:
            env["CELERY_BOT_FAKE_URL"] = self.fake_url
        return env

    def oauth_app(self) -> OAuthApp:
        """The app's credentials, with Bitrix24's OAuth server (or the fake's)."""
        if self.fake_url:
            token_url, server_url = f"{self.fake_url}/oauth/token/", f"{self.fake_url}/oauth/rest/"
        else:
            token_url, server_url = BITRIX24_OAUTH_URL, BITRIX24_OAUTH_SERVER
        return OAuthApp(
            self.client_id, self.client_secret, token_url=token_url, server_url=server_url
        )
