"""Prometheus metrics for the gateway (served on ``GET /metrics``)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter("bastion_requests_total", "Requests by route, decision and reason.",
                   ["route", "decision", "reason"], registry=REGISTRY)
STAGE_SECONDS = Histogram("bastion_stage_seconds", "Time spent in each pipeline stage.", ["stage"],
                          buckets=(0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.25, 1.0),
                          registry=REGISTRY)
UPSTREAM_SECONDS = Histogram("bastion_upstream_seconds", "Upstream time to response headers.", ["model"],
                             buckets=(0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60), registry=REGISTRY)
TOKENS = Counter("bastion_tokens_total", "Tokens reported by upstreams.", ["model", "kind"], registry=REGISTRY)


def render() -> bytes:
    from bastion.registry import METRICS, load

    # Capabilities keep their own registries (they may not import the gateway); served together here.
    return generate_latest(REGISTRY) + b"".join(generate_latest(load(ref)) for ref in METRICS)
