"""What the recovery and verification handlers share (selfservice/flow/recovery/handler.go and
error.go, verification/handler.go and error.go at v26.2.0): creating a flow (api or browser),
fetching one, answering an expired flow with a new one, writing a flow error."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from starlette.responses import Response

from ..errors import KratosError, bad_request, not_found
from ..models import Flow
from ..selfservice import code_flows, code_texts, flows, texts
from ..selfservice.errors import PublicError
from .code_sender import CodeSender
from .common import respond
from .flow_base import FlowHandlers


def flow_replaced(reason: str, new_flow_id: str) -> PublicError:
    """flow/error.go NewFlowReplacedError(...).WithFlow(f): 410 with the new flow's id."""
    return PublicError(
        410,
        reason,
        "self-service flow replaced",
        error_id="self_service_flow_replaced",
        extra={"use_flow_id": new_flow_id},
    )


class MessageFlowHandlers(FlowHandlers, CodeSender):
    """Base of the recovery and verification groups; ``KIND`` names the flow."""

    KIND = ""

    def _enabled(self) -> bool:
        raise NotImplementedError

    def _method(self) -> str:
        """The ``use`` strategy (code or link)."""
        raise NotImplementedError

    def _ui_url(self) -> str:
        raise NotImplementedError

    def _lifespan_of_flow(self) -> Any:
        raise NotImplementedError

    def _disabled(self) -> KratosError:
        return bad_request(f"{self.KIND.capitalize()} is not allowed because it was disabled.")

    def _new_flow(self, flow_type: str, csrf: str = "") -> Flow:
        """recovery/flow.go, verification/flow.go NewFlow: return_to checked, the method's form."""
        req = self._flow_request(flow_type, csrf)
        config = self.config
        flows.check_return_to(
            req.return_to, config.default_browser_return_url, config.allowed_return_urls, req.public_url
        )
        flow_id = self.store.draw_uuid()
        lifespan = self._lifespan_of_flow()
        build = code_flows.recovery_flow if self.KIND == "recovery" else code_flows.verification_flow
        doc = build(flow_id, req, lifespan, self._method())
        record = Flow(self.KIND, flow_id, doc, req.now + lifespan, {"csrf_token": csrf})
        self.store.put_flow(record)
        return record

    async def _create_browser(self) -> Response:
        """createBrowser{Recovery,Verification}Flow: the CSRF cookie, then JSON or a 303 to the UI."""
        real, set_cookies = self._page_csrf()
        if not self._enabled():
            return self._with_cookies(self._forward(self._disabled(), None), set_cookies)
        try:
            record = self._new_flow("browser", self._masked(real))
        except KratosError as error:
            return self._with_cookies(self._forward(error, None), set_cookies)
        if self._accepts_json():
            return self._with_cookies(respond(record.document), set_cookies)
        return self._redirect(f"{self._ui_url()}?flow={record.id}", 303, [("Set-Cookie", v) for v in set_cookies])

    async def _get(self) -> Response:
        """get{Recovery,Verification}Flow: 404, CSRF of browser flows, then 410 when expired."""
        if not self._enabled():
            return self._forward(self._disabled(), None)
        record = self.store.find_flow(self._get_flow_id(self._first("id")))
        if record is None or record.kind != self.KIND:
            raise not_found()
        self._check_flow_csrf(record)
        if record.expires_at is not None and record.expires_at < self.store.now():
            raise self._gone_flow(record)
        return respond(record.document)

    def _gone_flow(self, record: Flow) -> PublicError:
        """get{Recovery,Verification}Flow: the expired error without an id (unlike login's)."""
        error = self._gone(self.KIND, record)
        error.error_id = None
        return error

    def _replace_expired(self, record: Flow) -> Response:
        """{recovery,verification}/error.go WriteFlowError with an ExpiredError: a new flow with the
        "expired" message; api flows and JSON requests are sent to it (303 to /flows?id=), browsers
        to the UI; api recovery flows with continue_with transitions get the 410 with its id."""
        assert record.expires_at is not None
        flow_type = record.document["type"]
        fresh = self._new_flow(flow_type, self._submit_csrf(flow_type))
        doc = copy.deepcopy(fresh.document)
        doc["request_url"] = record.document.get("request_url", doc["request_url"])
        doc["ui"].setdefault("messages", []).append(
            code_texts.flow_expired(self.KIND, record.expires_at, self.store.now())
        )
        self._save(fresh, doc)
        if self.KIND == "recovery" and self.config.continue_with_transitions and doc["type"] == "api":
            # recovery/error.go WriteFlowError with continue_with transitions: the 410 itself
            error = flows.expired_error(record.expires_at, self.store.now(), fresh.id)
            error.details = {"continue_with": [{"action": "show_recovery_ui", "flow": {"id": fresh.id}}]}
            raise error
        return self._to_new_flow(fresh)

    def _to_new_flow(self, fresh: Flow) -> Response:
        if fresh.document["type"] == "api" or self._is_json():
            return self._redirect(f"{self.ctx.public_url}/self-service/{self.KIND}/flows?id={fresh.id}")
        return self._redirect(f"{self._ui_url()}?flow={fresh.id}")

    def _flow_problems(
        self, record: Flow, doc: dict[str, Any], problems: Sequence[tuple[str, texts.Message]], status: int = 400
    ) -> Response:
        """WriteFlowError with a validation error: messages on the flow, 400 (or a 303 to the UI)."""
        flows.render_problems(doc, problems)
        self._save(record, doc)
        if doc["type"] == "browser" and not self._is_json():
            return self._redirect(f"{self._ui_url()}?flow={record.id}")
        return respond(doc, status)

    def _address_checked(self, record: Flow, doc: dict[str, Any], body: dict[str, Any]) -> str | Response:
        """The submitted ``email`` once it is there and the CSRF token holds (the strategies'
        Verify/Recover with an address); otherwise the answer: the flow with its problems, or
        the CSRF violation forwarded."""
        email = body.get("email")
        if not isinstance(email, str) or not email:
            return self._flow_problems(record, doc, [("email", texts.required("email"))])
        try:
            problems = self._ensure_csrf(doc, body)
        except PublicError as violation:
            return self._forward(violation, doc["type"])
        if problems:
            return self._flow_problems(record, doc, problems)
        return email

    def _show(self, record: Flow, doc: dict[str, Any]) -> Response:
        """The flow after a step: 200 JSON, or (browser, not JSON) a 303 to the UI."""
        self._save(record, doc)
        if doc["type"] == "browser" and not self._is_json():
            return self._redirect(f"{self._ui_url()}?flow={record.id}")
        return respond(doc)

    def _load_for_update(self) -> Flow:
        """flow.GetFlowID, then the persister: a missing flow is a 404 with Kratos' reason."""
        try:
            return self._load_flow(self.KIND, self._first("flow"))
        except KratosError as error:
            if error.code == 404:
                raise not_found(
                    f"The {self.KIND} request could not be found. Please restart the flow.", message=None
                ) from None
            raise
