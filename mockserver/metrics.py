"""Prometheus metrics of one app (its own registry: apps share nothing): requests and latency per
operation, and identity and session gauges read from the store at scrape time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .store import Store

PATH = "/metrics/prometheus"


class _StoreCollector(Collector):
    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily("kratos_mock_identities", "Identities in the store.", value=len(self.store))
        sessions = self.store.sessions()
        active = sum(1 for s in sessions if self.store.is_session_active(s))
        family = GaugeMetricFamily(
            "kratos_mock_sessions", "Sessions in the store, by computed state.", labels=["state"]
        )
        family.add_metric(["active"], active)
        family.add_metric(["inactive"], len(sessions) - active)
        yield family


class Metrics:
    def __init__(self, store: Store) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests",
            "Requests served, by operationId, method and status.",
            ["operation", "method", "code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to answer, by operationId.",
            ["operation"],
            registry=self.registry,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
        )
        self.registry.register(_StoreCollector(store))

        self._children: dict[tuple[str | None, str, int], tuple[Any, Any]] = {}

    def observe(self, operation: str | None, method: str, status: int, seconds: float) -> None:
        """Label lookups are cached: ``labels()`` costs more than the observation itself."""
        children = self._children.get((operation, method, status))
        if children is None:
            name = operation or "unknown"
            children = (self.requests.labels(name, method, str(status)), self.latency.labels(name))
            if len(self._children) < 4096:  # bounded whatever the clients send
                self._children[(operation, method, status)] = children
        children[0].inc()
        children[1].observe(seconds)

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
