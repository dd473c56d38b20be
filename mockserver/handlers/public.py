"""What the public-API handler groups share: the request's headers and body as Kratos reads them,
the session a request carries (session/manager_http.go FetchFromRequest), the AAL rule, the
session view, redirects and cookies."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from connexion import request
from connexion.context import _scope
from starlette.datastructures import Headers
from starlette.responses import Response

from .. import wire
from ..errors import bad_request
from ..frontend_api import BODY_KEY
from ..kratos_config import KratosConfig
from ..models import Identity, Session
from ..selfservice import cookies, negotiation
from ..selfservice.errors import aal2_required
from ..store import Store
from .common import Context

AAL_ORDER = {"aal0": 0, "aal1": 1, "aal2": 2, "aal3": 3}


class PublicHandlers:
    """Base of the public groups: ``ctx``, ``store``, ``config`` and request helpers."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store: Store = ctx.store
        self.config: KratosConfig = ctx.config

    # --- the request -----------------------------------------------------------------------

    @staticmethod
    def _headers() -> Any:  # starlette Headers (selfservice reads them as a HeaderLookup)
        """The request's headers, read from its scope (a connexion request object costs more)."""
        return Headers(scope=_scope.get())

    @staticmethod
    def _remote() -> str:
        """Go's ``r.RemoteAddr``: host and port of the peer."""
        client = request.client
        return f"{client.host}:{client.port}" if client else ""

    @staticmethod
    def _query() -> list[tuple[str, str]]:
        return request.query_params.multi_items()

    def _is_json(self) -> bool:
        return negotiation.is_json_request(self._headers())

    def _accepts_json(self) -> bool:
        return negotiation.accepts_json(self._headers())

    @staticmethod
    async def _raw_body() -> bytes:
        """The body as received (kept by ``frontend_api.keep_body``; connexion may have parsed it)."""
        kept = request.scope.get("extensions", {}).get(BODY_KEY)
        return kept if isinstance(kept, bytes) else await request.body()

    async def _form_or_json(self) -> dict[str, Any]:
        """A submitted flow body: JSON (an object), or a form flattened like Kratos'
        ``HTTPDecoderJSONFollowsFormFormat`` (``traits.email`` → ``{"traits": {"email": …}}``)."""
        content_type = (self._headers().get("content-type") or "").split(";")[0].strip().lower()
        raw = await self._raw_body()
        if content_type == "multipart/form-data":
            return unflatten(await _multipart(self._headers(), raw))
        if content_type != "application/json":
            return unflatten(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)) if raw else {}
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise bad_request(f"Unable to decode JSON payload: {exc}") from None
        if not isinstance(body, dict):
            raise bad_request("Unable to decode JSON payload: json: cannot unmarshal into Go value of type object")
        return body

    # --- sessions --------------------------------------------------------------------------

    def _token(self) -> str:
        return cookies.extract_token(self._headers(), self.config.session_cookie_name)

    def _current_session(self) -> tuple[Session, Identity] | None:
        """manager_http.go FetchFromRequest: an active session of the request's credentials."""
        token = self._token()
        return self.store.active_session_by_token(token) if token else None

    def _check_aal(self, session: Session, identity: Identity) -> None:
        """manager_http.go DoesSessionSatisfy with ``session.whoami.required_aal``. The identity's
        available AAL counts only enabled second-factor strategies; the mock enables none (TOTP,
        WebAuthn, lookup secrets and code MFA are refused in kratos.yml), so ``highest_available``
        is satisfied by every session and ``aal1`` by every session of at least aal1."""
        if session.aal == "aal2" or AAL_ORDER.get(session.aal, 0) >= 2:
            return
        required = self.config.whoami_required_aal
        satisfied = AAL_ORDER.get(session.aal, 0) >= 1 if required == "aal1" else True
        if not satisfied:
            raise aal2_required(f"{self.ctx.public_url}/self-service/login/browser?aal=aal2")

    def _session_view(self, session: Session, identity: Identity) -> dict[str, Any]:
        """The session of whoami and of a login: identity without credentials or admin metadata."""
        active = self.store.is_session_active(session, identity)
        return wire.session_json(session, identity, self.ctx.public_url, active=active, devices="show")

    def _listed_session_view(self, session: Session, identity: Identity | None) -> dict[str, Any]:
        """A session of ListSessionsByIdentity: the identity eagerly loaded, without addresses and
        with an empty schema_url (persistence/sql/persister_session.go)."""
        view = wire.session_json(
            session, None, self.ctx.public_url, active=self.store.is_session_active(session, identity), devices="show"
        )
        if identity is not None:
            embedded = wire.identity_json(identity, self.ctx.public_url, metadata_admin="never", addresses=False)
            view["identity"] = {**embedded, "schema_url": ""}
        return view

    def _session_cookie(self, session: Session) -> str:
        """manager_http.go IssueCookie: the ``Set-Cookie`` value for a session."""
        config = self.config
        now = self.store.now()
        max_age = 0
        if config.session_cookie_persistent:
            max_age = int((session.expires_at - now).total_seconds())
        value = cookies.SessionCookie(session.token, session.expires_at, self.store.draw_token(8))
        spec = cookies.CookieSpec(
            path=config.session_cookie_path or config.cookie_path,
            domain=config.session_cookie_domain or config.cookie_domain,
            max_age=max_age,
            secure=config.session_cookie_secure,
            same_site=config.session_cookie_same_site or config.cookie_same_site,
        )
        return cookies.set_cookie(config.session_cookie_name, cookies.encode_session_cookie(value), spec, now)

    # --- responses -------------------------------------------------------------------------

    @staticmethod
    def _redirect(location: str, status: int = 303, headers: list[tuple[str, str]] | None = None) -> Response:
        out = Response(status_code=status, headers={"Location": location})
        for name, value in headers or ():
            out.headers.append(name, value)
        return out


async def _multipart(headers: Any, raw: bytes) -> list[tuple[str, str]]:
    """A multipart form's text fields (starlette's parser over the kept bytes)."""
    from starlette.formparsers import MultiPartParser

    async def stream() -> Any:
        yield raw

    form = await MultiPartParser(headers, stream()).parse()
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


def unflatten(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Form keys with dots become nested objects; a repeated key keeps its first value."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        node = out
        *parents, leaf = key.split(".")
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node.setdefault(leaf, value)
    return out
