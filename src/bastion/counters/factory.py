"""Pick the counter back-end from settings.

Kept apart from ``base`` so that the estimate and the ``Counters`` protocol stay free of the
Redis client: only this module knows both back-ends (the ``pure-engines`` import contract holds it).
"""

from __future__ import annotations

from bastion.config import CounterSettings
from bastion.counters.base import Counters


def make_counters(settings: CounterSettings) -> Counters:
    if settings.backend == "redis":
        from bastion.counters.redis import RedisCounters

        return RedisCounters(settings.redis_url, settings.prefix)
    from bastion.counters.memory import MemoryCounters

    return MemoryCounters()
