"""The official Python SDK ``ory-kratos-client==1.0.0`` (the old ``ory_kratos_client.model`` style, seed
004) against a served mock of Kratos v1.0.0 (``--api v1.0``, its default fixtures: the quickstart
schema "default"). Run in a subprocess whose ``PYTHONPATH`` holds 1.0.0.

Usage: ``python kratos_v1_client.py <server url> <seed JSON>``; the seed JSON names what the test
process loaded before: ``{"identity": ..., "sessions": [...], "inactive_session": ...,
"mfa_identity": ...}`` (the last one holds totp, lookup_secret and webauthn credentials).

Every operation of ``IdentityApi`` (and ``MetadataApi``) is called with the v1.0 parameters
(``per_page``/``page``), the typed models are checked field by field, and the last line printed is
``OK <n> operations``. Any failure raises (exit status 1, traceback on stderr).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import ory_kratos_client
from ory_kratos_client.api import identity_api, metadata_api
from ory_kratos_client.exceptions import ApiException, ApiTypeError, ApiValueError, NotFoundException
from ory_kratos_client.model.batch_patch_identities_response import BatchPatchIdentitiesResponse
from ory_kratos_client.model.create_identity_body import CreateIdentityBody
from ory_kratos_client.model.create_recovery_code_for_identity_body import CreateRecoveryCodeForIdentityBody
from ory_kratos_client.model.create_recovery_link_for_identity_body import CreateRecoveryLinkForIdentityBody
from ory_kratos_client.model.identity import Identity
from ory_kratos_client.model.identity_patch import IdentityPatch
from ory_kratos_client.model.identity_schema_container import IdentitySchemaContainer
from ory_kratos_client.model.identity_state import IdentityState
from ory_kratos_client.model.identity_with_credentials import IdentityWithCredentials
from ory_kratos_client.model.identity_with_credentials_password import IdentityWithCredentialsPassword
from ory_kratos_client.model.identity_with_credentials_password_config import (
    IdentityWithCredentialsPasswordConfig,
)
from ory_kratos_client.model.json_patch import JsonPatch
from ory_kratos_client.model.json_patch_document import JsonPatchDocument
from ory_kratos_client.model.patch_identities_body import PatchIdentitiesBody
from ory_kratos_client.model.recovery_code_for_identity import RecoveryCodeForIdentity
from ory_kratos_client.model.recovery_link_for_identity import RecoveryLinkForIdentity
from ory_kratos_client.model.session import Session
from ory_kratos_client.model.update_identity_body import UpdateIdentityBody

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
PATCH_ID = "6f1c7b3e-1d2a-4c1b-9e5f-0a1b2c3d4e5f"
SCHEMA = "default"  # the quickstart schema of the v1.0 default fixtures

calls = 0


def step(name: str) -> None:
    global calls  # noqa: PLW0603 - a script-level counter
    calls += 1
    print(f"{calls:>3} {name}", flush=True)


def expect_error(status: int, call: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Call, expect an ``ApiException`` with ``status`` and the Kratos error envelope as its body."""
    try:
        call(*args, **kwargs)
    except ApiException as exc:
        assert exc.status == status, (exc.status, exc.body)
        error = json.loads(exc.body)["error"]
        assert error["code"] == status, error
        assert isinstance(error["message"], str) and error["message"], error
        return error
    raise AssertionError(f"{call.__name__} did not fail with {status}")


def links(headers: Any) -> dict[str, dict[str, list[str]]]:
    out = {}
    for part in (headers.get("link") or "").split(","):
        url, _, rel = part.partition(";")
        out[rel.split("=")[-1].strip().strip('"')] = parse_qs(urlsplit(url.strip().strip("<>")).query)
    return out


def main(url: str, seed: dict[str, Any]) -> None:
    config = ory_kratos_client.Configuration(host=url)
    with ory_kratos_client.ApiClient(config) as client:
        api = identity_api.IdentityApi(client)
        meta = metadata_api.MetadataApi(client)
        assert ory_kratos_client.__version__ == "v1.0.0", ory_kratos_client.__version__
        step("get_version")
        assert meta.get_version().version
        step("is_alive")
        assert meta.is_alive().status == "ok"
        step("is_ready")
        assert meta.is_ready().status == "ok"
        ada = identities(api, url, seed)
        recovery(api, ada)
        schemas(api, ada)
        sessions(api, seed)
        credentials(api, ada, seed["mfa_identity"])
        step("delete_identity")
        assert api.delete_identity(ada.id) is None
        step("get_identity (deleted)")
        expect_error(404, api.get_identity, ada.id)
        step("delete_identity (404)")
        expect_error(404, api.delete_identity, ada.id)
    print(f"OK {calls} operations")


def identities(api: identity_api.IdentityApi, url: str, seed: dict[str, Any]) -> Identity:
    step("create_identity")
    body = CreateIdentityBody(
        schema_id=SCHEMA,
        traits={"email": "Ada@Example.com", "name": {"first": "Ada", "last": "Lovelace"}},
        metadata_public={"plan": "pro"},
        metadata_admin={"note": "imported"},
        state=IdentityState("active"),
        credentials=IdentityWithCredentials(
            password=IdentityWithCredentialsPassword(
                config=IdentityWithCredentialsPasswordConfig(password="correct horse battery staple")
            )
        ),
    )
    ada, status, headers = api.create_identity(create_identity_body=body, _return_http_data_only=False)
    assert status == 201, status
    assert isinstance(ada, Identity)
    assert headers["location"] == f"{url}/identities/{ada.id}", headers
    assert ada.schema_id == SCHEMA
    assert ada.schema_url == f"{url}/schemas/ZGVmYXVsdA", ada.schema_url  # base64url of "default"
    assert ada.state == IdentityState("active")
    assert ada.traits == {"email": "Ada@Example.com", "name": {"first": "Ada", "last": "Lovelace"}}
    assert ada.metadata_public == {"plan": "pro"}
    assert ada.metadata_admin == {"note": "imported"}
    assert isinstance(ada.created_at, datetime) and ada.created_at == ada.updated_at
    assert set(ada.credentials) == {"password"}, ada.credentials  # v1.0 knows no code credential
    assert ada.credentials["password"].identifiers == ["ada@example.com"]
    assert str(ada.credentials["password"].type) == "password"
    [address] = ada.verifiable_addresses
    assert (address.value, address.via, address.verified, address.status) == (
        "ada@example.com",
        "email",
        False,
        "pending",
    )
    [recovery_address] = ada.recovery_addresses
    assert (recovery_address.value, recovery_address.via) == ("ada@example.com", "email")

    step("create_identity (409: v1.0's raw unique violation)")
    error = expect_error(
        409,
        api.create_identity,
        create_identity_body=CreateIdentityBody(schema_id=SCHEMA, traits={"email": "ada@example.com"}),
    )
    assert error["message"] == "Unable to insert or update resource because a resource with that value exists already"
    assert "reason" not in error, error
    step("create_identity (400: traits fail the schema)")
    expect_error(
        400, api.create_identity, create_identity_body=CreateIdentityBody(schema_id=SCHEMA, traits={"name": {}})
    )

    step("get_identity")
    got = api.get_identity(ada.id)
    assert got.id == ada.id and got.traits == ada.traits and got.state == IdentityState("active")
    password = got.credentials["password"]
    assert password.identifiers == ["ada@example.com"] and password.version == 1
    assert "config" not in password  # the hash only with include_credential
    step("get_identity (include_credential=password)")
    got = api.get_identity(ada.id, include_credential=["password"])
    assert got.credentials["password"].config["hashed_password"].startswith("$"), got.credentials
    step("get_identity (404)")
    try:
        api.get_identity(UNKNOWN_ID)
    except NotFoundException as exc:
        assert exc.status == 404 and json.loads(exc.body)["error"]["code"] == 404
    else:
        raise AssertionError("no 404")

    # --- list: v1.0's page/per_page, 0-based, ids descending, links on SelfAdminURL ------------
    others = []
    for n in range(4):
        step(f"create_identity #{n}")
        body = CreateIdentityBody(schema_id=SCHEMA, traits={"email": f"user{n}@example.com"})
        others.append(api.create_identity(create_identity_body=body).id)
    everyone = sorted([seed["identity"], seed["mfa_identity"], ada.id, *others], reverse=True)
    assert len(everyone) == 7
    step("list_identities (per_page, first page: page omitted)")
    first, status, headers = api.list_identities(per_page=2, _return_http_data_only=False)
    assert status == 200, status
    assert [i.id for i in first] == everyone[:2], ([i.id for i in first], everyone)
    assert all(isinstance(i, Identity) for i in first) and "credentials" not in first[0]
    assert headers["x-total-count"] == "7", headers
    seen = [i.id for i in first]
    # ory/x's page header (pagination.HeaderWithFormatter): the last page has no next and no last
    expected = {1: {"first": 0, "next": 2, "prev": 0, "last": 3}, 2: {"first": 0, "next": 3, "prev": 1, "last": 3}}
    for page in (1, 2, 3):
        step(f"list_identities (per_page=2, page={page})")
        items, status, headers = api.list_identities(per_page=2, page=page, _return_http_data_only=False)
        assert status == 200, status
        assert [i.id for i in items] == everyone[page * 2 : page * 2 + 2], (page, [i.id for i in items])
        assert headers["x-total-count"] == "7", headers
        assert headers["link"].startswith(f"<{url}/identities?"), headers["link"]
        rels = links(headers)
        want = expected.get(page, {"first": 0, "prev": 2})
        assert {rel: q["page"] for rel, q in rels.items()} == {rel: [str(p)] for rel, p in want.items()}, rels
        assert all(q["per_page"] == ["2"] and q["page_size"] == ["2"] for q in rels.values()), rels
        seen += [i.id for i in items]
    assert seen == everyone
    step("list_identities (page past the end)")
    assert api.list_identities(per_page=2, page=5) == []
    step("list_identities (credentials_identifier)")
    [found] = api.list_identities(credentials_identifier="ADA@example.com")
    assert found.id == ada.id and found.credentials["password"].identifiers == ["ada@example.com"]

    # --- update (PUT) / patch (JSON Patch) ----------------------------------------------------
    step("update_identity")
    updated = api.update_identity(
        ada.id,
        update_identity_body=UpdateIdentityBody(
            schema_id=SCHEMA,
            state=IdentityState("inactive"),
            traits={"email": "ada@example.org"},
            metadata_public={"plan": "free"},
        ),
    )
    assert updated.id == ada.id and updated.state == IdentityState("inactive")
    assert isinstance(updated.state_changed_at, datetime)
    assert updated.traits == {"email": "ada@example.org"} and updated.metadata_public == {"plan": "free"}
    assert updated.credentials["password"].identifiers == ["ada@example.org"]
    step("update_identity (404)")
    body = UpdateIdentityBody(schema_id=SCHEMA, state=IdentityState("active"), traits={"email": "x@example.org"})
    expect_error(404, api.update_identity, UNKNOWN_ID, update_identity_body=body)

    step("patch_identity")
    patched = api.patch_identity(
        ada.id,
        json_patch_document=JsonPatchDocument(
            [
                JsonPatch(op="replace", path="/state", value="active"),
                JsonPatch(op="add", path="/traits/name", value={"first": "Augusta"}),
                JsonPatch(op="remove", path="/metadata_public"),
            ]
        ),
    )
    assert patched.state == IdentityState("active")
    assert patched.traits == {"email": "ada@example.org", "name": {"first": "Augusta"}}
    assert patched.get("metadata_public") is None
    step("patch_identity (400: id is immutable)")
    document = JsonPatchDocument([JsonPatch(op="replace", path="/id", value=UNKNOWN_ID)])
    error = expect_error(400, api.patch_identity, ada.id, json_patch_document=document)
    assert error["message"] == "patch includes denied path: /id", error

    # --- batch: one transaction --------------------------------------------------------------
    step("batch_patch_identities")
    grace = CreateIdentityBody(schema_id=SCHEMA, traits={"email": "grace@example.com"})
    batch = api.batch_patch_identities(
        patch_identities_body=PatchIdentitiesBody(identities=[IdentityPatch(patch_id=PATCH_ID, create=grace)])
    )
    assert isinstance(batch, BatchPatchIdentitiesResponse)
    [result] = batch.identities
    assert (result.action, result.patch_id) == ("create", PATCH_ID), result
    assert api.get_identity(result.identity).traits == {"email": "grace@example.com"}
    step("batch_patch_identities (409: one conflict fails the whole batch)")
    clash = CreateIdentityBody(schema_id=SCHEMA, traits={"email": "grace@example.com"})
    fresh = CreateIdentityBody(schema_id=SCHEMA, traits={"email": "hopper@example.com"})
    body = PatchIdentitiesBody(identities=[IdentityPatch(create=fresh), IdentityPatch(create=clash)])
    error = expect_error(409, api.batch_patch_identities, patch_identities_body=body)
    assert "reason" not in error, error
    step("list_identities (credentials_identifier: the batch created nothing)")
    assert api.list_identities(credentials_identifier="hopper@example.com") == []
    return ada


def recovery(api: identity_api.IdentityApi, ada: Identity) -> None:
    step("create_recovery_code_for_identity")
    code = api.create_recovery_code_for_identity(
        create_recovery_code_for_identity_body=CreateRecoveryCodeForIdentityBody(identity_id=ada.id, expires_in="1h")
    )
    assert isinstance(code, RecoveryCodeForIdentity)
    assert code.recovery_code.isdigit() and len(code.recovery_code) == 6, code.recovery_code
    assert "flow=" in code.recovery_link, code.recovery_link
    assert isinstance(code.expires_at, datetime)
    step("create_recovery_link_for_identity")
    link = api.create_recovery_link_for_identity(
        create_recovery_link_for_identity_body=CreateRecoveryLinkForIdentityBody(identity_id=ada.id, expires_in="1h")
    )
    assert isinstance(link, RecoveryLinkForIdentity)
    assert set(parse_qs(urlsplit(link.recovery_link).query)) == {"flow", "token"}, link.recovery_link
    assert link.expires_at == code.expires_at
    step("create_recovery_link_for_identity (400: unknown identity)")
    body = CreateRecoveryLinkForIdentityBody(identity_id=UNKNOWN_ID)
    error = expect_error(400, api.create_recovery_link_for_identity, create_recovery_link_for_identity_body=body)
    assert error["reason"] == "The requested identity id does not exist.", error


def schemas(api: identity_api.IdentityApi, ada: Identity) -> None:
    step("list_identity_schemas")
    listed, status, headers = api.list_identity_schemas(_return_http_data_only=False)
    assert status == 200, status
    [container] = listed.value  # IdentitySchemas: a list model, items in .value
    assert isinstance(container, IdentitySchemaContainer) and container.id == SCHEMA
    assert headers["x-total-count"] == "1", headers
    assert container.schema["properties"]["traits"]["required"] == ["email"], container.schema
    step("list_identity_schemas (page=0, Kratos' first page: the 1.0 SDK refuses it, its spec says minimum 1)")
    try:
        api.list_identity_schemas(per_page=1, page=0)
    except ApiValueError as exc:
        assert "greater than or equal to `1`" in str(exc), exc
    else:
        raise AssertionError("the 1.0 SDK sent page=0")
    step("list_identity_schemas (per_page=1, page omitted: the first)")
    assert [s.id for s in api.list_identity_schemas(per_page=1).value] == [SCHEMA]
    step("list_identity_schemas (page=1: past the end, Kratos answers null, which the 1.0 SDK cannot read)")
    try:
        api.list_identity_schemas(per_page=1, page=1)
    except ApiTypeError as exc:
        assert "NoneType" in str(exc), exc
    else:
        raise AssertionError("the 1.0 SDK read a null page")
    step("get_identity_schema (raw id)")
    assert api.get_identity_schema(SCHEMA) == container.schema
    step("get_identity_schema (schema_url's id)")
    assert api.get_identity_schema(ada.schema_url.rsplit("/", 1)[1]) == container.schema
    step("get_identity_schema (404)")
    error = expect_error(404, api.get_identity_schema, "no-such-schema")
    assert error["reason"] == "Identity schema `no-such-schema` could not be found.", error


def sessions(api: identity_api.IdentityApi, seed: dict[str, Any]) -> None:
    """Seeded by the test process (the admin API cannot create sessions)."""
    owner = seed["identity"]
    active_ids = sorted(seed["sessions"])
    inactive = seed["inactive_session"]
    everything = sorted([*active_ids, inactive])

    # Kratos returns sessions with ``"identity": null`` unless ``expand=identity`` is sent; the 1.0
    # SDK marks identity required and its ``expand`` enum is empty (no value can be sent). So the
    # strict decoding fails, by the SDK's design; ``_check_return_type=False`` (an SDK option) reads
    # the same response into Session models without the type check.
    step("list_sessions (strict decoding: the 1.0 SDK requires an embedded identity)")
    try:
        api.list_sessions()
    except ApiTypeError as exc:
        assert "'identity'" in str(exc) and "NoneType" in str(exc), exc
    else:
        raise AssertionError("the 1.0 SDK accepted a session without identity")
    step("list_sessions")
    listed, status, headers = api.list_sessions(_return_http_data_only=False, _check_return_type=False)
    assert [s.id for s in listed] == everything  # v1.0 pages sessions by id
    assert all(isinstance(s, Session) and s.identity is None and s.devices is None for s in listed)
    assert {s.id: s.active for s in listed} == {**dict.fromkeys(active_ids, True), inactive: False}
    assert headers["x-total-count"] == "3", headers
    step("list_sessions (active=true, page_size=1)")
    page, status, headers = api.list_sessions(
        active=True, page_size=1, _return_http_data_only=False, _check_return_type=False
    )
    assert [s.id for s in page] == active_ids[:1] and headers["x-total-count"] == "2", headers
    token = links(headers)["next"]["page_token"][0]
    assert token == active_ids[0]  # the last session id seen (StringPageToken)
    step("list_sessions (page_token)")
    rest = api.list_sessions(active=True, page_size=1, page_token=token, _check_return_type=False)
    assert [s.id for s in rest] == active_ids[1:]

    step("get_session")
    session = api.get_session(active_ids[0], _check_return_type=False)
    assert isinstance(session, Session) and session.id == active_ids[0] and session.active is True
    assert session.identity is None and session.devices == []
    assert session.authenticator_assurance_level == "aal1"
    assert session.expires_at > session.authenticated_at  # RFC 3339 UTC strings sort as times
    assert [m["method"] for m in session.authentication_methods] == ["password"]
    step("get_session (404)")
    expect_error(404, api.get_session, UNKNOWN_ID)

    step("list_identity_sessions (per_page=10, page=1: pop's pages start at 1, so the first)")
    mine, status, headers = api.list_identity_sessions(owner, per_page=10, page=1, _return_http_data_only=False)
    assert status == 200, status
    assert sorted(s.id for s in mine) == everything and headers["x-total-count"] == "3", headers
    assert all(isinstance(s, Session) and s.identity.id == owner for s in mine)  # always expanded
    assert {s.id: s.active for s in mine} == {**dict.fromkeys(active_ids, True), inactive: False}
    step("list_identity_sessions (page=2: past the end)")
    assert api.list_identity_sessions(owner, per_page=10, page=2) == []
    step("list_identity_sessions (active=false)")
    assert [s.id for s in api.list_identity_sessions(owner, active=False)] == [inactive]

    step("extend_session (200: the session without identity, as v1.0 loads it)")
    extended = api.extend_session(active_ids[0], _check_return_type=False)
    assert isinstance(extended, Session) and extended.id == active_ids[0]
    assert extended.identity is None and extended.devices == [] and extended.active is True
    assert extended.expires_at >= session.expires_at
    step("disable_session")
    assert api.disable_session(active_ids[0]) is None
    assert api.get_session(active_ids[0], _check_return_type=False).active is False
    step("delete_identity_sessions")
    assert api.delete_identity_sessions(owner) is None
    step("list_identity_sessions (none left)")
    assert api.list_identity_sessions(owner) == []
    step("delete_identity_sessions (404: none left)")
    expect_error(404, api.delete_identity_sessions, owner)


def credentials(api: identity_api.IdentityApi, ada: Identity, mfa: str) -> None:
    """The 1.0 SDK may send only totp, webauthn and lookup (its enum)."""
    step("delete_identity_credentials (404: no totp)")
    error = expect_error(404, api.delete_identity_credentials, ada.id, "totp")
    assert error["reason"] == "You tried to remove a totp but this user have no totp set up.", error
    step("delete_identity_credentials (404: lookup is not a stored type, lookup_secret is)")
    expect_error(404, api.delete_identity_credentials, mfa, "lookup")
    step("delete_identity_credentials (totp)")
    assert api.delete_identity_credentials(mfa, "totp") is None
    step("delete_identity_credentials (webauthn: the passwordless key stays)")
    assert api.delete_identity_credentials(mfa, "webauthn") is None
    left = api.get_identity(mfa, include_credential=["webauthn"]).credentials
    assert set(left) == {"password", "lookup_secret", "webauthn"}, left
    assert [k["id"] for k in left["webauthn"].config["credentials"]] == ["passwordless"], left["webauthn"]


if __name__ == "__main__":
    main(sys.argv[1], json.loads(sys.argv[2]))
