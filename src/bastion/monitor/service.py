"""Installs the monitor in a gateway process: events off every decided request, to Redis or in-process.

The decision recorder is wrapped: once a request's one record (``decision``) or closing record
(``close``) is durable, its event is offered to the emitter. The offer never waits and never raises,
so the monitor can neither slow a request past its bound nor fail it. With ``[monitor] redis_url``
the events go to the stream for ``bastion monitor run``; without it, ``bastion serve`` runs the
engine and its actions itself (one engine per process: with several workers, each sees its share).
"""

from __future__ import annotations

from typing import Any

from bastion.monitor.actions import Actioner, EngineFeed
from bastion.monitor.cases import CaseStore
from bastion.monitor.emitter import Emitter, RedisSink, Sink
from bastion.monitor.engine import MonitorEngine
from bastion.monitor.fingerprint import Fingerprinter

PHASES = frozenset({"decision", "close"})  # "intent" precedes the outcome: the close record carries it


async def install(services: Any) -> None:
    ms = services.settings.monitor
    if not ms.emit:
        return

    async def record_admin(action: str, actor: str, details: dict[str, Any]) -> None:
        await services.record_admin(action, actor, details)  # read per call: installers may wrap it

    sink: Sink
    if ms.redis_url:
        sink = RedisSink(ms.redis_url, ms.stream, ms.stream_maxlen)
    else:
        actioner = Actioner(ms, CaseStore(services.engine), services.accounts, record_admin)
        sink = EngineFeed(MonitorEngine(ms), actioner)
    emitter = Emitter(Fingerprinter.from_secret(services.settings.server.server_secret), sink, ms.queue_size,
                      ms.batch)
    emitter.start()
    inner = services.record_decision

    async def record_decision(ctx: Any, phase: str) -> None:
        await inner(ctx, phase)
        if phase in PHASES:
            emitter.offer(ctx)

    services.record_decision = record_decision
    services.monitor = emitter
    services.closers.append(emitter.close)
