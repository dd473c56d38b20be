"""/metrics/prometheus: real Prometheus text from this app's own registry."""

from __future__ import annotations

import subprocess
import sys

from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from mockserver import create_app

from .conftest import new_identity


def samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics/prometheus")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def test_requests_latency_and_store_gauges(client: TestClient, app: object) -> None:
    identity = new_identity(client)
    client.get("/admin/identities/00000000-0000-4000-8000-000000000000")
    app.store.create_session(identity["id"])  # type: ignore[attr-defined]
    found = samples(client)
    assert found[("http_requests_total", (("code", "201"), ("method", "POST"), ("operation", "createIdentity")))] == 1
    assert found[("http_requests_total", (("code", "404"), ("method", "GET"), ("operation", "getIdentity")))] == 1
    assert found[("http_request_duration_seconds_count", (("operation", "createIdentity"),))] == 1
    assert found[("kratos_mock_identities", ())] == 1
    assert found[("kratos_mock_sessions", (("state", "active"),))] == 1


def test_two_apps_do_not_share_metrics(client: TestClient) -> None:
    new_identity(client)
    other = TestClient(create_app(seed=1))
    assert ("kratos_mock_identities", ()) in samples(other)
    assert samples(other)[("kratos_mock_identities", ())] == 0
    assert not any(name == "http_requests_total" for name, _ in samples(other))


def test_prometheus_client_is_imported_at_the_first_scrape_not_at_start() -> None:
    """Starting the mock does not pay for prometheus_client (#15, cold start); scraping still works."""
    code = (
        "import sys; import mockserver.app; app = mockserver.app.create_app(); "
        "before = 'prometheus_client' in sys.modules; "
        "body, kind = app.metrics.render(); "
        "print(before, 'prometheus_client' in sys.modules, b'kratos_mock_identities' in body, kind)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split()[:3] == ["False", "True", "True"], done.stdout + done.stderr
    assert done.stdout.split()[3] == "text/plain;"


def test_the_registry_answers_sample_queries_in_process(client: TestClient, app: object) -> None:
    """``app.metrics.registry`` is prometheus_client's, for ``get_sample_value`` in a test."""
    registry = app.metrics.registry  # type: ignore[attr-defined]
    before = registry.get_sample_value("kratos_mock_identities")
    new_identity(client)
    assert registry.get_sample_value("kratos_mock_identities") == before + 1
