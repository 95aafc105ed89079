"""The proxied OpenAI routes: parse, decide, forward, relay; the response half around the upstream.

The request stages (``Pipeline``) decide; the response half (``ResponsePipeline``: output guard,
usage accounting, audit) runs ``before`` the upstream call, ``on_answer`` / on each delta, and
``after``. Order matters for the invariants: every response (allowed, refused or failed) is
released only after its record is durable. A request refused before the upstream has one record
(phase ``decision``). An allowed one has two: the input decision (phase ``intent``) is durable
before any byte goes upstream, so the model never runs a request the log does not know of, and
one closing record (phase ``close``) holds the outcome; a request whose intent cannot be recorded
is refused with 503 and never forwarded.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from typing import TYPE_CHECKING, Any

import orjson

from bastion.gateway.asgi import Message, Receive, Scope, Send, header_map, read_body, send_bytes, send_error
from bastion.gateway.context import Decision, RequestContext, Verdict, deny
from bastion.gateway.errors import GatewayError, error_body
from bastion.gateway.metrics import REQUESTS, UPSTREAM_SECONDS
from bastion.gateway.pipeline import ANSWER_UNCHECKED, NotForwarded, Pipeline, ResponsePipeline, ResponseStage
from bastion.gateway.sse import SseParser, event
from bastion.gateway.stages.audit_record import AuditRecord
from bastion.gateway.stages.output_guard import OutputGuard
from bastion.gateway.stages.usage import UsageAccounting
from bastion.gateway.upstream import READ_ERRORS, Route
from bastion.gateway.validation import body_limits, validate

if TYPE_CHECKING:
    from bastion.services import Services

log = logging.getLogger("bastion.proxy")

ROUTES = {
    "/v1/chat/completions": ("chat.completions", "/chat/completions"),
    "/v1/completions": ("completions", "/completions"),
    "/v1/embeddings": ("embeddings", "/embeddings"),
}
AUTH_STAGES = ("authenticate", "account_gate")
NOT_FORWARDED = {"audit": "The request could not be recorded, so it was not sent to the model."}
SSE_HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache"),
               (b"x-accel-buffering", b"no")]


def new_request_id() -> str:
    return "req_" + secrets.token_hex(12)


def bearer_key(headers: dict[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return None


class Proxy:
    def __init__(self, services: Services, pipeline: Pipeline) -> None:
        self.services = services
        self.pipeline = pipeline
        self.response = response_pipeline(services, pipeline)
        self.max_body = services.settings.server.max_body_bytes
        self.limits = body_limits(services.settings.server)

    def new_context(self, route: str, headers: dict[str, str], client: Any) -> RequestContext:
        srv = self.services.settings.server
        ctx = RequestContext(new_request_id(), route, {}, bearer_key(headers), headers,
                             client_ip=client[0] if client else None)
        if srv.trust_country_header:
            country = headers.get(srv.country_header)
            if country and len(country) == 2 and country.isalpha():
                ctx.request_country = country.upper()
        return ctx

    async def handle(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self._handle(scope, receive, tracked, path)
        except Exception:
            # Invariant 2: a decision that could not be recorded is not released (fail closed).
            log.exception("request failed")
            if not started:
                await send_error(send, 503, "The request could not be recorded and was refused.", "internal")

    async def _handle(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        route, upstream_path = ROUTES[path]
        ctx = self.new_context(route, header_map(scope), scope.get("client"))
        try:
            raw = await read_body(scope, receive, self.max_body)
            try:
                body = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise GatewayError(400, f"We could not parse the JSON body of your request ({exc.msg}).",
                                   "invalid_json") from exc
            ctx.body = validate(route, body, self.limits)
        except GatewayError as exc:
            await self.refuse(ctx, send, Verdict(Decision.DENY, exc.code, exc.message, {}, exc.status), "parse")
            return
        ctx.model = body["model"]
        ctx.stream = bool(body.get("stream"))
        target = self.services.upstreams.route(body["model"])
        if target is None:
            verdict = await self.pipeline.run(ctx, only=AUTH_STAGES)
            if not verdict.denied:
                verdict = deny("model_not_found",
                               f"The model '{ctx.model}' does not exist or you do not have access to it.", 404)
                ctx.final, ctx.deciding_stage = verdict, "router"
        else:
            verdict = await self.pipeline.run(ctx)
        if verdict.denied:
            await self.refuse(ctx, send, verdict, ctx.deciding_stage or "pipeline")
            return
        assert target is not None
        await self.forward(ctx, receive, send, target, upstream_path, raw)

    # -- refusals ------------------------------------------------------------------------
    async def refuse(self, ctx: RequestContext, send: Send, verdict: Verdict, stage: str) -> None:
        """A request refused before the upstream: its one record (phase ``decision``), then the error."""
        ctx.final = verdict
        ctx.deciding_stage = ctx.deciding_stage or stage
        await self.record(ctx, "decision")
        await self.send_refusal(ctx, send, verdict)

    async def send_refusal(self, ctx: RequestContext, send: Send, verdict: Verdict) -> None:
        headers = [(b"x-request-id", ctx.request_id.encode())]
        if verdict.retry_after_s is not None:
            headers.append((b"retry-after", str(max(1, round(verdict.retry_after_s))).encode()))
        REQUESTS.labels(ctx.route, "deny", verdict.reason).inc()
        await send_error(send, verdict.http_status, verdict.message, verdict.reason, headers,
                         bastion={"request_id": ctx.request_id, "stage": ctx.deciding_stage,
                                  "reason": verdict.reason})

    async def record(self, ctx: RequestContext, phase: str) -> None:
        # Invariant 2: a failure to record is a failure of the request, never a silent pass.
        await self.services.record_decision(ctx, phase)

    async def before_upstream(self, ctx: RequestContext, send: Send) -> bool:
        """The response half's ``before`` (the intent record); False, and a 503 sent, when a stage
        failed: then the request is never forwarded."""
        try:
            await self.response.before(ctx)
        except NotForwarded as exc:
            code = f"{exc.stage}_unavailable"
            message = NOT_FORWARDED.get(exc.stage, f"The request could not be prepared ({exc.stage}), so it was "
                                        "not sent to the model.")
            REQUESTS.labels(ctx.route, "deny", code).inc()
            await send_error(send, 503, message, code, [(b"x-request-id", ctx.request_id.encode())],
                             bastion={"request_id": ctx.request_id, "stage": exc.stage, "reason": code})
            return False
        return True

    async def fail_forwarded(self, ctx: RequestContext, send: Send, verdict: Verdict, stage: str) -> None:
        """A forwarded request that failed at or after the upstream: the response half closes it."""
        ctx.final, ctx.deciding_stage = verdict, stage
        await self.response.after(ctx)
        await self.send_refusal(ctx, send, verdict)

    def upstream_payload(self, ctx: RequestContext, target: Route, raw: bytes) -> tuple[bytes, bool]:
        """The bytes to send upstream, and whether a usage chunk was asked for on the client's behalf.

        Built before the intent record, so a body that cannot be re-serialised (orjson writes at most
        254 levels of nesting) is a recorded 400, not an unrecorded failure after the intent.
        """
        body = ctx.body
        rewrite = False
        if target.upstream_model != ctx.model:
            body["model"] = target.upstream_model
            rewrite = True
        injected_usage = False
        if ctx.stream:
            so = body.get("stream_options") or {}
            if not so.get("include_usage"):
                # Ask for usage so TPM limits see streamed tokens; the extra chunk is not relayed.
                body["stream_options"] = {**so, "include_usage": True}
                injected_usage = rewrite = True
        if not rewrite:
            return raw, injected_usage
        try:
            return orjson.dumps(body), injected_usage
        except orjson.JSONEncodeError as exc:
            raise GatewayError(400, "The request body is nested too deeply to be forwarded.",
                               "invalid_request") from exc

    # -- forwarding ----------------------------------------------------------------------
    async def forward(self, ctx: RequestContext, receive: Receive, send: Send, target: Route, path: str,
                      raw: bytes) -> None:
        try:
            payload, injected_usage = self.upstream_payload(ctx, target, raw)
        except GatewayError as exc:
            ctx.deciding_stage = "parse"
            await self.refuse(ctx, send, Verdict(Decision.DENY, exc.code, exc.message, {}, exc.status), "parse")
            return
        if not await self.before_upstream(ctx, send):
            return
        started = time.perf_counter()
        try:
            resp = await self.services.upstreams.send(target, path, payload, stream=ctx.stream)
        except GatewayError as exc:
            await self.fail_forwarded(ctx, send, Verdict(Decision.DENY, exc.code, exc.message, {}, exc.status),
                                      "upstream")
            return
        UPSTREAM_SECONDS.labels(ctx.model or "").observe(time.perf_counter() - started)
        ctx.upstream_status = resp.status
        try:
            if ctx.stream and resp.status == 200:
                await self.relay_stream(ctx, receive, send, resp, injected_usage)
            else:
                try:
                    data = await resp.read()
                except TimeoutError:
                    await self.fail_forwarded(ctx, send, deny("upstream_timeout", "The upstream model server "
                                                              "timed out.", 504), "upstream")
                    return
                except READ_ERRORS:
                    await self.fail_forwarded(ctx, send, deny("upstream_error", "The upstream model server failed.",
                                                              502), "upstream")
                    return
                await self.relay_whole(ctx, send, resp.status, resp.headers.get("content-type"), data)
        finally:
            resp.release()

    async def relay_whole(self, ctx: RequestContext, send: Send, status: int, ctype: str | None,
                          data: bytes) -> None:
        headers = [(b"x-request-id", ctx.request_id.encode())]
        if status >= 400:
            ctx.final = Verdict(Decision.DENY, "upstream_error", f"upstream answered {status}", {}, status)
            ctx.deciding_stage = "upstream"
            await self.response.after(ctx)
            REQUESTS.labels(ctx.route, "deny", "upstream_error").inc()
            await send_bytes(send, status, _openai_error(status, data), headers)
            return
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError:
            doc = None
        if not isinstance(doc, dict):
            await self.fail_forwarded(ctx, send, deny("upstream_invalid", "The upstream returned an invalid "
                                                      "response.", 502), "upstream")
            return
        self.take_usage(ctx, doc.get("usage"))
        ctx.answer_text = _answer_text(doc)
        if await self.response.on_answer(ctx, ctx.answer_text) is not None:
            data = orjson.dumps(_filtered(doc, ctx.route))  # withheld, as OpenAI marks filtered output
        failed = await self.response.after(ctx)
        REQUESTS.labels(ctx.route, ctx.final.decision.value, ctx.final.reason).inc()
        if failed is not None:  # e.g. the tokens could not be counted: fail closed, the record says so
            await send_error(send, 503, f"The answer was withheld: {failed} failed.", "internal", headers,
                             bastion={"request_id": ctx.request_id, "stage": failed, "reason": "internal"})
            return
        if ctype:
            headers.append((b"content-type", ctype.encode()))
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*headers, (b"content-length", str(len(data)).encode())]
                    if ctype else [(b"content-type", b"application/json"), *headers,
                                   (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})

    async def relay_stream(self, ctx: RequestContext, receive: Receive, send: Send, resp: Any,
                           injected_usage: bool) -> None:
        # The input decision is already durable (the intent record, before the upstream was called).
        try:
            checks = self.response.on_stream(ctx)
        except Exception as exc:
            log.exception("a response stage could not start checking the stream")
            await self.fail_forwarded(ctx, send, Verdict(Decision.DENY, "internal", ANSWER_UNCHECKED,
                                                         {"error": type(exc).__name__}, 503), "response")
            return
        REQUESTS.labels(ctx.route, ctx.final.decision.value, ctx.final.reason).inc()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*SSE_HEADERS, (b"x-request-id", ctx.request_id.encode())]})
        # A client that goes away cancels the upstream request: closing the upstream connection is
        # how an inference server learns to stop generating (vLLM and SGLang abort on it).
        client_gone = False

        def on_gone(watch: asyncio.Future[None]) -> None:
            nonlocal client_gone
            if watch.cancelled():
                return
            watch.exception()  # a receive() that failed counts as the client gone
            client_gone = True
            resp.close()  # the relay loop below ends at once

        watcher = asyncio.ensure_future(_until_disconnect(receive))
        watcher.add_done_callback(on_gone)
        parser = SseParser()
        parts: list[str] = []
        last: dict[str, Any] = {}
        stop: Verdict | None = None
        done = b""
        ending = "complete"
        try:
            async for chunk in resp.content.iter_any():
                out: list[bytes] = []
                for ev in parser.feed(chunk):
                    if ev.done:
                        stop = await checks.on_end(ctx)
                        if stop is not None:
                            break
                        done = ev.raw  # held back: the client sees the end only after the closing record
                        continue
                    obj = ev.json()
                    if isinstance(obj, dict):
                        last = obj
                        if obj.get("usage"):
                            self.take_usage(ctx, obj["usage"])
                            if injected_usage and not obj.get("choices"):
                                continue
                        delta = _delta_text(obj)
                        if delta:
                            parts.append(delta)
                            stop = await checks.on_delta(ctx, delta)
                            if stop is not None:
                                break
                    out.append(ev.raw)
                if out:
                    await send({"type": "http.response.body", "body": b"".join(out), "more_body": True})
                if stop is not None:
                    break
        except TimeoutError:
            ending = "upstream_timeout"
        except Exception as exc:
            ending = f"upstream_error:{type(exc).__name__}"
        finally:
            watcher.cancel()  # before the last send: the server reports a finished response as a disconnect
        if client_gone and stop is None:
            ending = "client_disconnected"
        tail: bytes
        if stop is not None:
            ending = "content_filter"  # ctx.final and the deciding stage were set by the check that stopped it
            tail = event(_filter_chunk(last, ctx)) + event(
                {"error": {"message": stop.message or "The answer was stopped by the usage policy.",
                           "type": "content_filter", "code": stop.reason, "param": None}})
        elif ending != "complete":
            tail = event({"error": {"message": "The upstream stream ended abnormally.", "type": "api_error",
                                    "code": ending.split(":")[0], "param": None}})
        else:
            tail = done + parser.tail()
        ctx.answer_text = "".join(parts)
        ctx.facts["stream"] = {"ended": ending}
        try:
            # The answer is out already: a failing non-durable stage is named in the closing record.
            await self.response.after(ctx)
        except Exception:
            log.exception("the closing record of stream %s could not be made durable", ctx.request_id)
            tail = event({"error": {"message": "The end of this stream could not be recorded.", "type": "api_error",
                                    "code": "audit_unavailable", "param": None}})
        if not client_gone:
            await send({"type": "http.response.body", "body": tail, "more_body": False})

    def take_usage(self, ctx: RequestContext, usage: Any) -> None:
        if isinstance(usage, dict):
            pt, ct = usage.get("prompt_tokens"), usage.get("completion_tokens")
            ctx.prompt_tokens = pt if isinstance(pt, int) else ctx.prompt_tokens
            ctx.completion_tokens = ct if isinstance(ct, int) else ctx.completion_tokens


def response_pipeline(services: Services, pipeline: Pipeline) -> ResponsePipeline:
    """DESIGN.md's response half, in order: output guard (when a guard is installed), usage
    accounting (into the TPM windows when the rate_limit stage runs), audit (intent and close)."""
    stages: list[ResponseStage] = []
    if services.answer_guard is not None:
        stages.append(OutputGuard(services.answer_guard))
    stages.append(UsageAccounting(services.counters if "rate_limit" in pipeline.stage_names() else None))
    stages.append(AuditRecord(services))
    return ResponsePipeline(stages)


async def _until_disconnect(receive: Receive) -> None:
    """Return once the client has gone. The request body was read whole before the upstream call, so
    the next message the server delivers is ``http.disconnect``."""
    while (await receive())["type"] != "http.disconnect":
        pass


def _openai_error(status: int, data: bytes) -> bytes:
    """Pass an upstream error through, in OpenAI shape whatever the upstream sent."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("error"), dict):
        return data
    message = doc.get("message") if isinstance(doc, dict) and isinstance(doc.get("message"), str) else None
    if message is None:
        message = data[:200].decode("utf-8", "replace") or f"upstream error {status}"
    return error_body(status, f"Upstream error: {message}", "upstream_error")


def _answer_text(doc: dict[str, Any]) -> str:
    out: list[str] = []
    for choice in doc.get("choices") or ():
        if not isinstance(choice, dict):
            continue
        msg = choice.get("message")
        if isinstance(msg, dict):
            if isinstance(msg.get("content"), str):
                out.append(msg["content"])
            for call in msg.get("tool_calls") or ():
                fn = call.get("function") if isinstance(call, dict) else None
                if isinstance(fn, dict):
                    out.append(f"{fn.get('name', '')}({fn.get('arguments', '')})")
        elif isinstance(choice.get("text"), str):
            out.append(choice["text"])
    return "\n".join(out)


def _delta_text(obj: dict[str, Any]) -> str:
    choices = obj.get("choices")
    if not choices or not isinstance(choices, list):
        return ""
    c = choices[0]
    if not isinstance(c, dict):
        return ""
    delta = c.get("delta")
    if isinstance(delta, dict):
        text = delta.get("content")
        calls = delta.get("tool_calls")
        if isinstance(calls, list):
            args = "".join(str((tc.get("function") or {}).get("arguments", "")) for tc in calls
                           if isinstance(tc, dict))
            return (text or "") + args
        return text if isinstance(text, str) else ""
    text = c.get("text")
    return text if isinstance(text, str) else ""


def _filtered(doc: dict[str, Any], route: str) -> dict[str, Any]:
    """The upstream's answer with its content withheld, as OpenAI marks filtered output."""
    out = dict(doc)
    choices = []
    for c in doc.get("choices") or ():
        if not isinstance(c, dict):
            continue
        c = dict(c, finish_reason="content_filter")
        if route == "chat.completions":
            c["message"] = {"role": "assistant", "content": None}
        else:
            c["text"] = ""
        choices.append(c)
    out["choices"] = choices
    return out


def _filter_chunk(last: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    kind = "chat.completion.chunk" if ctx.route == "chat.completions" else "text_completion"
    choice: dict[str, Any] = {"index": 0, "finish_reason": "content_filter"}
    if ctx.route == "chat.completions":
        choice["delta"] = {}
    else:
        choice["text"] = ""
    return {"id": last.get("id", ctx.request_id), "object": kind, "created": last.get("created", int(time.time())),
            "model": last.get("model", ctx.model), "choices": [choice]}
