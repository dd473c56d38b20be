"""Fixture documents: identity schemas, identities and sessions as plain data, loaded atomically.

A document (YAML or JSON) has up to four keys::

    default_schema_id: customer              # optional
    schemas: {customer: {...JSON Schema...}, other: schemas/other.json}   # inline or a path
    identities:                              # the create-body wire format, plus id/timestamps
      - {id: ..., schema_id: customer, traits: {...}, credentials: {...}, state: active}
    sessions:                                # the identity by id, external_id or identifier
      - {identity: {identifier: ada@example.com}, authenticator_assurance_level: aal2, ...}

Loading never calls handlers: it validates with the same wire parser and store rules as the API,
and either everything loads or nothing does. Errors name the file, the JSON path and the problem.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from . import wire
from .clock import Entropy, ManualClock
from .errors import KratosError
from .identity_schemas import SchemaRegistry, default_schemas
from .models import AAL_LEVELS, FLOW_KINDS, Flow
from .store import SessionSeed, Store
from .store.rules import StoreRules
from .values import TIME_EXPECTED, canonical_uuid, fmt_time, parse_time

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
TOP_LEVEL = frozenset({"default_schema_id", "schemas", "identities", "sessions", "flows", "errors"})
IDENTITY_EXTRA = ("id", "created_at", "updated_at", "state_changed_at")
SESSION_FIELDS = frozenset(
    {
        "id",
        "identity",
        "active",
        "authenticator_assurance_level",
        "aal",
        "authentication_methods",
        "devices",
        "authenticated_at",
        "issued_at",
        "expires_at",
    }
)
IDENTITY_REFS = ("id", "external_id", "identifier")


class FixtureError(ValueError):
    """A fixture that cannot be loaded: ``<source>: <JSON path>: <what is wrong>``."""

    def __init__(self, source: str, path: str, problem: str) -> None:
        self.source, self.path, self.problem = source, path, problem
        super().__init__(f"{source}: {path}: {problem}")


@dataclass
class FixtureDocument:
    """One parsed document, with where it came from (for error messages and relative paths)."""

    source: str
    data: dict[str, Any]
    base_dir: Path | None = None
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)


def read_fixture(path: str | Path) -> FixtureDocument:
    """Read a fixture file: a ``.json`` file as JSON only (as ``POST /__mock__/fixtures`` reads
    it), any other as YAML (which also reads JSON)."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FixtureError(source, "$", f"cannot read the file: {exc.strerror}") from None
    return as_document(parse_text(text, source, strict_json=path.suffix.lower() == ".json"), source, path.parent)


def parse_text(text: str, source: str, *, strict_json: bool = False) -> Any:
    """JSON when it is JSON (json is ~100x faster than PyYAML on big files), else YAML; with
    ``strict_json`` JSON only: a trailing comma is an error, not YAML that happens to load."""
    if strict_json:
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise FixtureError(source, "$", f"not valid JSON: {exc}") from None
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except ValueError:
            pass
    try:
        return yaml.load(text, Loader=_LOADER)  # noqa: S506 - CSafeLoader/SafeLoader only
    except yaml.YAMLError as exc:
        raise FixtureError(source, "$", f"not valid YAML or JSON: {exc}") from None


def as_document(data: Any, source: str = "<fixture>", base_dir: Path | None = None) -> FixtureDocument:
    """Check a document's shape and resolve its schema paths."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FixtureError(source, "$", f"expected an object with {', '.join(sorted(TOP_LEVEL))}")
    for key in data:
        if key not in TOP_LEVEL:
            raise FixtureError(source, f"$.{key}", f"unknown key; expected one of {', '.join(sorted(TOP_LEVEL))}")
    doc = FixtureDocument(source, data, base_dir)
    schemas = data.get("schemas") or {}
    if not isinstance(schemas, dict):
        raise FixtureError(source, "$.schemas", "expected an object of schema id to JSON Schema or file path")
    for schema_id, value in schemas.items():
        doc.schemas[str(schema_id)] = _schema_document(doc, f"$.schemas.{schema_id}", value)
    for key in ("identities", "sessions", "flows", "errors"):
        if not isinstance(data.get(key) or [], list):
            raise FixtureError(source, f"$.{key}", "expected a list")
    default = data.get("default_schema_id")
    if default is not None and not isinstance(default, str):
        raise FixtureError(source, "$.default_schema_id", "expected a string")
    return doc


def _schema_document(doc: FixtureDocument, where: str, value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise FixtureError(doc.source, where, "expected an inline JSON Schema or a path to one")
    path = Path(value)
    if not path.is_absolute() and doc.base_dir is not None:
        path = doc.base_dir / path
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FixtureError(doc.source, where, f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise FixtureError(doc.source, where, f"{path} is not JSON: {exc}") from None
    if not isinstance(loaded, dict):
        raise FixtureError(doc.source, where, f"{path} does not hold a JSON object")
    return loaded


Source = FixtureDocument | str | Path | Mapping[str, Any]


def load_fixtures(store: Store, documents: Iterable[Source]) -> dict[str, int]:
    """Load documents in order into ``store``: all of them, or (on any error) none of them."""
    docs = [_coerce(d) for d in documents]
    counts = {"schemas": 0, "identities": 0, "sessions": 0, "flows": 0, "errors": 0}
    with store.transaction():
        for doc in docs:
            _apply(store, doc, counts)
    return counts


def _coerce(document: Source) -> FixtureDocument:
    if isinstance(document, FixtureDocument):
        return document
    if isinstance(document, str | Path):
        return read_fixture(document)
    return as_document(dict(document))


def _apply(store: Store, doc: FixtureDocument, counts: dict[str, int]) -> None:
    default = doc.data.get("default_schema_id")
    for schema_id, schema in doc.schemas.items():
        try:
            store.put_schema(schema_id, schema, default=schema_id == default)
        except ValueError as exc:
            raise FixtureError(doc.source, f"$.schemas.{schema_id}", str(exc)) from None
        counts["schemas"] += 1
    if default is not None and store.schemas.get(default) is None:
        raise FixtureError(doc.source, "$.default_schema_id", f"no schema {default!r} is loaded")
    if default is not None and default not in doc.schemas:
        store.put_schema(default, store.schemas.for_identity(default).document, default=True)
    for section, load in (("identities", _identity), ("sessions", _session), ("flows", _flow), ("errors", _error)):
        for index, item in enumerate(doc.data.get(section) or []):
            load(store, doc, f"$.{section}[{index}]", item)
            counts[section] += 1


def _flow(store: Store, doc: FixtureDocument, where: str, item: Any) -> None:
    """A self-service flow: ``kind`` (login, registration, ...) plus the flow's own JSON."""
    if not isinstance(item, dict):
        raise FixtureError(doc.source, where, "expected a flow object with a kind")
    kind = item.get("kind")
    if kind not in FLOW_KINDS:
        raise FixtureError(doc.source, f"{where}.kind", f"expected one of {', '.join(FLOW_KINDS)}")
    flow_id = _uuid(doc, f"{where}.id", item.get("id")) or store.entropy.uuid4()
    now = store.clock.now()
    expires = _time(doc, f"{where}.expires_at", item.get("expires_at")) or now + timedelta(hours=1)
    issued = _time(doc, f"{where}.issued_at", item.get("issued_at")) or now
    document: dict[str, Any] = {
        "id": flow_id,
        "type": "browser",
        "expires_at": fmt_time(expires),
        "issued_at": fmt_time(issued),
        "request_url": f"{store.public_url}/self-service/{kind}/browser",
        "ui": {"action": f"{store.public_url}/self-service/{kind}?flow={flow_id}", "method": "POST", "nodes": []},
    }
    if kind in ("recovery", "settings", "verification"):
        document["state"] = "choose_method"
    document.update({k: v for k, v in item.items() if k not in ("kind", "id", "expires_at", "issued_at")})
    store.put_flow(Flow(kind, flow_id, document, expires))


def _error(store: Store, doc: FixtureDocument, where: str, item: Any) -> None:
    """A self-service error container: ``errors`` (a list of error objects), optional ``id``."""
    if not isinstance(item, dict) or not isinstance(item.get("errors"), list):
        raise FixtureError(doc.source, where, "expected an error container with an errors list")
    error_id = item.get("id") or store.entropy.uuid4()
    if not isinstance(error_id, str):
        raise FixtureError(doc.source, f"{where}.id", "expected a string")
    now = fmt_time(store.clock.now())
    store.put_error(
        {"id": error_id, "created_at": now, "updated_at": now, **{k: v for k, v in item.items() if k != "id"}}
    )


def _problem(error: KratosError) -> str:
    text = error.reason or error.message
    return text.replace("I[#] S[] validation failed\n  ", "").replace("\n  ", "; ")


def _identity(store: Store, doc: FixtureDocument, where: str, item: Any) -> None:
    if not isinstance(item, dict):
        raise FixtureError(doc.source, where, "expected an identity object (the createIdentity body)")
    body = {k: v for k, v in item.items() if k not in IDENTITY_EXTRA}
    times = {k: _time(doc, f"{where}.{k}", item.get(k)) for k in IDENTITY_EXTRA[1:]}
    identity_id = _uuid(doc, f"{where}.id", item.get("id"))
    try:
        draft = wire.parse_create_body(body)
        identity = store.create_identity(draft, identity_id=identity_id, at=times["created_at"])
    except KratosError as error:
        if error.code == 409:
            raise FixtureError(
                doc.source,
                where,
                "conflicts with an identity loaded before, from this file or an earlier one "
                "(same id, credential identifier, address or external_id)",
            ) from None
        raise FixtureError(doc.source, where, _problem(error)) from None
    if times["updated_at"] or times["state_changed_at"]:
        store.set_identity_times(
            identity.id, updated_at=times["updated_at"], state_changed_at=times["state_changed_at"]
        )


def _uuid(doc: FixtureDocument | None, where: str, value: Any) -> str | None:
    if value is None:
        return None
    parsed = canonical_uuid(value)
    if parsed is None:
        raise FixtureError(doc.source if doc else "<request>", where, f"expected a UUID, got {value!r}")
    return parsed


def _time(doc: FixtureDocument | None, where: str, value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = parse_time(value)
    if parsed is None:
        raise FixtureError(doc.source if doc else "<request>", where, f"expected {TIME_EXPECTED}, got {value!r}")
    return parsed


def _session(store: Store, doc: FixtureDocument, where: str, item: Any) -> None:
    identity_id, seed = parse_session_seed(store, doc, where, item)
    try:
        store.create_session(identity_id, seed)
    except KratosError as error:
        raise FixtureError(doc.source, where, _problem(error)) from None


def parse_session_seed(store: Store, doc: FixtureDocument | None, where: str, item: Any) -> tuple[str, SessionSeed]:
    """A session in the wire vocabulary (fixtures, ``POST /__mock__/sessions``, the pytest handle):
    the identity it belongs to and what to seed."""
    source = doc.source if doc else "<request>"
    if not isinstance(item, dict):
        raise FixtureError(source, where, "expected a session object")
    for key in item:
        if key not in SESSION_FIELDS:
            raise FixtureError(
                source, f"{where}.{key}", f"unknown key; expected one of {', '.join(sorted(SESSION_FIELDS))}"
            )
    identity_id = resolve_identity(store, doc, f"{where}.identity", item.get("identity"))
    aal = item.get("authenticator_assurance_level", item.get("aal", "aal1"))
    if aal not in AAL_LEVELS:
        raise FixtureError(source, f"{where}.authenticator_assurance_level", f"expected one of {', '.join(AAL_LEVELS)}")
    lists = {}
    for key in ("authentication_methods", "devices"):
        value = item.get(key)
        if value is not None and not (isinstance(value, list | tuple) and all(isinstance(v, dict) for v in value)):
            raise FixtureError(source, f"{where}.{key}", "expected a list of objects")
        lists[key] = None if value is None else tuple(value)
    active = item.get("active", True)
    if not isinstance(active, bool):
        raise FixtureError(source, f"{where}.active", "expected true or false")
    times = {k: _time(doc, f"{where}.{k}", item.get(k)) for k in ("authenticated_at", "issued_at", "expires_at")}
    seed = SessionSeed(
        id=_uuid(doc, f"{where}.id", item.get("id")),
        active=active,
        aal=aal,
        authentication_methods=lists["authentication_methods"],
        devices=lists["devices"] or (),
        **times,
    )
    return identity_id, seed


def resolve_identity(store: Store, doc: FixtureDocument | None, where: str, ref: Any) -> str:
    """An identity reference: a UUID string, or ``{id|external_id|identifier: ...}``."""
    source = doc.source if doc else "<request>"
    if isinstance(ref, str):
        ref = {"id": ref}
    if not isinstance(ref, dict) or len([k for k in IDENTITY_REFS if k in ref]) != 1 or len(ref) != 1:
        raise FixtureError(source, where, "expected exactly one of id, external_id or identifier")
    ((kind, value),) = ref.items()
    if not isinstance(value, str):
        raise FixtureError(source, f"{where}.{kind}", "expected a string")
    if kind == "id":
        found = store.find_identity(_uuid(doc, f"{where}.id", value) or "")
        identity_id = found.id if found else None
    elif kind == "external_id":
        identity_id = store.identity_id_by_external_id(value)
    else:
        matches = store.list_identities(credentials_identifier=value).items
        identity_id = matches[0].id if matches else None
    if identity_id is None:
        raise FixtureError(source, f"{where}.{kind}", f"no identity with {kind} {value!r} is loaded")
    return identity_id


def validate_files(paths: Sequence[str | Path], rules: StoreRules | None = None) -> list[str]:
    """``kratos-mock fixtures validate``: load the files in order into one scratch store, as
    ``run --fixtures a --fixtures b`` would, so conflicts between files (the same id, identifier
    or external_id) and references across them are checked; a file that fails is reported and
    skipped (its writes undone), and the next is loaded on top of the ones that loaded."""
    store = Store(
        SchemaRegistry(default_schemas()), clock=ManualClock(), entropy=Entropy(0), rules=rules or StoreRules()
    )
    errors = []
    for path in paths:
        try:
            load_fixtures(store, [path])
        except FixtureError as exc:
            errors.append(str(exc))
    return errors
