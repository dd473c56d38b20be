"""``kratos-mock fuzz``: schemathesis (its Python engine) against the mock in-process or any
server by URL, with our spec or another, reporting findings as a table, JUnit XML and NDJSON.

Findings the baseline accounts for (where real Kratos departs from its own spec, one reason per
entry in ``conformance/baseline-v26.2.json``) are reported as known, not as failures.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from html import escape
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from .spec import bundled, load_spec, without_tag

IN_PROCESS_URL = "http://kratos-mock.invalid"
FRONTEND_TAG = "frontend"
BASELINE = "baseline-v26.2.json"


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
    elapsed: float = 0.0
    stop_reason: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if not f.known]

    @property
    def ok(self) -> bool:
        return not self.failures and not self.errors

    def summary(self) -> str:
        known = len(self.findings) - len(self.failures)
        verdict = "passed" if self.ok else "failed"
        return (
            f"{verdict}: {len(self.failures)} failures, {known} known (baseline), {len(self.errors)} errors "
            f"in {self.operations} operations, {self.scenarios} scenarios, {self.elapsed:.1f}s"
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
        """Kratos' list operations answer 200 with a Link header that has at least rel="first"."""
        if case.operation.definition.raw.get("operationId") in LIST_OPERATIONS and response.status_code == 200:
            link = response.headers.get("link") or response.headers.get("Link")
            value = link[0] if isinstance(link, list) and link else link
            if not value or 'rel="first"' not in value:
                raise AssertionError(f'{case.operation.label} answered 200 without a Link header (rel="first")')
        return None


def bundled_baseline() -> Path:
    """The baseline shipped with the package (also ``conformance/`` in the checkout)."""
    return bundled("conformance", BASELINE)


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
    _register_hooks()

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
    if tag:
        schema = schema.include(tag=tag)
    if operation_ids:
        schema = schema.include(operation_id=list(operation_ids))
    if exclude_operation_ids:
        schema = schema.exclude(operation_id=list(exclude_operation_ids))
    if app is not None:
        schema.app = app
        base_url = base_url or IN_PROCESS_URL
        _valid_creates(schema)
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
    return schema


VALID_CREATES = "kratos_mock_valid_creates"


def _valid_creates(schema: Any) -> None:
    """Stateful chains start with a created identity, and random traits almost never satisfy an
    identity schema: positive createIdentity cases of this schema get the bundled schema id and a
    fresh email, so create → get → patch → delete sequences really run. Negative cases are untouched."""
    setattr(schema, VALID_CREATES, iter(range(10**9)))


def _register_hooks() -> None:
    """schemathesis allows ``before_call`` only globally: ours acts on schemas marked by ``_valid_creates``."""
    from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

    if any(
        getattr(h, "__name__", "") == "before_call" and getattr(h, VALID_CREATES, False)
        for h in GLOBAL_HOOK_DISPATCHER.get_all().get("before_call", [])
    ):
        return

    def before_call(context: Any, case: Any, **kwargs: Any) -> None:
        counter = getattr(case.operation.schema, VALID_CREATES, None)
        meta = getattr(case, "meta", None)
        if counter is None or meta is None or not meta.generation.mode.is_positive:
            return
        if case.operation.label == "POST /admin/identities" and isinstance(case.body, dict):
            for key in ("credentials", "verifiable_addresses", "recovery_addresses", "external_id"):
                case.body.pop(key, None)
            case.body["schema_id"] = "default"
            case.body["traits"] = {"email": f"fuzz-{next(counter)}@example.com"}

    setattr(before_call, VALID_CREATES, True)
    GLOBAL_HOOK_DISPATCHER.hook(before_call)


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
    seen: set[tuple[str, str, str, str]] = set()
    started = time.perf_counter()
    operations: set[str] = set()
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted) and progress:
            progress(f"phase {event.phase.name.value}")
        recorder = getattr(event, "recorder", None)
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished) and recorder is not None:
            result.scenarios += 1
            operations.add(recorder.label)
            for name, nodes in recorder.checks.items():
                del name
                for node in nodes:
                    if node.status != Status.FAILURE or node.failure_info is None:
                        continue
                    failure = node.failure_info.failure
                    key = (failure.operation or recorder.label, node.name, type(failure).__name__, failure._unique_key)
                    if key in seen:
                        continue
                    seen.add(key)
                    known = baseline is not None and baseline.match(failure, node.name) is not None
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
        merged.elapsed += r.elapsed
        merged.stop_reason = r.stop_reason
    return merged


def findings_table(result: FuzzResult) -> str:
    if not result.findings:
        return "no findings"
    rows = [("", "operation", "check", "finding")]
    rows += [("known" if f.known else "FAIL", f.operation, f.check, f.title) for f in result.findings]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}" for a, b, c, d in rows)


def write_reports(result: FuzzResult, kinds: Sequence[str], folder: Path) -> list[Path]:
    """``junit`` (one testcase per finding), ``html`` (a table) and ``ndjson`` (one finding per line)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    if "junit" in kinds:
        suite = ET.Element(
            "testsuite",
            name="kratos-mock fuzz",
            tests=str(max(result.operations, 1)),
            failures=str(len(result.failures)),
            errors=str(len(result.errors)),
            time=f"{result.elapsed:.3f}",
        )
        for finding in result.findings:
            case = ET.SubElement(suite, "testcase", classname=finding.operation, name=finding.check)
            if finding.known:
                ET.SubElement(case, "skipped", message=f"known (baseline): {finding.title}")
            else:
                failure = ET.SubElement(case, "failure", message=finding.title)
                failure.text = f"{finding.message}\n\n{finding.code_sample}"
        for error in result.errors:
            ET.SubElement(ET.SubElement(suite, "testcase", classname="engine", name="error"), "error", message=error)
        path = folder / "junit.xml"
        ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
        written.append(path)
    if "html" in kinds:
        path = folder / "report.html"
        rows = "".join(
            f"<tr class={'known' if f.known else 'fail'}><td>{'known' if f.known else 'FAIL'}</td>"
            f"<td>{escape(f.operation)}</td><td>{escape(f.check)}</td><td>{escape(f.title)}</td>"
            f"<td><pre>{escape(f.message)}</pre><pre>{escape(f.code_sample)}</pre></td></tr>"
            for f in result.findings
        )
        path.write_text(
            "<!doctype html><meta charset=utf-8><title>kratos-mock fuzz</title>"
            "<style>body{font-family:sans-serif}td{vertical-align:top;border-bottom:1px solid #ddd}"
            ".fail td:first-child{color:#b00;font-weight:bold}.known{color:#777}</style>"
            f"<h1>kratos-mock fuzz</h1><p>{escape(result.summary())}</p>"
            f"<table><tr><th></th><th>operation</th><th>check</th><th>finding</th><th>details</th></tr>{rows}</table>",
            encoding="utf-8",
        )
        written.append(path)
    if "ndjson" in kinds:
        path = folder / "findings.ndjson"
        lines = [json.dumps({"type": "finding", **asdict(f)}) for f in result.findings]
        lines.append(
            json.dumps(
                {
                    "type": "summary",
                    "ok": result.ok,
                    "failures": len(result.failures),
                    "known": len(result.findings) - len(result.failures),
                    "errors": result.errors,
                    "operations": result.operations,
                    "elapsed": result.elapsed,
                }
            )
        )
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    return written
