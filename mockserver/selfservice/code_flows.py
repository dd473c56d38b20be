"""Recovery, verification and settings flow documents and the code method's nodes as Kratos
v26.2.0 builds them (recovery/flow.go, verification/flow.go, settings/flow.go NewFlow;
strategy/code/strategy.go PopulateMethod, populateEmailSentFlow; strategy_recovery.go
PopulateRecoveryMethod, recoveryHandleFormSubmission; profile/strategy.go and password/settings.go
PopulateSettingsMethod; settings/sort.go)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from ..values import fmt_time
from . import code_texts as ct
from . import nodes, texts
from .flows import FlowRequest

SETTINGS_GROUPS = ("default", "profile", "password", "oidc", "lookup_secret", "webauthn", "passkey", "totp")


def base(kind: str, flow_id: str, req: FlowRequest, lifespan: timedelta, active: str | None) -> dict[str, Any]:
    """The fields every one of these flows has, in the Go struct's order (``active`` before ``ui``)."""
    doc: dict[str, Any] = {
        "id": flow_id,
        "type": req.flow_type,
        "expires_at": fmt_time(req.now + lifespan),
        "issued_at": fmt_time(req.now),
        "request_url": req.request_url,
    }
    if req.return_to:
        doc["return_to"] = req.return_to
    if active:
        doc["active"] = active
    doc["ui"] = {"action": f"{req.public_url}/self-service/{kind}?flow={flow_id}", "method": "POST", "nodes": []}
    return doc


def with_maxlength(node: nodes.Node, length: int) -> nodes.Node:
    """InputAttributes.MaxLength sits just before ``node_type``."""
    attributes = {k: v for k, v in node["attributes"].items() if k != "node_type"}
    attributes["maxlength"] = length
    attributes["node_type"] = "input"
    return {**node, "attributes": attributes}


def anchor_node(name: str, href: str, group: str, title: texts.Message) -> nodes.Node:
    """ui/node/attributes.go NewAnchorField (meta label = title)."""
    attributes = {"href": href, "title": title, "id": name, "node_type": "a"}
    return {"type": "a", "group": group, "attributes": attributes, "messages": [], "meta": {"label": title}}


# --- recovery ----------------------------------------------------------------------------------


def recovery_flow(flow_id: str, req: FlowRequest, lifespan: timedelta, method: str) -> dict[str, Any]:
    """recovery/flow.go NewFlow with the primary strategy's form (code or link)."""
    doc = base("recovery", flow_id, req, lifespan, method)
    ui = doc["ui"]
    nodes.set_csrf(ui, req.csrf)
    ui["nodes"].append(nodes.input_node("email", method, "email", required=True, label=ct.label(ct.EMAIL)))
    ui["nodes"].append(nodes.submit_node("method", method, method, ct.label(ct.CONTINUE)))
    doc["state"] = "choose_method"
    return doc


def recovery_code_sent(doc: dict[str, Any], email: str, csrf: str) -> None:
    """strategy_recovery.go recoveryHandleFormSubmission: the code form and a resend button."""
    ui = doc["ui"]
    ui["nodes"] = []
    ui.pop("messages", None)
    nodes.set_csrf(ui, csrf)
    doc["active"] = "code"
    doc["state"] = "sent_email"
    ui["messages"] = [ct.recovery_code_sent()]
    code = nodes.input_node("code", "code", "text", required=True, pattern="[0-9]+", label=ct.label(ct.RECOVERY_CODE))
    ui["nodes"].append(with_maxlength(code, 6))
    ui["nodes"].append(nodes.input_node("method", "code", "hidden", "code"))
    ui["nodes"].append(nodes.submit_node("method", "code", "code", ct.label(ct.CONTINUE)))
    ui["nodes"].append(nodes.submit_node("email", email, "code", ct.label(ct.RESEND)))


def admin_code_form(doc: dict[str, Any]) -> None:
    """strategy_recovery_admin.go: state sent_email, nodes the code input and "Continue" only."""
    code = nodes.input_node("code", "code", "text", required=True, pattern="[0-9]+", label=ct.label(ct.RECOVERY_CODE))
    doc["ui"]["nodes"] = [with_maxlength(code, 6), nodes.submit_node("method", "code", "code", ct.label(ct.CONTINUE))]
    doc["state"] = "sent_email"


def link_sent(doc: dict[str, Any], kind: str, csrf: str, email: str) -> None:
    """strategy/link: state sent_email, the form kept with the address, the "link sent" message."""
    doc["state"] = "sent_email"
    nodes.set_csrf(doc["ui"], csrf)
    nodes.set_value(doc["ui"]["nodes"], "email", email)
    doc["ui"]["messages"] = [ct.recovery_link_sent() if kind == "recovery" else ct.verification_link_sent()]


# --- verification ------------------------------------------------------------------------------


def verification_flow(flow_id: str, req: FlowRequest, lifespan: timedelta, method: str) -> dict[str, Any]:
    """verification/flow.go NewFlow: code.PopulateMethod adds the CSRF node (last) to browser flows
    only; link.PopulateVerificationMethod to every flow, first."""
    doc = base("verification", flow_id, req, lifespan, method)
    ui = doc["ui"]
    if method == "link":
        nodes.set_csrf(ui, req.csrf)
    ui["nodes"].append(nodes.input_node("email", method, "email", required=True, label=ct.label(ct.EMAIL)))
    ui["nodes"].append(nodes.submit_node("method", method, method, ct.label(ct.CONTINUE)))
    if req.flow_type == "browser":
        nodes.set_csrf(ui, req.csrf)
    doc["state"] = "choose_method"
    return doc


def verification_code_sent(doc: dict[str, Any], email: str, csrf: str) -> None:
    """strategy.go populateEmailSentFlow for verification, then the resend button."""
    ui = doc["ui"]
    ui["nodes"] = []
    ui["nodes"].append(nodes.input_node("method", "code", "hidden", "code"))
    ui["nodes"].append(nodes.input_node("code", "code", "text", required=True, label=ct.label(ct.VERIFICATION_CODE)))
    ui["nodes"].append(nodes.submit_node("method", "code", "code", ct.label(ct.CONTINUE)))
    ui["messages"] = [ct.verification_code_sent()]
    if doc["type"] == "browser":
        nodes.set_csrf(ui, csrf)
    doc["state"] = "sent_email"
    if email:
        ui["nodes"].append(nodes.submit_node("email", email, "code", ct.label(ct.RESEND)))


def verification_passed(doc: dict[str, Any], return_to: str) -> None:
    """strategy_verification.go verificationUseCode: a GET form to the return URL with a link."""
    doc["ui"] = {"action": return_to, "method": "GET", "nodes": [], "messages": [ct.verified()]}
    doc["ui"]["nodes"].append(anchor_node("continue", return_to, "code", ct.label(ct.CONTINUE)))
    doc["state"] = "passed_challenge"


# --- settings ----------------------------------------------------------------------------------


def settings_flow(
    flow_id: str,
    req: FlowRequest,
    lifespan: timedelta,
    *,
    identity_view: dict[str, Any],
    schema: Mapping[str, Any],
    profile: bool,
    password: bool,
) -> dict[str, Any]:
    """settings/flow.go NewFlow, the profile and password forms, settings/sort.go."""
    doc = base("settings", flow_id, req, lifespan, None)
    ui = doc["ui"]
    if profile:
        fill_profile(ui, schema, identity_view.get("traits"), req.csrf)
    if password:
        nodes.set_csrf(ui, req.csrf)
        nodes.upsert(ui["nodes"], nodes.password_node("new-password"))
        ui["nodes"].append(nodes.submit_node("method", "password", "password", ct.label(ct.SAVE)))
    sort_settings(ui["nodes"], schema)
    doc["identity"] = identity_view
    doc["state"] = "show_form"
    return doc


def fill_profile(ui: dict[str, Any], schema: Mapping[str, Any], traits: Any, csrf: str) -> None:
    """profile/strategy.go PopulateSettingsMethod: trait inputs (group profile) with the values."""
    for node in nodes.trait_nodes(schema, "profile"):
        nodes.upsert(ui["nodes"], node)
    nodes.set_csrf(ui, csrf)
    if isinstance(traits, Mapping):
        for name, value in nodes.flatten(traits, "traits").items():
            nodes.set_value(ui["nodes"], name, value)
    ui["nodes"].append(nodes.submit_node("method", "profile", "profile", ct.label(ct.SAVE)))


def sort_settings(items: list[nodes.Node], schema: Mapping[str, Any]) -> None:
    nodes.sort_nodes(items, SETTINGS_GROUPS, ["csrf_token", *nodes.schema_keys(schema)])


# --- passwordless code registration -------------------------------------------------------------


def code_sign_up_node() -> nodes.Node:
    """code/node.go nodeSubmitRegistration: method=code, "Send sign up code" (1040006)."""
    return nodes.submit_node("method", "code", "code", texts.message(1040006, "Send sign up code"))


def registration_code_sent(doc: dict[str, Any], traits: Any, csrf: str, *, back: bool) -> None:
    """strategy.go populateEmailSentFlow (registration): the default-group inputs kept (hidden, with
    the traits' values), the code form, resend and (two steps) the way back; 1040005."""
    ui = doc["ui"]
    kept = []
    for node in ui["nodes"]:
        attributes = node["attributes"]
        if node["group"] != "default" or attributes.get("type") == "submit":
            continue
        if not node["messages"]:
            attributes["type"] = "hidden"
        kept.append(node)
    ui["nodes"] = kept
    if isinstance(traits, Mapping):
        for name, value in nodes.flatten(traits, "traits").items():
            nodes.set_value(ui["nodes"], name, value)
    nodes.upsert(ui["nodes"], nodes.input_node("method", "code", "hidden", "code"))
    nodes.upsert(
        ui["nodes"],
        nodes.input_node("code", "code", "text", required=True, label=texts.message(1070012, "Registration code")),
    )
    ui["nodes"].append(nodes.submit_node("method", "code", "code", ct.label(ct.CONTINUE)))
    ui["nodes"].append(nodes.submit_node("resend", "code", "code", ct.label(ct.RESEND)))
    if back:
        ui["nodes"].append(nodes.submit_node("screen", "credential-selection", "profile", texts.back()))
    nodes.set_csrf(ui, csrf)
    ui["messages"] = [
        texts.message(
            1040005,
            "A code has been sent to the address(es) you provided. If you have not received a message, check the "
            "spelling of the address and retry the registration.",
        )
    ]
    doc["state"] = "sent_email"
    doc["active"] = "code"


# --- passwordless code login ----------------------------------------------------------------------


def add_login_code_form(ui: dict[str, Any], identifier_label: texts.Message) -> None:
    """strategy.go populateChooseMethodFlow (login, aal1): the identifier and "Send sign in code"."""
    nodes.upsert(
        ui["nodes"], nodes.input_node("identifier", "default", "text", "", required=True, label=identifier_label)
    )
    ui["nodes"].append(nodes.submit_node("method", "code", "code", ct.send_login_code()))


def login_code_sent(doc: dict[str, Any], identifier: str, csrf: str) -> None:
    """strategy.go populateEmailSentFlow (login): the identifier hidden, the code form, resend."""
    ui = doc["ui"]
    ui["nodes"] = [nodes.input_node("identifier", "default", "hidden", identifier, required=True)]
    nodes.upsert(ui["nodes"], nodes.input_node("method", "code", "hidden", "code"))
    nodes.upsert(ui["nodes"], nodes.input_node("code", "code", "text", required=True, label=ct.label(ct.LOGIN_CODE)))
    ui["nodes"].append(nodes.submit_node("method", "code", "code", ct.label(ct.CONTINUE)))
    ui["nodes"].append(nodes.submit_node("resend", "code", "code", ct.label(ct.RESEND)))
    ui["messages"] = [ct.login_code_sent()]
    if doc["type"] == "browser":
        nodes.set_csrf(ui, csrf)
    doc["state"] = "sent_email"
    doc["active"] = "code"
