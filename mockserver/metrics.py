"""Prometheus metrics of one app (its own registry: apps share nothing): requests and latency per
operation, and identity and session gauges read from the store at scrape time.

prometheus_client is imported at the first scrape, not at start (3% of a cold start): a request
only counts in plain dicts, and a registry accepts any object with a ``collect`` method."""

from __future__ import annotations

import bisect
import functools
import itertools
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .store import Store

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

PATH = "/metrics/prometheus"


class _StoreCollector:
    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        yield GaugeMetricFamily("kratos_mock_identities", "Identities in the store.", value=len(self.store))
        sessions = self.store.sessions()
        active = sum(1 for s in sessions if self.store.is_session_active(s))
        family = GaugeMetricFamily(
            "kratos_mock_sessions", "Sessions in the store, by computed state.", labels=["state"]
        )
        family.add_metric(["active"], active)
        family.add_metric(["inactive"], len(sessions) - active)
        yield family


BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


@functools.cache
def edges() -> tuple[str, ...]:
    """The histogram's ``le`` labels, as prometheus_client writes them."""
    from prometheus_client.utils import floatToGoString

    return (*(floatToGoString(b) for b in BUCKETS), "+Inf")


MAX_SERIES = 4096  # label sets kept, whatever methods and operations clients send


class _RequestCollector:
    """``http_requests_total`` and ``http_request_duration_seconds``, counted in plain dicts and
    handed to prometheus_client's metric families at scrape time: a request costs two dict
    updates and a bisect, not two locked client objects (most of its metrics cost)."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str, int], list[float]] = {}  # labels -> [count, created]
        self.latency: dict[str, list[float]] = {}  # operation -> count per bucket and +Inf, sum, created

    def observe(self, operation: str | None, method: str, status: int, seconds: float) -> None:
        name = operation or "unknown"
        counted = self.counts.get((name, method, status))
        if counted is None:
            if len(self.counts) >= MAX_SERIES:
                return
            counted = self.counts[(name, method, status)] = [0, time.time()]
        counted[0] += 1
        latency = self.latency.get(name)
        if latency is None:
            latency = self.latency[name] = [0.0] * (len(BUCKETS) + 2) + [time.time()]
        latency[bisect.bisect_left(BUCKETS, seconds)] += 1
        latency[-2] += seconds

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily

        labels = ["operation", "method", "code"]
        requests = CounterMetricFamily(
            "http_requests", "Requests served, by operationId, method and status.", labels=labels
        )
        for (name, method, status), (count, created) in list(self.counts.items()):
            requests.add_metric([name, method, str(status)], count, created=created)
        yield requests
        latency = HistogramMetricFamily(
            "http_request_duration_seconds", "Time to answer, by operationId.", labels=["operation"]
        )
        for name, row in list(self.latency.items()):
            cumulative = list(itertools.accumulate(row[: len(BUCKETS) + 1]))
            latency.add_metric([name], list(zip(edges(), cumulative, strict=True)), row[-2])
            latency.add_sample("http_request_duration_seconds_created", {"operation": name}, row[-1])
        yield latency


class Metrics:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._requests = _RequestCollector()
        self._registry: CollectorRegistry | None = None
        self.observe = self._requests.observe  # per request: one bound call, no wrapper

    @property
    def registry(self) -> CollectorRegistry:
        """This app's prometheus_client registry (``get_sample_value`` for tests), made on first use."""
        if self._registry is None:
            from prometheus_client import CollectorRegistry

            self._registry = CollectorRegistry()
            self._registry.register(self._requests)  # type: ignore[arg-type]  # a Collector is anything with collect()
            self._registry.register(_StoreCollector(self._store))  # type: ignore[arg-type]
        return self._registry

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST
