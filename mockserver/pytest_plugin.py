"""The pytest plugin (entry point ``pytest11``): one mock server per session (per xdist worker),
restored to its seeded snapshot before every test.

Fixtures:

* ``kratos_mock`` (function): a ``KratosMock`` handle, state restored, marker applied.
* ``kratos_mock_server`` (session): the running server (uvicorn on a thread, port 0).
* ``kratos_mock_app`` (function): the ASGI app, for in-process clients (httpx, TestClient).

Configuration: ini ``kratos_mock_fixtures`` (paths, one per line), ``kratos_mock_seed`` and
``kratos_mock_api`` (the API generation, default v26.2), or the environment ``KRATOS_MOCK_FIXTURES``
(os.pathsep-separated), ``KRATOS_MOCK_SEED`` and ``KRATOS_MOCK_API``; per test,
``@pytest.mark.kratos_mock(fixtures=[...], seed=..., require_token=...)``. An older generation
without configured fixtures starts with its release's default fixtures (``--api`` in the CLI).

Nothing heavy is imported until a fixture is used, so the plugin costs nothing to other suites.
"""

from __future__ import annotations

import os
import random
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .app import KratosMockApp
    from .clock import MockClock
    from .control import MockController, RequestJournal
    from .direct_login import LoggedIn
    from .models import Session
    from .server import BackgroundServer
    from .store import Store

MARKER = "kratos_mock(fixtures=None, seed=None, require_token=None): per-test fixtures, seed and token for kratos_mock"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("kratos_mock_fixtures", "fixture files loaded into the session's kratos-mock", type="paths")
    parser.addini("kratos_mock_seed", "seed for kratos-mock IDs, tokens and codes (also freezes its clock)")
    parser.addini("kratos_mock_api", "the Kratos API generation kratos-mock serves (v26.2, v1.1, v1.0, v0.6)")
    parser.addini("kratos_mock_config", "your kratos.yml for kratos-mock's public API (env KRATOS_MOCK_CONFIG)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)


class KratosMock:
    """What a test gets: the mock's URL, store, clock and journal, and a few verbs."""

    def __init__(self, server: BackgroundServer) -> None:
        self.server = server
        self.app: KratosMockApp = server.app
        self.url: str = server.url

    @property
    def store(self) -> Store:
        return self.app.store

    @property
    def controller(self) -> MockController:
        return self.app.controller

    @property
    def clock(self) -> MockClock:
        return self.app.store.clock

    @property
    def requests(self) -> RequestJournal:
        """The request journal: ``.entries(operation_id)``, ``.assert_called(operation_id, times)``."""
        return self.app.journal

    def load(self, fixture: str | Path | Mapping[str, Any]) -> dict[str, int]:
        """Load a fixture file or document for this test (undone before the next test)."""
        return self.controller.load([fixture])

    def reset(self) -> int:
        """Back to the session's seeded state now (also done before and after every test)."""
        return self.controller.reset()

    def create_session(self, identity_id: str, **fields: Any) -> Session:
        """Seed a session for an identity, with the fields of ``POST /__mock__/sessions``
        (``authenticator_assurance_level`` or ``aal``, ``active``, ``devices``, ``expires_at``, ...)."""
        from .fixtures import FixtureError, parse_session_seed

        try:
            owner, seed = parse_session_seed(self.store, None, "session", {**fields, "identity": {"id": identity_id}})
        except FixtureError as error:
            raise ValueError(str(error)) from None
        return self.store.create_session(owner, seed)

    def login(self, identifier: str, *, aal: str = "aal1") -> LoggedIn:
        """Log a user in without the flow dance: a session (by identity id, identifier or address),
        its ``token`` and a ready ``cookie`` / ``headers`` (``{"Cookie": ...}``)."""
        from .direct_login import login

        return login(self.store, self.app.kratos_config, identifier, aal=aal)


def _settings_from(config: pytest.Config) -> tuple[list[Path | str], int | None]:
    fixtures: list[Path | str] = list(config.getini("kratos_mock_fixtures") or [])
    env = os.environ.get("KRATOS_MOCK_FIXTURES", "")
    fixtures += [p for p in env.split(os.pathsep) if p]
    seed_text = os.environ.get("KRATOS_MOCK_SEED") or config.getini("kratos_mock_seed") or None
    try:
        seed = int(seed_text) if seed_text is not None else None
    except ValueError:
        raise pytest.UsageError(f"kratos_mock_seed / KRATOS_MOCK_SEED must be an integer, got {seed_text!r}") from None
    return fixtures, seed


@pytest.fixture(scope="session")
def kratos_mock_server(pytestconfig: pytest.Config) -> Iterator[BackgroundServer]:
    """One mock per session (per xdist worker), on a free port, with the configured fixtures."""
    with warnings.catch_warnings():  # connexion's import-time deprecations are not the user's concern
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        warnings.simplefilter("ignore", DeprecationWarning)
        from . import generations
        from .app import Settings, create_app
        from .fixtures import FixtureError
        from .kratos_config import ConfigError
        from .server import BackgroundServer
        from .spec import bundled

    fixtures, seed = _settings_from(pytestconfig)
    api = os.environ.get("KRATOS_MOCK_API") or pytestconfig.getini("kratos_mock_api") or "v26.2"
    if api not in generations.NAMES:
        raise pytest.UsageError(f"kratos_mock_api / KRATOS_MOCK_API must be one of {', '.join(generations.NAMES)}")
    if not fixtures and api != "v26.2":
        fixtures = [bundled("fixtures", generations.get(api).default_fixtures)]

    def factory(url: str) -> KratosMockApp:
        try:
            kratos_yml = os.environ.get("KRATOS_MOCK_CONFIG") or pytestconfig.getini("kratos_mock_config") or None
            return create_app(seed=seed, fixtures=fixtures, settings=Settings(base_url=url), api=api, config=kratos_yml)
        except (FixtureError, ConfigError) as error:
            raise pytest.UsageError(f"kratos-mock: {error}") from None

    server = BackgroundServer(factory).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def kratos_mock(kratos_mock_server: BackgroundServer, request: pytest.FixtureRequest) -> Iterator[KratosMock]:
    """The session's mock, restored to its seeded snapshot, with this test's marker applied."""
    mock = KratosMock(kratos_mock_server)
    app = mock.app
    token = app.require_token
    mock.reset()
    marker = request.node.get_closest_marker("kratos_mock")
    if marker is not None:
        options = dict(marker.kwargs)
        for fixture in options.get("fixtures") or ():
            path = Path(fixture)
            mock.load(path if path.is_absolute() else Path(request.node.path).parent / path)
        if options.get("seed") is not None:
            mock.store.entropy.set_state(random.Random(options["seed"]).getstate())
        if "require_token" in options:
            app.require_token = options["require_token"]
    try:
        yield mock
    finally:
        app.require_token = token
        mock.reset()


@pytest.fixture
def kratos_mock_app(kratos_mock: KratosMock) -> KratosMockApp:
    """The ASGI app behind ``kratos_mock``, for clients that need no socket."""
    return kratos_mock.app
