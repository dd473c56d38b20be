"""Admin recovery: a code (201) or a link (200) for an identity, with Go-duration ``expires_in``."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from .. import wire
from ..errors import KratosError, bad_request
from ..values import fmt_time
from .common import Context, go_duration, respond

LINK_DISABLED = (
    "This endpoint was disabled by system administrator. Please check your url or contact the "
    "system administrator to enable it."
)


def _body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request(message="Unable to decode JSON payload")
    return body


class RecoveryHandlers:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.store

    async def create_recovery_link_for_identity(self, body: Any = None, return_to: str | None = None) -> Response:
        if not self.ctx.recovery_link_enabled:
            raise KratosError(404, LINK_DISABLED)
        body = _body(body)
        expires_in = go_duration(body.get("expires_in"))
        identity_id = wire.parse_body_uuid(body.get("identity_id"), "identity_id") or ""
        grant = self.store.create_recovery_grant(identity_id, "link", expires_in)
        link = f"{self.ctx.public_url}/self-service/recovery?flow={grant.flow_id}&token={grant.secret}"
        return respond({"recovery_link": link, "expires_at": fmt_time(grant.expires_at)})

    async def create_recovery_code_for_identity(self, body: Any = None) -> Response:
        body = _body(body)
        expires_in = go_duration(body.get("expires_in"))
        flow_type = body.get("flow_type") or "browser"
        if flow_type not in ("browser", "api"):
            raise bad_request(f'Value from "flow_type" is not valid: "{flow_type}"')
        identity_id = wire.parse_body_uuid(body.get("identity_id"), "identity_id") or ""
        grant = self.store.create_recovery_grant(identity_id, "code", expires_in)
        return respond(
            {
                "recovery_link": f"{self.ctx.recovery_ui_url}?flow={grant.flow_id}",
                "recovery_code": grant.secret,
                "expires_at": fmt_time(grant.expires_at),
            },
            201,
        )
