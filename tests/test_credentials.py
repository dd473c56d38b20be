"""Kratos' credential rules as pure functions: import, merge, declassify, delete."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mockserver import credentials as creds
from mockserver.errors import KratosError
from mockserver.models import Credential

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def oidc(*subjects: str) -> Credential:
    providers = [{"provider": "google", "subject": s} for s in subjects]
    return Credential("oidc", tuple(f"google:{s}" for s in subjects), {"providers": providers}, 0, NOW, NOW)


PASSWORD = Credential("password", ("ada@example.com",), {"hashed_password": "$2a$10$x"}, 1, NOW, NOW)


def test_plaintext_import_is_kept_aside_for_hashing_later() -> None:
    imported = creds.parse_import("password", {"password": "correct horse"})
    assert imported.plaintext == "correct horse"
    assert "correct horse" not in str(imported.config)


@pytest.mark.parametrize("hashed", ["$2a$10$abc", "$argon2id$v=19$x", "{SSHA}abc", "$pbkdf2-sha256$i=1$a$b"])
def test_known_hash_formats_are_imported(hashed: str) -> None:
    assert creds.parse_import("password", {"hashed_password": hashed}).config == {"hashed_password": hashed}


def test_unknown_hash_format_is_400() -> None:
    with pytest.raises(KratosError) as caught:
        creds.parse_import("password", {"hashed_password": "plain-text"})
    assert caught.value.code == 400


def test_hash_plaintext_is_a_pbkdf2_hash_of_the_salt() -> None:
    assert creds.hash_plaintext("pw", b"salt").startswith("$pbkdf2-sha256$i=1000,l=32$c2FsdA==$")


def test_merging_oidc_appends_new_providers_once() -> None:
    merged = creds.merge(
        oidc("1"),
        creds.parse_import(
            "oidc", {"providers": [{"provider": "google", "subject": "1"}, {"provider": "google", "subject": "2"}]}
        ),
        NOW,
    )
    assert merged.identifiers == ("google:1", "google:2")
    assert [p["subject"] for p in merged.config["providers"]] == ["1", "2"]


def test_declassified_oidc_hides_tokens_it_does_not_list() -> None:
    stored = Credential(
        "oidc", ("google:1",), {"providers": [{"provider": "google", "subject": "1", "secret": "x"}]}, 0, NOW, NOW
    )
    assert creds.declassified_config(stored) == {"providers": [{"subject": "1", "provider": "google"}]}


def test_the_last_first_factor_cannot_be_deleted() -> None:
    with pytest.raises(KratosError) as caught:
        creds.delete({"password": PASSWORD}, "password", None, NOW)
    assert caught.value.code == 400 and "last first factor" in (caught.value.reason or "")


def test_deleting_a_password_while_oidc_remains_empties_its_config() -> None:
    left = creds.delete({"password": PASSWORD, "oidc": oidc("1")}, "password", None, NOW)
    assert left["password"].config == {} and left["password"].identifiers == PASSWORD.identifiers


def test_deleting_one_oidc_provider_keeps_the_others() -> None:
    left = creds.delete({"password": PASSWORD, "oidc": oidc("1", "2")}, "oidc", "google:1", NOW)
    assert left["oidc"].identifiers == ("google:2",)


@pytest.mark.parametrize(("kind", "status"), [("totp", 404), ("code", 404), ("lookup", 404)])
def test_deleting_a_type_the_identity_lacks_is_404(kind: str, status: int) -> None:
    with pytest.raises(KratosError) as caught:
        creds.delete({"password": PASSWORD}, kind, None, NOW)
    assert caught.value.code == status
