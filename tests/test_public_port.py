"""``--public-port``: the public API on a second port, as Kratos v26.2.0 serves it (cmd/daemon/serve.go
ServeAll: servePublic beside serveAdmin), over real sockets. The first port keeps serving everything."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from mockserver import create_app
from mockserver.app import Settings
from mockserver.cli import build_parser, main
from mockserver.server import BackgroundServer

PASSWORD = "correct horse battery staple"
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def two_ports() -> Iterator[BackgroundServer]:
    def build(url: str, public_url: str) -> object:
        return create_app(seed=3, settings=Settings(base_url=url, public_url=public_url), config={"dev": True})

    srv = BackgroundServer(build, public_port=0).start()
    yield srv
    srv.stop()


@pytest.fixture
def server(two_ports: BackgroundServer) -> BackgroundServer:
    two_ports.app.store.reset()
    return two_ports


def test_public_port_serves_the_frontend_with_its_own_urls(server: BackgroundServer) -> None:
    """Flows, schema_url and the CSRF cookie name come from the public URL (config.SelfPublicURL)."""
    assert server.public_url and server.public_url != server.url
    seeded = {
        "schema_id": "default",
        "traits": {"email": "ada@example.com"},
        "credentials": {"password": {"config": {"password": PASSWORD}}},
    }
    created = httpx.post(f"{server.url}/admin/identities", json=seeded)
    assert created.status_code == 201
    assert created.json()["schema_url"] == f"{server.public_url}/schemas/ZGVmYXVsdA"
    flow = httpx.get(f"{server.public_url}/self-service/login/api").json()
    assert flow["ui"]["action"] == f"{server.public_url}/self-service/login?flow={flow['id']}"
    body = {"method": "password", "identifier": "ada@example.com", "password": PASSWORD}
    done = httpx.post(f"{server.public_url}/self-service/login", params={"flow": flow["id"]}, json=body)
    assert done.status_code == 200, done.text
    token = done.json()["session_token"]
    me = httpx.get(f"{server.public_url}/sessions/whoami", headers={"X-Session-Token": token})
    assert me.json()["identity"]["id"] == created.json()["id"]
    # the same store behind both ports
    assert httpx.get(f"{server.url}/admin/sessions/{me.json()['id']}").json()["active"] is True

    with httpx.Client(base_url=server.public_url, headers=JSON) as browser:
        assert browser.get("/self-service/login/browser").status_code == 200
        expected = "csrf_token_" + hashlib.sha256(f"{server.public_url}/".encode()).hexdigest()
        assert expected in browser.cookies


@pytest.mark.parametrize(
    ("method", "path", "target"),
    [
        ("GET", "/admin/identities?page_size=2", "/admin/identities?page_size=2"),
        ("GET", "/identities/abc", "/admin/identities/abc"),
        ("POST", "/admin/identities", "/admin/identities"),
        ("PATCH", "/identities/abc", "/admin/identities/abc"),
        ("DELETE", "/identities/abc/sessions", "/admin/identities/abc/sessions"),
        ("POST", "/recovery/link", "/admin/recovery/link"),
    ],
)
def test_identity_admin_routes_redirect_to_the_admin_port(
    server: BackgroundServer, method: str, path: str, target: str
) -> None:
    """identity/handler.go RegisterPublicRoutes with x/redir RedirectToPublicRoute's twin,
    RedirectToAdminRoute: 307 to the admin URL, path under /admin, query kept."""
    answer = httpx.request(method, f"{server.public_url}{path}")
    assert answer.status_code == 307
    assert answer.headers["location"] == f"{server.url}{target}"
    assert answer.text == (f'<a href="{server.url}{target}">Temporary Redirect</a>.\n\n' if method == "GET" else "")


@pytest.mark.parametrize(
    "path", ["/admin/sessions", "/admin/identities/abc/sessions", "/version", "/metrics/prometheus", "/__mock__/health"]
)
def test_admin_only_routes_are_404_on_the_public_port(server: BackgroundServer, path: str) -> None:
    """The public router has no admin sessions, version, metrics (serveAdmin only) or control plane."""
    answer = httpx.get(f"{server.public_url}{path}")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == 404


def test_health_and_schemas_on_both_ports(server: BackgroundServer) -> None:
    """healthx SetHealthRoutes on both routers; /schemas is a public route (schema/handler.go)."""
    for base in (server.url, server.public_url):
        assert httpx.get(f"{base}/health/ready").json() == {"status": "ok"}
        assert httpx.get(f"{base}/schemas/ZGVmYXVsdA").status_code == 200


def test_the_first_port_still_serves_the_public_routes(server: BackgroundServer) -> None:
    """Existing users call one port: whoami and the flows stay there."""
    assert httpx.get(f"{server.url}/sessions/whoami").status_code == 401
    assert httpx.get(f"{server.url}/self-service/login/api").status_code == 200


def test_public_port_environment_default() -> None:
    assert build_parser({"KRATOS_MOCK_PUBLIC_PORT": "4433"}).parse_args(["run"]).public_port == 4433
    assert build_parser({}).parse_args(["run"]).public_port is None
    with pytest.raises(SystemExit, match="KRATOS_MOCK_PUBLIC_PORT must be between"):
        build_parser({"KRATOS_MOCK_PUBLIC_PORT": "70000"})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_run_with_a_public_port() -> None:
    """``kratos-mock run --public-port``: admin on one port, public on the other, one store."""
    admin, public = _free_port(), _free_port()
    env = {**os.environ, "KRATOS_MOCK_SEED": "5"}
    argv = [sys.executable, "-m", "mockserver", "run", "--port", str(admin), "--public-port", str(public)]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        started = time.monotonic()
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{public}/health/alive", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() - started < 15, "the mock did not become ready"
                time.sleep(0.02)
        flow = httpx.get(f"http://127.0.0.1:{public}/self-service/registration/api").json()
        assert flow["ui"]["action"].startswith(f"http://127.0.0.1:{public}/self-service/registration?flow=")
        body = {"method": "password", "traits": {"email": "cli@example.com"}, "password": PASSWORD}
        url = f"http://127.0.0.1:{public}/self-service/registration"
        registered = httpx.post(url, params={"flow": flow["id"]}, json=body)
        assert registered.status_code == 200, registered.text
        query = {"credentials_identifier": "cli@example.com"}
        found = httpx.get(f"http://127.0.0.1:{admin}/admin/identities", params=query)
        assert [i["id"] for i in found.json()] == [registered.json()["identity"]["id"]]
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert f"and the public API on http://127.0.0.1:{public}" in err


def test_public_port_in_use_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    """Both ports are bound before anything starts; the first is released when the second fails."""
    port = _free_port()
    assert main(["run", "--port", str(port), "--public-port", str(port)], env={}) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))  # the admin socket was closed
