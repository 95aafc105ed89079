"""The shared services one gateway process runs with, built from settings at start-up."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bastion.config import Settings
from bastion.counters.base import Counters, make_counters
from bastion.gateway.hooks import AdminRecorder, AnswerGuard, DecisionRecorder
from bastion.gateway.upstream import UpstreamPool
from bastion.registry import INSTALLERS, load
from bastion.store.accounts import AccountStore
from bastion.store.db import create_engine
from bastion.store.migrate import upgrade_async

log = logging.getLogger("bastion.services")


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
    screening_update: Any = None  # async () -> None: re-screen everyone after a list update
    policy: Any = None
    guard: Any = None
    vault: Any = None
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
    return services
