"""Kratos' UI texts (text/id.go, text/message_*.go at v26.2.0): ``{id, text, type, context?}``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..godecode import go_quote

Message = dict[str, Any]


def message(message_id: int, text: str, kind: str = "info", context: dict[str, Any] | None = None) -> Message:
    out: Message = {"id": message_id, "text": text, "type": kind}
    if context:
        out["context"] = context
    return out


def error(message_id: int, text: str, context: dict[str, Any] | None = None) -> Message:
    return message(message_id, text, "error", context)


# --- labels and info (1010000, 1040000, 1070000) ---------------------------------------------


def sign_in() -> Message:
    return message(1010001, "Sign in")


def sign_in_with_password() -> Message:
    return message(1010022, "Sign in with password")


def sign_up() -> Message:
    return message(1040001, "Sign up")


def back() -> Message:
    return message(1040008, "Back")


def choose_credentials() -> Message:
    return message(1040009, "Please choose a credential to authenticate yourself with.")


def label_password() -> Message:
    return message(1070001, "Password")


def label_generated(title: str, name: str) -> Message:
    return message(1070002, title, context={"title": title, "name": name})


def label_id() -> Message:
    return message(1070004, "ID")


# --- validation errors (4000000) -------------------------------------------------------------


def generic(reason: str) -> Message:
    return error(4000001, reason, {"reason": reason})


def required(name: str) -> Message:
    return error(4000002, f"Property {name} is missing.", {"property": name})


def min_length(minimum: int, actual: int) -> Message:
    return error(
        4000003, f"length must be >= {minimum}, but got {actual}", {"min_length": minimum, "actual_length": actual}
    )


def invalid_format(pattern: str) -> Message:
    return error(4000004, f"does not match pattern {go_quote(pattern)}", {"pattern": pattern})


def password_policy(reason: str) -> Message:
    return error(4000005, f"The password can not be used because {reason}.", {"reason": reason})


def invalid_credentials() -> Message:
    return error(
        4000006,
        "The provided credentials are invalid, check for spelling mistakes in your password or username, "
        "email address, or phone number.",
    )


def duplicate_credentials() -> Message:
    return error(4000007, "An account with the same identifier (email, phone, username, ...) exists already.")


def identifier_missing() -> Message:
    return error(
        4000009,
        "Could not find any login identifiers. Did you forget to set them? This could also be caused by a "
        "server misconfiguration.",
    )


def max_length(maximum: int, actual: int) -> Message:
    return error(
        4000017, f"length must be <= {maximum}, but got {actual}", {"max_length": maximum, "actual_length": actual}
    )


def wrong_type(allowed: list[str], actual: str) -> Message:
    return error(
        4000026,
        f"expected {' or '.join(allowed)}, but got {actual}",
        {"allowed_types": allowed, "actual_type": actual},
    )


def password_too_similar() -> Message:
    return error(4000031, "The password can not be used because it is too similar to the identifier.")


def password_min_length(minimum: int, actual: int) -> Message:
    return error(
        4000032,
        f"The password must be at least {minimum} characters long, but got {actual}.",
        {"min_length": minimum, "actual_length": actual},
    )


def password_max_length(maximum: int, actual: int) -> Message:
    return error(
        4000033,
        f"The password must be at most {maximum} characters long, but got {actual}.",
        {"max_length": maximum, "actual_length": actual},
    )


def password_breached(breaches: int) -> Message:
    return error(
        4000034, "The password has been found in data breaches and must no longer be used.", {"breaches": breaches}
    )


def email(value: str) -> Message:
    return error(4000040, "Enter a valid email address", {"value": value})


def phone(value: str) -> Message:
    return error(4000041, "Enter a valid phone number", {"value": value})


# --- flow errors (4010000, 4040000) ----------------------------------------------------------


def flow_expired(kind: str, expired_at: datetime, now: datetime, fmt: str) -> Message:
    """NewErrorValidationLoginFlowExpired / ...RegistrationFlowExpired (4010001 / 4040001)."""
    minutes = (now - expired_at).total_seconds() / 60
    message_id = 4010001 if kind == "login" else 4040001
    return error(
        message_id,
        f"The {kind} flow expired {minutes:.2f} minutes ago, please try again.",
        {"expired_at": fmt, "expired_at_unix": int(expired_at.timestamp())},
    )


def no_login_strategy() -> Message:
    return error(4010002, "Could not find a strategy to log you in with. Did you fill out the form correctly?")


def no_registration_strategy() -> Message:
    return error(4010003, "Could not find a strategy to sign you up with. Did you fill out the form correctly?")
