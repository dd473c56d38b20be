"""Our OpenAPI documents: shipped inside the wheel (``mockserver/spec``), or read from the checkout."""

from __future__ import annotations

import copy
import functools
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

CURRENT = "kratos-v26.2.yaml"
CONTROL = "control-plane.yaml"
LEGACY_SPEC = "kratos-v0.6.yaml"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def bundled(folder: str, name: str) -> Path:
    """A file shipped with the package: ``spec/`` and ``fixtures/`` of the checkout, which the
    wheel carries as ``mockserver/spec`` and ``mockserver/_fixtures``."""
    packaged = resources.files("mockserver") / ("_fixtures" if folder == "fixtures" else folder) / name
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / folder / name


def spec_path(name: str = CURRENT) -> Path:
    """The file of one of our specs, in the installed package or in the source checkout."""
    return bundled("spec", name)


@functools.lru_cache(maxsize=8)
def _json_twin(name: str) -> bytes | None:
    """The wheel's JSON copy of a spec (``hatch_build.py``): the same data, parsed 30x faster than
    the YAML. A checkout has none (its ``spec/`` holds only the YAML, which is what gets edited)."""
    path = spec_path(name)
    twin = path.with_suffix(".json")
    if path.parent.name == "spec" and path.parent.parent.name == "mockserver" and twin.is_file():
        return twin.read_bytes()
    return None


@functools.lru_cache(maxsize=4)
def _parsed_yaml(name: str) -> Any:
    with spec_path(name).open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_LOADER)  # noqa: S506 - CSafeLoader/SafeLoader only


def load_spec(name: str = CURRENT) -> dict[str, Any]:
    """A fresh copy of a parsed spec (connexion may annotate what it is given)."""
    twin = _json_twin(name)
    if twin is not None:
        return json.loads(twin)  # a new tree: cheaper than copying one
    return copy.deepcopy(_parsed_yaml(name))


def operation_table(spec: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(METHOD, path, operationId) for every operation, in spec order."""
    out = []
    base = (spec.get("servers") or [{}])[0].get("url", "").rstrip("/")
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                out.append((method.upper(), base + path, op["operationId"]))
    return out


def path_methods(spec: dict[str, Any]) -> list[tuple[re.Pattern[str], list[str]]]:
    """Path templates as regexes with their methods: the ``Allow`` header of a 405."""
    table: dict[str, list[str]] = {}
    for method, path, _ in operation_table(spec):
        table.setdefault(path, []).append(method)
    return [
        (re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(p)) + "$"), sorted(m)) for p, m in table.items()
    ]


def without_tag(spec: dict[str, Any], tag: str) -> dict[str, Any]:
    """A copy of ``spec`` without the operations carrying ``tag`` (and paths left empty)."""
    out = copy.deepcopy(spec)
    for path in list(out.get("paths", {})):
        item = out["paths"][path]
        for method in [m for m, op in item.items() if isinstance(op, dict) and tag in (op.get("tags") or [])]:
            del item[method]
        if not any(isinstance(op, dict) and "operationId" in op for op in item.values()):
            del out["paths"][path]
    return out
