"""Wheel build hook: each bundled OpenAPI document (``spec/*.yaml``) also as JSON.

PyYAML builds the 140 kB v26.2 document in 65 ms, a sixth of a cold start; ``json`` reads the same
data in 2 ms. The YAML stays the source (it carries comments); the wheel carries both, and
``mockserver.spec`` reads the JSON twin when it is there. Editable installs read the checkout's YAML.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class SpecTwins(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return
        self._out = Path(tempfile.mkdtemp(prefix="kratos-mock-spec-"))
        for source in sorted(Path(self.root, "spec").glob("*.yaml")):
            document = yaml.safe_load(source.read_text(encoding="utf-8"))
            text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
            if json.loads(text) != document:  # non-string keys, dates: JSON would not say the same
                raise ValueError(f"{source.name} does not round-trip through JSON")
            twin = self._out / f"{source.stem}.json"
            twin.write_text(text, encoding="utf-8")
            build_data["force_include"][str(twin)] = f"mockserver/spec/{twin.name}"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        out = getattr(self, "_out", None)
        if out is not None:
            shutil.rmtree(out, ignore_errors=True)
