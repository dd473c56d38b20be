"""JSON Patch (RFC 6902) with Kratos' rules on top of the ``jsonpatch`` library (reference §4.6).

Kratos allows only add/remove/replace, denies a few paths, turns ``replace`` of a missing key
into ``add`` and creates missing parent objects on ``add``.
"""

from __future__ import annotations

import copy
import fnmatch
from typing import Any

import jsonpatch
import jsonpointer

from .errors import bad_request

ALLOWED_OPS = ("add", "remove", "replace")
DENIED = (
    "/id",
    "/stateChangedAt",
    "/credentials",
    "/credentials/oidc",
    "/credentials/oidc/**",
    "/credentials/saml",
    "/credentials/saml/**",
)
REASON = "An error occured when applying the JSON patch"  # sic: v26.2's text


def _denied(path: str) -> bool:
    lowered = path.lower()
    for pattern in DENIED:
        pattern = pattern.lower()
        if pattern.endswith("/**"):
            if lowered.startswith(pattern[:-2]):
                return True
        elif fnmatch.fnmatchcase(lowered, pattern):
            return True
    return False


def _fail(message: str) -> Exception:
    return bad_request(REASON, message)


def _parts(path: str) -> list[str]:
    try:
        return jsonpointer.JsonPointer(path).parts
    except jsonpointer.JsonPointerException as exc:
        raise _fail(str(exc)) from None


def _resolve(doc: Any, parts: list[str]) -> tuple[bool, Any]:
    node = doc
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def apply(document: dict[str, Any], operations: Any) -> Any:
    """Apply ``operations`` to a copy of ``document`` or raise a 400 that says why."""
    if not isinstance(operations, list):
        raise _fail("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    doc = copy.deepcopy(document)
    prepared = []
    for op in operations:
        if not isinstance(op, dict) or not isinstance(op.get("op"), str) or not isinstance(op.get("path"), str):
            raise _fail("every operation needs string op and path")
        name, path = op["op"], op["path"]
        if name not in ALLOWED_OPS:
            raise _fail(f"unsupported operation: {name}")
        if _denied(path):
            raise _fail(f"patch includes denied path: {path}")
        if name in ("add", "replace") and "value" not in op:
            raise _fail(f"missing value for {name} operation at {path}")
        prepared.append({k: op[k] for k in ("op", "path", "value") if k in op})
    for op in prepared:
        parts = _parts(op["path"])
        if op["op"] == "replace":
            exists, _ = _resolve(doc, parts)
            parent_ok, parent = _resolve(doc, parts[:-1])
            if not exists and not (parent_ok and isinstance(parent, list)):
                op = {**op, "op": "add"}
        if op["op"] == "add" and parts:
            _ensure_parents(doc, parts[:-1])
        try:
            doc = jsonpatch.apply_patch(doc, [op], in_place=True)
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError, ValueError) as exc:
            raise _fail(str(exc)) from None
    return doc


def _ensure_parents(doc: Any, parts: list[str]) -> None:
    node = doc
    for part in parts:
        if isinstance(node, dict):
            if part not in node or node[part] is None:
                node[part] = {}
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return
