"""The ``kratos-mock`` entry point (``mockserver.__main__``): the garbage collector is off while the
mock starts and on, with start-up's heap frozen, once it serves (#15, cold start)."""

from __future__ import annotations

import gc
import socket
from collections.abc import Iterator
from typing import Any

import pytest

import mockserver.cli
import mockserver.cli_fixtures
import mockserver.server
from mockserver import __main__ as entry
from mockserver.spec import bundled


@pytest.fixture(autouse=True)
def restore_gc() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


def test_the_server_starts_serving_with_the_collector_on_and_the_start_up_heap_frozen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, Any] = {}

    def serve(app: Any, sock: socket.socket, **options: Any) -> None:
        seen.update(enabled=gc.isenabled(), frozen=gc.get_freeze_count(), app=app)
        sock.close()

    monkeypatch.setattr(mockserver.server, "serve", serve)
    monkeypatch.setattr("sys.argv", ["kratos-mock", "run", "--port", "0"])
    gc.unfreeze()
    assert entry.main() == 0
    assert seen["enabled"] is True
    assert seen["frozen"] > 10_000  # modules, specs, connexion's operations: no longer traversed
    assert seen["app"].generation.name == "v26.2"


def test_commands_that_serve_nothing_run_with_the_collector_on(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    validate = mockserver.cli_fixtures.run_validate

    def watched(*args: Any) -> int:
        seen.append(gc.isenabled())
        return validate(*args)

    monkeypatch.setattr(mockserver.cli_fixtures, "run_validate", watched)
    monkeypatch.setattr("sys.argv", ["kratos-mock", "fixtures", "validate", str(bundled("fixtures", "default.yaml"))])
    gc.unfreeze()
    assert entry.main() == 0
    assert seen == [True] and gc.get_freeze_count() == 0


def test_a_start_that_fails_leaves_the_collector_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        monkeypatch.setattr("sys.argv", ["kratos-mock", "run", "--port", str(busy.getsockname()[1])])
        assert entry.main() == 1
    assert gc.isenabled()
    assert "cannot listen" in capsys.readouterr().err


def test_cli_main_called_in_process_leaves_the_collector_as_the_caller_set_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only ``__main__.main`` pauses the collector; an embedder calling ``cli.main`` keeps its setting."""
    served: list[int] = []

    def serve(app: Any, sock: socket.socket, **options: Any) -> None:
        served.append(gc.get_freeze_count())
        sock.close()

    monkeypatch.setattr(mockserver.server, "serve", serve)
    gc.unfreeze()
    gc.disable()
    assert mockserver.cli.main(["fixtures", "validate", str(bundled("fixtures", "default.yaml"))], env={}) == 0
    assert mockserver.cli.main(["run", "--port", "0"], env={}) == 0
    assert not gc.isenabled() and served == [0]
