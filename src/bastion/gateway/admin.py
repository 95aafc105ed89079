"""Admin API (``/admin/...``): accounts for operators, behind its own admin token.

Org API keys never work here; the admin token never works on the proxy routes. Capabilities add
their own routers (see ``bastion.registry.ADMIN_ROUTERS``); all of them depend on ``require_admin``.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from bastion.gateway.admin_gate import AdminGate
from bastion.gateway.validation import quote
from bastion.registry import ADMIN_ROUTERS, load
from bastion.services import Services
from bastion.store.accounts import AccountError

Country = Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")]
Limit = Annotated[int, Field(ge=0, le=2_000_000_000)]
Name = Annotated[str, Field(min_length=1, max_length=300, pattern=r"\S")]


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def require_admin(request: Request, authorization: Annotated[str | None, Header()] = None,
                  x_bastion_actor: Annotated[str | None, Header(max_length=200)] = None) -> str:
    """Check the admin bearer token; returns the actor name recorded in the audit log."""
    token = get_services(request).settings.server.admin_token
    if not token:
        raise HTTPException(403, "The admin API is disabled: no admin token is configured.")
    presented = authorization[7:].strip() if authorization and authorization[:7].lower() == "bearer " else ""
    if not presented or not hmac.compare_digest(presented.encode(), token.encode()):
        raise HTTPException(401, "A valid admin token is required (Authorization: Bearer <admin token>).")
    return f"admin:{x_bastion_actor}" if x_bastion_actor else "admin"


Admin = Annotated[str, Depends(require_admin)]
Svc = Annotated[Services, Depends(get_services)]


class OrgIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    status: Literal["pending", "active", "suspended", "closed"] = "pending"
    tier: int = Field(0, ge=0, le=3)
    country: Country | None = None
    programmes: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(default_factory=list,
                                                                                  max_length=32)
    keep_content: bool = False
    declared_use: str | None = Field(None, max_length=2000)
    rpm_limit: Limit | None = None
    tpm_limit: Limit | None = None


class OrgPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    keep_content: bool | None = None
    declared_use: str | None = Field(None, max_length=2000)
    rpm_limit: Limit | None = None
    tpm_limit: Limit | None = None
    programmes: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(None, max_length=32)
    country: Country | None = None


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["pending", "active", "suspended", "closed"]
    reason: str = Field("", max_length=1000)


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    name: str | None = Field(None, max_length=300)
    role: Literal["member", "owner", "officer"] = "member"


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=200)
    user_id: str | None = Field(None, max_length=40)
    rpm_limit: Limit | None = None
    tpm_limit: Limit | None = None


router = APIRouter(prefix="/admin", tags=["accounts"])


def missing_or_conflict(exc: Exception) -> HTTPException:
    """A domain error as HTTP: "no such thing" (the message starts with "no ") is 404, any other
    refused change 409. Shared by every admin router."""
    msg = str(exc)
    return HTTPException(404 if msg.startswith("no ") else 409, msg)


@router.get("/orgs")
async def list_orgs(_: Admin, svc: Svc, status: Literal["pending", "active", "suspended", "closed"] | None = None,
                    limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    if not (1 <= limit <= 1000 and 0 <= offset <= 10**9):
        raise HTTPException(400, "limit must be 1..1000 and offset 0..1e9")
    return await svc.accounts.list_orgs(status, limit, offset)


@router.post("/orgs", status_code=201)
async def create_org(body: OrgIn, actor: Admin, svc: Svc) -> dict[str, Any]:
    try:
        org = await svc.accounts.create_org(**body.model_dump())
    except AccountError as exc:
        raise HTTPException(409, str(exc)) from exc
    await svc.record_admin("org.created", actor, {"org_id": org["id"], "status": org["status"]})
    return org


@router.get("/orgs/{org_id}")
async def get_org(org_id: str, _: Admin, svc: Svc) -> dict[str, Any]:
    try:
        return await svc.accounts.get_org(org_id)
    except AccountError as exc:
        raise missing_or_conflict(exc) from exc


@router.patch("/orgs/{org_id}")
async def patch_org(org_id: str, body: OrgPatch, actor: Admin, svc: Svc) -> dict[str, Any]:
    fields = body.model_dump(exclude_unset=True)
    if not fields:
        raise HTTPException(400, "nothing to change")
    try:
        org = await svc.accounts.update_org(org_id, **fields)
    except AccountError as exc:
        raise missing_or_conflict(exc) from exc
    await svc.record_admin("org.updated", actor, {"org_id": org_id, "fields": sorted(fields)})
    return org


@router.post("/orgs/{org_id}/status")
async def set_status(org_id: str, body: StatusIn, actor: Admin, svc: Svc) -> dict[str, Any]:
    try:
        org = await svc.accounts.set_org_status(org_id, body.status)
    except AccountError as exc:
        raise missing_or_conflict(exc) from exc
    await svc.record_admin(f"org.{body.status}", actor, {"org_id": org_id, "reason": body.reason})
    return org


@router.post("/orgs/{org_id}/users", status_code=201)
async def create_user(org_id: str, body: UserIn, actor: Admin, svc: Svc) -> dict[str, Any]:
    try:
        user = await svc.accounts.create_user(org_id, body.email, body.name, body.role)
    except AccountError as exc:
        raise missing_or_conflict(exc) from exc
    await svc.record_admin("user.created", actor, {"org_id": org_id, "user_id": user["id"]})
    return user


@router.get("/orgs/{org_id}/users")
async def list_users(org_id: str, _: Admin, svc: Svc) -> list[dict[str, Any]]:
    return await svc.accounts.list_users(org_id)


@router.post("/orgs/{org_id}/keys", status_code=201)
async def create_key(org_id: str, body: KeyIn, actor: Admin, svc: Svc) -> dict[str, Any]:
    try:
        issued = await svc.accounts.create_key(org_id, body.name, body.user_id, body.rpm_limit, body.tpm_limit)
    except AccountError as exc:
        raise missing_or_conflict(exc) from exc
    await svc.record_admin("key.created", actor, {"org_id": org_id, "key_id": issued.id, "prefix": issued.prefix})
    return {"id": issued.id, "key": issued.key, "prefix": issued.prefix, "org_id": org_id,
            "note": "This is the only time the key is shown. Store it now."}


@router.get("/orgs/{org_id}/keys")
async def list_keys(org_id: str, _: Admin, svc: Svc) -> list[dict[str, Any]]:
    return await svc.accounts.list_keys(org_id)


@router.post("/keys/{key_id}/revoke")
async def revoke_key(key_id: str, actor: Admin, svc: Svc) -> dict[str, Any]:
    try:
        key = await svc.accounts.revoke_key(key_id)
    except AccountError as exc:
        raise missing_or_conflict(exc) from exc
    await svc.record_admin("key.revoked", actor, {"org_id": key["org_id"], "key_id": key_id})
    return key


@router.get("/models")
async def list_models(_: Admin, svc: Svc) -> dict[str, Any]:
    return {name: r.settings.model_dump(exclude={"upstreams"}) | {"upstreams": len(r.settings.upstreams)}
            for name, r in svc.upstreams.routes.items()}


def _error(status: int, message: str, code: str) -> JSONResponse:
    kind = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
            404: "not_found_error", 405: "invalid_request_error", 409: "conflict_error",
            413: "invalid_request_error", 422: "invalid_request_error"}.get(status, "api_error")
    return JSONResponse({"error": {"message": message, "type": kind, "code": code, "param": None}}, status)


def create_admin_app(services: Services) -> AdminGate:
    """The admin API behind its gate (token and body limit before the body is read). The OpenAPI
    spec is served behind the token too; the Swagger page only with ``server.admin_docs``."""
    srv = services.settings.server
    app = FastAPI(title="Bastion admin API", version="1", openapi_url="/admin/openapi.json",
                  docs_url="/admin/docs" if srv.admin_docs else None, redoc_url=None)
    app.state.services = services

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette's own (unknown route 404, wrong method 405) as well as the routes' HTTPException.
        return _error(exc.status_code, quote(str(exc.detail), 2000), f"http_{exc.status_code}")

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error(400, f"Invalid request: {quote(where)}: {first.get('msg', 'invalid')}", "invalid_request")

    @app.exception_handler(Exception)
    async def _failed(_: Request, exc: Exception) -> JSONResponse:
        return _error(500, "The admin request failed inside the gateway.", "internal")

    for ref in ADMIN_ROUTERS:
        app.include_router(load(ref))
    return AdminGate(app, srv.admin_token, srv.admin_max_body_bytes)
