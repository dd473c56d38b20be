"""UI containers and nodes as Kratos builds, changes and sorts them (ui/node/*.go,
ui/container/container.go, login/sort.go, registration/sort.go at v26.2.0). Nodes are the wire
dicts stored in the flow document."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from . import texts

Node = dict[str, Any]
UNSET = object()
LOGIN_GROUPS = ("oidc", "default", "webauthn", "passkey", "code", "password", "totp", "lookup_secret")
REGISTRATION_GROUPS = ("oidc", "saml", "default", "webauthn", "passkey", "code", "password", "captcha", "profile")
IDENTIFIER_CREDENTIALS = (("password", "identifier"), ("webauthn", "identifier"), ("passkey", "display_name"))


def input_node(
    name: str,
    group: str,
    kind: str,
    value: Any = UNSET,
    *,
    required: bool = False,
    autocomplete: str = "",
    pattern: str = "",
    label: texts.Message | None = None,
) -> Node:
    """ui/node/attributes_input.go NewInputField: attributes in InputAttributes' field order."""
    attributes: dict[str, Any] = {"name": name, "type": kind}
    if value is not UNSET and value is not None:
        attributes["value"] = value
    if required:
        attributes["required"] = True
    if autocomplete:
        attributes["autocomplete"] = autocomplete
    if pattern:
        attributes["pattern"] = pattern
    attributes["disabled"] = False
    attributes["node_type"] = "input"
    return {"type": "input", "group": group, "attributes": attributes, "messages": [], "meta": _meta(label)}


def _meta(label: texts.Message | None) -> dict[str, Any]:
    return {"label": label} if label else {}


def csrf_node(token: str) -> Node:
    """ui/node/attributes_input_csrf.go NewCSRFNode (api flows carry an empty value)."""
    return input_node("csrf_token", "default", "hidden", token, required=True)


def password_node(autocomplete: str) -> Node:
    """strategy/password/nodes.go NewPasswordNode."""
    return input_node(
        "password", "password", "password", required=True, autocomplete=autocomplete, label=texts.label_password()
    )


def submit_node(name: str, value: str, group: str, label: texts.Message) -> Node:
    return input_node(name, group, "submit", value, label=label)


def node_id(node: Mapping[str, Any]) -> str:
    attributes = node.get("attributes") or {}
    return str(attributes.get("name") if node.get("type") == "input" else attributes.get("id", ""))


def find(nodes: list[Node], name: str) -> Node | None:
    return next((n for n in nodes if node_id(n) == name), None)


def upsert(nodes: list[Node], node: Node) -> None:
    """ui/node/node.go Nodes.Upsert: replace the first node with the same id, else append."""
    for index, existing in enumerate(nodes):
        if node_id(existing) == node_id(node):
            nodes[index] = node
            return
    nodes.append(node)


def remove(nodes: list[Node], name: str, group: str | None = None) -> None:
    nodes[:] = [n for n in nodes if not (node_id(n) == name and (group is None or n.get("group") == group))]


def set_value(nodes: list[Node], name: str, value: Any) -> None:
    node = find(nodes, name)
    if node is not None:
        if value is None:
            node["attributes"].pop("value", None)
        else:
            node["attributes"] = _with_value(node["attributes"], value)


def _with_value(attributes: dict[str, Any], value: Any) -> dict[str, Any]:
    """Keep InputAttributes' field order when a value appears."""
    out: dict[str, Any] = {}
    for key, item in attributes.items():
        if key == "value":
            continue
        out[key] = item
        if key == "type":
            out["value"] = value
    return out


def reset(nodes: list[Node], *names: str) -> None:
    """Nodes.ResetNodes: messages and value cleared."""
    for node in nodes:
        if node_id(node) in names:
            node["messages"] = []
            node["attributes"].pop("value", None)


def reset_messages(ui: dict[str, Any]) -> None:
    """Container.ResetMessages."""
    ui.pop("messages", None)
    for node in ui["nodes"]:
        node["messages"] = []


def add_message(ui: dict[str, Any], message: texts.Message, field: str = "") -> None:
    """Container.AddMessage: on the named node, a new text input in group default when there is
    none, or on the container when no field is named."""
    if not field.strip():
        ui.setdefault("messages", []).append(message)
        return
    node = find(ui["nodes"], field)
    if node is None:
        node = input_node(field, "default", "text")
        ui["nodes"].append(node)
    node["messages"].append(message)


def set_csrf(ui: dict[str, Any], token: str) -> None:
    upsert(ui["nodes"], csrf_node(token))


# --- sorting (ui/node/node.go SortBySchema) --------------------------------------------------


def sort_nodes(nodes: list[Node], groups: tuple[str, ...], keys: list[str]) -> None:
    """Groups in the given order, then, within a group (and between default and password), by the
    position of the first key that prefixes the node id; ``method`` always last. Go's sort.Slice
    and sort.SliceStable are insertion sorts for these sizes, so both are reproduced as such."""
    group_index = {g: i for i, g in enumerate(groups)}

    def by_group(a: Node, b: Node) -> bool:
        return group_index.get(a["group"], -1) < group_index.get(b["group"], -1)

    def position(node: Node) -> int:
        if node_id(node) == "method":
            return len(nodes) + len(keys) + 1
        ident = node_id(node)
        return next((i for i, key in enumerate(keys) if ident.startswith(key)), len(keys))

    def by_key(a: Node, b: Node) -> bool:
        pair = {a["group"], b["group"]}
        if a["group"] == b["group"] or pair == {"default", "password"}:
            pa, pb = position(a), position(b)
            if pa != pb:
                return pa < pb
            return _go_value(a) < _go_value(b)
        return False

    _insertion_sort(nodes, by_group)
    _insertion_sort(nodes, by_key)


def _go_value(node: Node) -> str:
    value = node.get("attributes", {}).get("value")
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if not isinstance(value, (dict, list)) else json.dumps(value)


def _insertion_sort(items: list[Node], less: Any) -> None:
    for i in range(1, len(items)):
        j = i
        while j > 0 and less(items[j], items[j - 1]):
            items[j], items[j - 1] = items[j - 1], items[j]
            j -= 1


def sort_login(nodes: list[Node]) -> None:
    """login/sort.go sortNodes."""
    sort_nodes(nodes, LOGIN_GROUPS, ["csrf_token", "identifier", "password"])


def sort_registration(nodes: list[Node], schema: Mapping[str, Any]) -> None:
    """registration/sort.go SortNodes: schema key order with ui/node/helper.go PasswordLoginOrder."""
    keys = schema_keys(schema)
    if not keys:
        ordered = ["csrf_token", "password"]
    elif len(keys) == 1:
        ordered = ["csrf_token", keys[0], "password"]
    else:
        ordered = ["csrf_token", keys[0], "password", *keys[1:]]
    sort_nodes(nodes, REGISTRATION_GROUPS, ordered)


# --- identity schemas → nodes ----------------------------------------------------------------


def schema_keys(schema: Mapping[str, Any]) -> list[str]:
    """schema/schema.go computeKeyPositions: leaf paths in document order."""
    out: list[str] = []

    def walk(node: Any, parents: list[str]) -> None:
        node = _resolve(schema, node)
        if isinstance(node, Mapping) and node.get("type") == "object":
            for key, value in (node.get("properties") or {}).items():
                walk(value, [*parents, str(key).replace(".", "\\.")])
        else:
            out.append(".".join(parents))

    walk(schema, [])
    return out


def trait_paths(schema: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any], bool]]:
    """(dotted name, schema node, required) for every scalar leaf under ``traits``."""

    def walk(node: Any, name: str, required: bool) -> Iterator[tuple[str, Mapping[str, Any], bool]]:
        node = _resolve(schema, node)
        if not isinstance(node, Mapping):
            return
        if node.get("type") == "object" or "properties" in node:
            needed = set(node.get("required") or [])
            for key, value in (node.get("properties") or {}).items():
                yield from walk(value, f"{name}.{key}", key in needed)
        elif node.get("type") != "array":
            yield name, node, required

    traits = (schema.get("properties") or {}).get("traits")
    if traits is not None:
        yield from walk(traits, "traits", False)


def trait_nodes(schema: Mapping[str, Any], group: str = "default") -> list[Node]:
    """container.go NodesFromJSONSchema with attributes_input.go NewInputFieldFromSchema."""
    out = []
    for name, node, required in trait_paths(schema):
        kind, autocomplete = _form_type(node)
        title = node.get("title")
        label = texts.label_generated(str(title), name) if title else None
        out.append(
            input_node(
                name,
                group,
                kind,
                required=required,
                autocomplete=autocomplete,
                pattern=str(node.get("pattern") or ""),
                label=label,
            )
        )
    return out


def _form_type(node: Mapping[str, Any]) -> tuple[str, str]:
    fmt = node.get("format")
    if fmt == "date-time":
        return "datetime-local", ""
    if fmt == "email":
        return "email", "email"
    if fmt == "tel":
        return "tel", "tel"
    if fmt == "date":
        return "date", ""
    if fmt == "uri":
        return "url", "url"
    kind = node.get("type")
    if kind in ("number", "integer"):
        return "number", ""
    if kind == "boolean":
        return "checkbox", ""
    return "text", ""


def identifier_label(schema: Mapping[str, Any]) -> texts.Message:
    """login/extension_identifier_label.go GetIdentifierLabelFromSchema."""
    labelled = []
    for name, node, _ in trait_paths(schema):
        ext = node.get("ory.sh/kratos") or {}
        credentials = ext.get("credentials") or {} if isinstance(ext, Mapping) else {}
        marks = [(credentials.get(kind) or {}).get(flag) for kind, flag in IDENTIFIER_CREDENTIALS]
        marks.append((credentials.get("totp") or {}).get("account_name"))
        marks.append((credentials.get("code") or {}).get("identifier"))
        if any(marks):
            labelled.append((name, node))
    if len(labelled) == 1 and labelled[0][1].get("title"):
        return texts.label_generated(str(labelled[0][1]["title"]), labelled[0][0])
    return texts.label_id()


def flatten(value: Any, prefix: str) -> dict[str, Any]:
    """jsonx.Flatten with a prefix: ``{"name": {"first": "A"}}`` → ``{"traits.name.first": "A"}``."""
    out: dict[str, Any] = {}
    if isinstance(value, Mapping):
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}"))
    else:
        out[prefix] = value
    return out


def _resolve(schema: Mapping[str, Any], node: Any) -> Any:
    for _ in range(32):
        ref = node.get("$ref") if isinstance(node, Mapping) else None
        if not isinstance(ref, str) or not ref.startswith("#"):
            return node
        target: Any = schema
        for part in filter(None, ref[1:].split("/")):
            target = target.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(target, Mapping) else None
        node = target
    return node
