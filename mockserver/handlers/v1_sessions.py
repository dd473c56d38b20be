"""Sessions, recovery and identity schemas as Kratos v1.0.0 and v1.1.0 serve them.

* ``GET /admin/sessions`` sets ``X-Total-Count`` (session/handler.go adminListSessions @v1.x);
  v1.0 pages by session id (keyset ``StringPageToken``, ids ascending, the Link header written as
  two fields), v1.1 as v26.2 (created_at descending).
* ``GET /admin/identities/{id}/sessions``: ``x.ParsePagination`` with pop's 1-based ``Paginate``
  (page 0 and 1 are both the first page), ``authenticated_at`` descending, ``X-Total-Count``; links
  on ``SelfAdminURL/sessions`` (v1.0, page links) or the request URL (v1.1, migration links)
  (session/handler.go listIdentitySessions, persister ListSessionsByIdentity).
* ``PATCH /admin/sessions/{id}/extend``: 200 with the session as loaded with ``ExpandNothing``:
  ``identity: null``, ``devices: []`` (session/handler.go adminSessionExtend @v1.x).
* recovery: ``flow_type`` does not exist (decoderx ignores it); gofrs/uuid v4.3.1's wording.
* schemas: 0-based pages, ``null`` past the end; an unknown id is retried base64url-decoded and
  the 404 names the decoded id (schema/handler.go getAll, getIdentitySchema @v1.x).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, ClassVar

from starlette.responses import Response

from .. import wire
from ..errors import KratosError, bad_request
from ..models import Session
from ..pagination_v1 import first, has, keyset_link, link_header, migration_params, page_params, parse_migration
from ..values import NIL_UUID, parse_int
from . import v1_bodies
from .common import expand_options, raw_query, request_path, respond, strict_uuid
from .recovery import RecoveryHandlers
from .schemas import SchemaHandlers
from .sessions import SessionHandlers

# The list handlers name only the parameters they take from connexion (``type: ignore[override]``):
# connexion coerces every declared parameter a handler names, and these read their page parameters
# leniently from the raw query, as ory/x's paginators do.
MAX_SESSIONS_PAGE = 1000  # persistence/sql/persister_session.go paginationMaxItemsSize


class V1SessionHandlers(SessionHandlers):
    ORGANIZATIONS: ClassVar[bool] = True

    def _view(self, session: Session, expand: set[str], devices_default: str) -> dict[str, Any]:
        out = super()._view(session, expand, devices_default)
        if not self.ORGANIZATIONS and isinstance(out.get("identity"), dict):
            out["identity"].pop("organization_id", None)
        return out

    async def extend_session(self, id: str) -> Response:
        session = self.store.extend_session(strict_uuid(id))
        return respond(self._view(session, set(), "hide"))

    async def list_identity_sessions(self, id: str, active: bool | None = None) -> Response:  # type: ignore[override]
        identity_id = strict_uuid(id)
        query = raw_query()
        page, per_page = parse_migration(query)
        owned = self.store.list_identity_sessions(identity_id, active=active)
        owned.sort(key=lambda s: s.authenticated_at, reverse=True)
        start = (max(page, 1) - 1) * per_page  # pop's Paginate(page, per_page) counts from 1
        chosen = owned[start : start + per_page]
        identity = self.store.find_identity(identity_id)
        body = []
        for s in chosen:
            view = wire.session_json(
                s, None, self.ctx.public_url, active=self.store.is_session_active(s, identity), devices="show"
            )
            if identity is not None:
                embedded = wire.identity_json(identity, self.ctx.public_url, metadata_admin="never", addresses=False)
                if not self.ORGANIZATIONS:
                    embedded.pop("organization_id", None)
                view["identity"] = embedded
            body.append(view)
        headers = {
            "X-Total-Count": str(len(owned)),
            "Link": self._identity_sessions_link(query, len(owned), page, per_page),
        }
        return respond(body, 200, headers)

    def _identity_sessions_link(self, query: list[tuple[str, str]], total: int, page: int, per_page: int) -> str:
        return link_header(request_path(), query, total, page, per_page, migration_params)


class SessionHandlersV1_0(V1SessionHandlers):  # noqa: N801 - the release in the name
    ORGANIZATIONS = False

    def _identity_sessions_link(self, query: list[tuple[str, str]], total: int, page: int, per_page: int) -> str:
        # x.PaginationHeader @v1.0.0 is pagepagination, on SelfAdminURL + session.RouteCollection
        return link_header(f"{self.ctx.admin_url}/sessions", [], total, page, per_page, page_params)

    async def list_sessions(self, active: bool | None = None) -> Response:  # type: ignore[override]
        """keysetpagination.Parse with StringPageToken: sessions by id, ascending (@ory/x v0.0.562)."""
        query = raw_query()
        options = expand_options([v for k, v in query if k == "expand"])
        size = 250
        if has(query, "page_size"):
            parsed = parse_int(first(query, "page_size") or "x", 250)
            if parsed is None or parsed < 0:  # negative: Kratos slices items[:size] and panics
                raise bad_request(message="could not parse parameter page_size")
            size = min(parsed or 250, MAX_SESSIONS_PAGE)
        token = first(query, "page_token") or ""
        now = self.store.clock.now()
        matching = sorted(
            (s for s in self.store.sessions() if active is None or _flag_active(s, now) == active), key=lambda s: s.id
        )
        after = [s for s in matching if s.id > token] if has(query, "page_token") else matching
        chosen = after[:size]
        response = respond([self._view(s, options, "null") for s in chosen], 200, {"X-Total-Count": str(len(matching))})
        response.headers.append("Link", keyset_link(request_path(), query, "first", NIL_UUID, size))
        if len(after) > size:
            response.headers.append("Link", keyset_link(request_path(), query, "next", chosen[-1].id, size))
        return response


def _flag_active(session: Session, now: Any) -> bool:
    """The list filter: ``active = ? AND expires_at >= now`` (the identity's state is not consulted)."""
    return session.active and session.expires_at >= now


class SessionHandlersV1_1(V1SessionHandlers):  # noqa: N801 - the release in the name
    async def list_sessions(self, active: bool | None = None) -> Response:  # type: ignore[override]
        expand = [v for k, v in raw_query() if k == "expand"]
        response = await super().list_sessions(active=active, expand=expand)
        response.headers["X-Total-Count"] = str(self.store.count_sessions(active=active))
        return response


class V1RecoveryHandlers(RecoveryHandlers):
    """The v1.x bodies (gofrs/uuid v4.3.1, no ``flow_type``); the code strategy prints the
    ``expires_in`` sent when refusing a non-positive one (strategy_recovery*.go @v1.x)."""

    LINK_BODY = v1_bodies.RECOVERY_LINK
    CODE_BODY = v1_bodies.RECOVERY_CODE
    CODE_FUTURE = 'Value from "expires_in" must result to a future time: {raw}'


class V1SchemaHandlers(SchemaHandlers):
    PUBLIC_LINKS: ClassVar[bool] = False  # v1.0: page links on SelfPublicURL/schemas

    async def list_identity_schemas(self) -> Response:  # type: ignore[override]
        query = raw_query()
        page, per_page = parse_migration(query)
        schemas = list(self.schemas)
        chosen = schemas[page * per_page : (page + 1) * per_page]
        if self.PUBLIC_LINKS:
            link = link_header(f"{self.ctx.public_url}/schemas", [], len(schemas), page, per_page, page_params)
        else:
            link = link_header(request_path(), query, len(schemas), page, per_page, migration_params)
        body = [{"id": s.id, "schema": s.document} for s in chosen] or None  # a nil slice: null
        return respond(body, 200, {"X-Total-Count": str(len(schemas)), "Link": link})

    async def get_identity_schema(self, id: str) -> Response:
        shown = id
        schema = self.schemas.get(id)
        if schema is None:
            decoded = _raw_url_decode(id)
            shown = id if decoded is None else decoded
            schema = self.schemas.get(shown)
        if schema is None:
            raise KratosError(404, f"Identity schema `{shown}` could not be found.")
        return respond(schema.document)


def _raw_url_decode(value: str) -> str | None:
    """``base64.RawURLEncoding.DecodeString`` (no padding allowed), as text."""
    if "=" in value:
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


class SchemaHandlersV1_0(V1SchemaHandlers):  # noqa: N801 - the release in the name
    PUBLIC_LINKS = True
