"""Admin recovery: a code (201) or a link (200) for an identity, with Go-duration ``expires_in``.

Both endpoints decode with ``decoderx`` (selfservice/strategy/code/strategy_recovery_admin.go
createRecoveryCodeForIdentity, selfservice/strategy/link/strategy_recovery.go
createRecoveryLinkForIdentity): a missing ``identity_id`` is ``uuid.Nil``, which is not found.
"""

from __future__ import annotations

from typing import Any, ClassVar

from connexion import request
from starlette.responses import Response

from .. import bodies
from ..errors import KratosError, bad_request
from ..godecode import Struct, go_quote
from ..models import Flow, RecoveryGrant
from ..selfservice import code_flows
from ..selfservice.flows import FlowRequest
from ..values import NIL_UUID, fmt_time
from .common import Context, decoderx, recovery_expiry, respond

LINK_DISABLED = (
    "This endpoint was disabled by system administrator. Please check your url or contact the "
    "system administrator to enable it."
)
# The refusal of a non-positive expires_in: the link strategy prints what was sent; v26.2's code
# strategy prints the parsed time.Duration (v1.x's printed what was sent, without "be").
LINK_FUTURE = 'Value from "expires_in" must be result to a future time: {raw}'
CODE_FUTURE = 'Value from "expires_in" must result to a future time: {duration}'


class RecoveryHandlers:
    LINK_BODY: ClassVar[Struct] = bodies.RECOVERY_LINK
    CODE_BODY: ClassVar[Struct] = bodies.RECOVERY_CODE
    CODE_FUTURE: ClassVar[str] = CODE_FUTURE

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.store

    def _admin_recovery_flow(self, grant: RecoveryGrant, flow_type: str, method: str = "code") -> None:
        """strategy_recovery_admin.go createRecoveryCodeForIdentity (link: strategy/link
        createRecoveryLinkForIdentity): a recovery flow (code: state sent_email, the code form only)
        without a CSRF check, and the grant's code or token, so the public recovery flow takes it."""
        now = self.store.now()
        req = FlowRequest(flow_type, str(request.url), self.ctx.public_url, now, "")
        lifespan = grant.expires_at - now
        doc = code_flows.recovery_flow(grant.flow_id, req, lifespan, method)
        if method == "code":
            code_flows.admin_code_form(doc)
        self.store.put_flow(Flow("recovery", grant.flow_id, doc, grant.expires_at, {"skip_csrf": True}))
        self.store.issue_code(
            grant.flow_id,
            "recovery" if method == "code" else "recovery_link",
            address="",
            identity_id=grant.identity_id,
            lifespan=lifespan,
            admin=True,
            secret=grant.secret,
        )

    async def create_recovery_link_for_identity(self, body: Any = None, return_to: str | None = None) -> Response:
        if not self.ctx.recovery_link_enabled:
            raise KratosError(404, LINK_DISABLED)
        p = decoderx(body, self.LINK_BODY)
        expires_in = recovery_expiry(p.get("expires_in"), LINK_FUTURE)
        grant = self.store.create_recovery_grant(p.get("identity_id") or NIL_UUID, "link", expires_in)
        self._admin_recovery_flow(grant, "browser", method="link")
        link = f"{self.ctx.public_url}/self-service/recovery?flow={grant.flow_id}&token={grant.secret}"
        return respond({"recovery_link": link, "expires_at": fmt_time(grant.expires_at)})

    async def create_recovery_code_for_identity(self, body: Any = None) -> Response:
        p = decoderx(body, self.CODE_BODY)
        expires_in = recovery_expiry(p.get("expires_in"), self.CODE_FUTURE)
        flow_type = p.get("flow_type")  # *flow.Type: null or absent is the browser flow, "" is not
        if flow_type is not None and flow_type not in ("browser", "api"):
            raise bad_request(f'Value from "flow_type" is not valid: {go_quote(flow_type)}')
        grant = self.store.create_recovery_grant(p.get("identity_id") or NIL_UUID, "code", expires_in)
        self._admin_recovery_flow(grant, flow_type or "browser")
        return respond(
            {
                "recovery_link": f"{self.ctx.recovery_ui_url}?flow={grant.flow_id}",
                "recovery_code": grant.secret,
                "expires_at": fmt_time(grant.expires_at),
            },
            201,
        )
