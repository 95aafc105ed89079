"""The console's ASGI app (Starlette), mounted by the gateway at ``/console/``.

Every page needs a live session; each route names the roles that may use it (others get 403). Every
POST carries the session's CSRF token (403 without it); the login form, before any session exists,
carries a token that must equal the one in its own short-lived cookie (double submit).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bastion.console import decision_index, queries
from bastion.console.people import People, PeopleError, Person, Session, same_token
from bastion.gateway.asgi import Message, Receive, Scope, Send
from bastion.monitor.cases import CaseStore
from bastion.services import Services

log = logging.getLogger("bastion.console")

ALL = ("officer", "auditor", "admin")
STATIC = Path(__file__).with_name("static")
# No inline script or style anywhere: the chart data is a JSON <script> block, which CSP does not run.
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                                 b"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class Page:
    request: Request
    session: Session
    form: dict[str, str]

    @property
    def person(self) -> Person:
        return self.session.person

    @property
    def actor(self) -> str:
        return f"console:{self.person.name}"


Handler = Callable[["Console", Page], Awaitable[Response]]


def page(*roles: str) -> Callable[[Handler], Callable[[Console, Request], Awaitable[Response]]]:
    """Session, role and (for POST) CSRF checks in front of a handler."""

    def wrap(fn: Handler) -> Callable[[Console, Request], Awaitable[Response]]:
        async def endpoint(self: Console, request: Request) -> Response:
            try:
                session = await self.session_of(request)
                if session is None:
                    if request.method != "GET":
                        raise Refused(403, "Your session has ended. Sign in again.")
                    return RedirectResponse("/console/login?" + urlencode({"next": request.url.path}), 303)
                form: dict[str, str] = {}
                if request.method == "POST":
                    form = await self.read_form(request)
                    if not same_token(form.get("csrf"), session.csrf):
                        raise Refused(403, "The form's CSRF token is missing or wrong.")
                if session.person.role not in roles:
                    raise Refused(403, f"The {session.person.role} role may not use this page.")
                return await fn(self, Page(request, session, form))
            except Refused as exc:
                return self.render("error.html", request, None, {"status": exc.status, "message": exc.message},
                                   exc.status)

        return endpoint

    return wrap


def _client(request: Request) -> str:
    return request.client.host if request.client else "-"


class Console:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings.console
        self.people = People(services.engine, self.settings)
        secure = self.settings.secure_cookies
        # __Host- cookies must be Secure, Path=/ and have no Domain: a sibling host cannot plant one.
        self.cookie = "__Host-bastion-console" if secure else "bastion-console"
        self.login_cookie = "__Host-bastion-login" if secure else "bastion-login"
        self.env = Environment(loader=PackageLoader("bastion.console", "templates"),
                               autoescape=select_autoescape(default=True, default_for_string=True))

        def bound(fn: Callable[[Console, Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
            async def call(request: Request) -> Response:
                return await fn(self, request)
            return call

        self.app = Starlette(routes=[
            Route("/console", bound(Console.to_overview)),
            Route("/console/", bound(Console.overview)),
            Route("/console/login", bound(Console.login), methods=["GET", "POST"]),
            Route("/console/logout", bound(Console.logout), methods=["POST"]),
            Route("/console/orgs", bound(Console.orgs)),
            Route("/console/orgs/{org_id}", bound(Console.org)),
            Route("/console/orgs/{org_id}/status", bound(Console.org_status), methods=["POST"]),
            Route("/console/screening", bound(Console.screening)),
            Route("/console/screening/{hit_id}", bound(Console.decide_hit), methods=["POST"]),
            Route("/console/audit", bound(Console.audit)),
            Route("/console/audit/verify", bound(Console.verify), methods=["POST"]),
            Route("/console/users", bound(Console.users)),
            Route("/console/users/add", bound(Console.add_user), methods=["POST"]),
            *self.extra_routes(bound),
            Mount("/console/static", StaticFiles(directory=STATIC), name="static"),
        ])

    @staticmethod
    def extra_routes(bound: Callable[[Any], Callable[[Request], Awaitable[Response]]]) -> list[Route]:
        """Pages kept in their own modules (imported here: they import this one)."""
        from bastion.console import monitor_page, policy_page, reports_page

        return [
            Route("/console/monitor", bound(monitor_page.cases)),
            Route("/console/monitor/{case_id}", bound(monitor_page.decide), methods=["POST"]),
            Route("/console/policy", bound(policy_page.policy)),
            Route("/console/policy/validate", bound(policy_page.validate), methods=["POST"]),
            Route("/console/policy/reload", bound(policy_page.reload), methods=["POST"]),
            Route("/console/reports", bound(reports_page.reports)),
            Route("/console/reports/{name}/html", bound(reports_page.report_html)),
            Route("/console/reports/{name}/verify", bound(reports_page.verify), methods=["POST"]),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = {k for k, _ in message.get("headers", [])}
                # A page may set a stricter header of its own (the sandboxed red-team report's CSP).
                message["headers"] = [*message.get("headers", []), *(h for h in SECURITY_HEADERS if h[0] not in own)]
            await send(message)

        await self.app(scope, receive, with_headers)

    # -- plumbing ---------------------------------------------------------------------------
    async def session_of(self, request: Request) -> Session | None:
        return await self.people.session(request.cookies.get(self.cookie, ""))

    async def read_form(self, request: Request) -> dict[str, str]:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
            raise Refused(415, "Forms are sent as application/x-www-form-urlencoded.")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > self.settings.max_form_bytes:
                raise Refused(413, "The form is too large.")
        return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))

    def render(self, template: str, request: Request, session: Session | None, ctx: dict[str, Any],
               status: int = 200) -> HTMLResponse:
        html = self.env.get_template(template).render(
            request=request, session=session, person=session.person if session else None,
            csrf=session.csrf if session else "", path=request.url.path, **ctx)
        return HTMLResponse(html, status)

    def set_cookie(self, response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(name, value, max_age=max_age, path="/", secure=self.settings.secure_cookies,
                            httponly=True, samesite="strict")

    async def record(self, p: Page, action: str, details: dict[str, Any]) -> None:
        await self.services.record_admin(action, p.actor, {**details, "via": "console"})

    # -- sign in and out ----------------------------------------------------------------------
    async def to_overview(self, request: Request) -> Response:
        return RedirectResponse("/console/", 308)

    async def login(self, request: Request) -> Response:
        nxt = request.query_params.get("next", "/console/")
        if not nxt.startswith("/console/") or "//" in nxt or "\\" in nxt:
            nxt = "/console/"  # never an open redirect
        if request.method == "GET":
            return self._login_form(request, nxt, "", 200)
        try:
            form = await self.read_form(request)
        except Refused as exc:
            return self.render("error.html", request, None, {"status": exc.status, "message": exc.message},
                               exc.status)
        if not same_token(form.get("csrf"), request.cookies.get(self.login_cookie)):
            return self.render("error.html", request, None,
                               {"status": 403, "message": "The form's CSRF token is missing or wrong."}, 403)
        name, password, address = form.get("name", "")[:100], form.get("password", ""), _client(request)
        if await self.people.throttled(name, address):
            return self._login_form(request, nxt, "Too many failed sign-ins. Try again later.", 429)
        person = await self.people.check_password(name, password, address)
        if person is None:
            if await self.people.throttled(name, address):
                # Once, at the failure that starts the lock-out: throttled attempts are not recorded,
                # so a flood of them cannot fill the log.
                await self.services.record_admin("console.login_throttled", f"console:{name}",
                                                 {"address": address})
            return self._login_form(request, nxt, "The name or password is wrong.", 401)
        await self.people.clear_failures(name, address)
        token = await self.people.open_session(person)
        await self.services.record_admin("console.login", f"console:{person.name}",
                                         {"role": person.role, "address": address})
        response = RedirectResponse(nxt, 303)
        self.set_cookie(response, self.cookie, token, self.settings.session_ttl_s)
        response.delete_cookie(self.login_cookie, path="/", secure=self.settings.secure_cookies, httponly=True,
                               samesite="strict")
        return response

    def _login_form(self, request: Request, nxt: str, error: str, status: int) -> Response:
        token = secrets.token_urlsafe(32)
        response = self.render("login.html", request, None, {"login_csrf": token, "next": nxt, "error": error},
                               status)
        self.set_cookie(response, self.login_cookie, token, 1800)
        return response

    @page(*ALL)
    async def logout(self, p: Page) -> Response:
        await self.people.close_session(p.request.cookies.get(self.cookie, ""))
        await self.record(p, "console.logout", {})
        response = RedirectResponse("/console/login", 303)
        response.delete_cookie(self.cookie, path="/", secure=self.settings.secure_cookies, httponly=True,
                               samesite="strict")
        return response

    # -- pages ----------------------------------------------------------------------------------
    @page(*ALL)
    async def overview(self, p: Page) -> Response:
        behind = await decision_index.catch_up(self.services.engine, self.settings.index_batch)
        data = await decision_index.overview(self.services.engine, self.settings.overview_window_s)
        open_hits = 0
        if self.services.diligence is not None:
            open_hits = await queries.count_hits(self.services.engine)
        return self.render("overview.html", p.request, p.session, {
            "data": data, "open_hits": open_hits, "behind": behind, "window_h": self.settings.overview_window_s / 3600})

    @page(*ALL)
    async def orgs(self, p: Page) -> Response:
        q = p.request.query_params
        status = q.get("status") or None
        if status not in (None, *queries.ORG_STATUSES):
            raise Refused(400, "Unknown status filter.")
        tier_text = q.get("tier") or ""
        if tier_text not in ("", "0", "1", "2", "3"):
            raise Refused(400, "The tier filter is 0 to 3.")
        country = (q.get("country") or "").strip().upper() or None
        if country is not None and (len(country) != 2 or not country.isalpha()):
            raise Refused(400, "The country filter is a two-letter ISO code.")
        try:
            page_no = max(0, int(q.get("page") or 0))
        except ValueError as exc:
            raise Refused(400, "The page is a number.") from exc
        f = queries.OrgFilter(status, int(tier_text) if tier_text else None, country)
        size = self.settings.page_size
        rows, total = await queries.list_orgs(self.services.engine, f, page_no, size)
        base = {k: v for k, v in {"status": status, "tier": tier_text, "country": country}.items() if v}
        prev_url = f"?{urlencode({**base, 'page': page_no - 1})}" if page_no > 0 else None
        next_url = f"?{urlencode({**base, 'page': page_no + 1})}" if (page_no + 1) * size < total else None
        return self.render("orgs.html", p.request, p.session, {
            "rows": rows, "total": total, "filter": f, "tier_text": tier_text, "page_no": page_no,
            "pages": max(1, -(-total // size)), "prev_url": prev_url, "next_url": next_url,
            "statuses": queries.ORG_STATUSES})

    @page(*ALL)
    async def org(self, p: Page) -> Response:
        org_id = p.request.path_params["org_id"]
        from bastion.store.accounts import AccountError

        try:
            org = await self.services.accounts.get_org(org_id)
        except AccountError as exc:
            raise Refused(404, "No such organisation.") from exc
        keys = await self.services.accounts.list_keys(org_id)
        profile, owners, transitions, hits = None, [], [], []
        dil = self.services.diligence
        if dil is not None:
            profile = await dil.kyc.get_profile(org_id)
            owners = await dil.kyc.owners(org_id)
            transitions = await dil.kyc.transitions(org_id)
            hits = await dil.kyc.hits(org_id=org_id, limit=50)
        await decision_index.catch_up(self.services.engine, self.settings.index_batch)
        recent = await decision_index.search(self.services.engine, org_id=org_id, limit=20)
        return self.render("org.html", p.request, p.session, {
            "org": org, "keys": keys, "profile": profile, "owners": owners, "transitions": transitions,
            "hits": hits, "decisions": recent, "may_act": p.person.role in ("officer", "admin"),
            "cases": await CaseStore(self.services.engine).list(None, org_id, 20),
            "done": p.request.query_params.get("done")})

    @page("officer", "admin")
    async def org_status(self, p: Page) -> Response:
        org_id = p.request.path_params["org_id"]
        status, reason = p.form.get("status", ""), p.form.get("reason", "").strip()[:1000]
        if status not in ("suspended", "active"):
            raise Refused(400, "The console sets an org to suspended or active.")
        if not reason:
            raise Refused(400, "A status change needs a reason.")
        from bastion.store.accounts import AccountError

        try:
            await self.services.accounts.set_org_status(org_id, status)
        except AccountError as exc:
            raise Refused(404, "No such organisation.") from exc
        await self.record(p, f"org.{status}", {"org_id": org_id, "reason": reason})
        return RedirectResponse(f"/console/orgs/{org_id}?done={status}", 303)

    @page("officer", "auditor")
    async def screening(self, p: Page) -> Response:
        dil = self.services.diligence
        f, page_no, query = _hit_filter(p.request)
        size = self.settings.page_size
        hits: list[dict[str, Any]] = []
        total, lists = 0, []
        if dil is not None:
            hits, total = await queries.list_hits(self.services.engine, f, page_no, size)
            lists = await queries.hit_lists(self.services.engine)
        prev_url = f"?{urlencode({**query, 'page': page_no - 1})}" if page_no > 0 else None
        next_url = f"?{urlencode({**query, 'page': page_no + 1})}" if (page_no + 1) * size < total else None
        return self.render("screening.html", p.request, p.session, {
            "hits": hits, "enabled": dil is not None, "may_act": p.person.role == "officer" and f.status == "open",
            "done": p.request.query_params.get("done"), "filter": f, "query": query, "total": total,
            "page_no": page_no, "pages": max(1, -(-total // size)), "prev_url": prev_url, "next_url": next_url,
            "lists": lists, "statuses": queries.HIT_STATUSES})

    @page("officer")
    async def decide_hit(self, p: Page) -> Response:
        dil = self.services.diligence
        if dil is None:
            raise Refused(404, "Screening is not enabled.")
        from bastion.diligence.workflow import DiligenceError

        try:
            await dil.decide(p.request.path_params["hit_id"], p.form.get("verdict", ""),
                             p.form.get("reason", "")[:1000], p.actor)
        except DiligenceError as exc:
            raise Refused(400, str(exc)) from exc
        return RedirectResponse("/console/screening?done=1", 303)

    @page("auditor")
    async def audit(self, p: Page) -> Response:
        q = p.request.query_params
        org_id, reason = (q.get("org") or "").strip()[:40] or None, (q.get("reason") or "").strip()[:100] or None
        since_text, until_text = (q.get("from") or "").strip()[:40], (q.get("to") or "").strip()[:40]
        try:
            since, until = queries.parse_when(since_text), queries.parse_when(until_text)
        except ValueError as exc:
            raise Refused(400, "From and to are ISO 8601 times (UTC when no zone is given).") from exc
        behind = await decision_index.catch_up(self.services.engine, self.settings.index_batch)
        found = await decision_index.search(self.services.engine, org_id, reason, 100, since, until)
        checkpoint = None
        if self.services.audit is not None:
            latest = await self.services.audit.latest_checkpoint()
            checkpoint = latest[1] if latest else None
        return self.render("audit.html", p.request, p.session, {
            "found": found, "org": org_id or "", "reason": reason or "", "checkpoint": checkpoint,
            "since": since_text, "until": until_text,
            "enabled": self.services.audit is not None, "result": q.get("result"),
            "behind": behind})

    @page("auditor")
    async def verify(self, p: Page) -> Response:
        audit = self.services.audit
        if audit is None:
            raise Refused(404, "The audit log is disabled.")
        from bastion.audit.export import db_entries, db_notes
        from bastion.audit.keys import trusted_verifiers
        from bastion.audit.verify import verify_stream

        settings = self.services.settings.audit
        result = await verify_stream(db_entries(self.services.engine), await db_notes(self.services.engine),
                                     trusted_verifiers(settings, audit.signer), settings.origin)
        line = result.line()
        await self.record(p, "audit.verified", {"ok": result.ok})
        return self.render("audit_verified.html", p.request, p.session, {
            "ok": result.ok, "line": line, "at": datetime.now(UTC).isoformat(timespec="seconds")})

    @page("admin")
    async def users(self, p: Page) -> Response:
        return self.render("users.html", p.request, p.session, {
            "users": await self.people.list(), "done": p.request.query_params.get("done")})

    @page("admin")
    async def add_user(self, p: Page) -> Response:
        try:
            person = await self.people.add(p.form.get("name", "").strip(), p.form.get("role", ""),
                                           p.form.get("password", ""))
        except PeopleError as exc:
            raise Refused(400, str(exc)) from exc
        await self.record(p, "console.user_added", {"user": person.name, "role": person.role})
        return RedirectResponse("/console/users?" + urlencode({"done": person.name}), 303)


def _hit_filter(request: Request) -> tuple[queries.HitFilter, int, dict[str, str]]:
    """The review queue's filters from the query string (400 on a bad one), the page, and the
    non-empty filters again for the pager's links."""
    q = request.query_params
    status = q.get("status") or "open"
    if status not in queries.HIT_STATUSES:
        raise Refused(400, "Unknown status filter.")
    list_id = (q.get("list") or "").strip()[:64] or None
    country = (q.get("country") or "").strip().upper() or None
    if country is not None and (len(country) != 2 or not country.isalpha()):
        raise Refused(400, "The country filter is a two-letter ISO code.")
    scores: list[float | None] = []
    for key in ("min_score", "max_score"):
        text = (q.get(key) or "").strip()
        try:
            value = float(text) if text else None
        except ValueError as exc:
            raise Refused(400, "Scores are numbers from 0 to 1.") from exc
        if value is not None and not 0.0 <= value <= 1.0:
            raise Refused(400, "Scores are numbers from 0 to 1.")
        scores.append(value)
    try:
        page_no = max(0, int(q.get("page") or 0))
    except ValueError as exc:
        raise Refused(400, "The page is a number.") from exc
    query = {k: v for k, v in {"status": status if status != "open" else "", "list": list_id or "",
                               "country": country or "", "min_score": q.get("min_score", "").strip(),
                               "max_score": q.get("max_score", "").strip()}.items() if v}
    return queries.HitFilter(status, list_id, country, scores[0], scores[1]), page_no, query


def create_console_app(services: Services) -> Console:
    return Console(services)


__all__ = ["Console", "PeopleError", "create_console_app"]
