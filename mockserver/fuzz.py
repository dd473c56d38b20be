"""``kratos-mock fuzz``: schemathesis (its Python engine) against the mock in-process or any
server by URL, with our spec or another, reporting findings as a table, JUnit XML and NDJSON.

Findings the baseline accounts for (where real Kratos departs from its own spec, one reason per
entry in ``conformance/baseline-v26.2.json``) are reported as known, not as failures.
"""

from __future__ import annotations

import itertools
import re
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .fuzz_baseline import baseline_entry
from .spec import bundled, load_spec, without_tag

IN_PROCESS_URL = "http://kratos-mock.invalid"
FRONTEND_TAG = "frontend"
BASELINE = "baseline-v26.2.json"
FRONTEND_BASELINE = "baseline-v26.2-frontend.json"  # the public (frontend) operations, fuzzed by tag


@dataclass(frozen=True)
class Finding:
    operation: str
    check: str
    title: str
    message: str
    code_sample: str
    known: bool


@dataclass
class FuzzResult:
    findings: list[Finding] = field(default_factory=list)
    operations: int = 0
    scenarios: int = 0
    cases: int = 0  # requests generated and sent, all phases
    elapsed: float = 0.0
    stop_reason: str = ""
    errors: list[str] = field(default_factory=list)
    links_total: int = 0  # OpenAPI links (declared or inferred) the stateful phase could follow
    links_covered: set[str] = field(default_factory=set)  # ... and those a chain really followed

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if not f.known]

    @property
    def ok(self) -> bool:
        return not self.failures and not self.errors

    def summary(self) -> str:
        known = len(self.findings) - len(self.failures)
        verdict = "passed" if self.ok else "failed"
        links = f", {len(self.links_covered)}/{self.links_total} links covered" if self.links_total else ""
        return (
            f"{verdict}: {len(self.failures)} failures, {known} known (baseline), {len(self.errors)} errors "
            f"in {self.operations} operations, {self.scenarios} scenarios, {self.cases} cases{links}, "
            f"{self.elapsed:.1f}s"
        )


LIST_OPERATIONS = ("listIdentities", "listSessions", "listIdentitySessions", "listIdentitySchemas")


def _register_checks() -> None:
    """Kratos contract checks the spec cannot express (registered once, by name, in schemathesis)."""
    import schemathesis
    from schemathesis.checks import CHECKS

    if "kratos_pagination_links" in CHECKS.get_all_names():
        return

    @schemathesis.check
    def kratos_pagination_links(ctx: Any, response: Any, case: Any) -> bool | None:
        """Kratos' list operations answer 200 with a Link header (see ``kratos_pagination_rels``)."""
        if case.operation.definition.raw.get("operationId") in LIST_OPERATIONS and response.status_code == 200:
            link = response.headers.get("link") or response.headers.get("Link")
            value = link[0] if isinstance(link, list) and link else link
            if not value or not kratos_pagination_rels(value):
                raise AssertionError(
                    f"{case.operation.label} answered 200 without a Kratos Link header "
                    f'(rel="first", or rel="next" and rel="last" on the first of several pages): {value!r}'
                )
        return None


def kratos_pagination_rels(link: str) -> bool:
    """Whether a Link header has the relations Kratos always sends: rel="first", except on the first
    of several legacy pages (page/per_page), where ory/x pagination.HeaderWithFormatter sends only
    rel="next" and rel="last" (oryx/pagination/header.go, the ``offset < itemsPerPage`` branch)."""
    rels = set(re.findall(r'rel="([^"]*)"', link))
    return "first" in rels or {"next", "last"} <= rels


def bundled_baseline(tag: str | None = None) -> Path:
    """The baseline shipped with the package (also ``conformance/`` in the checkout): the admin
    API's, or with ``tag="frontend"`` the public API's."""
    return bundled("conformance", FRONTEND_BASELINE if tag == FRONTEND_TAG else BASELINE)


def build_schema(
    *,
    app: Any = None,
    base_url: str | None = None,
    spec: str | Path | None = None,
    token: str | None = None,
    max_examples: int = 100,
    stateful: bool = True,
    checks: Sequence[str] | None = None,
    exclude_checks: Sequence[str] = (),
    seed: int | None = None,
    workers: int = 1,
    baseline: str | Path | None = None,
    tag: str | None = None,
    operation_ids: Sequence[str] | None = None,
    exclude_operation_ids: Sequence[str] | None = None,
) -> Any:
    """A configured schemathesis schema: our bundled spec unless ``spec`` names another file."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import schemathesis
    _register_checks()

    schema: Any
    if spec is None:
        # the admin suites (and their baseline) cover the admin API; the public operations are
        # fuzzed only when asked for by tag ("frontend"). They are left out of the document itself:
        # schemathesis.pytest.from_fixture replaces a schema's filters with its own.
        document = load_spec()
        schema = schemathesis.openapi.from_dict(document if tag else without_tag(document, FRONTEND_TAG))
    else:
        schema = schemathesis.openapi.from_path(str(spec))
        if tag is None and _has_tag(schema.raw_schema, "identity"):
            tag = "identity"  # an upstream Kratos spec: its identity (admin) operations only
    if tag and not operation_ids:  # with both, schemathesis 4.32 ran every tagged operation
        schema = schema.include(tag=tag)
    if operation_ids:
        schema = schema.include(operation_id=list(operation_ids))
    if exclude_operation_ids:
        schema = schema.exclude(operation_id=list(exclude_operation_ids))
    if app is not None:
        schema.app = app
        base_url = base_url or IN_PROCESS_URL
    if base_url is None:
        raise ValueError("give an app (in-process) or a base URL")
    excluded = list(exclude_checks)
    if not token and "ignored_auth" not in (checks or ()):
        excluded.append("ignored_auth")  # OSS Kratos has no auth: nothing to ignore
    schema.config.update(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"} if token else None,
        workers=workers,
        baseline=str(baseline) if baseline is not None else None,
        # Kratos answers browsers with 303s to the UI (another server: the error, login, ... UI
        # URLs); the redirect is the response under test, not whatever answers at its target.
        max_redirects=0 if tag == FRONTEND_TAG else None,
    )
    # Without a token the spec's oryAccessToken header is not generated: OSS Kratos ignores it, so
    # "a request without it was accepted" would only restate that (the baseline says why).
    # No example database: a run depends on its seed and options, not on what earlier runs left on disk.
    schema.config.generation.update(max_examples=max_examples, with_security_parameters=bool(token), database="none")
    schema.config.checks.update(included_check_names=list(checks) if checks else None, excluded_check_names=excluded)
    phases = ["examples", "coverage", "fuzzing"] + (["stateful"] if stateful else [])
    schema.config.phases.update(phases=phases)
    if seed is not None:
        schema.config.seed = seed
    if stateful:
        _chains(schema)  # last: it analyses the operations, which must see the configuration above
    return schema


CREATE_IDENTITY = "POST /admin/identities"
# Kratos' identity.default_schema_id defaults to "default" (embedx/config.schema.json); the mock's
# bundled schema has that id and an email trait, as Kratos' quickstart schema does.
CHAIN_SCHEMA_ID = "default"


def _chains(schema: Any) -> None:
    """Let stateful chains (create → get → patch → delete ...) really run, against any spec and target.

    Two things stop them otherwise. Random ``createIdentity`` bodies never satisfy Kratos (unknown
    fields, a random ``schema_id``, traits the identity schema refuses), so a chain never gets its
    first identity: in the stateful phase, positive creates are rewritten to the ``default`` schema
    and a fresh email (negative ones, and the other phases, keep exploring as generated). And
    schemathesis only starts chains from operations its dependency analysis calls reliable roots;
    it reads ``schema_id``, ``organization_id`` and ``external_id`` as references to resources no
    operation returns, so ``createIdentity`` was never a root while ``listSessions`` was, and on a
    store without sessions no chain got past its first step.
    """
    fresh = itertools.count()

    def map_case(context: Any, case: Any) -> Any:
        meta = case.meta
        if (
            case.operation.label != CREATE_IDENTITY
            or meta is None
            or meta.phase.name != "stateful"
            or not meta.generation.mode.is_positive
        ):
            return case
        generated = case.body if isinstance(case.body, dict) else {}
        body: dict[str, Any] = {k: v for k, v in generated.items() if k in ("metadata_public", "metadata_admin")}
        if generated.get("state") in ("active", "inactive"):
            body["state"] = generated["state"]
        body["schema_id"] = CHAIN_SCHEMA_ID
        body["traits"] = {"email": f"fuzz-{next(fresh)}@example.com"}
        case.body = body
        case.media_type = "application/json"
        return case

    # Bound to the one operation: with a map_case hook on every operation, schemathesis 4.32 gave up
    # on the operations with path parameters ("Too many generated examples are filtered out").
    schema.hook("map_case").apply_to(method="POST", path="/admin/identities")(map_case)
    _roots_ignore_unreachable_references(schema)


def _roots_ignore_unreachable_references(schema: Any) -> None:
    """Drop, from schemathesis' dependency graph, the inputs of would-be roots (POSTs, GETs without
    path parameters: ``is_likely_root_transition``) that name resources no operation produces: no
    earlier step could supply them, so they should not keep the operation from starting chains.
    Other operations keep theirs: link inference reads them (identity.schema_id → GET /schemas/{id})."""
    try:
        operations = schema.analysis.dependency_graph.operations
        produced = {output.resource.name for node in operations.values() for output in node.outputs}
        for node in operations.values():
            if node.method.lower() == "post" or (node.method.lower() == "get" and "{" not in node.path):
                node.inputs[:] = [slot for slot in node.inputs if slot.resource.name in produced]
    except AttributeError:  # another schemathesis: chains may not start, and the link count will say so
        return


def _has_tag(document: dict[str, Any], tag: str) -> bool:
    return any(
        tag in (op.get("tags") or [])
        for item in (document.get("paths") or {}).values()
        for op in item.values()
        if isinstance(op, dict)
    )


def run(schema: Any, progress: Callable[[str], None] | None = None) -> FuzzResult:
    """Run every phase; collect failing checks (deduplicated) and mark the baseline's as known."""
    from schemathesis import engine
    from schemathesis.engine import Status, events

    result = FuzzResult()
    baseline = schema.config.load_baseline() if schema.config.baseline else None
    seen: set[tuple[str, str, str, str, int]] = set()
    started = time.perf_counter()
    operations: set[str] = set()
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted):
            if isinstance(event.payload, events.StatefulPhasePayload):
                result.links_total = max(result.links_total, event.payload.transitions_total)
            if progress:
                progress(f"phase {event.phase.name.value}")
        recorder = getattr(event, "recorder", None)
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished) and recorder is not None:
            result.scenarios += 1
            result.cases += len(recorder.cases)
            operations.add(recorder.label)
            result.links_covered |= {
                node.transition.id
                for node in recorder.cases.values()
                if node.transition is not None and node.is_transition_applied
            }
            for case_id, nodes in recorder.checks.items():
                case_node = recorder.cases.get(case_id)
                for node in nodes:
                    if node.status != Status.FAILURE or node.failure_info is None:
                        continue
                    failure = node.failure_info.failure
                    entry = baseline_entry(baseline, failure, node.name, case_node.value if case_node else None)
                    key = (failure.operation or recorder.label, node.name, type(failure).__name__, failure._unique_key)
                    if (*key, id(entry)) in seen:
                        continue
                    seen.add((*key, id(entry)))
                    known = entry is not None
                    result.findings.append(
                        Finding(
                            key[0],
                            node.name,
                            failure.title or type(failure).__name__,
                            failure.message,
                            node.failure_info.code_sample,
                            known,
                        )
                    )
            if progress:
                progress(f"{'✗' if any(not f.known for f in result.findings) else '✓'} {recorder.label}")
        elif isinstance(event, events.NonFatalError):
            result.errors.append(f"{event.label}: {event.value}")
        elif isinstance(event, events.FatalError):
            result.errors.append(f"fatal: {event.exception}")
        elif isinstance(event, events.EngineFinished):
            result.stop_reason = str(event.stop_reason)
    result.elapsed = time.perf_counter() - started
    result.operations = len(operations)
    return result


PUBLIC_OPERATIONS = ("listIdentitySchemas", "getIdentitySchema")  # Kratos serves these on its public port


def merge(results: Sequence[FuzzResult]) -> FuzzResult:
    """One result from runs against the admin and the public port."""
    merged = FuzzResult()
    for r in results:
        merged.findings += r.findings
        merged.errors += r.errors
        merged.operations += r.operations
        merged.scenarios += r.scenarios
        merged.cases += r.cases
        merged.elapsed += r.elapsed
        merged.stop_reason = r.stop_reason
        merged.links_total += r.links_total
        merged.links_covered |= r.links_covered
    return merged
