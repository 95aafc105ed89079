"""The console's monitor cases page: officers decide open cases, auditors read them.

The decision is the monitor's own (``CaseStore.decide``, the same as ``bastion monitor decide`` and
``POST /admin/monitor/cases/{id}/decision``); the audit record names the person (``console:<name>``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.responses import RedirectResponse, Response

from bastion.console.app import Page, Refused, page
from bastion.monitor.cases import OUTCOMES, CaseError, CaseStore

if TYPE_CHECKING:
    from bastion.console.app import Console

STATUSES = ("open", "confirmed", "dismissed")


@page("officer", "auditor")
async def cases(console: Console, p: Page) -> Response:
    status = p.request.query_params.get("status") or "open"
    if status not in STATUSES:
        raise Refused(400, "Unknown case status.")
    found = await CaseStore(console.services.engine).list(status, None, console.settings.page_size)
    return console.render("monitor.html", p.request, p.session, {
        "cases": found, "status": status, "statuses": STATUSES, "outcomes": OUTCOMES,
        "emitting": console.services.settings.monitor.emit, "may_act": p.person.role == "officer",
        "done": p.request.query_params.get("done")})


@page("officer")
async def decide(console: Console, p: Page) -> Response:
    case_id = p.request.path_params["case_id"]
    outcome, reason = p.form.get("outcome", ""), p.form.get("reason", "").strip()[:2000]
    try:
        case = await CaseStore(console.services.engine).decide(case_id, outcome, reason, p.person.name)
    except CaseError as exc:
        raise Refused(404 if str(exc).startswith("no case") else 400, str(exc)) from exc
    await console.record(p, "monitor.case_decided", {"case_id": case_id, "org_id": case["org_id"],
                                                     "outcome": outcome, "analyst": p.person.name,
                                                     "reason": reason})
    return RedirectResponse(f"/console/monitor?done={outcome}", 303)
