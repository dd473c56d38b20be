"""The README's implemented-operations table, generated from the spec and the handler table.

``python -m mockserver.docs`` prints it; a test keeps the README in step.
"""

from __future__ import annotations

from . import generations
from .handlers import handler_name
from .spec import load_spec, operation_table


def operations_markdown(api: str = "v26.2") -> str:
    generation = generations.get(api)
    spec = load_spec(generation.spec)
    implemented = {name for group in generation.handler_groups for name in dir(group) if not name.startswith("_")}
    rows = ["| operation | method and path | handler | statuses |", "|---|---|---|---|"]
    for method, path, op_id in operation_table(spec):
        statuses = ", ".join(code for code in spec["paths"][path][method.lower()]["responses"] if code != "default")
        name = handler_name(op_id)
        handler = f"`{name}`" if name in implemented else "**missing**"
        rows.append(f"| `{op_id}` | `{method} {path}` | {handler} | {statuses} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(operations_markdown())
