"""Session operations: list, get, disable, extend; an identity's sessions: list, delete."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from .. import wire
from ..errors import bad_request
from ..models import Session
from ..pagination import (
    FIRST_SESSION_TOKEN,
    keyset_links,
    parse_session_token,
    session_token,
)
from ..values import parse_int
from .common import (
    Context,
    check_int64,
    expand_options,
    migration_paginate,
    no_content,
    raw_query,
    request_path,
    respond,
    strict_uuid,
)

MAX_SESSIONS_PAGE = 1000


class SessionHandlers:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.store

    def _view(self, session: Session, expand: set[str], devices_default: str) -> dict[str, Any]:
        identity = self.store.find_identity(session.identity_id) if "identity" in expand else None
        active = self.store.is_session_active(session, identity)
        devices = "show" if "devices" in expand else devices_default
        return wire.session_json(session, identity, self.ctx.public_url, active=active, devices=devices)

    async def list_sessions(
        self,
        active: bool | None = None,
        expand: list[str] | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> Response:
        check_int64(page_size=page_size)
        query = raw_query()
        raw = dict(query)
        options = expand_options(expand)
        size = parse_int(raw.get("page_size"), 250)
        if size is None:
            raise bad_request(message="could not parse parameter page_size")
        size = min(size if size > 0 else 250, MAX_SESSIONS_PAGE)
        after = parse_session_token(raw["page_token"]) if raw.get("page_token") else None
        sessions, has_next = self.store.list_sessions(active=active, after=after, page_size=size)
        next_token = session_token(sessions[-1].created_at, sessions[-1].id) if has_next else None
        headers = {"Link": keyset_links(request_path(), query, size, FIRST_SESSION_TOKEN, next_token)}
        return respond([self._view(s, options, "null") for s in sessions], 200, headers)

    async def get_session(self, id: str, expand: list[str] | None = None) -> Response:
        if id == "whoami":  # v26.2 session/handler.go: the admin route redirects to the public one
            return Response(status_code=307, headers={"Location": f"{self.ctx.public_url}/sessions/whoami"})
        options = expand_options(expand)
        session = self.store.get_session(strict_uuid(id))
        return respond(self._view(session, options, "hide"))

    async def disable_session(self, id: str) -> Response:
        self.store.disable_session(strict_uuid(id))
        return no_content()

    async def extend_session(self, id: str) -> Response:
        session = self.store.extend_session(strict_uuid(id))
        return respond(self._view(session, {"identity"}, "hide"))

    async def list_identity_sessions(
        self,
        id: str,
        active: bool | None = None,
        page: int | None = None,
        per_page: int | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> Response:
        check_int64(page=page, per_page=per_page, page_size=page_size)
        sessions = self.store.list_identity_sessions(strict_uuid(id), active=active)
        chosen, headers = migration_paginate(sessions)
        identity = self.store.find_identity(strict_uuid(id))
        body = []
        for s in chosen:
            view = wire.session_json(
                s, None, self.ctx.public_url, active=self.store.is_session_active(s, identity), devices="show"
            )
            if identity is not None:
                view["identity"] = wire.identity_json(
                    identity, self.ctx.public_url, metadata_admin="never", addresses=False
                )
                view["identity"]["schema_url"] = ""  # ListSessionsByIdentity never fills it (v26.2)
            body.append(view)
        return respond(body, 200, headers)

    async def delete_identity_sessions(self, id: str) -> Response:
        self.store.delete_identity_sessions(strict_uuid(id))
        return no_content()
