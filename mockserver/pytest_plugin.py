"""The pytest plugin (entry point ``pytest11``): one mock per session (per xdist worker), restored
to its seeded snapshot before every test.

Fixtures:

* ``kratos_mock`` (function): a ``KratosMock`` handle on a socket server (``.url`` for SDKs).
* ``kratos_mock_app`` (function): the same mock as an ASGI app, for in-process clients (httpx's
  ``ASGITransport``, starlette's ``TestClient``): no socket; ``Location`` headers, ``schema_url``
  and recovery links follow the client's base URL (``http://testserver``).
* ``kratos_mock_server`` (session): the socket server (uvicorn on a thread, port 0).
* ``kratos_mock_settings`` (session): the ``create_app`` options (``fixtures``, ``seed``, ``api``,
  ``settings``, ``schemas``, ...), by default from ini and environment; override it in a
  ``conftest.py`` to configure the mock in Python.

Configuration: ini ``kratos_mock_fixtures`` (paths, one per line), ``kratos_mock_seed`` and
``kratos_mock_api`` (the API generation, default v26.2), or the environment ``KRATOS_MOCK_FIXTURES``
(os.pathsep-separated), ``KRATOS_MOCK_SEED`` and ``KRATOS_MOCK_API``; per test,
``@pytest.mark.kratos_mock(fixtures=[...], seed=..., require_token=..., faults=[...])``. Relative fixture paths
are relative to pytest's rootdir (``plugin_config.resolve``). Markers and configured fixtures are
checked before the first test runs: a mistake is one usage error, not an error per test.

Nothing heavy is imported until a test uses the mock, so the plugin costs nothing to other suites.
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Generator, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .plugin_config import MARKER_HELP, MarkerError, ini_options, marker_errors, marker_options, uses_the_mock

if TYPE_CHECKING:
    from .app import KratosMockApp
    from .clock import MockClock
    from .control import MockController, RequestJournal
    from .courier import Courier
    from .direct_login import LoggedIn
    from .faults import FaultTable
    from .models import Session
    from .server import BackgroundServer
    from .store import Store

_BUILT = pytest.StashKey[tuple[dict[str, Any], "KratosMockApp"]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("kratos_mock_fixtures", "fixture files loaded into the session's kratos-mock", type="linelist")
    parser.addini("kratos_mock_seed", "seed for kratos-mock IDs, tokens and codes (also freezes its clock)")
    parser.addini("kratos_mock_api", "the Kratos API generation kratos-mock serves (v26.2, v1.1, v1.0, v0.6)")
    parser.addini("kratos_mock_config", "your kratos.yml for kratos-mock's public API (env KRATOS_MOCK_CONFIG)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Under xdist the controller collects nothing, and an error raised in a worker is an internal
    error: check the configured fixtures here, once, before the workers start."""
    config = session.config
    if config.pluginmanager.has_plugin("dsession") and not _is_worker(config):
        options = ini_options(config)
        if options["fixtures"]:
            _session_app(config, options)


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    """In an xdist worker a bad marker fails the collection of its module (one error, then the
    run stops), since a usage error raised there would be an internal error."""
    report: pytest.CollectReport = yield
    if _is_worker(collector.config) and report.passed:
        errors = marker_errors([i for i in report.result if isinstance(i, pytest.Item)])
        if errors:
            report.outcome = "failed"
            report.longrepr = "kratos-mock: " + "\n".join(errors)
    return report


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every marker checked, and the configured fixtures loaded, before the first test runs."""
    if _is_worker(config):
        return
    errors = marker_errors(items)
    if errors:
        raise pytest.UsageError("kratos-mock: " + "\n".join(errors))
    if not config.option.collectonly and any(uses_the_mock(i) for i in items):
        _session_app(config, ini_options(config))


def _session_app(config: pytest.Config, options: Mapping[str, Any]) -> KratosMockApp:
    """The session's app for these ``create_app`` options (built once; errors are usage errors)."""
    built = config.stash.get(_BUILT, None)
    if built is not None and built[0] == options:
        return built[1]
    with warnings.catch_warnings():  # connexion's import-time deprecations are not the user's concern
        warnings.simplefilter("ignore", DeprecationWarning)
        from .app import Settings, create_app
        from .fixtures import FixtureError
        from .kratos_config import ConfigError
    kwargs = dict(options)
    settings = kwargs.pop("settings", None) or Settings()
    try:
        app = create_app(settings=replace(settings, follow_host=True), **kwargs)
    except (FixtureError, ConfigError) as error:
        raise pytest.UsageError(f"kratos-mock: {error}") from None
    except (TypeError, ValueError) as error:
        raise pytest.UsageError(f"kratos-mock: kratos_mock_settings: {error}") from None
    config.stash[_BUILT] = (dict(options), app)
    return app


class KratosMock:
    """What a test gets: the mock's URL, store, clock and journal, and a few verbs."""

    def __init__(self, app: KratosMockApp, url: str, server: BackgroundServer | None = None) -> None:
        self.app = app
        self.url = url
        self.server = server

    @property
    def store(self) -> Store:
        return self.app.store

    @property
    def controller(self) -> MockController:
        return self.app.controller

    @property
    def clock(self) -> MockClock:
        """``advance("25h")`` or ``advance(timedelta(...))``, ``set("2026-02-01T00:00:00Z")``, ``freeze()``."""
        return self.app.store.clock

    @property
    def courier(self) -> Courier:
        """The messages Kratos would have sent: ``courier.last(to="ada@example.com").code``."""
        from .courier import Courier

        return Courier(self.app.store)

    @property
    def requests(self) -> RequestJournal:
        """The request journal: ``.entries(operation_id)``, ``.assert_called(operation_id, times,
        json=..., headers=..., query=...)``, ``.assert_not_called``, ``.assert_all_called``."""
        return self.app.journal

    @property
    def faults(self) -> FaultTable:
        """Faults per operation: ``.add("getIdentity", status=503, times=2)``, ``.list()``,
        ``.clear()``, ``.assert_all_fired()`` (``POST /__mock__/faults``; cleared by ``reset``)."""
        return self.app.faults

    def load(self, fixture: str | Path | Mapping[str, Any]) -> dict[str, int]:
        """Load a fixture file or document for this test (undone by ``reset`` and after the test)."""
        return self.controller.load([fixture])

    def reset(self) -> int:
        """Back to this test's starting state: the session's fixtures plus the marker's fixtures
        and seed (also done after every test, then back to the session's state)."""
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


@pytest.fixture(scope="session")
def kratos_mock_settings(pytestconfig: pytest.Config) -> dict[str, Any]:
    """The ``create_app`` options of the session's mock: ``fixtures``, ``seed`` and ``api`` from ini
    and environment. Override it (session scope) in a ``conftest.py`` to configure the mock in
    Python, e.g. ``{**kratos_mock_settings, "settings": Settings(recovery_link_enabled=False)}``.
    The plugin serves with ``Settings(follow_host=True)``: URLs follow each request's base URL."""
    return ini_options(pytestconfig)


@pytest.fixture(scope="session")
def _kratos_mock_session_app(pytestconfig: pytest.Config, kratos_mock_settings: dict[str, Any]) -> KratosMockApp:
    return _session_app(pytestconfig, kratos_mock_settings)


@pytest.fixture(scope="session")
def kratos_mock_server(_kratos_mock_session_app: KratosMockApp) -> Iterator[BackgroundServer]:
    """The session's mock on a free port (one per xdist worker)."""
    from .server import BackgroundServer

    server = BackgroundServer(_kratos_mock_session_app).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def _kratos_mock_test(_kratos_mock_session_app: KratosMockApp, request: pytest.FixtureRequest) -> Iterator[None]:
    """The session's mock at its seeded snapshot plus this test's marker; back after the test."""
    from .faults import FaultError
    from .fixtures import FixtureError

    app = _kratos_mock_session_app
    controller = app.controller
    token = app.require_token
    fault_seed = app.faults.seed
    controller.reset()
    try:
        options = marker_options(request.node)
    except MarkerError as error:
        pytest.fail(f"kratos-mock: {error}", pytrace=False)
    try:
        if options is not None:
            try:
                controller.load(options.fixtures)
            except FixtureError as error:
                pytest.fail(f"kratos-mock: {request.node.nodeid}: {error}", pytrace=False)
            if options.seed is not None:
                controller.store.entropy.set_state(random.Random(options.seed).getstate())
                app.faults.reseed(options.seed)
            if options.sets_token:
                app.require_token = options.require_token
            problem: str | None = None
            try:
                for fault in options.faults:
                    app.faults.add(fault)
            except FaultError as error:  # an operation of another API than ini/environment name
                problem = f"kratos-mock: {request.node.nodeid}: faults=: {error}"
            if problem:
                pytest.fail(problem, pytrace=False)
        depth = controller.begin()  # what kratos_mock.reset() returns to
        try:
            yield
        finally:
            controller.end(depth)
    finally:
        app.require_token = token
        app.faults.reseed(fault_seed)
        controller.reset()


@pytest.fixture
def kratos_mock(kratos_mock_server: BackgroundServer, _kratos_mock_test: None) -> KratosMock:
    """The session's mock, restored to its seeded snapshot, with this test's marker applied."""
    return KratosMock(kratos_mock_server.app, kratos_mock_server.url, kratos_mock_server)


@pytest.fixture
def kratos_mock_app(_kratos_mock_session_app: KratosMockApp, _kratos_mock_test: None) -> KratosMockApp:
    """The mock as an ASGI app, for in-process clients: no socket; URLs follow the client's base URL."""
    return _kratos_mock_session_app
