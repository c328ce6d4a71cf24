"""What a ``RestClient`` is configured with: the app, a webhook, the retry policy.

``OAuthApp`` is the application's own identity (``client_id``, ``client_secret``) and the
OAuth server its refreshes go to, set once by the developer: never an endpoint an event
names. ``WebhookAuth`` is the other way to call a portal, an inbound webhook URL
(``https://<portal>/rest/<user>/<secret>/``) plus a bot token. ``RetryPolicy`` bounds how
long a call waits out rate limits and lost connections. Every secret is masked in ``repr``.
"""

from __future__ import annotations

import re
import urllib.parse

import attrs

from b24botevents._redact import mask_repr

__all__ = ["BITRIX24_OAUTH_SERVER", "BITRIX24_OAUTH_URL", "OAuthApp", "RetryPolicy", "WebhookAuth"]

#: Bitrix24's OAuth server (cloud portals): ``grant_type=refresh_token`` goes here.
BITRIX24_OAUTH_URL = "https://oauth.bitrix.info/oauth/token/"
#: The same server's REST base: its ``app.info`` says which installation a token is of.
BITRIX24_OAUTH_SERVER = "https://oauth.bitrix.info/rest/"

_WEBHOOK_PATH = re.compile(r"/rest/(?P<user>[0-9]{1,10})/(?P<secret>[A-Za-z0-9_\-]{1,128})/?")
#: From 2026-08-06 Bitrix24 refuses longer bot tokens (BOT_TOKEN_INVALID_LENGTH).
MAX_BOT_TOKEN = 40


def _check_url(url: object, what: str) -> str:
    if type(url) is not str:
        raise TypeError(f"{what} must be a str")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"{what} must be an http(s) URL with a host")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError(f"{what} must not carry user info, a query or a fragment")
    return url


def _validate_url(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    _check_url(value, attribute.name)


def _validate_text(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if type(value) is not str or not value or not value.isprintable():
        raise ValueError(f"{attribute.name} must be a non-empty printable str")


def _default_server_url(app: OAuthApp) -> str | None:
    return BITRIX24_OAUTH_SERVER if app.token_url == BITRIX24_OAUTH_URL else None


@attrs.frozen(repr=False)
class OAuthApp:
    """The application's OAuth credentials, from the app's settings in Bitrix24.

    ``token_url`` is where refreshes go: Bitrix24's OAuth server by default, the portal's
    own ``https://<portal>/oauth/token/`` for on-premise installations. The secret only
    ever goes there. ``server_url`` is the OAuth server's REST base, whose ``app.info``
    names the installation a token belongs to (the online install check asks it):
    ``https://oauth.bitrix.info/rest/`` with the default ``token_url``; give it with any
    other ``token_url``.
    """

    client_id: str = attrs.field(validator=_validate_text)
    client_secret: str = attrs.field(validator=_validate_text)
    token_url: str = attrs.field(default=BITRIX24_OAUTH_URL, validator=_validate_url)
    server_url: str | None = attrs.field(
        default=attrs.Factory(_default_server_url, takes_self=True),
        validator=attrs.validators.optional(_validate_url),
    )

    def __repr__(self) -> str:
        return (
            f"OAuthApp(client_id={self.client_id!r}, "
            f"client_secret={mask_repr(self.client_secret)}, token_url={self.token_url!r}, "
            f"server_url={self.server_url!r})"
        )


def _validate_webhook(_: object, __: attrs.Attribute[str], value: str) -> None:
    _check_url(value, "url")
    if not _WEBHOOK_PATH.fullmatch(urllib.parse.urlsplit(value).path):
        raise ValueError(
            "url must be an inbound webhook URL: https://<portal>/rest/<user>/<secret>/"
        )


def _validate_bot_token(_: object, __: attrs.Attribute[str | None], value: str | None) -> None:
    if value is None:
        return
    if type(value) is not str or not 0 < len(value) <= MAX_BOT_TOKEN or not value.isprintable():
        raise ValueError(f"bot_token must be 1-{MAX_BOT_TOKEN} printable characters")


@attrs.frozen(repr=False)
class WebhookAuth:
    """An inbound webhook (``https://<portal>/rest/<user>/<secret>/``) and a bot's token.

    The webhook's secret is part of its URL, so the URL is masked wherever it could be
    printed: ``repr`` shows ``https://<portal>/rest/<user>/***/``. ``bot_token`` is the
    ``botToken`` given at ``imbot.v2.Bot.register``; the client adds it to ``imbot.v2``
    calls that do not carry one.
    """

    url: str = attrs.field(validator=_validate_webhook)
    bot_token: str | None = attrs.field(default=None, validator=_validate_bot_token)

    def __repr__(self) -> str:
        return f"WebhookAuth(url={self.masked_url!r}, bot_token={mask_repr(self.bot_token)})"

    @property
    def base_url(self) -> str:
        """The URL with exactly one trailing slash: methods are appended to it."""
        return self.url.rstrip("/") + "/"

    @property
    def masked_url(self) -> str:
        """The URL with its secret replaced by ``***``."""
        return mask_webhook_url(self.url)

    @property
    def host(self) -> str:
        """The portal's host (and port, if the URL has one)."""
        return urllib.parse.urlsplit(self.url).netloc.lower()


def mask_webhook_url(text: str) -> str:
    """``text`` with the secret of every ``/rest/<user>/<secret>/`` in it masked."""
    return _MASKABLE.sub(r"/rest/\g<user>/***", text)


_MASKABLE = re.compile(r"/rest/(?P<user>[0-9]{1,10})/[A-Za-z0-9_\-]{1,128}(?=/|$|\s|\"|')")


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{attribute.name} must be a positive number")


def _attempts(_: object, __: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or not 1 <= value <= 20:
        raise ValueError("attempts must be an int from 1 to 20")


@attrs.frozen
class RetryPolicy:
    """How a call waits out what it may retry.

    At most ``attempts`` tries in all. Between them: full-jitter exponential backoff, a
    random wait in ``[0, min(max_delay, base_delay * 2**n)]``; a ``Retry-After`` header
    is followed, up to ``max_delay``. What is retried: HTTP 429, 503 and
    ``QUERY_LIMIT_EXCEEDED`` (Bitrix24 did not run the call), connections that failed
    before the request was sent, and, for idempotent methods only, timeouts, lost
    answers and 500/502/504. An ``expired_token`` gets one refresh and one more try.
    """

    attempts: int = attrs.field(default=5, validator=_attempts)
    base_delay: float = attrs.field(default=0.5, validator=_positive)
    max_delay: float = attrs.field(default=10.0, validator=_positive)
