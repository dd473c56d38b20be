"""The shadow proxy's report: per operation, how many calls and how many answers differed, with a
few examples each; written as JUnit (one testcase per operation) and JSON like ``fuzz``'s reports.

It is bounded whatever the run's length: counters per operation (at most ``MAX_OPERATIONS``
labels), ``max_examples`` examples each with bodies cut at ``EXAMPLE_BYTES``, the last
``MAX_ERRORS`` proxy errors. Bodies of answers that agree are never kept.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from .shadow_compare import COMPARED_HEADERS, Answer

MAX_OPERATIONS = 1000  # distinct labels; later ones are counted under OTHER
MAX_ERRORS = 100
EXAMPLE_BYTES = 4096
OTHER = "(other operations)"


@dataclass
class OperationReport:
    operation: str
    calls: int = 0
    differing: int = 0
    kinds: dict[str, int] = field(default_factory=dict)  # "status", "body", "Link", ... → calls
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return self.differing > 0

    def as_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "calls": self.calls,
            "differing": self.differing,
            "differs": self.differs,
            "kinds": self.kinds,
            "examples": self.examples,
        }


class ShadowReport:
    """What the shadow saw; safe to read from another thread while it serves."""

    def __init__(self, upstream: str, *, max_examples: int = 3) -> None:
        self.upstream = upstream
        self.max_examples = max_examples
        self.operations: dict[str, OperationReport] = {}
        self.errors: deque[str] = deque(maxlen=MAX_ERRORS)
        self.error_count = 0
        self.started = time.monotonic()
        self._lock = threading.Lock()

    def record(self, operation: str, request: str, kinds: Sequence[str], upstream: Answer, mock: Answer) -> None:
        with self._lock:
            if operation not in self.operations and len(self.operations) >= MAX_OPERATIONS:
                operation = OTHER
            entry = self.operations.setdefault(operation, OperationReport(operation))
            entry.calls += 1
            if not kinds:
                return
            entry.differing += 1
            for kind in kinds:
                entry.kinds[kind] = entry.kinds.get(kind, 0) + 1
            if len(entry.examples) < self.max_examples:
                entry.examples.append(
                    {"request": request, "differs": list(kinds), "upstream": _shown(upstream), "mock": _shown(mock)}
                )

    def error(self, message: str) -> None:
        with self._lock:
            self.errors.append(message)
            self.error_count += 1

    def snapshot(self) -> list[OperationReport]:
        with self._lock:
            return sorted(self.operations.values(), key=lambda o: o.operation)

    @property
    def differing(self) -> list[OperationReport]:
        return [o for o in self.snapshot() if o.differs]

    @property
    def ok(self) -> bool:
        return not self.differing and not self.error_count

    def summary(self) -> str:
        operations = self.snapshot()
        calls = sum(o.calls for o in operations)
        differing = [o.operation for o in operations if o.differs]
        text = f"{calls} calls to {len(operations)} operations; {len(differing)} differ"
        text += f": {', '.join(differing)}" if differing else ""
        return text + (f"; {self.error_count} proxy errors" if self.error_count else "")

    def table(self) -> str:
        rows = [("", "operation", "calls", "differing", "what differs")]
        for o in self.snapshot():
            what = ", ".join(f"{k} ({n})" for k, n in o.kinds.items())
            rows.append(("DIFF" if o.differs else "same", o.operation, str(o.calls), str(o.differing), what))
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        return "\n".join("  ".join(f"{c:<{w}}" for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)

    def as_json(self) -> dict[str, Any]:
        operations = self.snapshot()
        return {
            "upstream": self.upstream,
            "ok": self.ok,
            "calls": sum(o.calls for o in operations),
            "differing_operations": [o.operation for o in operations if o.differs],
            "operations": [o.as_json() for o in operations],
            "errors": list(self.errors),
            "error_count": self.error_count,
            "elapsed": round(time.monotonic() - self.started, 3),
        }

    def write(self, kinds: Sequence[str], folder: Path) -> list[Path]:
        """``junit`` (``junit.xml``: an operation that differed is a failure) and ``json`` (``shadow.json``)."""
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        if "junit" in kinds:
            path = folder / "junit.xml"
            ET.ElementTree(self._junit()).write(path, encoding="utf-8", xml_declaration=True)
            written.append(path)
        if "json" in kinds:
            path = folder / "shadow.json"
            path.write_text(json.dumps(self.as_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            written.append(path)
        return written

    def _junit(self) -> ET.Element:
        operations = self.snapshot()
        suite = ET.Element(
            "testsuite",
            name="kratos-mock shadow",
            tests=str(len(operations) + len(self.errors)),
            failures=str(sum(o.differs for o in operations)),
            errors=str(len(self.errors)),
            time=f"{time.monotonic() - self.started:.3f}",
        )
        for o in operations:
            case = ET.SubElement(suite, "testcase", classname="shadow", name=o.operation)
            if o.differs:
                what = ", ".join(o.kinds)
                failure = ET.SubElement(case, "failure", message=f"{what} differ in {o.differing} of {o.calls} calls")
                failure.text = json.dumps(o.examples, indent=2, ensure_ascii=False)
        for message in self.errors:
            ET.SubElement(ET.SubElement(suite, "testcase", classname="shadow", name="proxy"), "error", message=message)
        return suite


def _shown(answer: Answer) -> dict[str, Any]:
    """An answer as an example shows it: status, the compared headers, the body (cut)."""
    headers = {h: answer.header(h) for h in COMPARED_HEADERS if answer.header(h) is not None}
    body: Any = answer.json()
    if len(answer.body) > EXAMPLE_BYTES:
        body = answer.body[:EXAMPLE_BYTES].decode("utf-8", "replace") + "…"
    return {"status": answer.status, "headers": headers, "body": body}
