"""UI texts of the recovery, verification, settings and code flows (text/message_recovery.go,
message_verification.go, message_node.go, message_settings.go, message_login.go at v26.2.0)."""

from __future__ import annotations

from datetime import datetime

from .texts import Message, error, message

# labels (1070000)
SAVE = (1070003, "Save")
EMAIL = (1070007, "Email")
RESEND = (1070008, "Resend code")
CONTINUE = (1070009, "Continue")
RECOVERY_CODE = (1070010, "Recovery code")
VERIFICATION_CODE = (1070011, "Verification code")
LOGIN_CODE = (1070013, "Login code")


def label(pair: tuple[int, str]) -> Message:
    return message(*pair)


def recovery_code_sent() -> Message:
    return message(
        1060003,
        "An email containing a recovery code has been sent to the email address you provided. If you have not "
        "received an email, check the spelling of the address and make sure to use the address you registered with.",
    )


def recovery_link_sent() -> Message:
    return message(
        1060002,
        "An email containing a recovery link has been sent to the email address you provided. If you have not "
        "received an email, check the spelling of the address and make sure to use the address you registered with.",
    )


def verification_code_sent() -> Message:
    return message(
        1080003,
        "An email containing a verification code has been sent to the email address you provided. If you have not "
        "received an email, check the spelling of the address and make sure to use the address you registered with.",
    )


def verification_link_sent() -> Message:
    return message(
        1080001,
        "An email containing a verification link has been sent to the email address you provided. If you have not "
        "received an email, check the spelling of the address and make sure to use the address you registered with.",
    )


def verified() -> Message:
    return message(1080002, "You successfully verified your email address.", "success")


def recovered(minutes_left: float) -> Message:
    """NewRecoverySuccessful: the minutes left of the privileged session."""
    return message(
        1060001,
        "You successfully recovered your account. Please change your password or set up an alternative login "
        f"method (e.g. social sign in) within the next {minutes_left:.2f} minutes.",
        "success",
    )


def settings_saved() -> Message:
    return message(1050001, "Your changes have been saved!", "success")


def login_code_sent() -> Message:
    return message(
        1010014,
        "A code was sent to the address you provided. If you didn't receive it, please check the spelling of the "
        "address and try again.",
    )


def send_login_code() -> Message:
    return message(1010015, "Send sign in code")


def recovery_code_invalid() -> Message:
    return error(4060006, "The recovery code is invalid or has already been used. Please try again.")


def recovery_token_invalid() -> Message:
    return error(4060004, "The recovery token is invalid or has already been used. Please retry the flow.")


def verification_code_invalid() -> Message:
    return error(4070006, "The verification code is invalid or has already been used. Please try again.")


def verification_token_invalid() -> Message:
    return error(4070001, "The verification token is invalid or has already been used. Please retry the flow.")


def login_code_invalid() -> Message:
    return error(4010008, "The login code is invalid or has already been used. Please try again.")


def account_without_code() -> Message:
    return error(4000035, "This account does not exist or has not setup sign in with code.")


def retry_success(kind: str) -> Message:
    return error(
        4060001 if kind == "recovery" else 4070002,
        "The request was already completed successfully and can not be retried.",
    )


def password_same_as_old() -> Message:
    return error(4000039, "The new password must be different from the old password.")


def flow_expired(kind: str, expired_at: datetime, now: datetime) -> Message:
    """NewErrorValidation{Recovery,Verification,Settings}FlowExpired."""
    ids = {"recovery": 4060005, "verification": 4070005, "settings": 4050001}
    minutes = (now - expired_at).total_seconds() / 60
    return error(ids[kind], f"The {kind} flow expired {minutes:.2f} minutes ago, please try again.")
