"""What the login and registration handlers share: the flow a request names, its request URL,
answering a flow error as Kratos' ErrorHandler.WriteFlowError does (the flow with messages, an
envelope, or a redirect), and replacing an expired flow."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from connexion import request
from starlette.responses import Response

from ..errors import KratosError, not_found
from ..models import Flow
from ..selfservice import flows, texts
from ..selfservice.cookies import request_cookies
from ..selfservice.errors import PublicError, flow_gone_on_get, flow_id_missing
from ..values import canonical_uuid, fmt_time
from .common import respond
from .public import PublicHandlers

ORIGIN_NEEDS_BROWSER = (
    'The HTTP Request Header included the "Origin" key, indicating that this request was made as part of an AJAX '
    "request in a Browser. The flow however was initiated as an API request. To prevent potential misuse and "
    "mitigate several attack vectors including CSRF, the request has been blocked. Please consult the documentation."
)
COOKIE_NEEDS_BROWSER = ORIGIN_NEEDS_BROWSER.replace('"Origin" key', '"Cookie" key').replace(
    "made as part of an AJAX request in a Browser", "made by a Browser"
)


class FlowHandlers(PublicHandlers):
    """Base of the login and registration groups."""

    def _request_url(self) -> str:
        """x.RequestURL: scheme from X-Forwarded-Proto, host from X-Forwarded-Host or Host."""
        headers = self._headers()
        scheme = headers.get("x-forwarded-proto") or request.url.scheme
        host = headers.get("x-forwarded-host") or headers.get("host") or request.url.netloc
        query = request.url.query
        return f"{scheme}://{host}{request.url.path}" + (f"?{query}" if query else "")

    def _flow_request(self, flow_type: str, csrf: str = "") -> flows.FlowRequest:
        return flows.FlowRequest(flow_type, self._request_url(), self.ctx.public_url, self.store.now(), csrf)

    def _first(self, name: str) -> str:
        """``r.URL.Query().Get(name)``: the first value, or ""."""
        return next((v for k, v in self._query() if k == name), "")

    def _load_flow(self, kind: str, raw_id: str) -> Flow:
        """flow/flow.go GetFlowID (a malformed id is the nil UUID: 400), then the persister (404)."""
        flow_id = canonical_uuid(raw_id) if raw_id else None
        if flow_id is None or flow_id == "00000000-0000-0000-0000-000000000000":
            raise flow_id_missing()
        record = self.store.find_flow(flow_id)
        if record is None or record.kind != kind:
            raise not_found()
        return record

    def _get_flow_id(self, raw_id: str) -> str:
        """A flow id as x.ParseUUID reads it: malformed ids become the nil UUID (then 404)."""
        return canonical_uuid(raw_id) or "00000000-0000-0000-0000-000000000000"

    def _save(self, record: Flow, doc: dict[str, Any], **internal: Any) -> Flow:
        """UpdateLoginFlow / UpdateRegistrationFlow: the document (and updated_at) written back."""
        if "updated_at" in doc:
            doc["updated_at"] = fmt_time(self.store.now())
        updated = replace(record, document=doc, internal={**record.internal, **internal})
        self.store.put_flow(updated)
        return updated

    def _flow_error(
        self,
        record: Flow,
        doc: dict[str, Any],
        problems: Sequence[tuple[str, texts.Message]],
        *,
        sort: Callable[[list[Any]], None],
        ui_url: str,
        redirect_status: int,
    ) -> Response:
        """WriteFlowError for validation errors: messages reset and attached, nodes sorted, the
        flow stored; 400 with the flow, or (browser, not JSON) a redirect to the UI."""
        flows.render_problems(doc, problems)
        sort(doc["ui"]["nodes"])
        self._save(record, doc)
        if doc["type"] == "browser" and not self._is_json():
            return self._redirect(f"{ui_url}?flow={record.id}", redirect_status)
        return respond(doc, 400)

    def _forward(self, error: KratosError, flow_type: str | None) -> Response:
        """ErrorHandler.forward: api flows and JSON requests get the envelope; browsers are sent to
        the error UI with the error stored (errorx/manager.go Forward)."""
        if flow_type == "api" or self._is_json():
            raise error
        error_id = self.store.draw_uuid()
        now = fmt_time(self.store.now())
        self.store.put_error({"id": error_id, "error": error.envelope()["error"], "created_at": now, "updated_at": now})
        return self._redirect(f"{self.config.error_ui_url}?id={error_id}")

    def _expired(self, record: Flow, make_new: Callable[[], Flow], kind: str, ui_url: str) -> Response:
        """login/error.go PrepareReplacementForExpiredFlow: a new flow of the same type and request
        URL with the "flow expired" message; 410 with its id, or a redirect to it."""
        expired_at = record.expires_at
        assert expired_at is not None
        now = self.store.now()
        fresh = make_new()
        doc = copy.deepcopy(fresh.document)
        doc["request_url"] = record.document.get("request_url", doc["request_url"])
        doc["ui"].setdefault("messages", []).append(texts.flow_expired(kind, expired_at, now, fmt_time(expired_at)))
        self._save(fresh, doc)
        if record.document.get("type") == "api" or self._is_json():
            raise flows.expired_error(expired_at, now, fresh.id)
        return self._redirect(f"{ui_url}?flow={fresh.id}")

    def _check_flow_csrf(self, record: Flow) -> None:
        """Browser flows: the CSRF cookie must match the flow's token (added with browser flows)."""

    def _gone(self, kind: str, record: Flow) -> PublicError:
        if record.document.get("type") == "browser":
            return_to = record.document.get("return_to", "")
            target = f"{self.ctx.public_url}/self-service/{kind}/browser"
            if return_to:
                target += "?" + urlencode({"return_to": return_to})
            return flow_gone_on_get(kind, "browser", {"redirect_to": target, "return_to": return_to})
        return flow_gone_on_get(kind, "api", {"api": f"{self.ctx.public_url}/self-service/{kind}/api"})

    def _ensure_csrf(self, doc: dict[str, Any], body: dict[str, Any]) -> list[tuple[str, texts.Message]]:
        """selfservice/flow/request.go EnsureCSRF for api flows: no Origin, no cookies but
        Cloudflare's (browser flows are checked with the CSRF cookie)."""
        if doc["type"] != "api":
            return []
        headers = self._headers()
        if headers.get("origin"):
            return [("", texts.generic(ORIGIN_NEEDS_BROWSER))]
        names = [n for n, _ in request_cookies(headers) if not n.startswith(("__cf", "_cf", "cf_"))]
        if names:
            return [("", texts.generic(COOKIE_NEEDS_BROWSER))]
        return []

    def _refresh_csrf_node(self, doc: dict[str, Any]) -> None:
        """Browser flows get a freshly masked token on every error (set with browser flows)."""
