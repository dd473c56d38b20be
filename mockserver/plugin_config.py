"""What the pytest plugin is told: ini options, environment and the ``kratos_mock`` marker, checked
before any test runs, with one rule for relative fixture paths.

**Relative paths** (ini ``kratos_mock_fixtures``, ``KRATOS_MOCK_FIXTURES``, the marker's
``fixtures=``) are relative to pytest's rootdir (``config.rootpath``: the folder of the ini file,
``pytest.ini``/``pyproject.toml``/``tox.ini``/``setup.cfg``, when there is one). Absolute paths are
used as they are.

Nothing here imports connexion; the store and fixture loader are imported only when checking.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

MARKER_NAME = "kratos_mock"
MARKER_ARGS = ("fixtures", "seed", "require_token", "faults")
MARKER_HELP = (
    "kratos_mock(fixtures=None, seed=None, require_token=None, faults=None): per-test fixture files (a list), "
    "seed (an int), admin token (a string, or None for none) and faults (a list of dicts as for "
    "POST /__mock__/faults) for kratos_mock and kratos_mock_app"
)
NAMES = ("v26.2", "v1.1", "v1.0", "v0.6")  # mockserver.generations.NAMES, without importing it


@dataclass(frozen=True)
class MarkerOptions:
    """A ``kratos_mock`` marker's arguments, checked."""

    fixtures: tuple[Path | Mapping[str, Any], ...] = ()
    seed: int | None = None
    require_token: str | None = None
    sets_token: bool = False  # require_token was given (None then means: no token for this test)
    faults: tuple[Mapping[str, Any], ...] = ()  # checked with faults.parse_fault


class MarkerError(ValueError):
    """A ``kratos_mock`` marker that cannot be applied: ``<test id>: <what is wrong>``."""


def resolve(config: pytest.Config, path: str | Path) -> Path:
    """The one rule for relative fixture paths: relative to pytest's rootdir."""
    path = Path(path).expanduser()
    return path if path.is_absolute() else config.rootpath / path


def ini_options(config: pytest.Config) -> dict[str, Any]:
    """``create_app`` options from ini and environment (the default of ``kratos_mock_settings``):
    ``fixtures``, ``seed``, ``api`` and the user's kratos.yml as ``config``.
    Raises ``pytest.UsageError`` on a bad seed or API."""
    fixtures = [resolve(config, p) for p in config.getini("kratos_mock_fixtures") or []]
    env = os.environ.get("KRATOS_MOCK_FIXTURES", "")
    fixtures += [resolve(config, p) for p in env.split(os.pathsep) if p]
    seed_text = os.environ.get("KRATOS_MOCK_SEED") or config.getini("kratos_mock_seed") or None
    try:
        seed = int(seed_text) if seed_text is not None else None
    except ValueError:
        raise pytest.UsageError(f"kratos_mock_seed / KRATOS_MOCK_SEED must be an integer, got {seed_text!r}") from None
    api = os.environ.get("KRATOS_MOCK_API") or config.getini("kratos_mock_api") or "v26.2"
    if api not in NAMES:
        raise pytest.UsageError(f"kratos_mock_api / KRATOS_MOCK_API must be one of {', '.join(NAMES)}, got {api!r}")
    options: dict[str, Any] = {"fixtures": fixtures, "seed": seed, "api": api}
    kratos_yml = os.environ.get("KRATOS_MOCK_CONFIG") or config.getini("kratos_mock_config") or None
    if kratos_yml:
        options["config"] = resolve(config, kratos_yml)
    if not fixtures and api != "v26.2":  # an older generation starts with its release's defaults
        from . import generations
        from .spec import bundled

        options["fixtures"] = [bundled("fixtures", generations.get(api).default_fixtures)]
    return options


def marker_options(item: pytest.Item) -> MarkerOptions | None:
    """The closest ``kratos_mock`` marker of ``item``, checked like a call of
    ``kratos_mock(*, fixtures: list[str | Path | dict] = None, seed: int = None, require_token: str | None = None)``."""
    marker = item.get_closest_marker(MARKER_NAME)
    if marker is None:
        return None
    problems = []
    if marker.args:
        shown = ", ".join(repr(a) for a in marker.args)
        problems.append(f"takes keyword arguments only ({', '.join(f'{a}=' for a in MARKER_ARGS)}), got {shown}")
    for name in marker.kwargs:
        if name not in MARKER_ARGS:
            close = difflib.get_close_matches(name, MARKER_ARGS, n=1)
            hint = f"; did you mean {close[0]}=?" if close else f"; expected {', '.join(MARKER_ARGS)}"
            problems.append(f"unknown argument {name}={marker.kwargs[name]!r}{hint}")
    fixtures = marker.kwargs.get("fixtures")
    paths: list[Path | Mapping[str, Any]] = []
    if fixtures is not None:
        if isinstance(fixtures, str | bytes | os.PathLike | Mapping) or not isinstance(fixtures, Sequence):
            problems.append(f"fixtures= must be a list of paths, got {fixtures!r} (write fixtures=[{fixtures!r}])")
        else:
            for entry in fixtures:
                if isinstance(entry, str | os.PathLike):
                    path = resolve(item.config, os.fspath(entry))
                    if not path.is_file():
                        problems.append(f"fixtures= file {os.fspath(entry)!r} not found (looked for {path})")
                    paths.append(path)
                elif isinstance(entry, Mapping):
                    paths.append(entry)
                else:
                    problems.append(f"fixtures= entries must be paths or fixture documents (dicts), got {entry!r}")
    seed = marker.kwargs.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        problems.append(f"seed= must be an integer, got {seed!r}")
    token = marker.kwargs.get("require_token")
    if token is not None and not isinstance(token, str):
        problems.append(f"require_token= must be a string (or None), got {token!r}")
    faults = marker.kwargs.get("faults")
    if faults is not None:
        problems += _fault_problems(item.config, faults)
    if problems:
        raise MarkerError(f"{item.nodeid}: @pytest.mark.kratos_mock " + "; ".join(problems))
    return MarkerOptions(tuple(paths), seed, token, "require_token" in marker.kwargs, tuple(faults or ()))


_OPERATIONS = pytest.StashKey[dict[str, frozenset[str]]]()


def _fault_problems(config: pytest.Config, faults: Any) -> list[str]:
    """``faults=`` checked as ``POST /__mock__/faults`` checks a body, against the operations of
    the session's API generation (its spec is read only when a marker has faults)."""
    if isinstance(faults, Mapping | str | bytes) or not isinstance(faults, Sequence):
        return [f"faults= must be a list of dicts, got {faults!r} (write faults=[{faults!r}])"]
    from .faults import FaultError, parse_fault

    operations = _operations(config)
    problems = []
    for index, entry in enumerate(faults):
        try:
            parse_fault(entry, operations)
        except FaultError as error:
            problems.append(f"faults[{index}]: {error}")
    return problems


def _operations(config: pytest.Config) -> frozenset[str] | None:
    api = os.environ.get("KRATOS_MOCK_API") or config.getini("kratos_mock_api") or "v26.2"
    if api not in NAMES:
        return None  # ini_options reports it
    cache = config.stash.setdefault(_OPERATIONS, {})
    if api not in cache:
        from . import generations
        from .spec import load_spec, operation_table

        cache[api] = frozenset(op for _, _, op in operation_table(load_spec(generations.get(api).spec)))
    return cache[api]


def marker_errors(items: Sequence[pytest.Item]) -> list[str]:
    """Every marker problem among ``items``, one line each."""
    errors = []
    for item in items:
        try:
            marker_options(item)
        except MarkerError as error:
            errors.append(str(error))
    return errors


def uses_the_mock(item: pytest.Item) -> bool:
    names = getattr(item, "fixturenames", ())
    return any(n in names for n in ("kratos_mock", "kratos_mock_app", "kratos_mock_server"))
