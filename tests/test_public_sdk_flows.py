"""Issue #12's "done when", through the official Python SDK (ory-kratos-client) over a real socket:
sign up, read the verification code from the courier, verify; forgot password by code, land in a
settings flow, change the password, log in with it; passwordless code login; wrong codes count
towards max_submissions; expired codes and flows are refused with Kratos' message ids; the courier
API. Every response is decoded by the SDK's strict models."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from ory_kratos_client import (
    ApiClient,
    Configuration,
    CourierApi,
    FrontendApi,
    IdentityApi,
    RecoveryFlow,
    UpdateLoginFlowBody,
    UpdateLoginFlowWithCodeMethod,
    UpdateLoginFlowWithPasswordMethod,
    UpdateRecoveryFlowBody,
    UpdateRecoveryFlowWithCodeMethod,
    UpdateRegistrationFlowBody,
    UpdateRegistrationFlowWithPasswordMethod,
    UpdateSettingsFlowBody,
    UpdateSettingsFlowWithPasswordMethod,
    UpdateVerificationFlowBody,
    UpdateVerificationFlowWithCodeMethod,
)
from ory_kratos_client.exceptions import ApiException, BadRequestException, ForbiddenException

from mockserver import create_app
from mockserver.app import Settings
from mockserver.clock import EPOCH
from mockserver.courier import Courier
from mockserver.server import BackgroundServer

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new and long passphrase"
KRATOS_YML: dict[str, Any] = {
    "dev": True,
    "selfservice": {
        "flows": {
            "recovery": {"enabled": True, "use": "code"},
            "verification": {"enabled": True, "use": "code"},
            "registration": {"after": {"password": {"hooks": [{"hook": "show_verification_ui"}]}}},
        },
        "methods": {"code": {"passwordless_enabled": True, "config": {"lifespan": "15m", "max_submissions": 3}}},
    },
    "feature_flags": {"use_continue_with_transitions": True},
}


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    srv = BackgroundServer(lambda url: create_app(seed=7, settings=Settings(base_url=url), config=KRATOS_YML)).start()
    yield srv
    srv.stop()


class Apis:
    def __init__(self, server: BackgroundServer) -> None:
        self.server = server
        self.client = ApiClient(Configuration(host=server.url))
        self.frontend = FrontendApi(self.client)
        self.admin = IdentityApi(self.client)
        self.courier_api = CourierApi(self.client)
        self.courier = Courier(server.app.store)


@pytest.fixture
def apis(server: BackgroundServer) -> Iterator[Apis]:
    server.app.store.reset()
    server.app.store.clock.set(EPOCH)
    apis = Apis(server)
    yield apis
    apis.client.rest_client.pool_manager.clear()


def state_of(flow: Any) -> str:
    """The SDK types some states as enums, others (oneOf of enums) as plain strings."""
    return str(getattr(flow.state, "value", flow.state))


def sign_up(apis: Apis, email: str = "ada@example.com") -> Any:
    flow = apis.frontend.create_native_registration_flow()
    body = UpdateRegistrationFlowWithPasswordMethod(method="password", traits={"email": email}, password=PASSWORD)
    return apis.frontend.update_registration_flow(flow.id, UpdateRegistrationFlowBody(body))


def recover_by_code(apis: Apis, email: str = "ada@example.com") -> RecoveryFlow:
    flow = apis.frontend.create_native_recovery_flow()
    sent = apis.frontend.update_recovery_flow(
        flow.id, UpdateRecoveryFlowBody(UpdateRecoveryFlowWithCodeMethod(method="code", email=email))
    )
    assert state_of(sent) == "sent_email" and [m.id for m in sent.ui.messages or []] == [1060003]
    return sent


def submit_recovery_code(apis: Apis, flow_id: str, code: str) -> RecoveryFlow:
    body = UpdateRecoveryFlowBody(UpdateRecoveryFlowWithCodeMethod(method="code", code=code))
    return apis.frontend.update_recovery_flow(flow_id, body)


def test_sign_up_verify_recover_change_password_and_log_in_again(apis: Apis) -> None:
    """hook/verification.go, strategy_verification.go verificationUseCode, strategy_recovery.go
    recoveryUseCode and recoveryIssueSession (continue_with transitions), password/settings.go."""
    signed_up = sign_up(apis)
    ada = signed_up.identity.id
    [show] = signed_up.continue_with or []
    verification = show.actual_instance.flow
    assert verification.verifiable_address == "ada@example.com"
    mail = apis.courier.last(to="ada@example.com")
    assert mail.template_type == "verification_code_valid" and mail.code in mail.body
    assert f"/self-service/verification?code={mail.code}&flow={verification.id}" in mail.body

    verified = apis.frontend.update_verification_flow(
        verification.id, UpdateVerificationFlowBody(UpdateVerificationFlowWithCodeMethod(method="code", code=mail.code))
    )
    assert state_of(verified) == "passed_challenge" and [m.id for m in verified.ui.messages or []] == [1080002]
    [address] = apis.admin.get_identity(ada).verifiable_addresses or []
    assert address.verified is True and address.status == "completed"

    sent = recover_by_code(apis)
    code = apis.courier.last(to="ada@example.com", template_type="recovery_code_valid").code
    recovered = submit_recovery_code(apis, sent.id, code)
    assert state_of(recovered) == "passed_challenge"
    token_item, settings_item = [item.actual_instance for item in recovered.continue_with or []]
    token = token_item.ory_session_token
    settings = apis.frontend.get_settings_flow(settings_item.flow.id, x_session_token=token)
    assert state_of(settings) == "show_form" and [m.id for m in settings.ui.messages or []] == [1060001]
    assert settings.identity.id == ada

    changed = apis.frontend.update_settings_flow(
        settings.id,
        UpdateSettingsFlowBody(UpdateSettingsFlowWithPasswordMethod(method="password", password=NEW_PASSWORD)),
        x_session_token=token,
    )
    assert state_of(changed) == "success" and [m.id for m in changed.ui.messages or []] == [1050001]

    login = apis.frontend.create_native_login_flow()
    method = UpdateLoginFlowWithPasswordMethod(method="password", identifier="ada@example.com", password=NEW_PASSWORD)
    session = apis.frontend.update_login_flow(login.id, UpdateLoginFlowBody(method))
    assert session.session.identity.id == ada
    with pytest.raises(BadRequestException):
        login = apis.frontend.create_native_login_flow()
        old = UpdateLoginFlowWithPasswordMethod(method="password", identifier="ada@example.com", password=PASSWORD)
        apis.frontend.update_login_flow(login.id, UpdateLoginFlowBody(old))


def test_passwordless_code_login_and_resend(apis: Apis) -> None:
    """strategy/code/strategy_login.go: step one answers 400 with the flow (sent_email, 1010014);
    a resend replaces the code; the new code logs in (AMR ``code``)."""
    sign_up(apis)
    flow = apis.frontend.create_native_login_flow()
    assert any(n.attributes.actual_instance.name == "method" and n.group == "code" for n in flow.ui.nodes)
    send = UpdateLoginFlowWithCodeMethod(method="code", identifier="ada@example.com", csrf_token="")
    with pytest.raises(BadRequestException) as caught:
        apis.frontend.update_login_flow(flow.id, UpdateLoginFlowBody(send))
    sent = json.loads(caught.value.body)
    assert sent["state"] == "sent_email" and [m["id"] for m in sent["ui"]["messages"]] == [1010014]
    first = apis.courier.last(to="ada@example.com", template_type="login_code_valid").code

    resend = UpdateLoginFlowWithCodeMethod(method="code", identifier="ada@example.com", resend="code", csrf_token="")
    with pytest.raises(BadRequestException):
        apis.frontend.update_login_flow(flow.id, UpdateLoginFlowBody(resend))
    second = apis.courier.last(to="ada@example.com", template_type="login_code_valid").code
    assert len(apis.courier.messages(template_type="login_code_valid")) == 2

    stale = UpdateLoginFlowWithCodeMethod(method="code", identifier="ada@example.com", code=first, csrf_token="")
    if first != second:
        with pytest.raises(BadRequestException) as refused:
            apis.frontend.update_login_flow(flow.id, UpdateLoginFlowBody(stale))
        assert [m["id"] for m in json.loads(refused.value.body)["ui"]["messages"]] == [4010008]
    good = UpdateLoginFlowWithCodeMethod(method="code", identifier="ada@example.com", code=second, csrf_token="")
    done = apis.frontend.update_login_flow(flow.id, UpdateLoginFlowBody(good))
    assert [m.method for m in done.session.authentication_methods or []] == ["code"]
    assert done.session_token and done.session.identity.traits == {"email": "ada@example.com"}


def test_unknown_address_gets_no_login_code(apis: Apis) -> None:
    """findIdentityForIdentifier: 4000035 and no message."""
    flow = apis.frontend.create_native_login_flow()
    send = UpdateLoginFlowWithCodeMethod(method="code", identifier="nobody@example.com", csrf_token="")
    with pytest.raises(BadRequestException) as caught:
        apis.frontend.update_login_flow(flow.id, UpdateLoginFlowBody(send))
    assert [m["id"] for m in json.loads(caught.value.body)["ui"]["messages"]] == [4000035]
    assert len(apis.courier) == 0


def test_wrong_codes_count_towards_max_submissions(apis: Apis) -> None:
    """persister_code.go useOneTimeCode: the submit count rises before the code is compared; past
    max_submissions (3 here) even the right code is refused, and recovery starts a new flow
    (retryRecoveryFlow) with the "submitted too often" message."""
    sign_up(apis)
    sent = recover_by_code(apis)
    code = apis.courier.last(template_type="recovery_code_valid").code
    for _ in range(3):
        wrong = submit_recovery_code(apis, sent.id, "000000" if code != "000000" else "111111")
        assert wrong.id == sent.id and [m.id for m in wrong.ui.messages or []] == [4060006]
    with pytest.raises(BadRequestException) as caught:  # with continue_with transitions: 400 + the new flow
        submit_recovery_code(apis, sent.id, code)
    error = json.loads(caught.value.body)["error"]
    assert error["reason"] == "The request was submitted too often. Please request another code."
    [item] = error["details"]["continue_with"]
    assert item["action"] == "show_recovery_ui" and item["flow"]["id"] != sent.id
    retried = apis.frontend.get_recovery_flow(item["flow"]["id"])
    assert state_of(retried) == "choose_method"
    assert [(m.id, m.text) for m in retried.ui.messages or []] == [
        (4000001, "The request was submitted too often. Please request another code.")
    ]


def test_expired_codes_and_flows_are_refused(apis: Apis) -> None:
    """RecoveryCode.Validate: an expired code is unknown (4060006); flow.Valid: an expired flow
    is replaced by a new one with 4060005 (recovery/error.go WriteFlowError: with continue_with
    transitions an api flow gets the 410 with the new flow's id)."""
    sign_up(apis)
    sent = recover_by_code(apis)
    code = apis.courier.last(template_type="recovery_code_valid").code
    apis.server.app.store.clock.advance("16m")  # the code lives 15m, the flow 1h
    expired = submit_recovery_code(apis, sent.id, code)
    assert expired.id == sent.id and [m.id for m in expired.ui.messages or []] == [4060006]

    apis.server.app.store.clock.advance("45m")
    with pytest.raises(ApiException) as caught:  # with continue_with transitions: 410 and the new flow
        submit_recovery_code(apis, sent.id, code)
    assert caught.value.status == 410
    gone = json.loads(caught.value.body)
    assert gone["error"]["id"] == "self_service_flow_expired"
    assert gone["error"]["details"]["continue_with"][0]["flow"]["id"] == gone["use_flow_id"]
    replaced = apis.frontend.get_recovery_flow(gone["use_flow_id"])
    assert replaced.id != sent.id and [m.id for m in replaced.ui.messages or []] == [4060005]
    assert replaced.ui.messages and replaced.ui.messages[0].text == (
        "The recovery flow expired 1.00 minutes ago, please try again."
    )


def test_admin_recovery_code_works_in_the_public_flow(apis: Apis) -> None:
    """strategy_recovery_admin.go createRecoveryCodeForIdentity: its flow takes the code."""
    from ory_kratos_client import CreateRecoveryCodeForIdentityBody

    ada = sign_up(apis).identity.id
    grant = apis.admin.create_recovery_code_for_identity(
        CreateRecoveryCodeForIdentityBody(identity_id=ada, flow_type="api")
    )
    flow_id = grant.recovery_link.split("flow=")[1]
    recovered = submit_recovery_code(apis, flow_id, grant.recovery_code)
    assert state_of(recovered) == "passed_challenge"
    kinds = [item.actual_instance.action for item in recovered.continue_with or []]
    assert kinds == ["set_ory_session_token", "show_settings_ui"]


def test_an_old_session_must_re_authenticate_to_change_the_password(apis: Apis) -> None:
    """password/settings.go: authenticated_at older than privileged_session_max_age (1h) → 403
    session_refresh_required with the refresh login URL."""
    sign_up(apis)
    login = apis.frontend.create_native_login_flow()
    method = UpdateLoginFlowWithPasswordMethod(method="password", identifier="ada@example.com", password=PASSWORD)
    token = apis.frontend.update_login_flow(login.id, UpdateLoginFlowBody(method)).session_token
    settings = apis.frontend.create_native_settings_flow(x_session_token=token)
    apis.server.app.store.clock.advance("61m")
    settings = apis.frontend.create_native_settings_flow(x_session_token=token)
    body = UpdateSettingsFlowBody(UpdateSettingsFlowWithPasswordMethod(method="password", password=NEW_PASSWORD))
    with pytest.raises(ForbiddenException) as caught:
        apis.frontend.update_settings_flow(settings.id, body, x_session_token=token)
    error = json.loads(caught.value.body)
    assert error["error"]["id"] == "session_refresh_required"
    assert "/self-service/login/browser?refresh=true&return_to=" in error["redirect_browser_to"]


def test_courier_api_in_dev_mode_shows_bodies(apis: Apis) -> None:
    """courier/handler.go listCourierMessages, getCourierMessage (dev: bodies unredacted)."""
    sign_up(apis)
    recover_by_code(apis)
    listed = apis.courier_api.list_courier_messages()
    assert [str(getattr(m.template_type, "value", m.template_type)) for m in listed] == [
        "recovery_code_valid",
        "verification_code_valid",
    ]
    assert all(str(getattr(m.status, "value", m.status)) == "queued" and m.send_count == 0 for m in listed)
    one = apis.courier_api.get_courier_message(listed[0].id)
    code = apis.courier.last(template_type="recovery_code_valid").code
    assert one.subject == f"Use code {code} to recover access to your account" and code in one.body
