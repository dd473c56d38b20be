"""The courier's built-in e-mail templates (courier/template/courier/builtin/templates/*/email.
{subject,body.plaintext}.gotmpl at v26.2.0), overridable from kratos.yml, rendered for one message.

Only ``{{ .Field }}`` substitutions are evaluated: the built-in templates use nothing else. A user
template with other Go template actions keeps them verbatim (README "Differences")."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

BUILTIN: dict[str, tuple[str, str]] = {
    "recovery_code_valid": (
        "Use code {{ .RecoveryCode }} to recover access to your account",
        "Recover access to your account by entering the following code:\n\n{{ .RecoveryCode }}\n\n"
        "If this was not you, do nothing. This code expires in {{ .ExpiresInMinutes }} minutes.\n",
    ),
    "recovery_code_invalid": (
        "Account access attempted",
        "Hi,\n\nyou (or someone else) entered this email address when trying to recover access to an account.\n\n"
        "However, this email address is not on our database of registered users and therefore the attempt has "
        "failed.\n\nIf this was you, check if you signed up using a different address.\n\n"
        "If this was not you, please ignore this email.\n",
    ),
    "verification_code_valid": (
        "Use code {{ .VerificationCode }} to verify your account",
        "Verify your account with the following code:\n\n{{ .VerificationCode }}\n\n"
        "or clicking the following link:\n\n{{ .VerificationURL }}\n\n"
        "If this was not you, do nothing. This code / link expires in {{ .ExpiresInMinutes }} minutes.\n",
    ),
    "verification_code_invalid": (
        "Someone tried to verify this email address",
        "Hi,\n\nsomeone asked to verify this email address, but we were unable to find an account for this "
        "address.\n\nIf this was you, check if you signed up using a different address.\n\n"
        "If this was not you, please ignore this email.\n",
    ),
    "login_code_valid": (
        "Use code {{ .LoginCode }} to log in",
        "Login to your account with the following code:\n\n{{ .LoginCode }}\n\n"
        "It expires in {{ .ExpiresInMinutes }} minutes.\n",
    ),
    "registration_code_valid": (
        "Use code {{ .RegistrationCode }} to complete your account registration",
        "Complete your account registration with the following code:\n\n{{ .RegistrationCode }}\n\n"
        "This code expires in {{ .ExpiresInMinutes }} minutes.\n",
    ),
    "recovery_valid": (
        "Recover access to your account",
        "Recover access to your account by clicking the following link:\n\n{{ .RecoveryURL }}\n\n"
        "If this was not you, do nothing. This link expires in {{ .ExpiresInMinutes }} minutes.\n",
    ),
    "verification_valid": (
        "Please verify your email address",
        "Verify your account by opening the following link:\n\n{{ .VerificationURL }}\n\n"
        "If this was not you, do nothing. This link expires in {{ .ExpiresInMinutes }} minutes.\n",
    ),
    # link/sender.go SendRecoveryLink / SendVerificationLink to an unknown address
    "recovery_invalid": (
        "Account access attempted",
        "Hi,\n\nyou (or someone else) entered this email address when trying to recover access to an account.\n\n"
        "However, this email address is not on our database of registered users and therefore the attempt has "
        "failed.\n\nIf this was you, check if you signed up using a different address.\n\n"
        "If this was not you, please ignore this email.\n",
    ),
    "verification_invalid": (
        "Someone tried to verify this email address",
        "Someone asked to verify this email address, but we were unable to find an account for this address.\n\n"
        "If this was you, check if you signed up using a different address.\n\n"
        "If this was not you, please ignore this email.\n",
    ),
}
_FIELD = re.compile(r"{{-?\s*\.(\w+)\s*-?}}")


@dataclass(frozen=True)
class Rendered:
    template_type: str
    recipient: str
    subject: str
    body: str
    code: str = ""
    link: str = ""


def render(
    template_type: str,
    recipient: str,
    model: Mapping[str, Any],
    overrides: Iterable[tuple[str, str, str]] = (),
    *,
    code: str = "",
    link: str = "",
) -> Rendered:
    """A message of ``template_type`` to ``recipient``; ``model`` holds the template's fields
    (``To`` is always the recipient), ``overrides`` the kratos.yml templates (type, part, text)."""
    subject, body = BUILTIN[template_type]
    for kind, part, text in overrides:
        if kind == template_type:
            subject, body = (text, body) if part == "subject" else (subject, text)
    fields = {"To": recipient, **model}

    def fill(text: str) -> str:
        return _FIELD.sub(lambda m: str(fields.get(m.group(1), m.group(0))), text)

    return Rendered(template_type, recipient, fill(subject).strip(), fill(body), code, link)


def expires_in_minutes(seconds: float) -> int:
    """code_sender.go: ``int(lifespan.Minutes())``."""
    return int(seconds // 60)
