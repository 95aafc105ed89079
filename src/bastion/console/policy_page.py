"""The console's policy page: the pack in force, validate, explain a past decision, try a request.

Auditors and admins read it; only admins reload. Everything goes through the policy capability's
own functions (``pack_from_settings``, ``PolicyService.reload``, ``PolicyEngine.decide``), so the
page answers what the gateway would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from bastion.console import queries
from bastion.console.app import Page, Refused, page
from bastion.policy.engine import org_principal
from bastion.policy.pack import PolicyError
from bastion.policy.service import pack_from_settings

if TYPE_CHECKING:
    from bastion.console.app import Console

SCREENING = ("clear", "unscreened", "review", "block")


def _service(console: Console) -> Any:
    if console.services.policy is None:
        raise Refused(404, "The policy capability is not enabled on this gateway.")
    return console.services.policy


def _country(text: str, what: str) -> str | None:
    code = text.strip().upper()
    if code and (len(code) != 2 or not code.isalpha()):
        raise Refused(400, f"The {what} is a two-letter ISO code.")
    return code or None


async def _explain(console: Console, request_id: str) -> list[dict[str, Any]]:
    """The decision records of one request (newest first) with the policies that decided each."""
    info = {i.id: i for i in _service(console).engine.pack.info.values()}
    found = []
    for idx, rec in await queries.recent_records(console.services.engine, console.settings.scan_entries):
        if rec.get("kind") != "decision" or rec.get("request_id") != request_id:
            continue
        pol = rec.get("policy") or {}
        ids, reasons = list(pol.get("ids") or []), list(pol.get("reasons") or [])
        policies = [{"id": pid, "reason": reasons[n] if n < len(reasons) else "",
                     "effect": info[pid].effect if pid in info else None,
                     "file": info[pid].file if pid in info else None} for n, pid in enumerate(ids)]
        found.append({"index": idx, "policy_stage": pol.get("stage"), "policies": policies,
                      **{k: rec.get(k) for k in ("time", "phase", "org_id", "model", "decision", "stage",
                                                 "reason", "status", "country")}})
    return found


def _hypothetical(console: Console, q: Any) -> tuple[dict[str, str], dict[str, Any] | None]:
    form = {k: (q.get(k) or "").strip()[:200] for k in ("name", "tier", "country", "request_country", "model",
                                                        "declared_use", "screening")}
    if not form["model"]:
        return form, None
    models = console.services.settings.models
    if form["model"] not in models:
        raise Refused(400, "Unknown model.")
    if form["tier"] not in ("0", "1", "2", "3"):
        raise Refused(400, "The tier is 0 to 3.")
    screening = form["screening"] or "clear"
    if screening not in SCREENING:
        raise Refused(400, "Unknown screening state.")
    org = {"id": "org_hypothetical", "name": form["name"] or "Hypothetical org", "status": "active",
           "tier": int(form["tier"]), "country": _country(form["country"], "org country"), "programmes": (),
           "screening_state": screening, "declared_use": form["declared_use"] or None}
    decision = _service(console).engine.decide(org_principal(org, "key_hypothetical"), form["model"],
                                               request_country=_country(form["request_country"],
                                                                        "request country"), cached=False)
    return form, {"allowed": decision.allowed, "summary": decision.summary(), "policies": decision.policies,
                  "errors": decision.errors}


@page("auditor", "admin")
async def policy(console: Console, p: Page) -> Response:
    svc = console.services.policy
    q = p.request.query_params
    request_id = (q.get("request") or "").strip()[:100]
    ctx: dict[str, Any] = {"enabled": svc is not None, "request_id": request_id, "explained": None,
                           "tried": None, "try_form": {}, "models": sorted(console.services.settings.models),
                           "screening_states": SCREENING, "may_reload": p.person.role == "admin",
                           "validated": None, "reloaded": None}
    if svc is not None:
        ctx["pack"] = svc.engine.pack
        if request_id:
            ctx["explained"] = await _explain(console, request_id)
        ctx["try_form"], ctx["tried"] = _hypothetical(console, q)
    return console.render("policy.html", p.request, p.session, ctx)


@page("auditor", "admin")
async def validate(console: Console, p: Page) -> Response:
    """Load the configured pack from disk as a reload would, without putting it in force."""
    svc = _service(console)
    try:
        pack = pack_from_settings(console.services.settings)
        result = {"ok": True, "line": f"OK: {len(pack.info)} policies valid ({pack.digest})"
                  + ("" if pack.digest == svc.engine.pack.digest else "; differs from the pack in force")}
    except PolicyError as exc:
        result = {"ok": False, "line": f"Rejected: {exc}"}
    return console.render("policy.html", p.request, p.session, {
        "enabled": True, "pack": svc.engine.pack, "validated": result, "reloaded": None, "explained": None,
        "request_id": "", "tried": None, "try_form": {}, "models": sorted(console.services.settings.models),
        "screening_states": SCREENING, "may_reload": p.person.role == "admin"})


@page("admin")
async def reload(console: Console, p: Page) -> Response:
    svc = _service(console)
    # PolicyService.reload records policy.reloaded / policy.reload_rejected with this actor.
    result = await svc.reload(p.actor)
    line = (f"Reloaded: {result['policies']} policies ({result['previous']} → {result['digest']})" if result["ok"]
            else f"Rejected, {result['in_force']} stays in force: {result['error']}")
    return console.render("policy.html", p.request, p.session, {
        "enabled": True, "pack": svc.engine.pack, "validated": None, "reloaded": {"ok": result["ok"], "line": line},
        "explained": None, "request_id": "", "tried": None, "try_form": {},
        "models": sorted(console.services.settings.models), "screening_states": SCREENING, "may_reload": True},
        200 if result["ok"] else 422)
