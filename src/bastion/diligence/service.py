"""Start-up wiring for diligence: the screening index from the configured lists, the workflow on
the shared services, and the watcher that re-screens everyone when a list file changes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from bastion.diligence.kyc import KycStore
from bastion.diligence.screening.service import ScreeningService
from bastion.diligence.workflow import Diligence

if TYPE_CHECKING:
    from bastion.services import Services

log = logging.getLogger("bastion.diligence")


def build_diligence(services: Services, screening: ScreeningService) -> Diligence:
    async def record(action: str, actor: str, details: dict[str, Any]) -> None:
        await services.record_admin(action, actor, details)  # looked up per call: audit may install later

    s = services.settings.screening
    return Diligence(services.accounts, KycStore(services.engine), screening, record,
                     suspend_on_block=s.suspend_on_block, activate_on_clear=s.activate_on_clear)


async def install(services: Services) -> None:
    settings = services.settings.screening
    if not settings.enabled:
        return
    screening = ScreeningService(settings)
    if settings.lists:
        await screening.load()  # a malformed list stops start-up: screening against less is not screening
    diligence = build_diligence(services, screening)
    services.screening = screening
    services.diligence = diligence

    async def on_update() -> None:
        if settings.rescreen_on_update:
            summary = await diligence.rescreen_all()
            log.info("re-screened %s orgs after a list update: %s new hits, %d suspended",
                     summary["orgs"], summary["new_hits"], len(summary["suspended"]))

    if settings.lists and settings.watch_interval_s > 0:
        task = asyncio.create_task(screening.watch(on_update), name="screening-watch")

        async def stop() -> None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        services.closers.append(stop)
