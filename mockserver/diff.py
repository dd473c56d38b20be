"""``kratos-mock diff``: the same generated requests, in the same order, against two servers (the
mock and a real Kratos, two Kratos versions, two mocks), compared per operation.

Bodies are normalised before comparison: UUIDs, timestamps and secrets (tokens, codes, hashes)
differ between any two servers and say nothing about behaviour.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
TOKEN = re.compile(r"(token=)[A-Za-z0-9]+|(\$[a-z0-9-]+\$)\S+|ory_st_[A-Za-z0-9]+")

Sender = Callable[[dict[str, Any]], tuple[int, Any]]


def normalize(value: Any) -> Any:
    """Replace what legitimately differs between two servers with placeholders."""
    if isinstance(value, dict):
        return {k: ("<code>" if k == "recovery_code" else normalize(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, str):
        value = UUID.sub("<uuid>", value)
        value = TIME.sub("<time>", value)
        return TOKEN.sub(lambda m: (m.group(1) or m.group(2) or "") + "<secret>", value)
    return value


@dataclass
class OperationDiff:
    operation: str
    cases: int = 0
    status_differs: int = 0
    body_differs: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return bool(self.status_differs or self.body_differs)


def http_sender(base_url: str, token: str | None = None) -> Sender:
    import requests

    session = requests.Session()

    def send(kwargs: dict[str, Any]) -> tuple[int, Any]:
        kwargs = {**kwargs, "url": base_url.rstrip("/") + kwargs["url"]}
        if token:
            kwargs["headers"] = {**(kwargs.get("headers") or {}), "Authorization": f"Bearer {token}"}
        response = session.request(**kwargs, timeout=30)
        return response.status_code, _body(response.content)

    return send


def app_sender(app: Any) -> Sender:
    """Requests into an ASGI app without a socket."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    client = TestClient(app, base_url="http://kratos-mock.invalid")

    def send(kwargs: dict[str, Any]) -> tuple[int, Any]:
        kwargs = dict(kwargs)
        if "data" in kwargs:
            kwargs["content"] = kwargs.pop("data")
        cookies = kwargs.pop("cookies", None)  # none in the Kratos admin API; httpx wants them per client
        if cookies:
            kwargs["headers"] = {
                **(kwargs.get("headers") or {}),
                "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            }
        response = client.request(**{k: v for k, v in kwargs.items() if k != "timeout"})
        return response.status_code, _body(response.content)

    return send


def _body(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode("utf-8", "replace")


def compare(
    senders: tuple[Sender, Sender],
    *,
    examples: int = 20,
    seed: int = 0,
    operation_ids: Sequence[str] | None = None,
) -> list[OperationDiff]:
    """Draw ``examples`` requests per operation from our spec (deterministically) and send each to
    both servers; report per operation how often the status or the normalised body differed."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    from .fuzz import build_schema

    schema = build_schema(base_url="http://kratos-mock.invalid", operation_ids=operation_ids, max_examples=examples)
    results: list[OperationDiff] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        diff = OperationDiff(operation.label)

        exchange = _exchanger(senders, diff)
        run_examples = hypothesis_seed(seed)(
            settings(
                max_examples=examples,
                database=None,
                deadline=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )(given(case=operation.as_strategy())(exchange))
        )
        run_examples()
        results.append(diff)
    return results


def _exchanger(senders: tuple[Sender, Sender], diff: OperationDiff) -> Callable[[Any], None]:
    def exchange(case: Any) -> None:
        kwargs = case.as_transport_kwargs(base_url="")
        kwargs["url"] = kwargs["url"].removeprefix("http://kratos-mock.invalid")
        (status_a, body_a), (status_b, body_b) = (send(dict(kwargs)) for send in senders)
        diff.cases += 1
        status_differs, body_differs = status_a != status_b, normalize(body_a) != normalize(body_b)
        diff.status_differs += status_differs
        diff.body_differs += body_differs and not status_differs
        if (status_differs or body_differs) and len(diff.examples) < 3:
            diff.examples.append(
                {"request": f"{kwargs['method']} {kwargs['url']}", "a": [status_a, body_a], "b": [status_b, body_b]}
            )

    return exchange


def diff_table(diffs: Sequence[OperationDiff]) -> str:
    rows = [("operation", "cases", "status differs", "body differs")]
    rows += [(d.operation, str(d.cases), str(d.status_differs), str(d.body_differs)) for d in diffs]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join(f"{c:<{w}}" for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def diff_json(diffs: Sequence[OperationDiff]) -> str:
    return json.dumps([{**asdict(d), "differs": d.differs} for d in diffs], indent=2, default=str)
