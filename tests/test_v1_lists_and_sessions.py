"""Kratos v1.0.0 and v1.1.0: pagination, sessions, recovery, schemas and the admin port, one test per
behaviour, each citing the Go code at the tag (ory/x v0.0.562 for v1.0, v0.0.614 for v1.1)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from mockserver import generations
from mockserver.pagination import offset_token
from mockserver.store import SessionSeed

from .conftest import assert_error
from .test_v1_identities import V1, create, serve
from .v1_helpers import seed_second_factors

NIL = "00000000-0000-0000-0000-000000000000"


def rels(header: str) -> dict[str, dict[str, list[str]]]:
    out = {}
    for part in header.split(","):
        url, _, rel = part.partition(";")
        out[rel.split("=")[-1].strip().strip('"')] = parse_qs(urlsplit(url.strip().strip("<>")).query)
    return out


def five(client: TestClient) -> list[str]:
    return sorted(create(client, f"u{n}@example.com")["id"] for n in range(5))


# --- identities -------------------------------------------------------------------------------


def test_v1_0_lists_identities_by_id_descending_in_0_based_pages() -> None:
    """identity/handler.go list and persister ListIdentities @v1.0.0: x.ParsePagination, ORDER BY
    id DESC, Paginate(page+1, per_page); X-Total-Count and migration links on SelfAdminURL."""
    _, client = serve("v1.0")
    ids = five(client)[::-1]
    first = client.get("/admin/identities", params={"per_page": 2})
    assert [i["id"] for i in first.json()] == ids[:2]
    assert [i["id"] for i in client.get("/admin/identities", params={"per_page": 2, "page": 0}).json()] == ids[:2]
    second = client.get("/admin/identities", params={"per_page": 2, "page": 1, "credentials_identifier": ""})
    assert [i["id"] for i in second.json()] == ids[2:4]
    assert second.headers["x-total-count"] == "5"
    links = rels(second.headers["link"])
    assert second.headers["link"].startswith("<http://127.0.0.1:4434/identities?")  # not the request URL
    assert {r: q["page"][0] for r, q in links.items()} == {"first": "0", "next": "2", "prev": "0", "last": "2"}
    assert links["next"]["page_token"] == [offset_token(4)] and links["next"]["page_size"] == ["2"]
    # never a 400: unparsable means the default, per_page is clamped to [1, 1000], page < 0 is 0
    assert len(client.get("/admin/identities", params={"page": "x", "per_page": "y"}).json()) == 5
    assert [i["id"] for i in client.get("/admin/identities", params={"page": -3, "per_page": 0}).json()] == ids[:1]
    assert len(client.get("/admin/identities", params={"per_page": 5000}).json()) == 5
    # the token dialect of the same paginator
    token = client.get("/admin/identities", params={"page_size": 2, "page_token": offset_token(2)})
    assert [i["id"] for i in token.json()] == ids[2:4]


def test_v1_0_credentials_identifier_finds_one_password_or_webauthn_identity() -> None:
    """persister ListIdentities @v1.0.0: password/webauthn identifiers only, LIMIT 1, credentials
    without config; X-Total-Count is the result's length."""
    _, client = serve("v1.0")
    oidc = {"oidc": {"config": {"providers": [{"provider": "google", "subject": "42"}]}}}
    ada = create(client, "ada@example.com", credentials=oidc)
    found = client.get("/admin/identities", params={"credentials_identifier": " ADA@example.com"})
    assert [i["id"] for i in found.json()] == [ada["id"]] and found.headers["x-total-count"] == "1"
    assert set(found.json()[0]["credentials"]) == {"password", "oidc"}
    assert "config" not in found.json()[0]["credentials"]["password"]
    assert client.get("/admin/identities", params={"credentials_identifier": "google:42"}).json() == []


def test_v1_1_lists_identities_by_keyset_unless_page_is_sent() -> None:
    """x.ParseKeysetOrPagePagination @v1.1.0: keyset (ids ascending, the last id as token, no
    maximum size, token unchecked) unless page is sent; per_page alone becomes page_size."""
    app, client = serve("v1.1")
    ids = five(client)
    keyset = client.get("/admin/identities", params={"page_size": 2})
    assert [i["id"] for i in keyset.json()] == ids[:2] and "x-total-count" not in keyset.headers
    links = rels(keyset.headers["link"])
    assert links["first"]["page_token"] == [NIL] and links["next"]["page_token"] == [ids[1]]
    renamed = client.get("/admin/identities", params={"per_page": 2, "page_token": ids[1]})
    assert [i["id"] for i in renamed.json()] == ids[2:4]
    assert "per_page" not in renamed.headers["link"] and "page_size=2" in renamed.headers["link"]
    assert client.get("/admin/identities", params={"page_token": "zzz"}).json() == []  # string compare
    assert len(client.get("/admin/identities", params={"page_size": 600}).json()) == 5
    bad = client.get("/admin/identities", params={"page_size": "abc"})
    assert_error(bad, 400, reason='strconv.Atoi: parsing "abc": invalid syntax')
    offset = client.get("/admin/identities", params={"page": 1, "per_page": 2})
    assert [i["id"] for i in offset.json()] == ids[2:4] and offset.headers["x-total-count"] == "5"
    assert offset.headers["link"].startswith("</admin/identities?")  # the request URL
    assert_error(client.get("/admin/identities", params={"page": 3, "per_page": 400}), 400, reason="Legacy pagination")
    assert client.get("/admin/identities", params={"page": 2, "per_page": 501}).json() == []  # clamped to 500: 1000
    picked = client.get("/admin/identities", params=[("ids", ids[3]), ("ids", ids[0]), ("ids", "nope")])
    assert [i["id"] for i in picked.json()] == [ids[0], ids[3]]
    similar = client.get("/admin/identities", params={"preview_credentials_identifier_similar": "2@EXAMPLE"})
    assert [i["traits"]["email"] for i in similar.json()] == ["u2@example.com"]
    assert len(app.store) == 5


# --- sessions: session/handler.go, persistence/sql/persister_session.go -----------------------------


def _sessions(app: Any, owner: str) -> tuple[list[str], str]:
    store = app.store
    active = [
        store.create_session(owner, SessionSeed(authenticated_at=store.clock.now() - timedelta(hours=h))).id
        for h in (3, 1)
    ]
    inactive = store.create_session(owner, SessionSeed(active=False)).id
    return active, inactive


@pytest.mark.parametrize("api", V1)
def test_session_lists_carry_x_total_count(api: str) -> None:
    """adminListSessions @v1.x sets x-total-count (v26.2 does not); v1.0 pages by session id with a
    StringPageToken and writes first and next as two Link fields (keysetpagination.Header)."""
    app, client = serve(api)
    owner = create(client, "a@example.com")["id"]
    active, inactive = _sessions(app, owner)
    listed = client.get("/admin/sessions", params={"page_size": 1, "active": "true"})
    assert listed.headers["x-total-count"] == "2"
    links = listed.headers.get_list("link")
    if api == "v1.0":
        assert [s["id"] for s in listed.json()] == sorted(active)[:1]
        assert len(links) == 2 and rels(links[1])["next"]["page_token"] == sorted(active)[:1]
        rest = client.get("/admin/sessions", params={"page_size": 1, "active": "true", "page_token": sorted(active)[0]})
        assert [s["id"] for s in rest.json()] == sorted(active)[1:]
    else:
        assert len(links) == 1 and "next" in rels(links[0])
    assert client.get("/admin/sessions").headers["x-total-count"] == "3"
    assert inactive not in [s["id"] for s in client.get("/admin/sessions", params={"active": "true"}).json()]


@pytest.mark.parametrize("api", V1)
def test_identity_sessions_pages_start_at_one_and_follow_authenticated_at(api: str) -> None:
    """ListSessionsByIdentity @v1.x: ORDER BY authenticated_at DESC, pop's Paginate(page,
    per_page) (page 0 and 1 are the first page); links on SelfAdminURL/sessions (v1.0, page links)
    or the request URL (v1.1, migration links)."""
    app, client = serve(api)
    owner = create(client, "a@example.com")["id"]
    active, inactive = _sessions(app, owner)
    url = f"/admin/identities/{owner}/sessions"
    order = [inactive, active[1], active[0]]  # authenticated now, 1 h ago, 3 h ago
    for page in ("0", "1"):
        response = client.get(url, params={"per_page": 2, "page": page})
        assert [s["id"] for s in response.json()] == order[:2] and response.headers["x-total-count"] == "3"
    assert [s["id"] for s in client.get(url, params={"per_page": 2, "page": 2}).json()] == order[2:]
    link = client.get(url, params={"per_page": 2}).headers["link"]
    if api == "v1.0":
        assert link.startswith("<http://127.0.0.1:4434/sessions?") and "page_token" not in link
    else:
        assert link.startswith(f"<{url}?") and "page_token" in link


@pytest.mark.parametrize("api", V1)
def test_extend_answers_the_session_as_loaded_without_identity(api: str) -> None:
    """adminSessionExtend @v1.x: GetSession(ExpandNothing), Refresh, 200 with identity null and
    devices [] (v26.2 embeds the identity)."""
    app, client = serve(api)
    owner = create(client, "a@example.com")["id"]
    session = app.store.create_session(owner, SessionSeed(expires_at=app.store.clock.now() + timedelta(minutes=5)))
    response = client.patch(f"/admin/sessions/{session.id}/extend")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["identity"], body["devices"], body["active"]) == (None, [], True)
    assert app.store.get_session(session.id).expires_at == app.store.clock.now() + app.store.session_lifespan
    assert_error(client.patch("/admin/sessions/00000000-0000-4000-8000-000000000000/extend"), 404)


# --- the admin port, recovery, schemas -------------------------------------------------------


@pytest.mark.parametrize("api", V1)
def test_unprefixed_admin_paths_redirect_to_admin(api: str) -> None:
    """x/http_redirect_admin.go RedirectAdminMiddleware: 307 to path.Join("/admin", path)."""
    _, client = serve(api)
    response = client.get("/identities/?per_page=2", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/admin/identities?per_page=2"
    assert response.text == '<a href="/admin/identities?per_page=2">Temporary Redirect</a>.\n\n'
    posted = client.post("/recovery/link", json={}, follow_redirects=False)
    assert (posted.status_code, posted.headers["location"], posted.content) == (307, "/admin/recovery/link", b"")
    assert client.get("/identities", follow_redirects=True).json() == []
    assert client.get("/schemas").status_code == 200  # public routes are served as they are


@pytest.mark.parametrize("api", V1)
def test_recovery_codes_know_no_flow_type(api: str) -> None:
    """createRecoveryCodeForIdentity @v1.x decodes with decoderx: flow_type is not a field."""
    _, client = serve(api)
    owner = create(client, "a@example.com")["id"]
    response = client.post("/admin/recovery/code", json={"identity_id": owner, "flow_type": "nonsense"})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("api", V1)
def test_schema_pages_past_the_end_are_null_and_ids_fall_back_to_base64(api: str) -> None:
    """schema/handler.go getAll (a nil slice past the end) and getIdentitySchema (an unknown id is
    retried base64url-decoded; the 404 names the decoded id) @v1.x."""
    _, client = serve(api)
    past = client.get("/schemas", params={"page": 1})
    assert past.status_code == 200 and past.json() is None and past.headers["x-total-count"] == "1"
    assert client.get("/schemas/ZGVmYXVsdA").json() == client.get("/schemas/default").json()
    assert_error(client.get("/schemas/bm9wZQ"), 404, reason="Identity schema `nope` could not be found.")


@pytest.mark.parametrize("api", V1)
def test_default_fixtures_are_the_quickstart_email_password_schema(api: str) -> None:
    """contrib/quickstart/kratos/email-password/identity.schema.json at v1.0.0 and v1.1.0."""
    assert generations.get(api).default_fixtures == f"default-{api}.yaml"
    _, client = serve(api)
    [schema] = client.get("/schemas").json()
    email = schema["schema"]["properties"]["traits"]["properties"]["email"]
    assert schema["id"] == "default" and email["ory.sh/kratos"]["credentials"] == {"password": {"identifier": True}}


def test_v1_0_documents_a_credential_type_enum_that_kratos_does_not_apply() -> None:
    """The v1.0 spec lists totp, webauthn and lookup; Kratos looks the type up among the stored
    credentials (deleteIdentityCredentials @v1.0.0): lookup_secret goes, password is Kratos' 400."""
    app, client = serve("v1.0")
    mfa = seed_second_factors(app.store)
    assert client.delete(f"/admin/identities/{mfa}/credentials/lookup_secret").status_code == 204
    assert_error(client.delete(f"/admin/identities/{mfa}/credentials/lookup"), 404)
    assert_error(client.delete(f"/admin/identities/{mfa}/credentials/password"), 400, reason="first factor")
