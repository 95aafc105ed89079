"""Wiring the audit log into a process: open it, and install it on the gateway's services."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bastion.audit.identity import bind_signer
from bastion.audit.keys import load_signer
from bastion.audit.log import AuditLog, AuditUnavailable
from bastion.audit.records import admin_record, cli_actor, content_salt, decision_record
from bastion.config import Settings
from bastion.gateway.context import RequestContext

if TYPE_CHECKING:
    from bastion.services import Services


async def open_audit_log(settings: Settings, engine: AsyncEngine | None = None, writer: bool = True) -> AuditLog:
    """Open the configured log (migrating the database first when we create the engine).

    A writer checks its key against the key the log is bound to (and may create the key of an empty
    log); a reader only loads the configured key."""
    if engine is None:
        from bastion.store.db import create_engine
        from bastion.store.migrate import upgrade_async

        await upgrade_async(settings.store.url)
        engine = create_engine(settings.store.url)
        try:
            return await _open(settings, engine, writer)
        except BaseException:
            await engine.dispose()
            raise
    return await _open(settings, engine, writer)


async def _open(settings: Settings, engine: AsyncEngine, writer: bool) -> AuditLog:
    signer = await bind_signer(engine, settings.audit) if writer else load_signer(settings.audit)
    return await AuditLog(engine, signer, settings.audit).open(writer)


def append_cli_record(settings: Settings, kind: str, action: str, details: dict[str, Any]) -> bool:
    """Append one record of a CLI action (actor ``cli:<OS user>``) when the log is enabled; True
    when appended. For one-shot commands (vault, redteam) that own no long-lived log."""
    if not settings.audit.enabled:
        return False

    async def go() -> None:
        log = await open_audit_log(settings)
        try:
            await log.append(admin_record(action, cli_actor(), details, kind))
        finally:
            await log.close()
            await log.engine.dispose()

    asyncio.run(go())
    return True


async def install(services: Services) -> None:
    if not services.settings.audit.enabled:
        return
    audit = await open_audit_log(services.settings, services.engine)
    salt = content_salt(services.settings.server.server_secret)
    replica = services.settings.server.replica_id

    async def record_decision(ctx: RequestContext, phase: str) -> None:
        await audit.append(decision_record(ctx, phase, salt, replica))

    async def record_admin(action: str, actor: str, details: dict[str, Any]) -> None:
        await audit.append(admin_record(action, actor, details))

    services.audit = audit
    services.record_decision = record_decision
    services.record_admin = record_admin
    services.closers.append(audit.close)


__all__ = ["AuditLog", "AuditUnavailable", "install", "open_audit_log"]
