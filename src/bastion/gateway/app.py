"""The gateway's ASGI application: proxy routes on a lean path, admin API on FastAPI."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from sqlalchemy.exc import SQLAlchemyError

from bastion.config import Settings
from bastion.gateway.admin_gate import CLOSE, refuse_admin
from bastion.gateway.asgi import Receive, Scope, Send, send_bytes, send_error
from bastion.gateway.context import Decision, Verdict
from bastion.gateway.metrics import render
from bastion.gateway.pipeline import Pipeline
from bastion.gateway.proxy import AUTH_STAGES, ROUTES, Proxy
from bastion.gateway.validation import quote
from bastion.registry import STAGES, load
from bastion.services import Services, build_services

log = logging.getLogger("bastion.gateway")


def build_pipeline(services: Services) -> Pipeline:
    cfg = services.settings.pipeline
    unknown = [name for name in cfg.stages if name not in STAGES]
    if unknown:
        raise ValueError(f"unknown pipeline stages {unknown}; known: {sorted(STAGES)}")
    stages = [load(STAGES[name])(services) for name in cfg.stages]
    return Pipeline(stages, services.settings.server.stage_timeout_s, cfg.fail_open)


class Gateway:
    """ASGI app. Services are built at lifespan start-up (or passed in, for tests and benches)."""

    def __init__(self, settings: Settings, services: Services | None = None) -> None:
        self.settings = settings
        self.services = services
        self.proxy: Proxy | None = None
        self.admin: Any = None
        self.console: Any = None
        if services is not None:
            self._wire(services)

    def _wire(self, services: Services) -> None:
        from bastion.gateway.admin import create_admin_app

        self.services = services
        self.proxy = Proxy(services, build_pipeline(services))
        self.admin = create_admin_app(services)
        if services.settings.console.enabled:
            from bastion.console.app import create_console_app

            self.console = create_console_app(services)

    async def startup(self) -> None:
        if self.services is None:
            self._wire(await build_services(self.settings))

    async def shutdown(self) -> None:
        if self.services is not None:
            await self.services.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
            return
        if kind != "http":
            return
        path: str = scope["path"]
        if self.proxy is None:
            await send_error(send, 503, "The gateway is starting.", "starting")
            return
        if _repeats_authorization(scope):
            # Two credentials in one request: taking either one would be a guess (proxies differ in
            # which they keep), so neither is.
            await send_error(send, 400, "The request has more than one Authorization header.",
                             "duplicate_authorization", [CLOSE])
            return
        method = scope["method"]
        if path in ROUTES:
            if method != "POST":
                await send_error(send, 405, f"Method {method} is not allowed on {path}.", "method_not_allowed")
                return
            await self.proxy.handle(scope, receive, send, path)
        elif path == "/v1/models" or path.startswith("/v1/models/"):
            await self._models(scope, send, path)
        elif path == "/healthz":
            await send_bytes(send, 200, b'{"status":"ok"}')
        elif path == "/metrics":
            await self._metrics(scope, send)
        elif path == "/admin" or path.startswith("/admin/"):
            await self.admin(scope, receive, send)
        elif self.console is not None and (path == "/console" or path.startswith("/console/")):
            await self.console(scope, receive, send)
        else:
            await send_error(send, 404, f"Unknown path {quote(path)}.", "not_found")

    async def _metrics(self, scope: Scope, send: Send) -> None:
        srv = self.settings.server
        if not srv.metrics_public and await refuse_admin(scope, send, srv.admin_token):
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain; version=0.0.4; charset=utf-8")]})
        await send({"type": "http.response.body", "body": render()})

    async def _models(self, scope: Scope, send: Send, path: str) -> None:
        assert self.proxy is not None and self.services is not None
        if scope["method"] != "GET":
            await send_error(send, 405, "Method not allowed.", "method_not_allowed")
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
        ctx = self.proxy.new_context("models", headers, scope.get("client"))
        verdict = await self.proxy.pipeline.run(ctx, only=AUTH_STAGES)
        if verdict.denied:
            try:
                await self.proxy.refuse(ctx, send, verdict, ctx.deciding_stage or "authenticate")
            except Exception:  # the refusal could not be recorded: still refuse, as an internal error
                log.exception("could not record a refusal")
                await send_error(send, 503, "The request could not be recorded and was refused.", "internal")
            return
        names = list(self.services.upstreams.routes)
        policy = self.services.policy
        if policy is not None and ctx.principal is not None:
            names = list(policy.permitted_models(ctx.principal, ctx.request_country, names))
        data = [{"id": n, "object": "model", "created": 0, "owned_by": "bastion"} for n in names]
        await self.proxy.record(ctx, "decision")
        if path != "/v1/models":
            wanted = path[len("/v1/models/"):]
            match = next((d for d in data if d["id"] == wanted), None)
            if match is None:
                await self.proxy.refuse(ctx, send, Verdict(
                    Decision.DENY, "model_not_found",
                    f"The model '{quote(wanted)}' does not exist or you do not have access to it.", {}, 404), "router")
                return
            await send_bytes(send, 200, orjson.dumps(match))
            return
        await send_bytes(send, 200, orjson.dumps({"object": "list", "data": data}))

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": startup_refusal(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return


# What a refused start raises: settings, keys, policy packs, files and databases the operator names.
# These get one line (uvicorn prints it); anything else is a bug and keeps its traceback.
REFUSALS: tuple[type[Exception], ...] = (ValueError, RuntimeError, OSError, LookupError, SQLAlchemyError)


def startup_refusal(exc: Exception) -> str:
    """The one line a failed start-up prints: ``refusing to start: <why>``; the traceback of a known
    refusal goes to the debug log only, so an operator fixing a setting is not shown a stack."""
    if isinstance(exc, REFUSALS):
        log.debug("start-up refused", exc_info=exc)
    else:
        log.exception("start-up failed")
    why = " ".join(str(exc).split()) or type(exc).__name__
    return why if "refusing to start" in why else f"refusing to start: {why}"


def _repeats_authorization(scope: Scope) -> bool:
    seen = False
    for name, _ in scope.get("headers", ()):
        if name == b"authorization":
            if seen:
                return True
            seen = True
    return False


def create_app(settings: Settings, services: Services | None = None) -> Gateway:
    return Gateway(settings, services)
