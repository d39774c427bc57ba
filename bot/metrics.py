"""Process-local counters and latency summaries, rendered in Prometheus text format."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping

LabelSet = tuple[tuple[str, str], ...]

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _labels(labels: Mapping[str, str] | None) -> LabelSet:
    return tuple(sorted((labels or {}).items()))


def _fmt(labels: LabelSet) -> str:
    if not labels:
        return ""
    inner = ",".join(
        f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for k, v in labels
    )
    return "{" + inner + "}"


class Metrics:
    """A tiny registry: counters and histograms with labels; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, dict[LabelSet, float]] = defaultdict(lambda: defaultdict(float))
        self._hist: dict[str, dict[LabelSet, list[float]]] = defaultdict(dict)
        self._help: dict[str, str] = {}

    def inc(
        self, name: str, labels: Mapping[str, str] | None = None, value: float = 1.0, help: str = ""
    ) -> None:
        with self._lock:
            self._counters[name][_labels(labels)] += value
            if help:
                self._help.setdefault(name, help)

    def observe(
        self, name: str, seconds: float, labels: Mapping[str, str] | None = None, help: str = ""
    ) -> None:
        with self._lock:
            key = _labels(labels)
            # buckets..., +Inf count, sum
            h = self._hist[name].setdefault(key, [0.0] * (len(BUCKETS) + 2))
            for i, b in enumerate(BUCKETS):
                if seconds <= b:
                    h[i] += 1
            h[len(BUCKETS)] += 1
            h[len(BUCKETS) + 1] += seconds
            if help:
                self._help.setdefault(name, help)

    def value(self, name: str, labels: Mapping[str, str] | None = None) -> float:
        with self._lock:
            return self._counters.get(name, {}).get(_labels(labels), 0.0)

    def render(self, gauges: Iterable[tuple[str, str, Mapping[str, str], float]] = ()) -> str:
        """Prometheus exposition text; gauges are (name, help, labels, value) read at scrape."""
        out: list[str] = []
        with self._lock:
            for name, series in sorted(self._counters.items()):
                out.append(f"# HELP {name} {self._help.get(name, name)}")
                out.append(f"# TYPE {name} counter")
                out.extend(f"{name}{_fmt(k)} {v:g}" for k, v in sorted(series.items()))
            for name, hseries in sorted(self._hist.items()):
                out.append(f"# HELP {name} {self._help.get(name, name)}")
                out.append(f"# TYPE {name} histogram")
                for k, h in sorted(hseries.items()):
                    for i, b in enumerate(BUCKETS):
                        out.append(f"{name}_bucket{_fmt((*k, ('le', f'{b:g}')))} {h[i]:g}")
                    out.append(f"{name}_bucket{_fmt((*k, ('le', '+Inf')))} {h[len(BUCKETS)]:g}")
                    out.append(f"{name}_count{_fmt(k)} {h[len(BUCKETS)]:g}")
                    out.append(f"{name}_sum{_fmt(k)} {h[len(BUCKETS) + 1]:g}")
        seen: set[str] = set()
        for name, help_text, labels, value in gauges:
            if name not in seen:
                out.append(f"# HELP {name} {help_text}")
                out.append(f"# TYPE {name} gauge")
                seen.add(name)
            out.append(f"{name}{_fmt(_labels(labels))} {value:g}")
        return "\n".join(out) + "\n"
