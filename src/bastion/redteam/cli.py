"""``bastion redteam ...``: run an attack suite against an OpenAI-compatible endpoint and write a signed
report; verify a report; compare two; make a signing key; list what is built in.

When the audit log is enabled, each report's SHA-256 is appended to it (``kind: redteam``), which ties
the disclosed report to the log an auditor already checks.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import click
import orjson

from bastion.config import Settings
from bastion.gateway.cli import settings_from
from bastion.redteam.client import Endpoint, public_url
from bastion.redteam.settings import EndpointSettings


def audit(settings: Settings, details: dict[str, Any]) -> bool:
    """Append the report record when the audit log is enabled; True when appended."""
    from bastion.audit.service import append_cli_record

    return append_cli_record(settings, "redteam", "report", details)


def endpoint(url: str | None, model: str | None, key_env: str | None, configured: EndpointSettings | None,
             what: str, **kw: Any) -> Endpoint | None:
    if url or model:
        if not (url and model):
            raise click.UsageError(f"the {what} needs both a URL and a model")
        return Endpoint(url, model, key_env, **kw)
    if configured is not None:
        return Endpoint(configured.base_url, configured.model, configured.api_key_env,
                        **{**kw, "timeout_s": configured.timeout_s})
    return None


@click.group()
def redteam() -> None:
    """Attack suites, transforms and judges; a signed safety disclosure report."""


@redteam.command("run")
@click.option("--target", required=True, help="OpenAI-compatible base URL (e.g. http://host:8000/v1).")
@click.option("--model", required=True, help="Model name to send.")
@click.option("--api-key-env", default=None, metavar="VAR", help="Environment variable holding the API key.")
@click.option("--suite", "suites", multiple=True, required=True, help="Built-in suite name or suite file; repeat.")
@click.option("--transform", "transforms", multiple=True, help="Transform name (default: none); repeat; 'all' "
              "for every transform that needs no attacker model.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Report directory.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--limit", type=click.IntRange(1), default=None, help="At most N prompts per suite (seeded sample).")
@click.option("--concurrency", type=click.IntRange(1, 1024), default=None, help="Requests in flight [8].")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0.001), default=None, help="Seconds per request.")
@click.option("--retries", type=click.IntRange(0, 20), default=None, help="Retries on 429/5xx/timeouts [4].")
@click.option("--backoff", type=click.FloatRange(min=0), default=0.5, show_default=True,
              help="First retry delay in seconds (doubles each retry, with jitter).")
@click.option("--max-tokens", type=click.IntRange(1), default=None)
@click.option("--redact", is_flag=True, help="Keep answer hashes only, not answer text.")
@click.option("--signing-key", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Ed25519 key (PEM) that signs the report; created (0600) if missing.")
@click.option("--judge", "judges", multiple=True, help="refusal, guard, llm; repeat (default: refusal and guard).")
@click.option("--primary-judge", default=None, help="Judge whose verdict defines attack success "
              "(default: llm when used, else refusal).")
@click.option("--judge-url", default=None)
@click.option("--judge-model", default=None)
@click.option("--judge-api-key-env", default=None, metavar="VAR")
@click.option("--judge-threshold", type=click.FloatRange(0, 1), default=None)
@click.option("--attacker-url", default=None, help="Attacker model endpoint for crescendo / pair.")
@click.option("--attacker-model", default=None)
@click.option("--attacker-api-key-env", default=None, metavar="VAR")
@click.option("--benign-transforms", is_flag=True, help="Send benign prompts through every transform too.")
@click.option("--fresh", is_flag=True, help="Discard an earlier run's state in --out instead of resuming it.")
@click.option("--no-progress", is_flag=True)
@click.pass_context
def run_cmd(ctx: click.Context, target: str, model: str, api_key_env: str | None, suites: tuple[str, ...],
            transforms: tuple[str, ...], out: Path, seed: int, limit: int | None, concurrency: int | None,
            timeout_s: float | None, retries: int | None, backoff: float, max_tokens: int | None, redact: bool,
            signing_key: Path | None, judges: tuple[str, ...], primary_judge: str | None, judge_url: str | None,
            judge_model: str | None, judge_api_key_env: str | None, judge_threshold: float | None,
            attacker_url: str | None, attacker_model: str | None, attacker_api_key_env: str | None,
            benign_transforms: bool, fresh: bool, no_progress: bool) -> None:
    """Attack TARGET with every prompt of each suite x each transform; write report.json/.sig/.html to OUT.

    Re-running the same command resumes an interrupted run from OUT/state.sqlite.
    """
    from bastion.redteam.judges import JudgeOptions
    from bastion.redteam.keys import KeyError_, load_private, pub_path
    from bastion.redteam.report import ReportError, write_report
    from bastion.redteam.runner import Runner, RunOptions
    from bastion.redteam.state import StateError
    from bastion.redteam.suites import SuiteError, load_suite
    from bastion.redteam.transforms import available, load_transform

    settings = settings_from(ctx)
    rt = settings.redteam
    names = list(dict.fromkeys(transforms or ("none",)))
    if "all" in names:
        static = ["none", *(n for n in available() if n != "none" and not load_transform(n).needs_attacker)]
        names = list(dict.fromkeys([*(n for n in names if n != "all"), *static]))
    timeout = timeout_s or rt.timeout_s
    common: dict[str, Any] = {"timeout_s": timeout, "retries": rt.retries if retries is None else retries,
                              "backoff_s": backoff}
    try:
        loaded = [load_suite(s) for s in suites]
        target_ep = Endpoint(target, model, api_key_env, max_tokens=max_tokens or rt.max_tokens, **common)
        judge_ep = endpoint(judge_url, judge_model, judge_api_key_env, rt.judge, "LLM judge",
                            max_tokens=400, **common)
        attacker_ep = endpoint(attacker_url, attacker_model, attacker_api_key_env, rt.attacker, "attacker",
                               max_tokens=400, temperature=1.0, **common)
        chosen = list(dict.fromkeys(judges or (("refusal", "guard", "llm") if judge_ep else ("refusal", "guard"))))
        options = RunOptions(
            target=target_ep, suites=loaded, transforms=names, judges=chosen,
            judge_options=JudgeOptions(judge_ep, rt.judge_threshold if judge_threshold is None else judge_threshold,
                                       settings.guard.thresholds or None),
            out=out, seed=seed, limit=limit, concurrency=concurrency or rt.concurrency, redact=redact,
            primary_judge=primary_judge, attacker=attacker_ep, benign_transforms=benign_transforms,
            progress=not no_progress, fresh=fresh)
        for ep in (target_ep, judge_ep, attacker_ep):
            if ep is not None:
                ep.api_key()  # fail now, not on the first request, when the key's variable is missing
        runner = Runner(options)
        key_path = signing_key or Path(rt.signing_key_file)
        signer, created = load_private(key_path, create=rt.generate_key)
    except (SuiteError, ValueError, KeyError_) as exc:
        raise click.ClickException(str(exc)) from exc
    if created:
        click.echo(f"created signing key {key_path} (public key {pub_path(key_path)})", err=True)
    try:
        summary = asyncio.run(runner.run())
    except KeyboardInterrupt:
        click.echo(f"interrupted: finished attempts are kept in {out / 'state.sqlite'}; run the same command "
                   "again to resume", err=True)
        sys.exit(130)
    except StateError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        written = write_report(out, signer)
    except ReportError as exc:
        raise click.ClickException(str(exc)) from exc
    m = written.metrics
    asr, over, block = m["asr"]["overall"], m["over_refusal"]["overall"], m["guard_block"]["overall"]

    def pct(cell: dict[str, Any]) -> str:
        return "n/a" if cell["rate"] is None else f"{100 * cell['rate']:.1f}% ({cell['k']}/{cell['n']})"

    click.echo(f"{summary.planned} attempts ({summary.resumed} resumed, {summary.sent} sent in "
               f"{summary.elapsed_s:.1f} s, {summary.rate:.1f}/s); errors {m['attempts']['error']}")
    click.echo(f"attack success {pct(asr)}; over-refusal {pct(over)}; blocked by gateway {pct(block)}")
    click.echo(f"report {written.path} sha256 {written.sha256} signed by {written.key_id}")
    try:
        if audit(settings, {"report_sha256": written.sha256, "run_id": written.run_id,
                            "target": public_url(target), "model": model, "key_id": written.key_id,
                            "attempts": m["attempts"]["total"]}):
            click.echo("report hash appended to the audit log")
    except Exception as exc:
        raise click.ClickException(f"the report is written, but appending it to the audit log failed: {exc}") \
            from exc


@redteam.command("verify")
@click.argument("report", type=click.Path(exists=True, path_type=Path))
@click.option("--public-key", default=None, help="The signer's public key: a PEM file, or base64 of the raw key. "
              "Without it, the key embedded in the report is used (proves integrity, not who signed).")
def verify_cmd(report: Path, public_key: str | None) -> None:
    """Check REPORT (a report directory or report.json) against report.sig."""
    from bastion.redteam.report import ReportError, verify_report

    try:
        v = verify_report(report, public_key)
    except ReportError as exc:
        raise click.ClickException(str(exc)) from exc
    how = "the given key" if v.pinned else "the key embedded in the report (pass --public-key to pin the signer)"
    click.echo(f"OK: report.json sha256 {v.sha256} is signed by key {v.key_id}, checked with {how}")


@redteam.command("compare")
@click.argument("a", type=click.Path(exists=True, path_type=Path))
@click.argument("b", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as one JSON object.")
def compare_cmd(a: Path, b: Path, as_json: bool) -> None:
    """Show the change from report A to report B (e.g. the raw model, then the model behind Bastion)."""
    from bastion.redteam.compare import compare
    from bastion.redteam.report import ReportError, load_report

    try:
        diff = compare(load_report(a), load_report(b))
    except ReportError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(orjson.dumps(diff, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2).decode())
        return
    from rich.console import Console
    from rich.table import Table

    def pct(x: float | None) -> str:
        return "–" if x is None else f"{100 * x:.1f}%"

    def row(t: Table, name: str, d: dict[str, Any]) -> None:
        delta = "–" if d["delta"] is None else f"{100 * d['delta']:+.1f} pt"
        t.add_row(name, f"{pct(d['a'])} (n={d['a_n']})", f"{pct(d['b'])} (n={d['b_n']})", delta,
                  "yes" if d["significant"] else "")

    console = Console()
    console.print(f"A: {diff['a']['model']} at {diff['a']['url']}\nB: {diff['b']['model']} at {diff['b']['url']}")
    for note in diff["notes"]:
        console.print(f"[yellow]note:[/] {note}")
    for title, rows in (("overall", [("attack success", diff["asr"]), ("over-refusal", diff["over_refusal"]),
                                     ("blocked by gateway", diff["guard_block"])]),
                        ("attack success by transform", [(d["transform"], d) for d in diff["by_transform"]]),
                        ("attack success by category", [(d["category"], d) for d in diff["by_category"]])):
        t = Table(title=title)
        for col in ("", "A", "B", "change", "significant"):
            t.add_column(col)
        for name, d in rows:
            row(t, name, d)
        console.print(t)


@redteam.command("keygen")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Key file (default: redteam.signing_key_file).")
@click.pass_context
def keygen_cmd(ctx: click.Context, out: Path | None) -> None:
    """Create the report-signing key (Ed25519, PEM, mode 0600) and its public key beside it."""
    from bastion.redteam.keys import KeyError_, key_id, pub_path, raw_public, write_new_key

    path = out or Path(settings_from(ctx).redteam.signing_key_file)
    try:
        key = write_new_key(path)
    except KeyError_ as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{pub_path(path)} (key id {key_id(raw_public(key.public_key()))})")


@redteam.command("list")
def list_cmd() -> None:
    """Built-in suites, transforms and judges."""
    from bastion.redteam.judges import available as judges
    from bastion.redteam.suites import builtin_suites, load_suite
    from bastion.redteam.transforms import available, load_transform

    click.echo("suites:")
    for name in builtin_suites():
        s = load_suite(name)
        click.echo(f"  {name:24} {len(s.prompts):4} prompts ({s.harmful} harmful)")
    click.echo("transforms:")
    for name in available():
        t = load_transform(name)
        click.echo(f"  {name:24} {t.description}{' [needs --attacker-url]' if t.needs_attacker else ''}")
    click.echo("judges: " + ", ".join(judges()))
