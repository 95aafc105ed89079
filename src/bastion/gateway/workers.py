"""``bastion serve --workers N``: N gateway processes on one machine behind one listening socket.

uvicorn's supervisor binds the socket once and hands it to N spawned workers (the kernel spreads
accepted connections over them); it replaces a worker that dies and stops everything when one
fails to start. Each worker builds its own services from the same settings. What must be one
across workers lives outside them: accounts and the audit log in the database (SQLite appends take
``BEGIN IMMEDIATE`` and catch up with the other writers, PostgreSQL takes the sequencer lock), rate
limits in Redis. What would race when N processes start at once is done here, once, first: the
migrations and the audit signing key.
"""

from __future__ import annotations

import gc
import logging
import os
import sys

from bastion.config import Settings, load_settings
from bastion.gateway.app import Gateway, create_app

WORKER_APP = "bastion.gateway.workers:worker_app"
HEALTHCHECK_S = 30
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s[%(process)d]: %(message)s"


class WorkersRefused(ValueError):
    """These settings cannot run as several workers (a clear reason in the message)."""


def show_startup_log() -> None:
    """The start-up summary (pipeline, fail-open stages) is INFO: show it whatever the verbosity."""
    logging.getLogger("bastion.startup").setLevel(logging.INFO)


def check_workers(settings: Settings, workers: int) -> None:
    if workers > 1 and settings.counters.backend == "memory":
        # Each process would keep its own counters: every limit would be N times what was set.
        raise WorkersRefused(
            f"--workers {workers} needs shared rate limits: set [counters] backend = \"redis\" "
            "(BASTION_COUNTERS__BACKEND=redis); with in-memory counters each worker would allow the full limit")


def prepare_shared_state(settings: Settings) -> None:
    """Migrate the database and open the audit log once as its writer (which creates the signing key
    of a new log, or checks the key against an existing one) before any worker starts, so that N
    workers never race to create either and a wrong key is one clear error here."""
    import asyncio

    from bastion.store.migrate import upgrade

    upgrade(settings.store.url)
    if not settings.audit.enabled:
        return
    from bastion.audit.keys import KeyError_
    from bastion.audit.service import open_audit_log

    async def check_log() -> None:
        log = await open_audit_log(settings)
        await log.close()
        await log.engine.dispose()

    try:
        asyncio.run(check_log())
    except KeyError_ as exc:
        raise WorkersRefused(str(exc)) from exc


def worker_app() -> Gateway:
    """The app of one worker process (a uvicorn factory): settings come from the same file and
    environment as the parent's (``BASTION_CONFIG`` is set for the child)."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format=LOG_FORMAT)
    show_startup_log()
    settings = load_settings()
    # One replica id per process, so the audit log says which worker decided.
    server = settings.server.model_copy(update={"replica_id": f"{settings.server.replica_id}.{os.getpid()}"})
    _quiet_gc()
    return create_app(settings.model_copy(update={"server": server}))


def _quiet_gc() -> None:
    # As server.run does for one process: long-lived start-up objects stay out of the collector's way.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def run_workers(settings: Settings, host: str, port: int, workers: int, config_path: str | None) -> int:
    """Run the supervisor until it is told to stop; returns the exit status (3 when a worker failed
    to start, as uvicorn's own start-up failure)."""
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors import Multiprocess

    from bastion.gateway.connection import ConnectionLimits
    from bastion.gateway.server import uvicorn_config

    check_workers(settings, workers)
    prepare_shared_state(settings)  # raises WorkersRefused
    if config_path is not None:
        os.environ["BASTION_CONFIG"] = os.path.abspath(config_path)
    # A worker loading the guard model on a busy machine can be slow to answer the supervisor's
    # ping; 5 s (uvicorn's default) would have it killed and restarted as hung, over and over.
    config = uvicorn_config(WORKER_APP, host, port, ConnectionLimits.of(settings.server), factory=True,
                            workers=workers, log_level="info", timeout_worker_healthcheck=HEALTHCHECK_S)
    supervisor = Multiprocess(config, sockets=[config.bind_socket()])
    supervisor.run()
    failed = any(p.exitcode == STARTUP_FAILURE for p in supervisor.processes)
    return STARTUP_FAILURE if failed else 0
