"""The user's kratos.yml: Kratos' defaults for what is absent (embedx/config.schema.json,
driver/config/config.go at v26.2.0), the keys that change the public API, a clear error naming
any key the mock does not support, and ``kratos-mock run --config``."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from mockserver.cli import build_parser, main
from mockserver.kratos_config import ConfigError, KratosConfig, load_config
from mockserver.selfservice.cookies import SessionCookie, encode_session_cookie

QUICKSTART = """
version: v1.3.0
dsn: memory
serve:
  public:
    base_url: http://127.0.0.1:4433/
    cors:
      enabled: true
  admin:
    base_url: http://kratos:4434/
selfservice:
  default_browser_return_url: http://127.0.0.1:4455/
  allowed_return_urls:
    - http://127.0.0.1:4455
  methods:
    password:
      enabled: true
    totp:
      enabled: false
    link:
      enabled: true
    code:
      enabled: true
  flows:
    error:
      ui_url: http://127.0.0.1:4455/error
    settings:
      ui_url: http://127.0.0.1:4455/settings
      privileged_session_max_age: 15m
    recovery:
      enabled: true
      ui_url: http://127.0.0.1:4455/recovery
    verification:
      enabled: false
    logout:
      after:
        default_browser_return_url: http://127.0.0.1:4455/login
    login:
      ui_url: http://127.0.0.1:4455/login
      lifespan: 10m
    registration:
      lifespan: 10m
      ui_url: http://127.0.0.1:4455/registration
      after:
        password:
          hooks:
            - hook: session
log:
  level: debug
secrets:
  cookie:
    - PLEASE-CHANGE-ME-I-AM-VERY-INSECURE
hashers:
  algorithm: bcrypt
  bcrypt:
    cost: 8
identity:
  default_schema_id: default
  schemas:
    - id: default
      url: file://identity.schema.json
courier:
  smtp:
    connection_uri: smtps://test:test@mailslurper:1025/?skip_ssl_verify=true
"""


def test_defaults_are_kratos_defaults() -> None:
    """reference §1: session 24h, cookie ory_kratos_session, whoami highest_available, flows 1h,
    profile_first registration without hooks, password policy 8 / similarity / HIBP ignoring
    network errors."""
    config = load_config(None)
    assert config == KratosConfig()
    assert config.session_lifespan == timedelta(hours=24) and config.session_cookie_name == "ory_kratos_session"
    assert config.whoami_required_aal == "highest_available" and config.login_lifespan == timedelta(hours=1)
    assert config.registration_two_steps and not config.registration_session_hook
    assert config.password_policy.min_password_length == 8 and config.password_policy.ignore_network_errors
    assert config.login_ui_url == "https://www.ory.sh/kratos/docs/fallback/login"


def test_the_quickstart_config_loads(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "properties": {"traits": {"type": "object", "properties": {"email": {"type": "string"}}}},
    }
    (tmp_path / "identity.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    (tmp_path / "kratos.yml").write_text(QUICKSTART, encoding="utf-8")
    config = load_config(tmp_path / "kratos.yml")
    assert config.public_base_url == "http://127.0.0.1:4433/"
    assert config.login_lifespan == timedelta(minutes=10) and config.registration_session_hook
    assert config.logout_after_return_url == "http://127.0.0.1:4455/login"
    assert config.allowed_return_urls == ("http://127.0.0.1:4455",)
    assert config.identity_schemas == (("default", schema),) and config.identity_default_schema_id == "default"


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ({"selfservice": {"methods": {"totp": {"enabled": True}}}}, "selfservice.methods.totp"),
        ({"selfservice": {"methods": {"code": {"mfa_enabled": True}}}}, "mfa_enabled"),
        (
            {"session": {"whoami": {"tokenizer": {"templates": {"jwt": {"ttl": "1m"}}}}}},
            "session.whoami.tokenizer.templates",
        ),
        ({"selfservice": {"flows": {"login": {"style": "identifier_first"}}}}, "selfservice.flows.login.style"),
        (
            {"selfservice": {"flows": {"registration": {"after": {"hooks": [{"hook": "web_hook"}]}}}}},
            "'web_hook' hook in selfservice.flows.registration.after.hooks",
        ),
        ({"feature_flags": {"cacheable_sessions": True}}, "feature_flags.cacheable_sessions"),
        ({"identity": {"schemas": [{"id": "x", "url": "https://example.com/s.json"}]}}, "identity.schemas[0].url"),
        ({"session": {"lifespan": "forever"}}, "session.lifespan"),
    ],
)
def test_unsupported_keys_are_named(document: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigError, match=r"^kratos\.yml: ") as caught:
        load_config(document)
    assert named in str(caught.value)


def test_switched_off_features_and_their_defaults_are_accepted() -> None:
    config = load_config(
        {
            "selfservice": {"methods": {"oidc": {"enabled": False, "config": {"providers": []}}}},
            "security": {"account_enumeration": {"mitigate": False}},
        }
    )
    assert config == KratosConfig()


def test_method_hooks_win_over_global_hooks() -> None:
    """registry_default_registration.go PostRegistrationPostPersistHooks: a method's own hooks, or
    the global ones when it has none."""
    session = [{"hook": "session"}]
    assert load_config(
        {"selfservice": {"flows": {"registration": {"after": {"hooks": session}}}}}
    ).registration_session_hook
    oidc_only = {"selfservice": {"flows": {"registration": {"after": {"oidc": {"hooks": session}}}}}}
    assert not load_config(oidc_only).registration_session_hook


def test_identity_schemas_by_base64(serve: Any) -> None:
    """identity.schemas (base64://) replace the bundled schema; the registration form follows it."""
    schema = {
        "type": "object",
        "properties": {
            "traits": {
                "type": "object",
                "properties": {
                    "username": {
                        "type": "string",
                        "title": "Username",
                        "ory.sh/kratos": {"credentials": {"password": {"identifier": True}}},
                    }
                },
                "required": ["username"],
            }
        },
    }
    url = "base64://" + base64.b64encode(json.dumps(schema).encode()).decode()
    _, client = serve(
        seed=1, config={"identity": {"default_schema_id": "people", "schemas": [{"id": "people", "url": url}]}}
    )
    flow = client.get("/self-service/registration/api").json()
    assert [n["attributes"]["name"] for n in flow["ui"]["nodes"]] == ["csrf_token", "traits.username", "method"]
    login = client.get("/self-service/login/api").json()
    identifier = next(n for n in login["ui"]["nodes"] if n["attributes"]["name"] == "identifier")
    assert identifier["meta"]["label"]["text"] == "Username"


def test_session_lifespan_and_cookie_name(serve: Any) -> None:
    """session.lifespan and session.cookie.name (config.go SessionLifespan, SessionName)."""
    app, client = serve(seed=1, config={"session": {"lifespan": "1h", "cookie": {"name": "my_session"}}})
    identity = client.post("/admin/identities", json={"schema_id": "default", "traits": {"email": "a@b.co"}}).json()
    session = app.store.create_session(identity["id"])
    assert session.expires_at - session.issued_at == timedelta(hours=1)
    value = encode_session_cookie(SessionCookie(session.token, session.expires_at))
    assert client.get("/sessions/whoami", headers={"Cookie": f"my_session={value}"}).status_code == 200
    assert client.get("/sessions/whoami", headers={"Cookie": f"ory_kratos_session={value}"}).status_code == 401


def test_cli_config_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``kratos-mock run --config`` (env KRATOS_MOCK_CONFIG); an unsupported key stops the start."""
    assert build_parser({"KRATOS_MOCK_CONFIG": "k.yml"}).parse_args(["run"]).config == "k.yml"
    bad = tmp_path / "kratos.yml"
    bad.write_text("selfservice:\n  methods:\n    webauthn:\n      enabled: true\n", encoding="utf-8")
    assert main(["run", "--port", "0", "--config", str(bad)], env={}) == 1
    assert "selfservice.methods.webauthn is not supported by kratos-mock yet" in capsys.readouterr().err


def test_flow_keys_of_issue_12() -> None:
    """reference §1: recovery and verification off, code on (1h, 5 tries), passwordless and link
    off, privileged sessions 1h; each key read, and the show_verification_ui hook accepted."""
    default = load_config(None)
    assert (default.recovery_enabled, default.verification_enabled, default.code_enabled) == (False, False, True)
    assert (default.code_passwordless, default.link_enabled, default.continue_with_transitions) == (False, False, False)
    assert default.code_lifespan == default.settings_privileged_max_age == timedelta(hours=1)
    assert default.code_max_submissions == 5 and default.recovery_use == default.verification_use == "code"
    config = load_config(
        {
            "selfservice": {
                "flows": {
                    "recovery": {"enabled": True, "use": "link", "notify_unknown_recipients": True},
                    "verification": {"enabled": True, "lifespan": "30m"},
                    "settings": {"privileged_session_max_age": "5m", "required_aal": "aal1"},
                    "registration": {"after": {"hooks": [{"hook": "session"}, {"hook": "show_verification_ui"}]}},
                },
                "methods": {
                    "code": {"passwordless_enabled": True, "config": {"lifespan": "10m", "max_submissions": 2}},
                    "link": {"enabled": True, "config": {"base_url": "https://x.example", "lifespan": "2h"}},
                },
            },
            "feature_flags": {"use_continue_with_transitions": True},
            "courier": {"smtp": {"connection_uri": "smtp://mail:25"}, "template_override_path": "/t"},
        }
    )
    assert config.recovery_use == "link" and config.recovery_notify_unknown
    assert config.verification_lifespan == timedelta(minutes=30)
    assert config.settings_privileged_max_age == timedelta(minutes=5) and config.settings_required_aal == "aal1"
    assert config.registration_hooks == ("session", "show_verification_ui") and config.registration_session_hook
    assert config.code_passwordless and config.code_lifespan == timedelta(minutes=10)
    assert config.code_max_submissions == 2 and config.link_lifespan == timedelta(hours=2)
    assert config.continue_with_transitions
    with pytest.raises(ConfigError, match=r"recovery\.use must be one of code, link"):
        load_config({"selfservice": {"flows": {"recovery": {"use": "magic"}}}})


def test_courier_templates_inline_only() -> None:
    """courier.templates.*.email.{subject,body.plaintext} as base64:// are read; file and http
    templates, HTML bodies and SMS templates are accepted and change nothing."""
    inline = "base64://" + base64.b64encode(b"Code {{ .LoginCode }}").decode()
    templates = {
        "login_code": {"valid": {"email": {"subject": inline, "body": {"html": inline}}}},
        "recovery_code": {"valid": {"email": {"body": {"plaintext": "file:///templates/r.gotmpl"}}}},
        "verification_code": {"valid": {"sms": {"body": inline}}},
    }
    config = load_config({"courier": {"templates": templates}})
    assert config.courier_templates == (("login_code_valid", "subject", "Code {{ .LoginCode }}"),)


def test_cli_dev_flag(tmp_path: Path) -> None:
    """``kratos-mock run --dev`` is Kratos' --dev: dev on top of the kratos.yml."""
    from mockserver.kratos_config import with_dev

    assert build_parser({}).parse_args(["run", "--dev"]).dev is True
    kratos_yml = tmp_path / "kratos.yml"
    kratos_yml.write_text("selfservice:\n  flows:\n    recovery:\n      enabled: true\n", encoding="utf-8")
    config = with_dev(str(kratos_yml))
    assert config.dev and config.recovery_enabled
