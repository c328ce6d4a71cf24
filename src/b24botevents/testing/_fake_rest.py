"""The fake's request engine: route by path, authenticate, run the method, record the call.

Paths are all that matter (any Host is the portal the credential belongs to):
``/rest/<method>[.json]`` with an ``auth`` token (query, JSON or form body),
``/rest/<user_id>/<secret>/<method>[.json]`` for an inbound webhook, and
``/oauth/token/`` for the OAuth server. A transport calls ``begin`` (which injected fault
the request suffers, so it can wait a ``delay`` without holding the lock) and then
``finish`` (the answer, or ``None`` to drop the connection). Each request is recorded as a
``RecordedCall``, whatever happened to it.
"""

from __future__ import annotations

import time
from typing import Any

import attrs

from ._fake_batch import METHODS as BATCH_METHODS
from ._fake_commands import METHODS as COMMAND_METHODS
from ._fake_context import Caller, Ctx, Handler, int_param
from ._fake_event_get import METHODS as EVENT_METHODS
from ._fake_faults import Fault
from ._fake_imbot_v1 import METHODS as V1_METHODS
from ._fake_imbot_v2 import METHODS as V2_METHODS
from ._fake_oauth import refresh_grant
from ._fake_records import RecordedCall
from ._fake_state import State
from ._fake_system import METHODS as SYSTEM_METHODS
from ._fake_wire import (
    ApiError,
    HttpReply,
    HttpRequest,
    decode_params,
    error_reply,
    html_reply,
    json_reply,
    time_block,
)

__all__ = ["OAUTH_METHOD", "OAUTH_REST_PREFIX", "RestEngine"]

#: The ``method`` of a ``RecordedCall`` for the OAuth token endpoint (and for ``fail_next``).
OAUTH_METHOD = "oauth/token"
#: The ``method`` of a ``RecordedCall`` to the OAuth server's REST (``oauth/app.info``).
OAUTH_REST_PREFIX = "oauth/"

_OAUTH_SECRETS = ("client_secret", "refresh_token", "code")


@attrs.frozen
class _Route:
    kind: str  # "rest", "webhook", "oauth" or "unknown"
    method: str
    user_id: int | None = None
    secret: str | None = None


def _route(path: str) -> _Route:
    parts = [part for part in path.split("/") if part]
    if parts == ["oauth", "token"]:
        return _Route("oauth", OAUTH_METHOD)
    if len(parts) == 3 and parts[:2] == ["oauth", "rest"]:
        # The OAuth server's own REST methods (oauth.bitrix.info/rest/app.info): served
        # under /oauth/rest/ so that one fake can be both it and the portals.
        return _Route("rest", OAUTH_REST_PREFIX + parts[2].removesuffix(".json"))
    if parts and parts[0] == "rest":
        rest = parts[1:]
        if len(rest) == 1:
            return _Route("rest", rest[0].removesuffix(".json"))
        if len(rest) == 3 and rest[0].isdigit():
            return _Route("webhook", rest[2].removesuffix(".json"), int(rest[0]), rest[1])
    return _Route("unknown", path)


@attrs.frozen(kw_only=True)
class _Credentials:
    params: dict[str, Any]  # without any credential
    auth_kind: str
    token: str | None
    bot_secret: str | None
    raw: dict[str, Any] = attrs.field(factory=dict, repr=False)  # as received


def _credentials(params: dict[str, Any], route: _Route) -> _Credentials:
    clean = dict(params)
    if route.kind == "oauth":
        refresh = clean.get("refresh_token")
        for name in _OAUTH_SECRETS:
            clean.pop(name, None)
        return _Credentials(
            params=clean,
            auth_kind="none",
            token=refresh if isinstance(refresh, str) else None,
            bot_secret=None,
            raw=params,
        )
    auth = clean.pop("auth", None)
    bot_token, client_id = clean.pop("botToken", None), clean.pop("CLIENT_ID", None)
    secret: Any = bot_token or client_id
    fields = clean.get("fields")
    if isinstance(fields, dict) and "botToken" in fields:
        fields = dict(fields)
        secret = secret or fields.pop("botToken")
        clean["fields"] = fields
    if route.kind == "webhook":
        kind, token = "webhook", route.secret
    else:
        token = auth if isinstance(auth, str) and auth else None
        kind = "oauth" if token else "none"
    return _Credentials(
        params=clean,
        auth_kind=kind,
        token=token,
        bot_secret=str(secret) if secret not in (None, "") else None,
        raw=params,
    )


def _bot_hints(params: dict[str, Any]) -> tuple[int, ...]:
    found = (int_param(params.get(name)) for name in ("BOT_ID", "botId"))
    return tuple(bot_id for bot_id in found if bot_id)


def _retry_after(fault: Fault) -> tuple[tuple[str, str], ...]:
    if fault.retry_after is None:
        return ()
    seconds = fault.retry_after
    return (("Retry-After", str(int(seconds)) if seconds == int(seconds) else str(seconds)),)


class RestEngine:
    """Answers requests from one ``State``; transports call ``begin`` then ``finish``."""

    def __init__(self, state: State) -> None:
        self.state = state
        tables = (
            SYSTEM_METHODS,
            BATCH_METHODS,
            V1_METHODS,
            V2_METHODS,
            COMMAND_METHODS,
            EVENT_METHODS,
        )
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for table in tables for name, handler in table.items()
        }

    def begin(self, request: HttpRequest) -> Fault | None:
        """The injected fault this request suffers, if any (one use of it is spent)."""
        with self.state.lock:
            return self.state.faults.take(_route(request.path).method)

    def finish(self, request: HttpRequest, fault: Fault | None) -> HttpReply | None:
        """The answer to ``request`` (``None``: drop the connection without one)."""
        with self.state.lock:
            return self._finish(request, fault)

    # -- one request --------------------------------------------------------------------

    def _finish(self, request: HttpRequest, fault: Fault | None) -> HttpReply | None:
        route = _route(request.path)
        slot = len(self.state.calls)  # batch sub-calls are recorded first; this goes before
        try:
            creds = _credentials(decode_params(request), route)
        except ApiError as error:
            creds = _Credentials(params={}, auth_kind="none", token=None, bot_secret=None)
            reply: HttpReply | None = error_reply(error)
            self._record(slot, request, route, creds, (None, None), reply, error.code, fault)
            return reply
        who = self._who(route, creds)
        error_code: str | None = None
        if fault is not None and fault.kind == "fail":
            headers = _retry_after(fault)
            if fault.error is None:
                reply = html_reply(fault.status, headers)
            else:
                error_code = fault.error
                reply = error_reply(ApiError(fault.error, fault.description, fault.status), headers)
        elif fault is not None and fault.kind == "drop" and not fault.after_processing:
            reply = None
        else:
            reply, error_code = self._answer(route, creds, request)
            if fault is not None and fault.kind == "drop":
                reply = None
        self._record(slot, request, route, creds, who, reply, error_code, fault)
        return reply

    def _answer(
        self, route: _Route, creds: _Credentials, request: HttpRequest
    ) -> tuple[HttpReply, str | None]:
        start = time.time()
        try:
            if route.kind == "oauth":
                return json_reply(refresh_grant(self.state, creds.raw)), None
            if route.kind == "unknown":
                raise ApiError("ERROR_METHOD_NOT_FOUND")
            caller = self._authenticate(route, creds)
            result = self._invoke(caller, route.method, creds.params, creds.bot_secret, request)
        except ApiError as error:
            return error_reply(error), error.code
        return json_reply({"result": result, "time": time_block(start, time.time())}), None

    def _authenticate(self, route: _Route, creds: _Credentials) -> Caller:
        state = self.state
        if route.kind == "webhook":
            hook = state.webhooks.get(route.secret or "")
            if hook is None or hook.user_id != route.user_id:
                raise ApiError("NO_AUTH_FOUND")
            return Caller(
                auth_kind="webhook",
                member_id=hook.member_id,
                user_id=hook.user_id,
                kind="user",
                credential=hook.secret,
            )
        if creds.token is None:
            raise ApiError("NO_AUTH_FOUND")
        token = state.lookup(creds.token, _bot_hints(creds.params))
        if token is None or token.revoked:
            raise ApiError("invalid_token")
        if token.expires <= time.time():
            raise ApiError("expired_token")
        return Caller(
            auth_kind="oauth",
            member_id=token.member_id,
            user_id=token.user_id,
            kind=token.kind,
            credential=token.value,
        )

    def _invoke(
        self,
        caller: Caller,
        method: str,
        params: dict[str, Any],
        bot_secret: str | None,
        request: HttpRequest,
    ) -> Any:
        found = self._methods.get(method.lower())
        if found is None:
            raise ApiError("ERROR_METHOD_NOT_FOUND")
        name, handler = found

        def sub_call(sub_method: str, sub_params: dict[str, Any]) -> Any:
            return self._sub_call(caller, sub_method, sub_params, request)

        ctx = Ctx(
            state=self.state,
            caller=caller,
            method=name,
            params=params,
            bot_secret=bot_secret,
            call=sub_call,
        )
        return handler(ctx)

    def _sub_call(
        self, caller: Caller, method: str, params: dict[str, Any], request: HttpRequest
    ) -> Any:
        route = _Route("batch", method.removesuffix(".json"))
        creds = _credentials(params, route)
        status, code = 200, None
        try:
            return self._invoke(caller, route.method, creds.params, creds.bot_secret, request)
        except ApiError as error:
            status, code = error.status, error.code
            raise
        finally:
            self.state.calls.append(
                RecordedCall(
                    method=route.method,
                    params=creds.params,
                    auth_kind=caller.auth_kind,
                    token=caller.credential,
                    bot_token=creds.bot_secret,
                    member_id=caller.member_id,
                    token_kind=caller.kind,
                    http_method=request.http_method,
                    path=request.path,
                    status=status,
                    error=code,
                    fault=None,
                    in_batch=True,
                )
            )

    # -- recording ----------------------------------------------------------------------

    def _who(self, route: _Route, creds: _Credentials) -> tuple[str | None, str | None]:
        """Best effort, never raising: the portal and token kind a credential is of."""
        if route.kind == "webhook":
            hook = self.state.webhooks.get(route.secret or "")
            return (hook.member_id, "user") if hook else (None, None)
        if creds.token is None:
            return None, None
        if route.kind == "oauth":
            renewed = self.state.refresh_owner(creds.token)
            return (renewed.member_id, renewed.kind) if renewed else (None, None)
        token = self.state.lookup(creds.token, _bot_hints(creds.params))
        return (token.member_id, token.kind) if token else (None, None)

    def _record(
        self,
        slot: int,
        request: HttpRequest,
        route: _Route,
        creds: _Credentials,
        who: tuple[str | None, str | None],
        reply: HttpReply | None,
        error: str | None,
        fault: Fault | None,
    ) -> None:
        member_id, token_kind = who
        call = RecordedCall(
            method=route.method,
            params=creds.params,
            auth_kind=creds.auth_kind,
            token=creds.token,
            bot_token=creds.bot_secret,
            member_id=member_id,
            token_kind=token_kind,
            http_method=request.http_method,
            path=request.path,
            status=None if reply is None else reply.status,
            error=error,
            fault=None if fault is None else fault.label,
        )
        self.state.calls.insert(slot, call)
