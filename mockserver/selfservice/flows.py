"""Login and registration flow documents as Kratos v26.2.0 creates them (login/flow.go and
registration/flow.go NewFlow, login/handler.go NewLoginFlow, registration/handler.go
NewRegistrationFlow, the password and profile strategies' form hydrators), and the return_to
rule (x/redir/secure_redirect.go SecureRedirectTo)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ..models import Identity
from ..values import fmt_time
from . import nodes, texts
from .errors import PublicError, return_to_forbidden


@dataclass(frozen=True)
class FlowRequest:
    """What a flow's creation takes from the request and the configuration."""

    flow_type: str  # "api" | "browser"
    request_url: str  # x.RequestURL: the init URL with its query
    public_url: str  # no trailing slash
    now: datetime
    csrf: str  # the masked CSRF token (browser) or "" (api)

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.request_url).query, keep_blank_values=True))

    @property
    def return_to(self) -> str:
        return self.query.get("return_to", "")


def check_return_to(raw: str, default_return_to: str, allowed: Sequence[str], public_url: str) -> str:
    """SecureRedirectTo with the self-service URLs and ``selfservice.allowed_return_urls``: the
    resolved URL, or the default when ``raw`` is empty; a disallowed URL is a 400."""
    if not raw:
        return default_return_to
    default = urlsplit(default_return_to)
    target = urlsplit(raw)
    target = target._replace(netloc=target.netloc or default.netloc, scheme=target.scheme or default.scheme)
    for entry in [f"{public_url}/self-service", *allowed]:
        allow = urlsplit(entry)
        host_ok = (
            target.netloc.lower().endswith(allow.netloc.lower()[1:])
            if allow.netloc.startswith("*")
            else allow.netloc.lower() == target.netloc.lower()
        )
        if (
            allow.scheme.lower() == target.scheme.lower()
            and host_ok
            and (target.path or "/").startswith(allow.path or "/")
        ):
            return urlunsplit(target)
    raise return_to_forbidden(urlunsplit(target))


def _base(kind: str, flow_id: str, req: FlowRequest, lifespan: timedelta) -> dict[str, Any]:
    return {
        "id": flow_id,
        "type": req.flow_type,
        "expires_at": fmt_time(req.now + lifespan),
        "issued_at": fmt_time(req.now),
        "request_url": req.request_url,
        **({"return_to": req.return_to} if req.return_to else {}),
        "ui": {"action": f"{req.public_url}/self-service/{kind}?flow={flow_id}", "method": "POST", "nodes": []},
    }


# --- login -----------------------------------------------------------------------------------


def login_flow(
    flow_id: str,
    req: FlowRequest,
    lifespan: timedelta,
    *,
    schema: Mapping[str, Any],
    refresh: bool,
    aal: str,
    refresh_identity: Identity | None,
    session_aal: str | None,
    password_enabled: bool,
) -> dict[str, Any]:
    """login/flow.go NewFlow and login/handler.go NewLoginFlow's hydration (password strategy)."""
    base = _base("login", flow_id, req, lifespan)
    ui = base.pop("ui")
    doc: dict[str, Any] = {"id": base.pop("id"), "organization_id": None, **base, "ui": ui}
    doc["created_at"] = doc["updated_at"] = fmt_time(req.now)
    doc["refresh"] = refresh
    doc["requested_aal"] = aal
    doc["state"] = "choose_method"
    if aal == "aal1" and password_enabled:
        if refresh and refresh_identity is not None:
            _populate_refresh(ui, refresh_identity, req)
        elif not refresh:
            # password/login.go PopulateLoginMethodFirstFactor
            ui["nodes"].append(
                nodes.input_node(
                    "identifier", "default", "text", "", required=True, label=nodes.identifier_label(schema)
                )
            )
            nodes.set_csrf(ui, req.csrf)
            ui["nodes"].append(nodes.password_node("current-password"))
            ui["nodes"].append(nodes.submit_node("method", "password", "password", texts.sign_in_with_password()))
    if refresh:
        ui["messages"] = [texts.message(1010003, "Please confirm this action by verifying that it is you.")]
    if session_aal is not None and aal == "aal2" and session_aal != "aal2":
        ui.setdefault("messages", []).append(
            texts.message(1010004, "Please complete the second authentication challenge.")
        )
    nodes.sort_login(ui["nodes"])
    if req.flow_type == "browser":
        nodes.set_csrf(ui, req.csrf)
    return doc


def _populate_refresh(ui: dict[str, Any], identity: Identity, req: FlowRequest) -> None:
    """password/login.go PopulateLoginMethodFirstFactorRefresh: the identity's identifier, hidden."""
    credential = identity.credentials.get("password")
    if credential is None or not credential.identifiers:
        return
    nodes.set_csrf(ui, req.csrf)
    ui["nodes"].append(nodes.input_node("identifier", "default", "hidden", credential.identifiers[0]))
    ui["nodes"].append(nodes.password_node("current-password"))
    ui["nodes"].append(nodes.submit_node("method", "password", "password", texts.sign_in()))


# --- registration ----------------------------------------------------------------------------


def registration_flow(
    flow_id: str,
    req: FlowRequest,
    lifespan: timedelta,
    *,
    schema: Mapping[str, Any],
    two_steps: bool,
    password_enabled: bool,
    profile_enabled: bool,
) -> dict[str, Any]:
    """registration/flow.go NewFlow and registration/handler.go NewRegistrationFlow: with
    ``profile_first`` (two steps) the profile form first, else traits and password at once."""
    base = _base("registration", flow_id, req, lifespan)
    ui = base["ui"]
    if two_steps:
        if password_enabled:  # password/registration.go PopulateRegistrationMethodProfile
            nodes.set_csrf(ui, req.csrf)
        if profile_enabled:  # profile/registration.go PopulateRegistrationMethodProfile
            nodes.set_csrf(ui, req.csrf)
            for node in nodes.trait_nodes(schema):
                nodes.upsert(ui["nodes"], node)
            ui["nodes"].append(nodes.submit_node("method", "profile", "profile", texts.sign_up()))
    else:
        if password_enabled:  # password/registration.go PopulateRegistrationMethod
            nodes.set_csrf(ui, req.csrf)
            nodes.upsert(ui["nodes"], nodes.password_node("new-password"))
            nodes.upsert(ui["nodes"], nodes.submit_node("method", "password", "password", texts.sign_up()))
        if profile_enabled:  # profile/registration.go PopulateRegistrationMethod
            nodes.set_csrf(ui, req.csrf)
            for node in nodes.trait_nodes(schema):
                nodes.upsert(ui["nodes"], node)
    nodes.sort_registration(ui["nodes"], schema)
    return {**base, "ui": ui, "organization_id": None, "state": "choose_method"}


def show_credentials_selection(doc: dict[str, Any], traits: Any, schema: Mapping[str, Any], csrf: str) -> None:
    """profile/registration.go showCredentialsSelection: traits become hidden inputs with their
    values, the password form and a "Back" button appear."""
    ui = doc["ui"]
    doc.pop("active", None)
    doc["state"] = "choose_method"
    nodes.reset_messages(ui)
    ui["nodes"].append(nodes.submit_node("screen", "previous", "profile", texts.back()))
    nodes.remove(ui["nodes"], "method", "profile")
    for node in ui["nodes"]:
        if node["group"] == "default" and node["type"] == "input":
            node["attributes"]["type"] = "hidden"
    ui["messages"] = [texts.choose_credentials()]
    nodes.set_csrf(ui, csrf)
    nodes.upsert(ui["nodes"], nodes.password_node("new-password"))
    nodes.upsert(ui["nodes"], nodes.submit_node("method", "password", "password", texts.sign_up()))
    set_trait_values(ui, traits)
    nodes.sort_registration(ui["nodes"], schema)


def return_to_profile_form(doc: dict[str, Any], traits: Any, schema: Mapping[str, Any], csrf: str) -> None:
    """profile/registration.go returnToProfileForm: the profile form again, with the values."""
    ui = doc["ui"]
    nodes.reset_messages(ui)
    nodes.set_csrf(ui, csrf)
    nodes.remove(ui["nodes"], "password", "password")
    nodes.remove(ui["nodes"], "method", "password")
    nodes.remove(ui["nodes"], "screen")
    for node in nodes.trait_nodes(schema):
        nodes.upsert(ui["nodes"], node)
    set_trait_values(ui, traits)
    ui["nodes"].append(nodes.submit_node("method", "profile", "profile", texts.sign_up()))
    nodes.sort_registration(ui["nodes"], schema)


def set_trait_values(ui: dict[str, Any], traits: Any) -> None:
    """container.go UpdateNodeValuesFromJSON (traits, group default)."""
    if not isinstance(traits, Mapping):
        return
    for name, value in nodes.flatten(traits, "traits").items():
        node = nodes.find(ui["nodes"], name)
        if node is not None:
            nodes.set_value(ui["nodes"], name, value)
            node["group"] = "default"
        else:
            ui["nodes"].append(nodes.input_node(name, "default", _json_form_type(value), value))


def _json_form_type(value: Any) -> str:
    if isinstance(value, bool):
        return "checkbox"
    if isinstance(value, (int, float)):
        return "number"
    return "text"


# --- errors on a flow --------------------------------------------------------------------------


def render_problems(doc: dict[str, Any], problems: Sequence[tuple[str, texts.Message]]) -> None:
    """container.go ParseError after ResetMessages: each message on its field, or the container."""
    ui = doc["ui"]
    nodes.reset_messages(ui)
    for field, message in problems:
        nodes.add_message(ui, message, field)


def expired_minutes(expired_at: datetime, now: datetime) -> float:
    return (now - expired_at).total_seconds() / 60


def expired_error(old_expiry: datetime, now: datetime, new_flow_id: str) -> PublicError:
    from .errors import flow_expired_on_submit

    nanoseconds = (now - old_expiry) // timedelta(microseconds=1) * 1000
    return flow_expired_on_submit(expired_minutes(old_expiry, now), fmt_time(old_expiry), nanoseconds, new_flow_id)
