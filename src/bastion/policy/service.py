"""The policy service of a gateway process: the engine, hot reload, and the request country."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bastion.config import Settings
from bastion.gateway.context import Principal, RequestContext
from bastion.policy import absolute
from bastion.policy.engine import PolicyEngine
from bastion.policy.geoip import GeoIp
from bastion.policy.pack import PolicyError, PolicyPack, load_pack

if TYPE_CHECKING:
    from bastion.services import Services

log = logging.getLogger("bastion.policy")


def pack_from_settings(settings: Settings) -> PolicyPack:
    """The configured pack, refused (``PolicyError``) if it lets an absolute category through."""
    ps = settings.policy
    pack = load_pack(Path(ps.policy_dir) if ps.policy_dir else None,
                     Path(ps.country_groups_file) if ps.country_groups_file else None, ps.restricted_groups)
    absolute.check(pack, ps.waive_absolute)
    return pack


class PolicyService:
    def __init__(self, settings: Settings, services: Services | None = None) -> None:
        self.settings = settings
        self.services = services
        self.engine = PolicyEngine(pack_from_settings(settings), dict(settings.models),
                                   settings.policy.decision_cache_size)
        self.geoip = GeoIp(settings.policy.geoip_file) if settings.policy.geoip_file else None
        self._watcher: asyncio.Task[None] | None = None

    def request_country(self, ctx: RequestContext) -> str | None:
        """The trusted edge header wins; else the GeoIP file, if one is configured."""
        if ctx.request_country is None and self.geoip is not None:
            ctx.request_country = self.geoip.country(ctx.client_ip)
        return ctx.request_country

    def permitted_models(self, principal: Principal, request_country: str | None, names: list[str]) -> list[str]:
        return self.engine.permitted_models(principal, request_country, names)

    async def reload(self, actor: str = "system") -> dict[str, Any]:
        """Load the pack again; a bad pack is rejected with its error and the old one stays in force."""
        old = self.engine.pack.digest
        try:
            pack = pack_from_settings(self.settings)
        except PolicyError as exc:
            if self.services is not None:
                await self.services.record_admin("policy.reload_rejected", actor, {"error": str(exc)[:500],
                                                                                    "in_force": old})
            return {"ok": False, "error": str(exc), "in_force": old}
        self.engine.swap(pack)
        if self.services is not None:
            await self.services.record_admin("policy.reloaded", actor, {"from": old, "to": pack.digest,
                                                                        "policies": len(pack.info)})
        return {"ok": True, "digest": pack.digest, "previous": old, "policies": len(pack.info)}

    def changed(self) -> bool:
        for path, mtime in self.engine.pack.files.items():
            try:
                if Path(path).stat().st_mtime != mtime:
                    return True
            except OSError:
                return True
        directory = Path(self.settings.policy.policy_dir) if self.settings.policy.policy_dir else None
        if directory is not None:
            current = {str(f) for f in directory.glob("*.cedar")}
            if current != {p for p in self.engine.pack.files if p.endswith(".cedar")}:
                return True
        return False

    async def watch(self) -> None:
        interval = self.settings.policy.reload_interval_s
        while True:
            await asyncio.sleep(interval)
            try:
                if self.changed():
                    result = await self.reload("file-watch")
                    log.warning("policy files changed: %s", "reloaded" if result["ok"] else result["error"])
            except Exception:
                log.exception("policy watch failed")

    def start(self) -> None:
        if self.settings.policy.reload_interval_s > 0:
            self._watcher = asyncio.create_task(self.watch(), name="policy-watch")

    async def close(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        if self.geoip is not None:
            self.geoip.close()


async def install(services: Services) -> None:
    if not services.settings.policy.enabled:
        return
    service = PolicyService(services.settings, services)
    waived = services.settings.policy.waive_absolute
    if waived:
        log.warning("policy.waive_absolute lifts the absolute prohibitions for: %s", ", ".join(waived))
        await services.record_admin("policy.absolute_waived", "config", {"categories": sorted(waived)})
    service.start()
    services.policy = service
    services.closers.append(service.close)
