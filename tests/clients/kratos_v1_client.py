"""The official Python SDK ``ory-kratos-client==1.0.0`` (the old ``ory_kratos_client.model`` style)
against a served mock of the current admin API. Run in a subprocess whose ``PYTHONPATH`` holds 1.0.0.

Usage: ``python kratos_v1_client.py <server url> <seed JSON>``; the seed JSON names what the test
process loaded before: ``{"schema": ..., "identity": ..., "sessions": [...], "inactive_session": ...}``.

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
    schema = seed["schema"]
    config = ory_kratos_client.Configuration(host=url)
    with ory_kratos_client.ApiClient(config) as client:
        api = identity_api.IdentityApi(client)
        meta = metadata_api.MetadataApi(client)
        run(api, meta, url, schema, seed)


def run(
    api: identity_api.IdentityApi, meta: metadata_api.MetadataApi, url: str, schema: str, seed: dict[str, Any]
) -> None:
    assert ory_kratos_client.__version__ == "v1.0.0", ory_kratos_client.__version__

    # --- metadata ---------------------------------------------------------------------------
    step("get_version")
    assert meta.get_version().version
    step("is_alive")
    assert meta.is_alive().status == "ok"
    step("is_ready")
    assert meta.is_ready().status == "ok"

    # --- create / get -----------------------------------------------------------------------
    step("create_identity")
    body = CreateIdentityBody(
        schema_id=schema,
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
    assert ada.schema_id == schema
    assert ada.schema_url.startswith(f"{url}/schemas/"), ada.schema_url
    assert ada.state == IdentityState("active")
    assert ada.traits == {"email": "Ada@Example.com", "name": {"first": "Ada", "last": "Lovelace"}}
    assert ada.metadata_public == {"plan": "pro"}
    assert ada.metadata_admin == {"note": "imported"}
    assert isinstance(ada.created_at, datetime) and ada.created_at == ada.updated_at
    assert ada.credentials["password"].identifiers == ["ada@example.com"]
    assert str(ada.credentials["password"].type) == "password"
    [address] = ada.verifiable_addresses
    assert (address.value, address.via, address.verified, address.status) == (
        "ada@example.com",
        "email",
        False,
        "pending",
    )
    [recovery] = ada.recovery_addresses
    assert (recovery.value, recovery.via) == ("ada@example.com", "email")

    step("create_identity (409 duplicate identifier)")
    expect_error(
        409,
        api.create_identity,
        create_identity_body=CreateIdentityBody(schema_id=schema, traits={"email": "ada@example.com"}),
    )
    step("create_identity (400 traits fail the schema)")
    expect_error(
        400, api.create_identity, create_identity_body=CreateIdentityBody(schema_id=schema, traits={"name": {}})
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
        assert exc.status == 404
        assert json.loads(exc.body)["error"]["code"] == 404
    else:
        raise AssertionError("no 404")

    # --- list with the v1.0 per_page/page parameters ------------------------------------------
    others = []
    for n in range(4):
        step(f"create_identity #{n}")
        created = api.create_identity(
            create_identity_body=CreateIdentityBody(schema_id=schema, traits={"email": f"user{n}@example.com"})
        )
        others.append(created.id)
    everyone = sorted([seed["identity"], ada.id, *others])
    assert len(everyone) == 6

    step("list_identities (per_page, first page: page omitted)")
    first, status, headers = api.list_identities(per_page=2, _return_http_data_only=False)
    assert status == 200
    assert [i.id for i in first] == everyone[:2], ([i.id for i in first], everyone)
    assert all(isinstance(i, Identity) for i in first)

    seen = [i.id for i in first]
    for page in (1, 2):
        step(f"list_identities (per_page=2, page={page})")
        items, status, headers = api.list_identities(per_page=2, page=page, _return_http_data_only=False)
        assert status == 200
        assert [i.id for i in items] == everyone[page * 2 : page * 2 + 2], (page, [i.id for i in items])
        assert headers["x-total-count"] == "6", headers
        rels = links(headers)
        # ory/x's legacy page header: the last page has no next and no last
        expected = {"first": 0, "next": 2, "prev": 0, "last": 2} if page == 1 else {"first": 0, "prev": 1}
        assert rels == {rel: {"page": [str(p)], "per_page": ["2"]} for rel, p in expected.items()}, rels
        seen += [i.id for i in items]
    assert seen == everyone

    step("list_identities (page past the end)")
    assert api.list_identities(per_page=2, page=5) == []

    step("list_identities (credentials_identifier)")
    [found] = api.list_identities(credentials_identifier="ADA@example.com")
    assert found.id == ada.id

    # --- update (PUT) / patch (JSON Patch) ----------------------------------------------------
    step("update_identity")
    updated = api.update_identity(
        ada.id,
        update_identity_body=UpdateIdentityBody(
            schema_id=schema,
            state=IdentityState("inactive"),
            traits={"email": "ada@example.org"},
            metadata_public={"plan": "free"},
        ),
    )
    assert updated.id == ada.id
    assert updated.state == IdentityState("inactive")
    assert isinstance(updated.state_changed_at, datetime)
    assert updated.traits == {"email": "ada@example.org"}
    assert updated.metadata_public == {"plan": "free"}
    assert updated.credentials["password"].identifiers == ["ada@example.org"]

    step("update_identity (404)")
    expect_error(
        404,
        api.update_identity,
        UNKNOWN_ID,
        update_identity_body=UpdateIdentityBody(schema_id=schema, state=IdentityState("active"), traits={}),
    )

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
    expect_error(
        400,
        api.patch_identity,
        ada.id,
        json_patch_document=JsonPatchDocument([JsonPatch(op="replace", path="/id", value=UNKNOWN_ID)]),
    )

    step("batch_patch_identities")
    batch = api.batch_patch_identities(
        patch_identities_body=PatchIdentitiesBody(
            identities=[
                IdentityPatch(
                    patch_id=PATCH_ID,
                    create=CreateIdentityBody(schema_id=schema, traits={"email": "grace@example.com"}),
                ),
            ]
        )
    )
    assert isinstance(batch, BatchPatchIdentitiesResponse)
    [result] = batch.identities
    assert (result.action, result.patch_id) == ("create", PATCH_ID), result
    grace = api.get_identity(result.identity)
    assert grace.traits == {"email": "grace@example.com"}

    step("delete_identity_credentials (404: no totp)")
    expect_error(404, api.delete_identity_credentials, ada.id, "totp")

    # --- recovery ---------------------------------------------------------------------------
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
    query = parse_qs(urlsplit(link.recovery_link).query)
    assert set(query) == {"flow", "token"}, link.recovery_link
    assert link.expires_at == code.expires_at

    step("create_recovery_link_for_identity (400: unknown identity)")
    error = expect_error(
        400,
        api.create_recovery_link_for_identity,
        create_recovery_link_for_identity_body=CreateRecoveryLinkForIdentityBody(identity_id=UNKNOWN_ID),
    )
    assert error["reason"] == "The requested identity id does not exist.", error

    # --- schemas ----------------------------------------------------------------------------
    step("list_identity_schemas")
    schemas = api.list_identity_schemas().value  # IdentitySchemas: a list model, items in .value
    assert all(isinstance(s, IdentitySchemaContainer) for s in schemas)
    ids = [s.id for s in schemas]
    assert ids == ["default", schema], ids
    step("list_identity_schemas (per_page=1, page=1: the second, 0-based)")
    second, status, headers = api.list_identity_schemas(per_page=1, page=1, _return_http_data_only=False)
    assert [s.id for s in second.value] == [schema]
    assert headers["x-total-count"] == "2", headers
    document = next(s.schema for s in schemas if s.id == schema)
    assert "email" in document["properties"]["traits"]["properties"], document

    step("get_identity_schema (raw id)")
    assert api.get_identity_schema(schema) == document
    step("get_identity_schema (schema_url's id)")
    assert api.get_identity_schema(ada.schema_url.rsplit("/", 1)[1]) == document
    step("get_identity_schema (404)")
    expect_error(404, api.get_identity_schema, "no-such-schema")

    # --- sessions (seeded by the test process: the admin API cannot create them) ---------------
    owner = seed["identity"]
    active_ids = sorted(seed["sessions"])
    inactive = seed["inactive_session"]

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
    sessions = api.list_sessions(_check_return_type=False)
    assert all(isinstance(s, Session) for s in sessions)
    assert sorted(s.id for s in sessions) == sorted([*active_ids, inactive])
    assert all(s.identity is None and s.devices is None for s in sessions)
    assert {s.id: s.active for s in sessions} == {**dict.fromkeys(active_ids, True), inactive: False}

    step("list_sessions (active=true, page_size=1)")
    sessions, status, headers = api.list_sessions(
        active=True, page_size=1, _return_http_data_only=False, _check_return_type=False
    )
    assert [s.active for s in sessions] == [True], sessions
    token = links(headers)["next"]["page_token"][0]
    step("list_sessions (page_token)")
    rest = api.list_sessions(active=True, page_size=1, page_token=token, _check_return_type=False)
    assert sorted([sessions[0].id, *(s.id for s in rest)]) == active_ids

    step("get_session")
    session = api.get_session(active_ids[0], _check_return_type=False)
    assert isinstance(session, Session)
    assert session.id == active_ids[0]
    assert session.active is True
    assert session.identity is None and session.devices == []
    assert session.authenticator_assurance_level == "aal1"
    assert session.expires_at > session.authenticated_at  # RFC 3339 UTC strings sort as times
    assert [m["method"] for m in session.authentication_methods] == ["password"]

    step("get_session (404)")
    expect_error(404, api.get_session, UNKNOWN_ID)

    step("list_identity_sessions (per_page/page)")
    mine = api.list_identity_sessions(owner, per_page=10, page=1)  # 0-based: page 1 of 10 is past the end
    assert mine == []
    step("list_identity_sessions")
    mine = api.list_identity_sessions(owner, per_page=10)
    assert sorted(s.id for s in mine) == sorted([*active_ids, inactive])
    assert all(isinstance(s, Session) and s.identity.id == owner for s in mine)  # always expanded
    assert {s.id: s.active for s in mine} == {**dict.fromkeys(active_ids, True), inactive: False}
    step("list_identity_sessions (active=false)")
    assert [s.id for s in api.list_identity_sessions(owner, active=False)] == [inactive]

    step("extend_session")
    extended = api.extend_session(active_ids[0])
    assert isinstance(extended, Session) and extended.identity.id == owner  # extend embeds the identity
    assert extended.id == active_ids[0]
    assert extended.expires_at >= datetime.fromisoformat(session.expires_at.replace("Z", "+00:00"))

    step("disable_session")
    assert api.disable_session(active_ids[0]) is None
    assert api.get_session(active_ids[0], _check_return_type=False).active is False

    step("delete_identity_sessions")
    assert api.delete_identity_sessions(owner) is None
    step("list_identity_sessions (none left)")
    assert api.list_identity_sessions(owner) == []
    step("delete_identity_sessions (404: none left)")
    expect_error(404, api.delete_identity_sessions, owner)

    # --- delete -----------------------------------------------------------------------------
    step("delete_identity")
    assert api.delete_identity(ada.id) is None
    step("get_identity (deleted)")
    expect_error(404, api.get_identity, ada.id)
    step("delete_identity (404)")
    expect_error(404, api.delete_identity, ada.id)

    # --- a known limit of the 1.0 SDK, not of the mock ----------------------------------------
    # Since v1.1 Kratos lists "code" credentials for schemas with a code identifier (the mock's
    # bundled "default" schema has one); the 1.0 SDK's IdentityCredentialsType enum predates it.
    step("create_identity (default schema: the 1.0 SDK rejects the 'code' credential type)")
    try:
        api.create_identity(
            create_identity_body=CreateIdentityBody(schema_id="default", traits={"email": "code@example.com"})
        )
    except ApiValueError as exc:
        assert "(code)" in str(exc), exc
    else:
        raise AssertionError("the 1.0 SDK accepted a 'code' credential")

    print(f"OK {calls} operations")


if __name__ == "__main__":
    main(sys.argv[1], json.loads(sys.argv[2]))
