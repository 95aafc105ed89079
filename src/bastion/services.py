"""The shared services one gateway process runs with, built from settings at start-up."""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bastion.config import Settings
from bastion.counters.base import Counters
from bastion.counters.factory import make_counters
from bastion.gateway.hooks import AdminRecorder, AnswerGuard, DecisionRecorder
from bastion.gateway.safeguards import PipelineSummary, check_pipeline
from bastion.gateway.unauthenticated import SampledRefusals
from bastion.gateway.upstream import UpstreamPool
from bastion.registry import INSTALLERS, load
from bastion.store.accounts import AccountStore
from bastion.store.db import create_engine
from bastion.store.migrate import upgrade_async

log = logging.getLogger("bastion.services")
# The start-up summary (the pipeline this process runs); `bastion serve` shows it at INFO.
startup_log = logging.getLogger("bastion.startup")


async def _no_decision_record(ctx: Any, phase: str) -> None:
    return None


async def _no_admin_record(action: str, actor: str, details: dict[str, Any]) -> None:
    return None


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    accounts: AccountStore
    counters: Counters
    upstreams: UpstreamPool
    record_decision: DecisionRecorder = _no_decision_record
    record_admin: AdminRecorder = _no_admin_record
    answer_guard: AnswerGuard | None = None
    # Capability singletons, set by their installers (typed in their own packages).
    audit: Any = None
    screening: Any = None
    diligence: Any = None
    policy: Any = None
    guard: Any = None
    monitor: Any = None  # the monitor's event emitter (bastion.monitor.service)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def close(self) -> None:
        for closer in reversed(self.closers):
            try:
                await closer()
            except Exception:
                log.exception("error while closing")
        await self.upstreams.close()
        await self.counters.close()
        await self.engine.dispose()


async def build_services(settings: Settings, migrate: bool = True) -> Services:
    if not settings.server.server_secret:
        raise ValueError("server.server_secret is not set (BASTION_SERVER_SECRET); refusing to start")
    pipeline = check_pipeline(settings.pipeline)  # before anything is opened: a reduced pipeline never starts
    if migrate:
        await upgrade_async(settings.store.url)
    engine = create_engine(settings.store.url, settings.store.echo)
    services = Services(
        settings=settings,
        engine=engine,
        accounts=AccountStore(engine, settings.server.server_secret),
        counters=make_counters(settings.counters),
        upstreams=UpstreamPool(settings.models),
    )
    for ref in INSTALLERS:
        await load(ref)(services)
    await _announce_pipeline(services, pipeline)
    _sample_unauthenticated_refusals(services)
    return services


async def _announce_pipeline(services: Services, pipeline: PipelineSummary) -> None:
    """Log the pipeline this process runs; a reduced or fail-open one is also an audit record (the
    start fails if that record cannot be made durable)."""
    replica = services.settings.server.replica_id
    if not pipeline.weakened:
        startup_log.info("%s [replica %s]", pipeline.describe(), replica)
        return
    startup_log.warning("%s [replica %s]", pipeline.describe(), replica)
    if services.audit is None:
        startup_log.warning("the audit log is disabled: this weakened pipeline is not recorded anywhere")
    await services.record_admin(pipeline.audit_action, f"gateway:{replica}",
                                {**pipeline.details(), "replica": replica, "pid": os.getpid()})


def _sample_unauthenticated_refusals(services: Services) -> None:
    per_minute = services.settings.server.unauthenticated_records_per_min
    if services.audit is None:
        return
    sampler = SampledRefusals(services.record_decision, services.record_admin, per_minute,
                              f"gateway:{services.settings.server.replica_id}")
    services.record_decision = sampler
    services.closers.append(sampler.flush)  # closers run in reverse: this flushes before the log closes
