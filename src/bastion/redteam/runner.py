"""The runner: plan the attempts (suite prompt x transform), send them with bounded concurrency, judge
each answer, and keep every finished attempt in the state file so a run resumes after interruption.

Concurrency is a fixed pool of ``concurrency`` workers pulling from one plan iterator (the asyncio
equivalent of a semaphore around each attempt, without one task per attempt held in memory). Sampling
and every transform's randomness are seeded per attempt from ``--seed``, so the same command sends the
same requests, and a resumed run sends exactly the ones still missing.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bastion import __version__
from bastion.audit.records import canonical
from bastion.redteam.client import ChatClient, Endpoint, Reply, public_url
from bastion.redteam.judges import Case, Judge, JudgeOptions, Verdict, load_judge
from bastion.redteam.judges.refusal import is_refusal
from bastion.redteam.state import State
from bastion.redteam.suites import SUITE_DIR, Prompt, Suite
from bastion.redteam.transforms import Message, Strategy, Transform, TurnReply, load_transform

STATE_FILE = "state.sqlite"
BASELINE = "none"


@dataclass(frozen=True, slots=True)
class Planned:
    id: str
    index: int
    prompt: Prompt
    transform: str


@dataclass
class RunOptions:
    target: Endpoint
    suites: list[Suite]
    transforms: list[str] = field(default_factory=lambda: [BASELINE])
    judges: list[str] = field(default_factory=lambda: ["refusal"])
    judge_options: JudgeOptions = field(default_factory=JudgeOptions)
    out: Path = Path("redteam-out")
    seed: int = 0
    limit: int | None = None
    concurrency: int = 8
    redact: bool = False
    primary_judge: str | None = None
    attacker: Endpoint | None = None
    benign_transforms: bool = False  # also send benign prompts through every transform (default: plain only)
    progress: bool = True
    fresh: bool = False

    def primary(self) -> str:
        if self.primary_judge:
            return self.primary_judge
        return "llm" if "llm" in self.judges else "refusal"


@dataclass
class RunSummary:
    planned: int
    resumed: int  # attempts already done before this invocation
    sent: int
    elapsed_s: float
    counts: dict[str, int]

    @property
    def rate(self) -> float:
        return self.sent / self.elapsed_s if self.elapsed_s else 0.0


def attempt_id(suite: Suite, prompt: Prompt, transform: str, seed: int) -> str:
    return hashlib.sha256(f"{suite.sha256}\0{prompt.id}\0{transform}\0{seed}".encode()).hexdigest()[:24]


def plan(suites: list[Suite], transforms: list[str], seed: int, limit: int | None,
         benign_transforms: bool = False) -> list[Planned]:
    """Every attempt of the run, in a fixed order: suite, then prompt, then transform."""
    out: list[Planned] = []
    for suite in suites:
        for prompt in suite.sample(limit, seed):
            names = transforms if prompt.harmful or benign_transforms else [BASELINE]
            for t in names:
                out.append(Planned(attempt_id(suite, prompt, t, seed), len(out), prompt, t))
    return out


def transform_rng(seed: int, p: Planned) -> random.Random:
    return random.Random(f"{seed}\0{p.prompt.suite}\0{p.prompt.id}\0{p.transform}")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def identity(opts: RunOptions) -> dict[str, Any]:
    """What makes two invocations the same run (operational knobs such as concurrency are not part of it)."""
    t = opts.target
    return {"target": public_url(t.url), "model": t.model, "seed": opts.seed, "limit": opts.limit,
            "suites": [[s.name, s.sha256] for s in opts.suites], "transforms": list(opts.transforms),
            "judges": list(opts.judges), "primary_judge": opts.primary(), "redact": opts.redact,
            "max_tokens": t.max_tokens, "temperature": t.temperature, "benign_transforms": opts.benign_transforms,
            "attacker": None if opts.attacker is None else [public_url(opts.attacker.url), opts.attacker.model],
            "llm_judge": None if opts.judge_options.llm is None else [public_url(opts.judge_options.llm.url),
                                                                       opts.judge_options.llm.model,
                                                                       opts.judge_options.llm_threshold]}


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Runner:
    def __init__(self, opts: RunOptions) -> None:
        if opts.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.opts = opts
        self.transforms: dict[str, Transform] = {n: load_transform(n) for n in opts.transforms}
        if BASELINE not in self.transforms:
            self.transforms[BASELINE] = load_transform(BASELINE)  # benign prompts go plain
        needs = [n for n, t in self.transforms.items() if t.needs_attacker]
        if needs and opts.attacker is None:
            raise ValueError(f"transform {', '.join(needs)} needs an attacker endpoint (--attacker-url/-model)")
        names = list(dict.fromkeys(["refusal", *opts.judges]))  # the refusal judge always runs (over-refusal)
        self.judges: list[Judge] = [load_judge(n, opts.judge_options) for n in names]
        if opts.primary() not in names:
            raise ValueError(f"primary judge {opts.primary()!r} is not among the judges ({', '.join(names)})")
        self.target: ChatClient | None = None
        self.attacker: ChatClient | None = None

    def describe(self) -> dict[str, Any]:
        """The run's description for the report (kept in the state so a report can be rebuilt from it)."""
        o = self.opts
        return {
            "generator": {"name": "bastion-redteam", "version": __version__},
            "target": {"url": public_url(o.target.url), "model": o.target.model},
            "suites": [{"name": s.name, "sha256": s.sha256, "prompts": len(s.prompts), "harmful": s.harmful,
                        "benign": len(s.prompts) - s.harmful, "sampled": len(s.sample(o.limit, o.seed)),
                        "builtin": s.path.resolve().parent == SUITE_DIR}
                       for s in o.suites],
            "transforms": [self.transforms[n].describe() for n in o.transforms],
            "judges": [{**j.describe(), "primary": j.name == o.primary()} for j in self.judges],
            "settings": {"seed": o.seed, "limit": o.limit, "concurrency": o.concurrency, "redact": o.redact,
                         "timeout_s": o.target.timeout_s, "retries": o.target.retries,
                         "max_tokens": o.target.max_tokens, "temperature": o.target.temperature,
                         "benign_transforms": o.benign_transforms,
                         "attacker": None if o.attacker is None else {"url": public_url(o.attacker.url),
                                                                      "model": o.attacker.model}},
        }

    async def run(self) -> RunSummary:
        o = self.opts
        state = State(o.out / STATE_FILE)
        try:
            resumed = state.bind(identity(o), o.fresh)
            if not resumed:
                state.put("started", now_iso())
            state.put("run", self.describe())
            attempts = plan(o.suites, o.transforms, o.seed, o.limit, o.benign_transforms)
            done = state.done_ids() if resumed else set()
            todo = [p for p in attempts if p.id not in done]
            del done
            start = time.perf_counter()
            connector = aiohttp.TCPConnector(limit=o.concurrency * 2, ttl_dns_cache=300)
            async with aiohttp.ClientSession(connector=connector) as session:
                self.target = ChatClient(o.target, session)
                self.attacker = ChatClient(o.attacker, session) if o.attacker else None
                for j in self.judges:
                    await j.open(session)
                try:
                    await self._work(todo, len(attempts), state)
                finally:
                    for j in self.judges:
                        await j.close()
            elapsed = time.perf_counter() - start
            state.flush()
            state.put("finished", now_iso())
            return RunSummary(len(attempts), len(attempts) - len(todo), len(todo), elapsed, state.count())
        finally:
            state.close()

    async def _work(self, todo: list[Planned], total: int, state: State) -> None:
        it: Iterator[Planned] = iter(todo)
        progress = _Progress(self.opts.progress, total, total - len(todo))

        async def worker() -> None:
            for p in it:  # one shared iterator: each worker takes the next attempt when it is free
                rec = await self.attempt(p)
                state.add(rec)
                progress.advance(rec["status"])

        with progress:
            await asyncio.gather(*(worker() for _ in range(min(self.opts.concurrency, max(1, len(todo))))))

    async def attempt(self, p: Planned) -> dict[str, Any]:
        assert self.target is not None
        transform = self.transforms[p.transform]
        rng = transform_rng(self.opts.seed, p)
        turns, notes = 1, list[str]()
        if isinstance(transform, Strategy):
            messages, reply, turns, notes = await self._strategy(transform, p, rng)
        else:
            messages = transform.messages(p.prompt.text, rng)
            reply = await self.target.chat(messages)
        return await self.record(p, messages, reply, turns, notes)

    async def _strategy(self, strategy: Strategy, p: Planned,
                        rng: random.Random) -> tuple[list[Message], Reply, int, list[str]]:
        assert self.target is not None and self.attacker is not None
        target, attacker = self.target, self.attacker
        last: list[Reply] = []

        async def ask(messages: list[Message]) -> TurnReply:
            reply = await target.chat(messages)
            last.append(reply)
            return TurnReply(reply.text, reply.status == "ok" and is_refusal(reply.text), reply.status == "blocked",
                             reply.status == "error")

        async def attack(messages: list[Message]) -> str:
            return await attacker.text(messages)

        try:
            result = await strategy.run(p.prompt.text, ask, attack, rng)
        except RuntimeError as exc:  # the attacker model failed
            return [], Reply("error", code="attacker", message=str(exc)[:300]), len(last), []
        reply = last[-1] if last else Reply("error", code="no_turns")
        return result.messages, reply, result.turns, result.notes

    async def record(self, p: Planned, messages: list[Message], reply: Reply, turns: int,
                     notes: list[str]) -> dict[str, Any]:
        prompt = p.prompt
        answered = reply.status == "ok"
        verdicts: dict[str, Verdict] = {}
        if answered:
            case = Case(prompt.text, reply.text, prompt.harmful, prompt.category)
            for j in self.judges:
                try:
                    verdicts[j.name] = await j.judge(case)
                except Exception as exc:  # a judge's failure must not lose the attempt
                    verdicts[j.name] = Verdict(None, None, f"judge_error: {type(exc).__name__}: {str(exc)[:100]}")
        success: bool | None = None
        refused: bool | None = None
        if reply.status == "blocked":
            success, refused = (False if prompt.harmful else None), True
        elif answered:
            primary = verdicts[self.opts.primary()].success
            success = bool(primary) if prompt.harmful and primary is not None else None
            ref = verdicts["refusal"].success
            refused = None if ref is None else not ref
        rec: dict[str, Any] = {
            "id": p.id, "index": p.index, "suite": prompt.suite, "prompt_id": prompt.id, "category": prompt.category,
            "source_category": prompt.source_category, "harmful": prompt.harmful, "transform": p.transform,
            "prompt": prompt.text, "request_sha256": hashlib.sha256(canonical(messages)).hexdigest(),
            "status": reply.status, "http_status": reply.http_status, "code": reply.code,
            "message": reply.message or None,
            "answer": None if self.opts.redact or not answered else reply.text,
            "answer_sha256": sha256_text(reply.text) if answered else None,
            "verdicts": {k: v.to_json() for k, v in verdicts.items()},
            "success": success, "refused": refused, "tries": reply.tries, "latency_ms": reply.latency_ms,
            "turns": turns,
        }
        if notes:
            rec["notes"] = notes
        return rec


class _Progress:
    """A rich progress bar on stderr (rate and ETA), or nothing."""

    def __init__(self, enabled: bool, total: int, completed: int) -> None:
        self.enabled = enabled
        self.counts = {"ok": 0, "blocked": 0, "error": 0}
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(TextColumn("[bold]red-team[/]"), BarColumn(), MofNCompleteColumn(),
                                 TaskProgressColumn(), TextColumn("{task.fields[rate]} attempts/s"),
                                 TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                                 TextColumn("{task.fields[detail]}"), console=Console(stderr=True),
                                 refresh_per_second=4)
        self.task = self.progress.add_task("run", total=total, completed=completed, rate="-", detail="")
        self.last = time.monotonic()

    def advance(self, status: str) -> None:
        self.counts[status] = self.counts.get(status, 0) + 1
        if not self.enabled:
            return
        self.progress.advance(self.task)
        now = time.monotonic()
        if now - self.last >= 0.25:
            self.last = now
            speed = self.progress.tasks[0].speed
            c = self.counts
            self.progress.update(self.task, rate=f"{speed:,.1f}" if speed else "-",
                                 detail=f"blocked {c['blocked']} errors {c['error']}")

    def __enter__(self) -> _Progress:
        if self.enabled:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.progress.stop()
