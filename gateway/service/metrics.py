"""Prometheus metrics of one gateway (own registry, so tests can run several)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["Metrics"]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.files = Counter("edigw_files_received", "Files received", ["partner", "transport"],
                             registry=r)  # fmt: skip
        self.outcomes = Counter("edigw_files_translated", "Files translated by outcome",
                                ["partner", "state"], registry=r)  # fmt: skip
        self.events = Counter("edigw_events", "Status events / confirmations by final state",
                              ["operation", "state"], registry=r)  # fmt: skip
        self.calls = Counter("edigw_api_calls", "SP-API calls by HTTP status",
                             ["operation", "status"], registry=r)  # fmt: skip
        self.throttled = Counter("edigw_api_throttled", "429 responses received", registry=r)
        self.latency = Histogram("edigw_api_call_seconds", "SP-API call time incl. retries",
                                 ["operation"], registry=r)  # fmt: skip
        self.upload_to_call = Histogram(
            "edigw_upload_to_call_seconds",
            "From upload complete to the SP-API call",
            registry=r,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
        )
        self.queue = Gauge("edigw_queue_depth", "Ledger rows per state", ["kind", "state"],
                           registry=r)  # fmt: skip
        self.alerts = Gauge("edigw_alerts", "Open alerts by kind", ["kind"], registry=r)

    def set_queue(self, counts: dict[str, dict[str, int]]) -> None:
        for kind, states in counts.items():
            for state, n in states.items():
                self.queue.labels(kind, state).set(n)

    def render(self) -> bytes:
        return generate_latest(self.registry)
