"""Prometheus metrics through prometheus_client, in its multiprocess mode when it is set up.

`baton serve` and `baton worker` share one PROMETHEUS_MULTIPROC_DIR (see bot/cli/main.py), so the
worker's counters (deliveries, retries, dead rows, routing outcomes, timer firings) reach the
web process's /metrics beside its own. The folder belongs to one deployment: `baton serve`
empties it at start (empty_folder), so a fresh server never adds up an earlier run's files, and
each process is marked dead when it ends (process_finished), which drops its live gauges.
Figures that live in the database (backlogs, escalations by status, which service is down) are
read at scrape time as gauges.

Every metric Baton exports is declared in METRICS, with its kind, help and labels, so the
README's list and the exposition cannot drift apart.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import Gauge as LiveGauge
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass(frozen=True)
class Spec:
    kind: str  # counter | histogram | gauge (per live process, summed: gone when it ends)
    help: str
    labels: tuple[str, ...] = ()


METRICS: dict[str, Spec] = {
    "baton_http_requests_total": Spec(
        "counter", "HTTP requests served", ("path", "method", "status")
    ),
    "baton_http_request_duration_seconds": Spec("histogram", "HTTP request latency", ("path",)),
    "baton_webhooks_received_total": Spec("counter", "Webhook deliveries accepted", ("source",)),
    "baton_webhooks_rejected_total": Spec(
        "counter", "Webhook deliveries rejected", ("source", "reason")
    ),
    "baton_escalations_total": Spec(
        "counter", "Escalation events processed, by outcome (routed, incomplete, …)", ("outcome",)
    ),
    "baton_outbox_attempts_total": Spec(
        "counter", "Outbox delivery attempts by outcome", ("service", "outcome")
    ),
    "baton_outbox_delivery_duration_seconds": Spec(
        "histogram", "Outbox delivery attempt latency", ("service",)
    ),
    "baton_outbox_retries_total": Spec(
        "counter", "Deliveries and events rescheduled after a failure", ("service",)
    ),
    "baton_outbox_dead_total": Spec(
        "counter", "Outbox rows given up (refused, or past the retry budget)", ("service",)
    ),
    "baton_service_outages_total": Spec(
        "counter", "Times a service was declared down (leads told)", ("service",)
    ),
    "baton_timer_firings_total": Spec("counter", "Timers that fired, by timer", ("timer",)),
    "baton_workers_running": Spec("gauge", "Worker processes running"),
}

Gauge = tuple[str, str, Mapping[str, str], float]


class _Gauges:
    """A collector for gauges read from the database just before a scrape."""

    def __init__(self, gauges: Iterable[Gauge]) -> None:
        self.gauges = list(gauges)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        families: dict[str, GaugeMetricFamily] = {}
        for name, help_text, labels, value in self.gauges:
            family = families.get(name)
            if family is None:
                family = families[name] = GaugeMetricFamily(name, help_text, labels=sorted(labels))
            family.add_metric([labels[k] for k in sorted(labels)], float(value))
        yield from families.values()


class Metrics:
    """This process's counters and histograms; one per process (tests make one each)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._metrics: dict[str, Any] = {}
        # Each labelled series once: prometheus_client's labels() locks and validates each call,
        # and the web process counts three series per request.
        self._series: dict[tuple[str, tuple[tuple[str, str], ...]], Any] = {}

    def _metric(self, name: str, kind: str, labels: Mapping[str, str], help: str) -> Any:
        key = (name, tuple(labels.items()))
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = self._labelled(name, kind, labels, help)
        return series

    def _labelled(self, name: str, kind: str, labels: Mapping[str, str], help: str) -> Any:
        metric = self._metrics.get(name)
        if metric is None:
            spec = METRICS.get(name) or Spec(kind, help or name, tuple(sorted(labels)))
            if spec.kind == "counter":
                metric = Counter(name, spec.help, spec.labels, registry=self.registry)
            elif spec.kind == "gauge":
                metric = LiveGauge(
                    name,
                    spec.help,
                    spec.labels,
                    registry=self.registry,
                    multiprocess_mode="livesum",
                )
            else:
                metric = Histogram(
                    name, spec.help, spec.labels, registry=self.registry, buckets=LATENCY_BUCKETS
                )
            self._metrics[name] = metric
        return metric.labels(**labels) if labels else metric

    def inc(
        self, name: str, labels: Mapping[str, str] | None = None, value: float = 1.0, help: str = ""
    ) -> None:
        """Add value to a counter."""
        self._metric(name, "counter", labels or {}, help).inc(value)

    def add(self, name: str, value: float, labels: Mapping[str, str] | None = None) -> None:
        """Move a gauge up or down."""
        self._metric(name, "gauge", labels or {}, "").inc(value)

    def observe(
        self, name: str, seconds: float, labels: Mapping[str, str] | None = None, help: str = ""
    ) -> None:
        """Record a duration in a histogram."""
        self._metric(name, "histogram", labels or {}, help).observe(seconds)

    def value(self, name: str, labels: Mapping[str, str] | None = None) -> float:
        """This process's current value of a counter or gauge (0 if never touched)."""
        gauge = name in METRICS and METRICS[name].kind == "gauge"
        sample = name if gauge or name.endswith("_total") else f"{name}_total"
        found = self.registry.get_sample_value(sample, dict(labels or {}))
        return float(found or 0.0)

    def render(self, gauges: Iterable[Gauge] = ()) -> bytes:
        """The exposition text: every process's metrics (multiprocess mode) plus gauges."""
        directory = os.environ.get(MULTIPROC_ENV)
        if directory:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        else:
            registry = self.registry
        extra = _Gauges(gauges)
        registry.register(extra)
        try:
            return generate_latest(registry)
        finally:
            registry.unregister(extra)


def empty_folder(folder: Path) -> int:
    """Remove the value files prometheus_client left in folder; how many were removed."""
    removed = 0
    for path in folder.glob("*.db"):
        with contextlib.suppress(FileNotFoundError):  # another server emptying it too
            path.unlink()
            removed += 1
    return removed


def process_finished() -> None:
    """Mark this process dead in the shared folder: its live gauges stop being reported."""
    if os.environ.get(MULTIPROC_ENV):
        mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
