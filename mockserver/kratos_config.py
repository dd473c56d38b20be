"""The user's ``kratos.yml``: the keys that change what the public API does, Kratos' defaults for
everything absent (reference §1, ``embedx/config.schema.json`` and ``driver/config/config.go`` at
v26.2.0), and a clear error naming any key the mock does not support yet.

``load_config`` reads a file path, a mapping or nothing (all defaults). Keys that only configure
infrastructure a mock has no use for (``dsn``, ``secrets``, ``log``, ``courier``, listen addresses,
hashers) are accepted and ignored; see ``INERT``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from .config_values import (
    ConfigError,
    Reader,
    _aal,
    _bool,
    _duration,
    _int,
    _same_site,
    _string,
    _url,
    _urls,
)
from .flow_config import FLOW_KEYS, courier_template

__all__ = ["FALLBACK", "ConfigError", "KratosConfig", "PasswordPolicy", "load_config", "with_dev"]

FALLBACK = "https://www.ory.sh/kratos/docs/fallback"


@dataclass(frozen=True)
class PasswordPolicy:
    """``selfservice.methods.password.config`` (strategy/password/validator.go: validate)."""

    min_password_length: int = 8
    identifier_similarity_check_enabled: bool = True
    haveibeenpwned_enabled: bool = True
    max_breaches: int = 0
    # The mock never reaches haveibeenpwned.com: with this true (the default) Kratos then accepts
    # the password; false makes every policy check fail as Kratos does without network.
    ignore_network_errors: bool = True


@dataclass(frozen=True)
class KratosConfig:
    """What the mock reads from kratos.yml; every default is Kratos' own."""

    dev: bool = False  # cookies are Secure unless dev (config.go: CookieSecure)
    public_base_url: str | None = None  # serve.public.base_url
    session_lifespan: timedelta = timedelta(hours=24)
    session_cookie_name: str = "ory_kratos_session"
    session_cookie_persistent: bool = True
    session_cookie_same_site: str = ""  # "" falls back to cookies.same_site (config.go: SessionSameSiteMode)
    session_cookie_domain: str = ""  # "" falls back to cookies.domain
    session_cookie_path: str = ""  # "" falls back to cookies.path
    session_cookie_secure_setting: bool | None = None  # session.cookie.secure; None: not dev
    cookie_same_site: str = "Lax"  # cookies.same_site (the CSRF cookie)
    cookie_domain: str = ""
    cookie_path: str = "/"
    whoami_required_aal: str = "highest_available"
    # Kratos refuses to start without it; the mock defaults to the quickstart's UI address.
    default_browser_return_url: str = "http://127.0.0.1:4455/"
    allowed_return_urls: tuple[str, ...] = ()
    login_lifespan: timedelta = timedelta(hours=1)
    login_ui_url: str = f"{FALLBACK}/login"
    login_after_return_url: str | None = None
    registration_enabled: bool = True
    registration_lifespan: timedelta = timedelta(hours=1)
    registration_ui_url: str = f"{FALLBACK}/registration"
    registration_two_steps: bool = True  # style profile_first (and not enable_legacy_one_step)
    registration_after_return_url: str | None = None
    registration_session_hook: bool = False  # a `session` hook after registration (any method)
    registration_hooks: tuple[str, ...] = ()  # the after-registration hooks in order (session, show_verification_ui)
    logout_after_return_url: str | None = None
    error_ui_url: str = f"{FALLBACK}/error"
    password_enabled: bool = True
    profile_enabled: bool = True
    password_policy: PasswordPolicy = field(default_factory=PasswordPolicy)
    identity_default_schema_id: str | None = None
    identity_schemas: tuple[tuple[str, Any], ...] = ()  # (id, parsed JSON schema)
    recovery_enabled: bool = False
    recovery_use: str = "code"  # "code" | "link"
    recovery_lifespan: timedelta = timedelta(hours=1)
    recovery_ui_url: str = f"{FALLBACK}/recovery"
    recovery_notify_unknown: bool = False
    verification_enabled: bool = False
    verification_use: str = "code"
    verification_lifespan: timedelta = timedelta(hours=1)
    verification_ui_url: str = f"{FALLBACK}/verification"
    verification_notify_unknown: bool = False
    verification_after_return_url: str | None = None
    settings_ui_url: str = f"{FALLBACK}/settings"
    settings_lifespan: timedelta = timedelta(hours=1)
    settings_privileged_max_age: timedelta = timedelta(hours=1)
    settings_required_aal: str = "highest_available"
    settings_after_return_url: str | None = None
    code_enabled: bool = True
    code_passwordless: bool = False
    code_lifespan: timedelta = timedelta(hours=1)
    code_max_submissions: int = 5
    link_enabled: bool = False
    link_lifespan: timedelta = timedelta(hours=1)
    continue_with_transitions: bool = False  # feature_flags.use_continue_with_transitions
    # courier.templates.<template>.<valid|invalid>.email.{subject,body.plaintext}: inline overrides
    courier_templates: tuple[tuple[str, str, str], ...] = ()  # (template_type, "subject"|"body", text)

    @property
    def session_cookie_secure(self) -> bool:
        if self.session_cookie_secure_setting is not None:
            return self.session_cookie_secure_setting
        return not self.dev


# Top-level keys (and sub-trees) that configure infrastructure, not API behaviour.
INERT = (
    "version",
    "dsn",
    "log",
    "secrets",
    "ciphers",
    "hashers",
    "courier.smtp",
    "courier.sms",
    "courier.http",
    "courier.channels",
    "courier.delivery_strategy",
    "courier.message_retries",
    "courier.worker",
    "courier.template_override_path",
    "tracing",
    "expose-metrics-port",
    "database",
    "serve.public.host",
    "serve.public.port",
    "serve.public.cors",
    "serve.public.socket",
    "serve.public.tls",
    "serve.public.request_log",
    "serve.admin",
    "selfservice.methods.link.config.base_url",  # links use the public base URL
    # the self-service error UI's own settings
)
# Behaviour the mock does not implement, accepted where kratos.yml spells out Kratos' default.
ACCEPTED_AT_DEFAULT: dict[str, Any] = {
    "security.account_enumeration.mitigate": False,
    "selfservice.flows.registration.login_hints": False,
    "feature_flags.cacheable_sessions": False,
    "feature_flags.choose_recovery_address": False,
    "feature_flags.legacy_continue_with_verification_ui": False,
    "selfservice.flows.login.after.hooks": [],
}
# Methods the mock does not implement: accepted only when switched off.
UNSUPPORTED_METHODS = ("oidc", "saml", "totp", "lookup_secret", "webauthn", "passkey")


# kratos.yml key → (KratosConfig field, reader). Password policy fields are prefixed "password.".
KEYS: dict[str, tuple[str, Reader]] = {
    "dev": ("dev", _bool),
    "serve.public.base_url": ("public_base_url", _url),
    "session.lifespan": ("session_lifespan", _duration),
    "session.cookie.name": ("session_cookie_name", _string),
    "session.cookie.persistent": ("session_cookie_persistent", _bool),
    "session.cookie.same_site": ("session_cookie_same_site", _same_site),
    "session.cookie.domain": ("session_cookie_domain", _string),
    "session.cookie.path": ("session_cookie_path", _string),
    "session.cookie.secure": ("session_cookie_secure_setting", _bool),
    "cookies.same_site": ("cookie_same_site", _same_site),
    "cookies.domain": ("cookie_domain", _string),
    "cookies.path": ("cookie_path", _string),
    "session.whoami.required_aal": ("whoami_required_aal", _aal),
    "selfservice.default_browser_return_url": ("default_browser_return_url", _url),
    "selfservice.allowed_return_urls": ("allowed_return_urls", _urls),
    "selfservice.flows.login.lifespan": ("login_lifespan", _duration),
    "selfservice.flows.login.ui_url": ("login_ui_url", _url),
    "selfservice.flows.login.after.default_browser_return_url": ("login_after_return_url", _url),
    "selfservice.flows.registration.enabled": ("registration_enabled", _bool),
    "selfservice.flows.registration.lifespan": ("registration_lifespan", _duration),
    "selfservice.flows.registration.ui_url": ("registration_ui_url", _url),
    "selfservice.flows.registration.after.default_browser_return_url": ("registration_after_return_url", _url),
    "selfservice.flows.logout.after.default_browser_return_url": ("logout_after_return_url", _url),
    "selfservice.flows.error.ui_url": ("error_ui_url", _url),
    "selfservice.methods.password.enabled": ("password_enabled", _bool),
    "selfservice.methods.profile.enabled": ("profile_enabled", _bool),
    "selfservice.methods.password.config.min_password_length": ("password.min_password_length", _int),
    "selfservice.methods.password.config.identifier_similarity_check_enabled": (
        "password.identifier_similarity_check_enabled",
        _bool,
    ),
    "selfservice.methods.password.config.haveibeenpwned_enabled": ("password.haveibeenpwned_enabled", _bool),
    "selfservice.methods.password.config.max_breaches": ("password.max_breaches", _int),
    "selfservice.methods.password.config.ignore_network_errors": ("password.ignore_network_errors", _bool),
    **FLOW_KEYS,
}


def load_config(source: str | Path | Mapping[str, Any] | KratosConfig | None) -> KratosConfig:
    """A ``KratosConfig`` from a kratos.yml path, a parsed document, or defaults (``None``)."""
    if source is None:
        return KratosConfig()
    if isinstance(source, KratosConfig):
        return source
    base = Path(".")
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"kratos.yml: cannot read {path}: {exc}") from None
        base = path.parent
    else:
        document = source
    if document is None:
        return KratosConfig()
    if not isinstance(document, Mapping):
        raise ConfigError("kratos.yml: the document must be a mapping")
    return _parse(document, base)


def with_dev(source: str | Path | Mapping[str, Any] | None) -> KratosConfig:
    """``kratos-mock run --dev`` (Kratos' ``serve --dev``): the kratos.yml with ``dev: true``."""
    return replace(load_config(source), dev=True)


def _leaves(node: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted key, value) of every setting; an empty mapping sets nothing."""
    if isinstance(node, Mapping):
        out: list[tuple[str, Any]] = []
        for key, value in node.items():
            out += _leaves(value, f"{prefix}.{key}" if prefix else str(key))
        return out
    return [(prefix, node)]


def _parse(document: Mapping[str, Any], base: Path) -> KratosConfig:
    values: dict[str, Any] = {}
    policy: dict[str, Any] = {}
    for key, value in _leaves(document):
        if key in KEYS:
            name, reader = KEYS[key]
            parsed = reader(value, key)
            if name.startswith("password."):
                policy[name.removeprefix("password.")] = parsed
            else:
                values[name] = parsed
        elif any(key == p or key.startswith(p + ".") for p in INERT):
            continue
        elif not _special(key, value, document, values):
            raise ConfigError(f"kratos.yml: the key {key} is not supported by kratos-mock yet")
    values.update(_registration(document))
    values.update(_identity(document, base))
    config = KratosConfig(**values)
    if policy:
        config = replace(config, password_policy=PasswordPolicy(**policy))
    return config


def _special(key: str, value: Any, document: Mapping[str, Any], values: dict[str, Any]) -> bool:
    """Keys read by the structured readers below, and methods accepted only when switched off."""
    parts = key.split(".")
    if key.startswith(("selfservice.flows.registration.after", "selfservice.flows.registration.style")):
        return True  # read by _registration
    if key in ("selfservice.flows.registration.enable_legacy_one_step", "selfservice.flows.login.style"):
        if key == "selfservice.flows.login.style" and value != "unified":
            raise ConfigError(
                "kratos.yml: selfservice.flows.login.style identifier_first is not supported by kratos-mock yet"
            )
        return True
    if key.startswith("identity."):
        return True  # read by _identity
    if ACCEPTED_AT_DEFAULT.get(key, ...) == value:
        return True
    if len(parts) >= 3 and parts[:2] == ["selfservice", "methods"] and parts[2] in UNSUPPORTED_METHODS:
        if key.endswith(".enabled") and value is False:
            return True
        if not _method_enabled(document, parts[2]):
            return True  # configuration of a switched-off method changes nothing
        raise ConfigError(f"kratos.yml: the method selfservice.methods.{parts[2]} is not supported by kratos-mock yet")
    if parts[:3] == ["selfservice", "methods", "code"]:
        if parts[-1] == "mfa_enabled" and value is True:
            raise ConfigError(
                f"kratos.yml: the key {key} (code as a second factor) is not supported by kratos-mock yet"
            )
        return parts[-1] in ("mfa_enabled", "missing_credential_fallback_enabled")
    if parts[0] == "courier" and len(parts) >= 3 and parts[1] == "templates":
        courier_template(key, value, values)
        return True
    return False


def _method_enabled(document: Mapping[str, Any], method: str) -> bool:
    node = ((document.get("selfservice") or {}).get("methods") or {}).get(method) or {}
    return isinstance(node, Mapping) and node.get("enabled") is True


def _registration(document: Mapping[str, Any]) -> dict[str, Any]:
    """``style``/``enable_legacy_one_step`` and the ``session`` hook (config.go:
    SelfServiceFlowRegistrationTwoSteps, SelfServiceFlowRegistrationAfterHooks)."""
    flow = ((document.get("selfservice") or {}).get("flows") or {}).get("registration") or {}
    out: dict[str, Any] = {}
    style = flow.get("style", "profile_first")
    if style not in ("profile_first", "unified"):
        raise ConfigError(
            f"kratos.yml: selfservice.flows.registration.style must be profile_first or unified, got {style!r}"
        )
    legacy = flow.get("enable_legacy_one_step", False)
    out["registration_two_steps"] = style == "profile_first" and not _bool(
        legacy, "selfservice.flows.registration.enable_legacy_one_step"
    )
    after = flow.get("after") or {}
    if not isinstance(after, Mapping):
        raise ConfigError("kratos.yml: selfservice.flows.registration.after must be a mapping")
    # registry_default_registration.go PostRegistrationPostPersistHooks: the method's hooks, or,
    # when it has none, the global ones; hooks of other methods never run for a password sign-up
    password = after.get("password") or {}
    if not isinstance(password, Mapping):
        raise ConfigError("kratos.yml: selfservice.flows.registration.after.password must be a mapping")
    where = "selfservice.flows.registration.after.password.hooks"
    hooks = password.get("hooks") or []
    if not hooks:
        where, hooks = "selfservice.flows.registration.after.hooks", after.get("hooks") or []
    session_hook = False
    names = []
    for hook in hooks:
        name = hook.get("hook") if isinstance(hook, Mapping) else None
        if name not in ("session", "show_verification_ui"):
            raise ConfigError(f"kratos.yml: the {name!r} hook in {where} is not supported by kratos-mock yet")
        session_hook = session_hook or name == "session"
        names.append(str(name))
    out["registration_hooks"] = tuple(names)
    if password.get("default_browser_return_url") is not None:
        key = "selfservice.flows.registration.after.password.default_browser_return_url"
        out["registration_after_return_url"] = _url(password["default_browser_return_url"], key)
    out["registration_session_hook"] = session_hook
    return out


def _identity(document: Mapping[str, Any], base: Path) -> dict[str, Any]:
    """``identity.default_schema_id`` and ``identity.schemas`` (file:// and base64:// URLs)."""
    node = document.get("identity") or {}
    out: dict[str, Any] = {}
    for key in node:
        if key not in ("default_schema_id", "schemas"):
            raise ConfigError(f"kratos.yml: the key identity.{key} is not supported by kratos-mock yet")
    if node.get("default_schema_id") is not None:
        out["identity_default_schema_id"] = _string(node["default_schema_id"], "identity.default_schema_id")
    schemas = []
    for index, entry in enumerate(node.get("schemas") or []):
        where = f"identity.schemas[{index}]"
        if (
            not isinstance(entry, Mapping)
            or not isinstance(entry.get("id"), str)
            or not isinstance(entry.get("url"), str)
        ):
            raise ConfigError(f"kratos.yml: {where} needs a string id and url")
        schemas.append((entry["id"], _schema_document(entry["url"], base, where)))
    if schemas:
        out["identity_schemas"] = tuple(schemas)
    return out


def _schema_document(url: str, base: Path, where: str) -> Any:
    try:
        if url.startswith("base64://"):
            return json.loads(base64.b64decode(url.removeprefix("base64://")))
        if url.startswith("file://"):
            path = Path(url.removeprefix("file://"))
            return json.loads((path if path.is_absolute() else base / path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"kratos.yml: {where}.url {url!r} cannot be read: {exc}") from None
    raise ConfigError(
        f"kratos.yml: {where}.url {url!r}: only file:// and base64:// schemas are supported by kratos-mock"
    )
