"""Gateway overhead: the same chat request, direct to a fake upstream and through Bastion.

Processes (all on loopback): the fast fake upstream (``_fake_upstream.py``, or ``bastion
demo-upstream`` with ``--upstream demo``), one ``bastion serve`` process (pipeline authenticate +
account gate + rate limit, accounts in a fresh SQLite file, one active org and key seeded with the
CLI, limits set high so they are checked but never bite), optionally the LiteLLM proxy
(``--peer litellm``, no database, no callbacks) on the same upstream, optionally a do-nothing Python
proxy as a yardstick (``--ceiling``, ``_bare_proxy.py``), and this process as the load generator.
The audit log is on, as shipped (``--no-audit`` turns it off). Without ``--pin`` the OS spreads
them over the cores; with ``--pin`` the gateway (or peer) gets CPU 0 and the upstream and
load generator share CPU 1.

Prints one JSON object (req/s, p50, p99 per point, added latency, ``targets``); exits 0 even when a
target is missed. ``--quick`` runs each point for a fraction of a second (for tests).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from _common import emit, free_port, pin, run_load, stop, target, wait_http

HERE = Path(__file__).resolve().parent
MODEL = "bench-model"
BODY = json.dumps({"model": MODEL, "max_tokens": 16,
                   "messages": [{"role": "user", "content": "Say hello in one short sentence."}]},
                  separators=(",", ":")).encode()
HIGH = 1_000_000_000  # limits that are checked on every request but never reached


class BenchError(RuntimeError):
    """The bench could not be set up (not a missed target)."""


@contextmanager
def child(cmd: list[str], log: Path, ready_url: str, env: dict[str, str] | None = None,
          cpus: set[int] | None = None, timeout_s: float = 60.0) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server process, wait until ``ready_url`` answers, stop it afterwards.

    Its output goes to ``log`` (shown only when it fails to start); an ``env`` value of "" unsets.
    """
    environ = {**os.environ, **(env or {})}
    environ = {k: v for k, v in environ.items() if v != "" or k not in (env or {})}
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=environ, cwd=log.parent)
    try:
        pin(proc.pid, cpus)
        try:
            wait_http(ready_url, timeout_s, proc)
        except RuntimeError as exc:
            tail = log.read_text(errors="replace")[-1500:]
            raise BenchError(f"{log.stem}: {exc}\n--- log tail ---\n{tail}") from exc
        yield proc
    finally:
        stop(proc)


def bastion(*args: str, config: Path) -> dict[str, Any]:
    """Run one ``bastion`` CLI verb against the bench config and parse its JSON output."""
    done = subprocess.run([sys.executable, "-m", "bastion.cli", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise BenchError(f"bastion {args[0]} {args[1]} failed: {done.stderr.strip()[-500:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


FULL_STAGES = ["authenticate", "account_gate", "access_policy", "rate_limit", "input_guard", "usage_policy"]
MINIMAL_STAGES = ["authenticate", "account_gate", "rate_limit"]


def write_bastion_config(work: Path, upstream_url: str, audit: bool = True, full: bool = False,
                         redis_url: str | None = None) -> Path:
    """``full``: the default pipeline (access policy, input guard, usage policy) and the answer guard;
    otherwise issue 2's minimal pipeline with the guard off. ``redis_url``: shared counters (needed by
    ``serve --workers N``)."""
    path = work / "bastion.toml"
    stages = FULL_STAGES if full else MINIMAL_STAGES
    counters = (f'[counters]\nbackend = "redis"\nredis_url = "{redis_url}"\nprefix = "bench:{secrets.token_hex(6)}"\n\n'
                if redis_url else "")
    path.write_text(f"""# written by bench/gateway_overhead.py
[server]
server_secret = "{secrets.token_hex(32)}"
admin_token = "{secrets.token_hex(16)}"

[store]
url = "sqlite+aiosqlite:///{work / 'bastion.db'}"

[pipeline]
stages = {json.dumps(stages)}
allow_reduced = {"false" if full else "true"}  # the minimal pipeline is reduced on purpose

[guard]
enabled = {"true" if full else "false"}

[audit]
enabled = {"true" if audit else "false"}
signing_key_file = "{work / 'audit' / 'signing.key'}"

{counters}[limits]
key_rpm = {HIGH}
key_tpm = {HIGH}
org_rpm = {HIGH}
org_tpm = {HIGH}

[models.{MODEL}]
upstreams = [{{ base_url = "{upstream_url}/v1", timeout_s = 30 }}]
""")
    return path


def seed(config: Path) -> str:
    """One active org and one key with high limits, through the CLI an operator would use."""
    bastion("org", "create", "Bench Org", "--status", "active", "--tier", "2", "--country", "GB", config=config)
    issued = bastion("key", "create", "Bench Org", "--name", "bench", "--rpm", str(HIGH), "--tpm", str(HIGH),
                     config=config)
    key: str = issued["key"]
    return key


def litellm_command(explicit: str | None) -> list[str] | None:
    """How to start the LiteLLM proxy: an explicit binary, one beside this Python, or the bench venv."""
    candidates = [explicit] if explicit else [
        str(Path(sys.executable).parent / "litellm"), str(HERE.parent / "var" / "litellm-venv" / "bin" / "litellm"),
        shutil.which("litellm")]
    for c in candidates:
        if c and Path(c).exists():
            return [c]
    return None


def litellm_version(cmd: list[str]) -> str | None:
    py = Path(cmd[0]).parent / "python"
    if not py.exists():
        return None
    done = subprocess.run([str(py), "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
                          capture_output=True, text=True, timeout=60)
    return done.stdout.strip() or None


def write_litellm_config(work: Path, upstream_url: str, master_key: str) -> Path:
    path = work / "litellm.yaml"
    path.write_text(f"""# written by bench/gateway_overhead.py: no database, no callbacks
model_list:
  - model_name: {MODEL}
    litellm_params:
      model: openai/{MODEL}
      api_base: {upstream_url}/v1
      api_key: bench-upstream-needs-no-key
general_settings:
  master_key: {master_key}
litellm_settings:
  drop_params: true
""")
    return path


def sanity(url: str, headers: dict[str, str]) -> None:
    """One request must succeed before any load is sent, or the figures would measure errors."""
    req = urllib.request.Request(url, data=BODY, headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            doc = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        raise BenchError(f"sanity request to {url} answered HTTP {exc.code}: {exc.read()[:300]!r}") from exc
    if not doc.get("choices"):
        raise BenchError(f"sanity request to {url} returned no choices")


def upstream_served(upstream_url: str | None) -> int | None:
    """Chat requests the fake upstream has answered so far (None for an upstream without /stats)."""
    if upstream_url is None:
        return None
    with urllib.request.urlopen(upstream_url + "/stats", timeout=10) as resp:
        served: int = json.loads(resp.read())["chat_requests"]
        return served


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 4) if a is not None and b else None


def diff(a: float | None, b: float | None) -> float | None:
    return round(a - b, 3) if a is not None and b is not None else None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Bastion gateway overhead bench (prints one JSON object).")
    ap.add_argument("--quick", action="store_true", help="a few seconds in total (shape check, not figures)")
    ap.add_argument("--pipeline", choices=["minimal", "full"], default="minimal",
                    help="minimal: authenticate+account_gate+rate_limit; full: the default pipeline with the guard")
    ap.add_argument("--duration", type=float, default=8.0, help="measured seconds per point")
    ap.add_argument("--warmup", type=float, default=1.5, help="unmeasured seconds before each point")
    ap.add_argument("--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[1, 16, 64],
                    help="comma-separated concurrency levels (default 1,16,64)")
    ap.add_argument("--upstream", choices=["fake", "demo"], default="fake",
                    help="fake: bench/_fake_upstream.py (fastest); demo: `bastion demo-upstream`")
    ap.add_argument("--peer", choices=["litellm"], default=None, help="also measure this gateway in the same run")
    ap.add_argument("--litellm-bin", default=None, help="path to the `litellm` executable")
    ap.add_argument("--workers", type=int, default=1,
                    help="bastion serve --workers N (N > 1 uses Redis counters, --redis-url)")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="Redis for --workers > 1")
    ap.add_argument("--no-audit", action="store_true",
                    help="turn the audit log off (on by default, as shipped: a durable record per request)")
    ap.add_argument("--ceiling", action="store_true",
                    help="also measure bench/_bare_proxy.py (a do-nothing Python proxy) on the same upstream")
    ap.add_argument("--pin", action="store_true",
                    help="gateway/peer on CPU 0; upstream and load generator on CPU 1")
    args = ap.parse_args(argv)
    if args.quick:
        args.duration, args.warmup = 0.4, 0.1
    if min(args.concurrency) < 1 or args.duration <= 0 or args.warmup < 0 or args.workers < 1:
        ap.error("concurrency must be >= 1, --duration > 0, --warmup >= 0, --workers >= 1")
    return args


def run(args: argparse.Namespace) -> dict[str, Any]:
    cpus = os.cpu_count() or 1
    if args.pin and cpus < 2:
        raise BenchError("--pin needs at least 2 CPUs")
    gw_cpus, side_cpus = ({0}, {1}) if args.pin else (None, None)
    pin(os.getpid(), side_cpus)
    load_before = os.getloadavg()
    results: dict[str, dict[str, Any]] = {"direct": {}, "bastion": {}}
    peer: dict[str, Any] | None = None
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bastion-bench-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        port = free_port()
        upstream_url = f"http://127.0.0.1:{port}"
        if args.upstream == "fake":
            cmd = [sys.executable, str(HERE / "_fake_upstream.py"), "--port", str(port), "--model", MODEL]
        else:
            cmd = [sys.executable, "-m", "bastion.cli", "demo-upstream", "--port", str(port), "--model", MODEL]
        # The fake upstream answers 404 to GET /: any answer means it is up.
        stack.enter_context(child(cmd, work / "upstream.log", upstream_url + "/v1/models" if args.upstream == "demo"
                                  else upstream_url + "/", cpus=side_cpus))
        config = write_bastion_config(work, upstream_url, audit=not args.no_audit, full=args.pipeline == "full",
                                      redis_url=args.redis_url if args.workers > 1 else None)
        key = seed(config)
        gw_port = free_port()
        gw_url = f"http://127.0.0.1:{gw_port}"
        stack.enter_context(child([sys.executable, "-m", "bastion.cli", "--config", str(config), "serve",
                                   "--port", str(gw_port), "--workers", str(args.workers)], work / "bastion.log",
                                  gw_url + "/healthz", cpus=gw_cpus, timeout_s=120 if args.workers > 1 else 60))
        targets_at = {"direct": (upstream_url + "/v1/chat/completions", {}),
                      "bastion": (gw_url + "/v1/chat/completions", {"Authorization": f"Bearer {key}"})}
        if args.ceiling:
            bport = free_port()
            burl = f"http://127.0.0.1:{bport}"
            stack.enter_context(child([sys.executable, str(HERE / "_bare_proxy.py"), "--port", str(bport),
                                       "--upstream-port", str(port)], work / "bare_proxy.log", burl + "/",
                                      cpus=gw_cpus))
            targets_at["bare_proxy"] = (burl + "/v1/chat/completions", {})
            results["bare_proxy"] = {}
        if args.peer == "litellm":
            peer = {"name": "litellm", "ran": False}
            lcmd = litellm_command(args.litellm_bin)
            if lcmd is None:
                peer["reason"] = "litellm not found: see docs/performance.md for how to install it"
            else:
                master = "sk-bench-" + secrets.token_hex(8)
                lport = free_port()
                lurl = f"http://127.0.0.1:{lport}"
                lcfg = write_litellm_config(work, upstream_url, master)
                stack.enter_context(child(
                    [*lcmd, "--config", str(lcfg), "--host", "127.0.0.1", "--port", str(lport), "--num_workers", "1"],
                    work / "litellm.log", lurl + "/health/liveliness", cpus=gw_cpus, timeout_s=180,
                    env={"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_LOG": "ERROR", "DATABASE_URL": "",
                         "LITELLM_TELEMETRY": "False"}))
                targets_at["litellm"] = (lurl + "/v1/chat/completions", {"Authorization": f"Bearer {master}"})
                results["litellm"] = {}
                peer.update(ran=True, version=litellm_version(lcmd), workers=1)
        for url, headers in targets_at.values():
            sanity(url, headers)
        counted = upstream_url if args.upstream == "fake" else None
        for conc in args.concurrency:
            for name, (url, headers) in targets_at.items():
                before = upstream_served(counted)
                res = run_load(url, BODY, headers=headers, concurrency=conc, duration_s=args.duration,
                               warmup_s=args.warmup)
                after = upstream_served(counted)
                # The upstream's own count (warm-up included) cross-checks the load generator's.
                served = None if before is None or after is None else after - before
                results[name][str(conc)] = {**res.summary(), "upstream_served": served}
    load_after = os.getloadavg()
    return report(args, results, peer, cpus, load_before, load_after, time.monotonic() - started)


def report(args: argparse.Namespace, results: dict[str, dict[str, Any]], peer: dict[str, Any] | None, cpus: int,
           load_before: tuple[float, float, float], load_after: tuple[float, float, float],
           wall_s: float) -> dict[str, Any]:
    lo, hi = str(min(args.concurrency)), str(max(args.concurrency))
    direct, through = results["direct"], results["bastion"]
    added = {c: {"p50_ms": diff(through[c]["p50_ms"], direct[c]["p50_ms"]),
                 "p99_ms": diff(through[c]["p99_ms"], direct[c]["p99_ms"])} for c in direct}
    vs_direct = {c: ratio(through[c]["rps"], direct[c]["rps"]) for c in direct}
    targets = [
        target(f"added_p50_ms_c{lo}", added[lo]["p50_ms"], "<=", 1.0),
        target(f"bastion_over_direct_rps_c{hi}", vs_direct[hi], ">=", 0.5),
    ]
    out: dict[str, Any] = {
        "bench": "gateway_overhead",
        "setup": {
            "cpus": cpus, "placement": "pinned: gateway/peer CPU 0, upstream + load generator CPU 1" if args.pin
            else "unpinned: upstream, gateway (and peer) and load generator share all CPUs",
            "upstream": "bench/_fake_upstream.py" if args.upstream == "fake" else "bastion demo-upstream",
            "gateway": f"bastion serve, {args.workers} process(es), pipeline "
            + "+".join(FULL_STAGES if args.pipeline == "full" else MINIMAL_STAGES) + ", SQLite"
            + (", Redis counters" if args.workers > 1 else ""),
            "workers": args.workers,
            "answer_guard": args.pipeline == "full",
            "audit_log": not args.no_audit,
            "load": "closed loop, keep-alive HTTP/1.1, one connection per concurrent user",
            "request_bytes": len(BODY), "duration_s": args.duration, "warmup_s": args.warmup,
            "quick": args.quick, "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in load_after], "wall_s": round(wall_s, 1),
        },
        "results": results,
        "added_latency": added,
        "bastion_over_direct_rps": vs_direct,
    }
    bare = results.get("bare_proxy")
    if bare:
        # The yardstick: how far a proxy that does nothing gets, and how far Bastion is from it.
        out["ceiling"] = {"bare_proxy_over_direct_rps": {c: ratio(bare[c]["rps"], direct[c]["rps"]) for c in bare},
                          "bastion_over_bare_proxy_rps": {c: ratio(through[c]["rps"], bare[c]["rps"]) for c in bare}}
    if peer is not None:
        out["peer"] = peer
        lite = results.get("litellm")
        vs_peer = {c: ratio(through[c]["rps"], lite[c]["rps"]) for c in lite} if lite else {}
        out["bastion_over_litellm_rps"] = vs_peer
        targets.append(target(f"bastion_over_litellm_rps_c{hi}", vs_peer.get(hi), ">=", 3.0))
    if args.pipeline == "full":
        # Guard v2: the full default pipeline serves at least 1,000 req/s per process on this upstream.
        targets.append(target(f"full_pipeline_rps_c{hi}", through[hi]["rps"], ">=", 1000.0))
    out["targets"] = targets
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        emit(run(args))
    except BenchError as exc:
        print(f"gateway_overhead: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
