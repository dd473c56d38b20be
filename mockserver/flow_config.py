"""The kratos.yml keys of the flows that send messages (recovery, verification, settings, the code
and link methods, the courier's inline templates): reference §1, config.go at v26.2.0."""

from __future__ import annotations

import base64
from typing import Any

from .config_values import ConfigError, Reader, _aal, _bool, _duration, _int, _url, one_of

FLOW_KEYS: dict[str, tuple[str, Reader]] = {
    "selfservice.flows.recovery.enabled": ("recovery_enabled", _bool),
    "selfservice.flows.recovery.use": ("recovery_use", one_of("code", "link")),
    "selfservice.flows.recovery.lifespan": ("recovery_lifespan", _duration),
    "selfservice.flows.recovery.ui_url": ("recovery_ui_url", _url),
    "selfservice.flows.recovery.notify_unknown_recipients": ("recovery_notify_unknown", _bool),
    "selfservice.flows.verification.enabled": ("verification_enabled", _bool),
    "selfservice.flows.verification.use": ("verification_use", one_of("code", "link")),
    "selfservice.flows.verification.lifespan": ("verification_lifespan", _duration),
    "selfservice.flows.verification.ui_url": ("verification_ui_url", _url),
    "selfservice.flows.verification.notify_unknown_recipients": ("verification_notify_unknown", _bool),
    "selfservice.flows.verification.after.default_browser_return_url": ("verification_after_return_url", _url),
    "selfservice.flows.settings.ui_url": ("settings_ui_url", _url),
    "selfservice.flows.settings.lifespan": ("settings_lifespan", _duration),
    "selfservice.flows.settings.privileged_session_max_age": ("settings_privileged_max_age", _duration),
    "selfservice.flows.settings.required_aal": ("settings_required_aal", _aal),
    "selfservice.flows.settings.after.default_browser_return_url": ("settings_after_return_url", _url),
    "selfservice.methods.code.enabled": ("code_enabled", _bool),
    "selfservice.methods.code.passwordless_enabled": ("code_passwordless", _bool),
    "selfservice.methods.code.config.lifespan": ("code_lifespan", _duration),
    "selfservice.methods.code.config.max_submissions": ("code_max_submissions", _int),
    "selfservice.methods.link.enabled": ("link_enabled", _bool),
    "selfservice.methods.link.config.lifespan": ("link_lifespan", _duration),
    "feature_flags.use_continue_with_transitions": ("continue_with_transitions", _bool),
}


TEMPLATE_FOLDERS = {
    "recovery_code": "recovery_code",
    "verification_code": "verification_code",
    "login_code": "login_code",
    "registration_code": "registration_code",
    "recovery": "recovery",
    "verification": "verification",
}


def courier_template(key: str, value: Any, values: dict[str, Any]) -> None:
    """``courier.templates.<name>.<valid|invalid>.email.{subject,body.plaintext}`` given inline
    (``base64://``); other template settings (files, HTML bodies, SMS) change nothing in the mock."""
    parts = key.split(".")
    if (
        len(parts) < 6
        or parts[2] not in TEMPLATE_FOLDERS
        or parts[3] not in ("valid", "invalid")
        or parts[4] != "email"
    ):
        return
    field_ = ".".join(parts[5:])
    if field_ not in ("subject", "body.plaintext"):
        return
    if not isinstance(value, str) or not value.startswith("base64://"):
        return
    try:
        text = base64.b64decode(value.removeprefix("base64://")).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise ConfigError(f"kratos.yml: {key} is not valid base64") from None
    template_type = f"{TEMPLATE_FOLDERS[parts[2]]}_{parts[3]}"
    kind = "subject" if field_ == "subject" else "body"
    values["courier_templates"] = (*values.get("courier_templates", ()), (template_type, kind, text))
