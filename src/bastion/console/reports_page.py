"""The console's red-team reports page (auditors and admins): list, open the HTML, verify the signature.

Reports are the folders ``bastion redteam run --out`` writes (report.json, report.sig, report.html)
under ``[console] reports_dir``. Verification is the harness's own (``verify_report``), pinned to the
configured signer's public key when there is one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.responses import HTMLResponse, Response

from bastion.console.app import Page, Refused, page
from bastion.redteam.keys import pub_path
from bastion.redteam.report import HTML, REPORT, ReportError, load_report, verify_report

if TYPE_CHECKING:
    from bastion.console.app import Console

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
# report.html is self-contained with an inline <style> and style attributes, and holds attack prompts
# and model answers: no script at all, styles inline only, and a sandbox (an opaque origin).
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'none'"


def _root(console: Console) -> Path:
    return Path(console.settings.reports_dir)


def _signer(console: Console) -> str | None:
    if console.settings.report_public_key:
        return console.settings.report_public_key
    default = pub_path(Path(console.services.settings.redteam.signing_key_file))
    return str(default) if default.exists() else None


def _folder(console: Console, name: str) -> Path:
    if not NAME.fullmatch(name):
        raise Refused(404, "No such report.")
    folder = _root(console) / name
    if not (folder / REPORT).is_file():
        raise Refused(404, "No such report.")
    return folder


def _summary(folder: Path) -> dict[str, Any]:
    row: dict[str, Any] = {"name": folder.name, "html": (folder / HTML).is_file()}
    try:
        doc = load_report(folder)
    except ReportError as exc:
        return {**row, "error": str(exc)}
    metrics = doc.get("metrics") or {}
    asr = (metrics.get("asr") or {}).get("overall") or {}
    return {**row, "run_id": doc.get("run_id"), "model": (doc.get("target") or {}).get("model")
            if isinstance(doc.get("target"), dict) else doc.get("model"),
            "reported": (doc.get("date") or {}).get("reported"), "key_id": (doc.get("signature") or {}).get("key_id"),
            "attempts": (metrics.get("attempts") or {}).get("total"), "asr": asr.get("rate")}


def _listing(console: Console, verified: dict[str, Any] | None) -> dict[str, Any]:
    root = _root(console)
    try:
        folders = sorted(d for d in root.iterdir() if d.is_dir() and NAME.fullmatch(d.name)
                         and (d / REPORT).is_file()) if root.is_dir() else []
        error = None
    except OSError as exc:  # an unreadable folder is a message on the page, not a 500
        folders, error = [], f"cannot read {root}: {exc.strerror or exc}"
    return {"reports": [_summary(d) for d in folders], "root": str(root), "pinned": _signer(console) is not None,
            "verified": verified, "error": error}


@page("auditor", "admin")
async def reports(console: Console, p: Page) -> Response:
    return console.render("reports.html", p.request, p.session, _listing(console, None))


@page("auditor", "admin")
async def report_html(console: Console, p: Page) -> Response:
    folder = _folder(console, p.request.path_params["name"])
    try:
        body = (folder / HTML).read_bytes()
    except OSError as exc:
        raise Refused(404, "This report has no report.html.") from exc
    return HTMLResponse(body, headers={"content-security-policy": REPORT_CSP})


@page("auditor", "admin")
async def verify(console: Console, p: Page) -> Response:
    folder = _folder(console, p.request.path_params["name"])
    signer = _signer(console)
    try:
        v = verify_report(folder, signer)
        how = "the configured signer's key" if v.pinned else "the key embedded in the report (no signer key configured)"
        result = {"ok": True, "name": folder.name,
                  "line": f"OK: report.json sha256 {v.sha256} is signed by key {v.key_id}, checked with {how}"}
        details: dict[str, Any] = {"report": folder.name, "ok": True, "sha256": v.sha256, "key_id": v.key_id,
                                   "pinned": v.pinned}
    except ReportError as exc:
        result = {"ok": False, "name": folder.name, "line": f"FAILED: {exc}"}
        details = {"report": folder.name, "ok": False, "error": str(exc)[:500]}
    await console.record(p, "redteam.report_verified", details)
    return console.render("reports.html", p.request, p.session, _listing(console, result))
