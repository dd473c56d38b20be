"""Reports of a fuzz run: a findings table, JUnit, HTML and NDJSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from html import escape
from pathlib import Path
from xml.etree import ElementTree as ET

from .fuzz import FuzzResult


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
                    "cases": result.cases,
                    "links_covered": len(result.links_covered),
                    "links_total": result.links_total,
                    "elapsed": result.elapsed,
                }
            )
        )
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    return written
