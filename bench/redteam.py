"""Red-team harness overhead: attempts per second against a zero-latency fake endpoint at concurrency 64,
and peak memory (max RSS) of a 100,000-attempt run including the signed report. Prints one JSON object
with ``targets``.

The fake endpoint is a bare HTTP/1.1 server (uvloop + httptools) in a child process that answers every
chat completion at once, alternating a refusal and a compliance, so the figure is the harness's own cost:
transform, request, response parsing, the refusal judge, the state file, the progress accounting. The
run uses every static transform (many-shot included) over a synthetic suite built from the built-in
prompts. ``--quick`` runs 3,000 attempts (for the test suite); ``--attempts`` sets the count.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import orjson
from _common import emit, free_port, pin, stop, target, wait_http

ANSWERS = (b"I'm sorry, but I can't help with that.", b"Sure, here is an overview of the topic you asked about.")


# -- the fake endpoint (child process) -------------------------------------------------------------------


def serve(port: int) -> None:
    import httptools
    import uvloop

    bodies = [orjson.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": "fake",
                            "choices": [{"index": 0, "finish_reason": "stop",
                                         "message": {"role": "assistant", "content": a.decode()}}],
                            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
              for a in ANSWERS]
    replies = [b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + str(len(b)).encode()
               + b"\r\nConnection: keep-alive\r\n\r\n" + b for b in bodies]
    counter = [0]

    class Conn(asyncio.Protocol):
        def connection_made(self, transport: Any) -> None:
            self.transport = transport
            self.parser = httptools.HttpRequestParser(self)

        def data_received(self, data: bytes) -> None:
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserError:
                self.transport.close()

        def on_message_complete(self) -> None:
            counter[0] += 1
            self.transport.write(replies[counter[0] % 2])

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Conn, "127.0.0.1", port, backlog=1024)
        async with server:
            await server.serve_forever()

    uvloop.run(main())


# -- the harness (this process) --------------------------------------------------------------------------


def synthetic_suite(path: Path, prompts: int) -> None:
    from bastion.redteam.suites import builtin_suites, load_suite

    base = [p for name in builtin_suites() for p in load_suite(name).prompts if p.harmful]
    with path.open("wb") as fh:
        for i in range(prompts):
            p = base[i % len(base)]
            text = p.text if i < len(base) else f"{p.text} (variant {i // len(base)})"
            fh.write(orjson.dumps({"id": f"p{i}", "prompt": text, "category": p.category}) + b"\n")


def run(url: str, work: Path, attempts: int, concurrency: int, judges: list[str]) -> dict[str, Any]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from bastion.redteam.client import Endpoint
    from bastion.redteam.report import write_report
    from bastion.redteam.runner import Runner, RunOptions
    from bastion.redteam.suites import load_suite
    from bastion.redteam.transforms import available, load_transform

    transforms = [n for n in available() if not load_transform(n).needs_attacker]
    prompts = -(-attempts // len(transforms))
    suite_path = work / "bench-suite.jsonl"
    synthetic_suite(suite_path, prompts)
    out = work / f"out-{'-'.join(judges)}"
    opts = RunOptions(target=Endpoint(url + "/v1", "fake", timeout_s=30, retries=2), suites=[load_suite(
        str(suite_path))], transforms=transforms, judges=judges, out=out, concurrency=concurrency, progress=False)
    summary = asyncio.run(Runner(opts).run())
    t = time.perf_counter()
    written = write_report(out, Ed25519PrivateKey.generate())
    report_s = time.perf_counter() - t
    counts = written.metrics["attempts"]
    return {"attempts": summary.sent, "transforms": len(transforms), "run_s": round(summary.elapsed_s, 2),
            "attempts_per_s": summary.rate, "report_s": round(report_s, 2), "report_mb": round(written.bytes / 1e6, 1),
            "end_to_end_per_s": round(summary.sent / (summary.elapsed_s + report_s), 1), "ok": counts["ok"],
            "errors": counts["error"], "asr": written.metrics["asr"]["overall"]["rate"]}


def main(attempts: int, concurrency: int, guard_attempts: int) -> dict[str, Any]:
    port = free_port()
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])
    try:
        if len(cpus) >= 2:  # the endpoint on the last core, the harness on the rest: they do not compete
            pin(server.pid, {cpus[-1]})
            pin(os.getpid(), set(cpus[:-1]))
        wait_http(f"http://127.0.0.1:{port}/", proc=server)
        with tempfile.TemporaryDirectory(prefix="bastion-redteam-bench-", dir=os.environ.get("BENCH_TMP")) as tmp:
            main_run = run(f"http://127.0.0.1:{port}", Path(tmp), attempts, concurrency, ["refusal"])
            rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            guard_run = run(f"http://127.0.0.1:{port}", Path(tmp), guard_attempts, concurrency,
                            ["refusal", "guard"]) if guard_attempts else None
    finally:
        stop(server)
    report: dict[str, Any] = {
        "bench": "redteam", "cpus": len(cpus) or os.cpu_count(), "concurrency": concurrency,
        **{k: (round(v, 1) if isinstance(v, float) else v) for k, v in main_run.items()},
        "max_rss_mb": round(rss_mb, 1),
        "note": "harness overhead against a zero-latency endpoint on loopback (endpoint pinned to its own core); "
                "refusal judge only; max RSS is this process's peak over the run and the signed report",
    }
    if guard_run is not None:
        report["with_guard_judge"] = {"attempts": guard_run["attempts"],
                                      "attempts_per_s": round(guard_run["attempts_per_s"], 1)}
    report["targets"] = [target("attempts_per_s_c64", main_run["attempts_per_s"], ">=", 500.0,
                                attempts=main_run["attempts"]),
                         target("max_rss_mb_100k_attempts", rss_mb, "<=", 500.0, attempts=main_run["attempts"])]
    return report


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--attempts", type=int, default=100_000)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--guard-attempts", type=int, default=3_000, help="a second, smaller run with the guard judge "
                    "(0 to skip)")
    ap.add_argument("--quick", action="store_true", help="3,000 attempts, no guard-judge run")
    ap.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.serve:
        serve(a.serve)
    else:
        emit(main(3_000 if a.quick else a.attempts, a.concurrency, 0 if a.quick else a.guard_attempts))
