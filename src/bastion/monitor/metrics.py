"""The monitor's Prometheus counters (served with the gateway's on ``GET /metrics``)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

REGISTRY = CollectorRegistry(auto_describe=True)

EVENTS = Counter("bastion_monitor_events_total", "Monitor events handed on (stream or in-process engine).",
                 registry=REGISTRY)
DROPPED = Counter("bastion_monitor_dropped_total",
                  "Monitor events dropped, by why: queue_full (the request did not wait) or sink_error.",
                  ["why"], registry=REGISTRY)
CASES = Counter("bastion_monitor_actions_total", "Monitor actions taken, by action.", ["action"],
                registry=REGISTRY)
