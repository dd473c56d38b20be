"""The public session routes (session/handler.go and selfservice/flow/logout/handler.go at
v26.2.0): toSession, listMySessions, disableMySession, disableMyOtherSessions, performNativeLogout.

Sessions are the store's, the same records the admin API lists."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from ..errors import KratosError, bad_request
from ..models import Session
from ..selfservice import cookies
from ..selfservice.errors import no_session_cookie, no_session_whoami
from .common import migration_paginate, no_content, respond
from .public import PublicHandlers

UNKNOWN_SESSION_TOKEN = "The provided Ory Session Token could not be found, is invalid, or otherwise malformed."  # noqa: S105


class FrontendSessionHandlers(PublicHandlers):
    async def to_session(self, tokenize_as: str | None = None) -> Response:
        """session/handler.go whoami."""
        found = self._current_session()
        if found is None:
            raise no_session_whoami()
        session, identity = found
        self._check_aal(session, identity)
        if tokenize_as:
            # config.go TokenizeTemplate: no session.whoami.tokenizer.templates are configured
            raise bad_request(f'Unable to find tokenizer template "{tokenize_as}".')
        out = respond(self._session_view(session, identity), 200, {"X-Kratos-Authenticated-Identity-Id": identity.id})
        self._refresh_cookie(out, session)
        return out

    def _refresh_cookie(self, response: Response, session: Session) -> None:
        """manager_http.go RefreshCookie: re-issue the cookie when it holds an older expiry."""
        raw = cookies.cookie(self._headers(), self.config.session_cookie_name)
        held = cookies.decode_session_cookie(raw)
        if held is None:
            return  # no session cookie (a token was used), or one that does not decode
        if held.expires_at is None or held.expires_at < session.expires_at:
            response.headers.append("Set-Cookie", self._session_cookie(session))

    async def list_my_sessions(self) -> Response:
        """session/handler.go listMySessions: the caller's other active sessions, newest first
        (page parameters read from the query by the migration paginator)."""
        found = self._current_session()
        if found is None:
            raise no_session_cookie()
        session, identity = found
        self._check_aal(session, identity)
        others = self.store.other_active_sessions(identity.id, session.id)
        chosen, headers = migration_paginate(others)
        return respond([self._listed_session_view(s, identity) for s in chosen], 200, headers)

    async def disable_my_session(self, id: str) -> Response:
        """session/handler.go deleteMySession (``whoami`` answers as whoami)."""
        if id == "whoami":
            return await self.to_session()
        found = self._current_session()
        if found is None:
            raise no_session_cookie()
        session, identity = found
        problem = go_uuid_error(id)
        if problem is not None:
            raise bad_request(message=problem)
        session_id = id.lower() if len(id) == 36 else _canonical(id)
        if session_id == session.id:
            raise bad_request(message="cannot revoke current session")
        self.store.revoke_identity_session(identity.id, session_id)
        return no_content()

    async def disable_my_other_sessions(self) -> Response:
        """session/handler.go deleteMySessions: ``{"count": n}``."""
        found = self._current_session()
        if found is None:
            raise no_session_cookie()
        session, identity = found
        count = self.store.revoke_other_sessions(identity.id, session.id)
        return respond({"count": count})

    async def exchange_session_token(self) -> Response:
        """session/handler.go exchangeCode. The code pair only ever gets a session after an OIDC
        login (the return_to_code is minted by the OIDC callback); the mock has no OIDC, so every
        complete pair is unknown, as on a Kratos whose only first factor is the password."""
        query = dict(reversed(self._query()))  # r.URL.Query().Get: the first value
        if not query.get("init_code") or not query.get("return_to_code"):
            raise bad_request('"init_code" and "return_to_code" query params must be set')
        raise KratosError(404, 'no session yet for this "code"')

    async def perform_native_logout(self) -> Response:
        """logout/handler.go performNativeLogout: revoke the body's session token."""
        body = await self._native_logout_body()
        token = body.get("session_token")
        if not isinstance(token, str) or not self.store.revoke_session_by_token(token):
            raise KratosError(403, UNKNOWN_SESSION_TOKEN)
        return no_content()

    async def _native_logout_body(self) -> dict[str, Any]:
        """ory/x decoderx with HTTPJSONDecoder: Content-Length, Content-Type, then the Go decoder."""
        raw = await self._raw_body()
        declared = self._headers().get("content-length")
        if (declared is not None and declared.strip() == "0") or (
            declared is None and not raw and not self._headers().get("transfer-encoding")
        ):
            raise bad_request('Unable to decode HTTP Request Body because its HTTP Header "Content-Length" is zero.')
        content_type = self._headers().get("content-type") or ""
        if content_type.split(";")[0].strip().lower() != "application/json":
            raise bad_request(
                f'HTTP DELETE Request used unknown HTTP Header "Content-Type: {content_type}", '
                "only [application/json] are supported."
            )
        try:
            body = json.JSONDecoder().raw_decode(raw.decode("utf-8").lstrip())[0]
        except (ValueError, UnicodeDecodeError) as exc:
            raise bad_request(f"Unable to decode JSON payload: {exc}") from None
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise bad_request(
                "Unable to decode JSON payload: json: cannot unmarshal "
                f"{_json_kind(body)} into Go value of type logout.performNativeLogoutBody"
            )
        token = body.get("session_token")
        if token is not None and not isinstance(token, str):
            raise bad_request(
                "Unable to decode JSON payload: json: cannot unmarshal "
                f"{_json_kind(token)} into Go struct field performNativeLogoutBody.session_token of type string"
            )
        return body


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def go_uuid_error(text: str) -> str | None:
    """gofrs/uuid v4.4.0 ``FromString``: the error text, or None when it parses."""
    raw = text.encode("utf-8", "surrogatepass")
    quoted = json.dumps(text, ensure_ascii=False)
    n = len(raw)
    if n in (34, 38):
        if not (raw[:1] == b"{" and raw[-1:] == b"}"):
            return f"uuid: incorrect UUID format in string {quoted}"
        raw = raw[1:-1]
    elif n in (41, 45):
        if raw[:9] != b"urn:uuid:":
            return f"uuid: incorrect UUID format in string {json.dumps(raw[:9].decode('utf-8', 'replace'))}"
        raw = raw[9:]
    elif n not in (32, 36):
        return f"uuid: incorrect UUID length {n} in string {quoted}"
    if len(raw) == 36:
        if raw[8:9] + raw[13:14] + raw[18:19] + raw[23:24] != b"----":
            return f"uuid: incorrect UUID format in string {json.dumps(raw.decode('utf-8', 'replace'))}"
        raw = raw.replace(b"-", b"")
    if len(raw) != 32 or any(c not in b"0123456789abcdefABCDEF" for c in raw):
        return "uuid: invalid UUID format"
    return None


def _canonical(text: str) -> str:
    digits = text.removeprefix("urn:uuid:").strip("{}").replace("-", "").lower()
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
