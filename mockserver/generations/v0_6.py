"""The v0.5 to v0.6 ``AdminApi`` generation (Kratos v0.6.3-alpha.1) over the same store: no /admin
prefix, identities without state, credentials or metadata, strict bodies, pages ordered by id
descending, self-service flows and error containers, schemas by raw id."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from .. import wire
from ..bodies import RAW, STRING
from ..errors import KratosError, bad_request, not_found, unique_violation
from ..godecode import UUID, Struct, gofrs_v3_2
from ..handlers.common import Context, decoderx, json_decoder, no_content, raw_query, recovery_expiry, respond
from ..handlers.metadata import MetadataHandlers
from ..handlers.recovery import LINK_FUTURE
from ..models import Identity, IdentityDraft
from ..pagination import offset_rels
from ..values import NIL_UUID, fmt_time, lenient_uuid, parse_int
from . import Generation

# identity/handler.go CreateIdentity, UpdateIdentity; selfservice/strategy/link/strategy_recovery.go
# CreateRecoveryLink (gofrs/uuid v3.2.0) @v0.6.3-alpha.1
CREATE_IDENTITY = Struct("identity.CreateIdentity", {"schema_id": STRING, "traits": RAW})
UPDATE_IDENTITY = Struct("identity.UpdateIdentity", {"schema_id": STRING, "traits": RAW})
RECOVERY_LINK = Struct("link.CreateRecoveryLink", {"identity_id": UUID(gofrs_v3_2), "expires_in": STRING})
DEFAULT_PER_PAGE, MAX_PER_PAGE = 250, 1000  # what v0.6's code does (its spec says 100 / 500)


def legacy_identity(identity: Identity, public_url: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": identity.id,
        "schema_id": identity.schema_id,
        "schema_url": f"{public_url}/schemas/{identity.schema_id}",
        "traits": identity.traits,
    }
    if identity.verifiable_addresses:
        out["verifiable_addresses"] = [wire.verifiable_address_json(a) for a in identity.verifiable_addresses]
    if identity.recovery_addresses:
        out["recovery_addresses"] = [wire.recovery_address_json(a) for a in identity.recovery_addresses]
    out["created_at"] = fmt_time(identity.created_at)
    out["updated_at"] = fmt_time(identity.updated_at)
    return out


def _draft(body: Any, struct: Struct) -> IdentityDraft:
    """identity/handler.go create and update @v0.6: ``jsonx.NewStrictDecoder`` into ``struct``."""
    decoded = wire.decode(json_decoder(body), struct, strict=True) or {}
    traits = decoded.get("traits")
    return IdentityDraft(schema_id=decoded.get("schema_id") or "", traits={} if traits is None else traits)


def _lenient_int(value: str | None, default: int) -> int:
    """v0.6 read page parameters with strconv and fell back to the default on any error."""
    number = parse_int(value, default)
    return default if number is None else number


def _stub_error(now: str) -> dict[str, Any]:
    """``?error=stub:500``: the canned container v0.6's errorx handler serves for UI development."""
    return {
        "id": "stub:500",
        "errors": [
            {
                "code": 500,
                "status": "Internal Server Error",
                "reason": "This is a stub error.",
                "message": "An internal server error occurred, please contact the system administrator",
            }
        ],
        "created_at": now,
        "updated_at": now,
    }


class LegacyHandlers:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.store

    def _view(self, identity: Identity) -> dict[str, Any]:
        return legacy_identity(identity, self.ctx.public_url)

    async def list_identities(self) -> Response:  # page, per_page: read leniently from the raw query
        raw = dict(raw_query())
        number, size = _lenient_int(raw.get("page"), 0), _lenient_int(raw.get("per_page"), DEFAULT_PER_PAGE)
        size = min(max(size, 1), MAX_PER_PAGE)
        number = max(number, 0)
        # v0.6 hands the 0-based page to a 1-based paginator that clamps to 1: page 0 and 1 agree.
        ordered = [i for i in reversed(list(self.store.identities()))]
        start = (max(number, 1) - 1) * size
        chosen = ordered[start : start + size]
        base = f"{self.ctx.admin_url}/identities"
        links = ",".join(
            f'<{base}?page={p}&per_page={n}>; rel="{rel}"' for rel, p, n in offset_rels(len(ordered), number, size)
        )
        return respond([self._view(i) for i in chosen], 200, {"Link": links})

    async def create_identity(self, body: Any = None) -> Response:
        draft = _draft(body, CREATE_IDENTITY)
        identity = self.store.create_identity(draft, conflict=unique_violation)
        return respond(self._view(identity), 201, {"Location": f"{self.ctx.admin_url}/identities/{identity.id}"})

    async def get_identity(self, id: str) -> Response:
        return respond(self._view(self.store.get_identity(lenient_uuid(id))))

    async def update_identity(self, id: str, body: Any = None) -> Response:
        draft = _draft(body, UPDATE_IDENTITY)
        return respond(self._view(self.store.update_identity(lenient_uuid(id), draft)))

    async def delete_identity(self, id: str) -> Response:
        self.store.delete_identity(lenient_uuid(id))
        return no_content()

    async def create_recovery_link(self, body: Any = None) -> Response:
        p = decoderx(body, RECOVERY_LINK)
        expires_in = recovery_expiry(p.get("expires_in"), LINK_FUTURE)
        identity = self.store.find_identity(p.get("identity_id") or NIL_UUID)
        if identity is None:
            raise not_found()
        if not identity.recovery_addresses:
            raise bad_request("The identity does not have any recovery addresses set.")
        grant = self.store.create_recovery_grant(identity.id, "link", expires_in)
        link = f"{self.ctx.public_url}/self-service/recovery?flow={grant.flow_id}&token={grant.secret}"
        return respond({"recovery_link": link, "expires_at": fmt_time(grant.expires_at)})

    async def get_schema(self, id: str) -> Response:
        schema = self.store.schemas.get(id)
        if schema is None:
            raise not_found(message="The requested resource could not be found")
        return respond(schema.document)

    async def get_self_service_error(self, error: str | None = None) -> Response:
        if error == "stub:500":
            return respond(_stub_error(fmt_time(self.store.clock.now())))
        container = self.store.find_error(error or "")
        if container is None:
            raise not_found()
        return respond(container)

    def _flow(self, kind: str, flow_id: str | None) -> Response:
        """A seeded flow of this kind: 404 when unknown, 410 (Kratos' expired-flow error) when expired."""
        flow = self.store.find_flow(lenient_uuid(flow_id or ""))
        if flow is None or flow.kind != kind:
            raise not_found()
        if flow.expires_at is not None and flow.expires_at <= self.store.clock.now():
            since = fmt_time(flow.expires_at)
            raise KratosError(
                410,
                f"The {kind} flow expired {since}.",
                "The self-service flow has expired",
                {"redirect_to": f"{self.ctx.public_url}/self-service/{kind}/browser", "since": since},
            )
        return respond(flow.document)

    async def get_self_service_login_flow(self, id: str | None = None) -> Response:
        return self._flow("login", id)

    async def get_self_service_registration_flow(self, id: str | None = None) -> Response:
        return self._flow("registration", id)

    async def get_self_service_recovery_flow(self, id: str | None = None) -> Response:
        return self._flow("recovery", id)

    async def get_self_service_settings_flow(self, id: str | None = None) -> Response:
        return self._flow("settings", id)

    async def get_self_service_verification_flow(self, id: str | None = None) -> Response:
        return self._flow("verification", id)

    async def prometheus(self) -> Response:
        if self.ctx.metrics is None:
            raise KratosError(404, "Metrics are not enabled.")
        body, content_type = self.ctx.metrics.render()
        return Response(body, 200, media_type=content_type)


V0_6 = Generation(
    name="v0.6",
    upstream="v0.6.3-alpha.1",
    spec="kratos-v0.6.yaml",
    handler_groups=(LegacyHandlers, MetadataHandlers),
    admin_paths=("/identities", "/recovery/"),
    lenient_query=frozenset({"page", "per_page", "id", "error"}),
    baseline="baseline-v0.6.json",
)
