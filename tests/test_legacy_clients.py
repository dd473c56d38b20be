"""Two old official SDK generations, unchanged, against the mock over a real socket.

* ``ory-kratos-client==1.0.0`` (Python, the ``ory_kratos_client.model`` style of seed 004) against
  the mock serving Kratos v1.0 (``--api v1.0``) with its default fixtures. The venv pins 25.4.0,
  so 1.0.0 is installed once per session into a directory of its own and the client script runs
  in a subprocess with only that directory on ``PYTHONPATH``.
* ``@ory/kratos-client@1.1.0`` (npm, the axios ``IdentityApi`` generated from the Kratos v1.1.0
  spec, as the Rust crate of seed 000 is) against the mock serving Kratos v1.1 (``--api v1.1``)
  with its default fixtures, from a Node script.
* ``@ory/kratos-client@0.6.3-alpha.1`` (npm, the axios ``AdminApi`` of seed 002) against the
  mock serving the legacy v0.6 generation, from a Node script.

The scripts live in ``tests/clients/``; each asserts every result and ends with ``OK <n>
operations``. Without a package registry (or without node/npm) the tests skip, saying why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import create_app, generations
from mockserver.app import Settings
from mockserver.server import BackgroundServer
from mockserver.spec import bundled
from mockserver.store import SessionSeed, Store

from .v1_helpers import seed_second_factors

CLIENTS = Path(__file__).parent / "clients"
PYTHON_SDK = "ory-kratos-client==1.0.0"
NPM_SDK = "@ory/kratos-client@0.6.3-alpha.1"
NPM_SDK_1_1 = "@ory/kratos-client@1.1.0"
INSTALL_TIMEOUT = 300
RUN_TIMEOUT = 120

OWNER = "0b7a3c52-5f1e-4d6a-9c2b-3e4f5a6b7c8d"
FLOWS = {
    "login": "5b9a2f6e-0c1d-4e2f-8a3b-4c5d6e7f8091",
    "registration": "5b9a2f6e-0c1d-4e2f-8a3b-4c5d6e7f8092",
    "recovery": "5b9a2f6e-0c1d-4e2f-8a3b-4c5d6e7f8093",
    "settings": "5b9a2f6e-0c1d-4e2f-8a3b-4c5d6e7f8094",
    "verification": "5b9a2f6e-0c1d-4e2f-8a3b-4c5d6e7f8095",
}
EXPIRED_RECOVERY = "6c0b3a7f-1d2e-4f30-9b4c-5d6e7f8091a2"
ERROR_ID = "7d1c4b80-2e3f-4a41-8c5d-6e7f8091a2b3"
OWNER_IDENTITY = {"id": OWNER, "schema_id": "default", "traits": {"email": "owner@example.com"}}
CURRENT_ONLY_KEYS = {"state", "state_changed_at", "credentials", "metadata_public", "metadata_admin", "external_id"}


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _install_error(stderr: str) -> str:
    """The telling lines of a failed pip/npm install (``ERROR: ...``, ``npm error code ...``)."""
    telling = [line for line in stderr.splitlines() if line.startswith(("ERROR:", "npm error code", "npm ERR! code"))]
    return " | ".join(telling[:3]) or _tail(stderr, 3)


def _run(argv: list[str], *, timeout: float, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env, check=False)


def _assert_ok(result: subprocess.CompletedProcess[str], minimum: int) -> int:
    """Exit status 0 and a last line ``OK <n> operations`` with at least ``minimum`` operations."""
    assert result.returncode == 0, f"client failed:\n{_tail(result.stdout)}\n{_tail(result.stderr, 40)}"
    last = result.stdout.strip().splitlines()[-1]
    word, count, unit = last.split()
    assert (word, unit) == ("OK", "operations"), last
    assert int(count) >= minimum, last
    return int(count)


# --- session-scoped installs ------------------------------------------------------------------


@pytest.fixture(scope="session")
def kratos_v1_sdk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding ory-kratos-client 1.0.0 and its dependencies (not the venv's 25.4.0)."""
    target = tmp_path_factory.mktemp("ory-kratos-client-1.0.0")
    argv = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--retries=1"]
    try:
        result = _run([*argv, "--target", str(target), PYTHON_SDK], timeout=INSTALL_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.skip(f"pip install {PYTHON_SDK} took over {INSTALL_TIMEOUT}s (no package registry?)")
    if result.returncode != 0 or not (target / "ory_kratos_client").is_dir():
        pytest.skip(f"cannot pip install {PYTHON_SDK} (no package registry?): {_install_error(result.stderr)}")
    return target


def _npm_install(tmp_path_factory: pytest.TempPathFactory, package: str, name: str = "@ory/kratos-client") -> Path:
    """``node_modules`` holding ``package`` (one version of ``name``: @ory/kratos-client and its axios,
    or @ory/client-fetch), or a skip saying why it cannot be had."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not on PATH: cannot run the npm SDK")
    prefix = tmp_path_factory.mktemp("kratos-client-npm")
    argv = [shutil.which("npm") or "npm", "install", "--prefix", str(prefix)]
    flags = ["--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error", "--fetch-retries=1"]
    try:
        result = _run([*argv, *flags, package], timeout=INSTALL_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.skip(f"npm install {package} took over {INSTALL_TIMEOUT}s (no npm registry?)")
    modules = prefix / "node_modules"
    if result.returncode != 0 or not (modules / name / "dist" / "index.js").is_file():
        pytest.skip(f"cannot npm install {package} (no npm registry?): {_install_error(result.stderr)}")
    return modules


@pytest.fixture(scope="session")
def kratos_v06_node_modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _npm_install(tmp_path_factory, NPM_SDK)


@pytest.fixture(scope="session")
def kratos_v1_1_node_modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _npm_install(tmp_path_factory, NPM_SDK_1_1)


# --- servers ----------------------------------------------------------------------------------


def _v1_server(api: str) -> BackgroundServer:
    """``kratos-mock run --api <api>`` with no --fixtures (the release's quickstart schema), plus
    the owner of the seeded sessions."""
    fixtures = [bundled("fixtures", generations.get(api).default_fixtures), {"identities": [OWNER_IDENTITY]}]
    return BackgroundServer(
        lambda url: create_app(seed=3, api=api, settings=Settings(base_url=url), fixtures=fixtures)
    ).start()


@pytest.fixture
def v1_0_server() -> Iterator[BackgroundServer]:
    server = _v1_server("v1.0")
    yield server
    server.stop()


@pytest.fixture
def v1_1_server() -> Iterator[BackgroundServer]:
    server = _v1_server("v1.1")
    yield server
    server.stop()


def _seed_v1(store: Store) -> dict[str, Any]:
    """Sessions and second-factor credentials, which the admin API cannot create."""
    sessions = [store.create_session(OWNER).id for _ in range(2)]
    inactive = store.create_session(OWNER, SessionSeed(active=False)).id
    mfa = seed_second_factors(store)
    return {"identity": OWNER, "sessions": sessions, "inactive_session": inactive, "mfa_identity": mfa}


@pytest.fixture
def legacy_server() -> Iterator[BackgroundServer]:
    fixture = {
        "flows": [
            *({"kind": kind, "id": flow_id} for kind, flow_id in FLOWS.items()),
            {"kind": "recovery", "id": EXPIRED_RECOVERY, "expires_at": "2020-01-01T00:00:00Z"},
        ],
        "errors": [{"id": ERROR_ID, "errors": [{"code": 400, "message": "x"}]}],
    }
    server = BackgroundServer(
        lambda url: create_app(seed=3, api="v0.6", settings=Settings(base_url=url), fixtures=[fixture])
    ).start()
    yield server
    server.stop()


# --- the SDKs ---------------------------------------------------------------------------------


def test_python_sdk_1_0_0_against_the_v1_0_api(kratos_v1_sdk: Path, v1_0_server: BackgroundServer) -> None:
    store = v1_0_server.app.store
    seed = _seed_v1(store)
    env = {**os.environ, "PYTHONPATH": str(kratos_v1_sdk), "PYTHONNOUSERSITE": "1"}
    script = str(CLIENTS / "kratos_v1_client.py")
    result = _run([sys.executable, script, v1_0_server.url, json.dumps(seed)], timeout=RUN_TIMEOUT, env=env)
    _assert_ok(result, minimum=57)
    # what the SDK did is what the server saw: the state it left behind
    emails = sorted(i.traits.get("email", "") for i in store.identities())
    assert emails == [
        "grace@example.com",
        "mfa@example.com",
        "owner@example.com",
        "user0@example.com",
        "user1@example.com",
        "user2@example.com",
        "user3@example.com",
    ]
    assert all(set(i.credentials) <= {"password", "lookup_secret", "webauthn"} for i in store.identities())
    assert store.list_identity_sessions(OWNER) == []


def test_npm_sdk_1_1_0_against_the_v1_1_api(kratos_v1_1_node_modules: Path, v1_1_server: BackgroundServer) -> None:
    """Seed 000's operations (the Rust crate 1.1.0 is generated from the same v1.1.0 spec)."""
    store = v1_1_server.app.store
    seed = _seed_v1(store)
    env = {**os.environ, "NODE_PATH": str(kratos_v1_1_node_modules)}
    script = str(CLIENTS / "kratos_v1_1_identity_api.js")
    node = shutil.which("node") or "node"
    result = _run([node, script, v1_1_server.url, json.dumps(seed)], timeout=RUN_TIMEOUT, env=env)
    _assert_ok(result, minimum=64)
    emails = sorted(i.traits.get("email", "") for i in store.identities())
    assert emails == [
        "grace@example.com",
        "mfa@example.com",
        "owner@example.com",
        "user0@example.com",
        "user1@example.com",
        "user2@example.com",
        "user3@example.com",
    ]
    assert store.list_identity_sessions(OWNER) == []


def test_npm_sdk_0_6_3_against_the_legacy_api(kratos_v06_node_modules: Path, legacy_server: BackgroundServer) -> None:
    seed = {"flows": FLOWS, "expired_recovery": EXPIRED_RECOVERY, "error": ERROR_ID}
    env = {**os.environ, "NODE_PATH": str(kratos_v06_node_modules)}
    script = str(CLIENTS / "kratos_v06_admin_api.js")
    node = shutil.which("node") or "node"
    result = _run([node, script, legacy_server.url, json.dumps(seed)], timeout=RUN_TIMEOUT, env=env)
    _assert_ok(result, minimum=45)
    assert len(list(legacy_server.app.store.identities())) == 4  # five created, one deleted


# --- the legacy wire format, in process ---------------------------------------------------------


def test_legacy_identity_json_and_descending_pages() -> None:
    with TestClient(create_app(seed=1, api="v0.6")) as client:
        created = []
        for n in range(5):
            response = client.post(
                "/identities", json={"schema_id": "default", "traits": {"email": f"u{n}@example.com"}}
            )
            assert response.status_code == 201, response.text
            created.append(response.json())
        for identity in [*created, client.get(f"/identities/{created[0]['id']}").json()]:
            assert not CURRENT_ONLY_KEYS & identity.keys(), identity
            assert {"id", "schema_id", "schema_url", "traits", "created_at", "updated_at"} <= identity.keys()

        descending = sorted((i["id"] for i in created), reverse=True)
        listed = client.get("/identities")
        assert listed.status_code == 200
        assert [i["id"] for i in listed.json()] == descending
        assert all(not CURRENT_ONLY_KEYS & i.keys() for i in listed.json())
        assert "x-total-count" not in listed.headers

        pages = {
            p: [i["id"] for i in client.get("/identities", params={"per_page": 2, "page": p}).json()] for p in range(4)
        }
        assert pages == {0: descending[:2], 1: descending[:2], 2: descending[2:4], 3: descending[4:]}

        assert client.get("/admin/identities").status_code == 404  # no /admin prefix in v0.6
