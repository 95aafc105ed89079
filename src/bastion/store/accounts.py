"""Organisations, users and API keys: the account repository, with a short-lived key cache.

The gateway authenticates every request, so key lookups are served from memory: an entry lives
``cache_ttl_s`` seconds (bounding how long another process's change takes to be seen) and is
dropped at once when this process changes the org or key.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bastion.gateway.context import Principal
from bastion.gateway.keys import generate_key, hash_key, key_matches, key_prefix
from bastion.store.schema import api_keys, orgs, users


class OrgStatus(StrEnum):
    """An org's status (the ``orgs.status`` column and every API / CLI field that shows it)."""

    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


ORG_STATUSES: tuple[str, ...] = tuple(s.value for s in OrgStatus)


class AccountError(ValueError):
    """A request to the account store that cannot be honoured (unknown id, bad status...)."""


def new_id(kind: str) -> str:
    return f"{kind}_{secrets.token_hex(8)}"


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class IssuedKey:
    id: str
    key: str  # the only time the plaintext exists outside the client
    prefix: str
    org_id: str


@dataclass(frozen=True, slots=True)
class _CachedKey:
    hmac: str
    principal: Principal


class AccountStore:
    def __init__(self, engine: AsyncEngine, server_secret: str, cache_ttl_s: float = 2.0) -> None:
        self.engine = engine
        self._secret = server_secret
        self.cache_ttl_s = cache_ttl_s
        self._cache: dict[str, tuple[float, _CachedKey | None]] = {}  # prefix -> (expires at, entry)
        # One database load per prefix at a time: when an entry expires under load, the requests in
        # flight share one query instead of each running its own (a herd every cache_ttl_s).
        self._loading: dict[str, asyncio.Future[_CachedKey | None]] = {}
        self._generation = 0  # bumped by every invalidation: a load that straddles one is not cached

    # -- organisations -------------------------------------------------------------------
    async def create_org(self, name: str, *, status: str = OrgStatus.PENDING, tier: int = 0,
                         country: str | None = None, programmes: Sequence[str] = (),
                         keep_content: bool = False, declared_use: str | None = None,
                         rpm_limit: int | None = None, tpm_limit: int | None = None) -> dict[str, Any]:
        if status not in ORG_STATUSES:
            raise AccountError(f"unknown org status {status!r}")
        if not name.strip():
            raise AccountError("org name must not be empty")
        ts = now()
        row = {"id": new_id("org"), "name": name.strip(), "status": status, "tier": tier,
               "country": country.upper() if country else None, "programmes": list(programmes),
               "screening_state": "unscreened", "keep_content": keep_content,
               "declared_use": declared_use, "rpm_limit": rpm_limit, "tpm_limit": tpm_limit,
               "version": 1, "created_at": ts, "updated_at": ts}
        async with self.engine.begin() as conn:
            exists = await conn.scalar(select(func.count()).select_from(orgs).where(orgs.c.name == row["name"]))
            if exists:
                raise AccountError(f"an org named {row['name']!r} already exists")
            await conn.execute(orgs.insert().values(**row))
        return row

    async def get_org(self, org_id: str) -> dict[str, Any]:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(orgs).where(orgs.c.id == org_id))).mappings().first()
        if row is None:
            raise AccountError(f"no org {org_id!r}")
        return dict(row)

    async def find_org(self, id_or_name: str) -> dict[str, Any]:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(orgs).where(
                (orgs.c.id == id_or_name) | (orgs.c.name == id_or_name)))).mappings().first()
        if row is None:
            raise AccountError(f"no org {id_or_name!r}")
        return dict(row)

    async def list_orgs(self, status: str | None = None, limit: int = 1000, offset: int = 0) -> list[dict[str, Any]]:
        q = select(orgs).order_by(orgs.c.created_at, orgs.c.id).limit(limit).offset(offset)
        if status is not None:
            q = q.where(orgs.c.status == status)
        async with self.engine.connect() as conn:
            return [dict(r) for r in (await conn.execute(q)).mappings()]

    async def update_org(self, org_id: str, **fields: Any) -> dict[str, Any]:
        """Change org fields and bump its version (caches keyed on it see the change)."""
        allowed = {"status", "tier", "country", "programmes", "screening_state", "keep_content",
                   "declared_use", "rpm_limit", "tpm_limit", "name"}
        unknown = set(fields) - allowed
        if unknown:
            raise AccountError(f"unknown org fields: {sorted(unknown)}")
        if "status" in fields and fields["status"] not in ORG_STATUSES:
            raise AccountError(f"unknown org status {fields['status']!r}")
        async with self.engine.begin() as conn:
            res = await conn.execute(update(orgs).where(orgs.c.id == org_id).values(
                **fields, version=orgs.c.version + 1, updated_at=now()))
            if res.rowcount == 0:
                raise AccountError(f"no org {org_id!r}")
        self.invalidate_org(org_id)
        return await self.get_org(org_id)

    async def set_org_status(self, org_id: str, status: str) -> dict[str, Any]:
        return await self.update_org(org_id, status=status)

    # -- users ---------------------------------------------------------------------------
    async def create_user(self, org_id: str, email: str, name: str | None = None,
                          role: str = "member") -> dict[str, Any]:
        await self.get_org(org_id)
        row = {"id": new_id("usr"), "org_id": org_id, "email": email, "name": name, "role": role,
               "created_at": now()}
        async with self.engine.begin() as conn:
            taken = await conn.scalar(select(func.count()).select_from(users).where(users.c.email == email))
            if taken:
                raise AccountError(f"a user with email {email!r} already exists")
            await conn.execute(users.insert().values(**row))
        return row

    async def list_users(self, org_id: str) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(users).where(users.c.org_id == org_id).order_by(users.c.created_at))
            return [dict(r) for r in rows.mappings()]

    # -- keys ----------------------------------------------------------------------------
    async def create_key(self, org_id: str, name: str | None = None, user_id: str | None = None,
                         rpm_limit: int | None = None, tpm_limit: int | None = None) -> IssuedKey:
        await self.get_org(org_id)
        key = generate_key()
        prefix = key_prefix(key)
        assert prefix is not None
        key_id = new_id("key")
        row = {"id": key_id, "org_id": org_id, "user_id": user_id, "name": name, "prefix": prefix,
               "hmac": hash_key(self._secret, key), "status": "active", "rpm_limit": rpm_limit,
               "tpm_limit": tpm_limit, "version": 1, "created_at": now(), "revoked_at": None}
        async with self.engine.begin() as conn:
            await conn.execute(api_keys.insert().values(**row))
        return IssuedKey(key_id, key, prefix, org_id)

    async def revoke_key(self, key_id: str) -> dict[str, Any]:
        async with self.engine.begin() as conn:
            res = await conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(
                status="revoked", revoked_at=now(), version=api_keys.c.version + 1))
            if res.rowcount == 0:
                raise AccountError(f"no key {key_id!r}")
            row = (await conn.execute(select(api_keys).where(api_keys.c.id == key_id))).mappings().one()
        self._forget([row["prefix"]])
        return _public_key(dict(row))

    async def list_keys(self, org_id: str) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(api_keys).where(api_keys.c.org_id == org_id)
                                      .order_by(api_keys.c.created_at))
            return [_public_key(dict(r)) for r in rows.mappings()]

    # -- authentication ------------------------------------------------------------------
    async def authenticate(self, key: str) -> Principal | None:
        """The principal for a presented key, or None when the key is unknown or wrong."""
        prefix = key_prefix(key)
        if prefix is None:
            return None
        expires, cached = self._cache.get(prefix, (0.0, None))
        if expires <= time.monotonic():
            loading = self._loading.get(prefix)
            if loading is None:
                loading = asyncio.ensure_future(self._load_and_cache(prefix))
                self._loading[prefix] = loading
                loading.add_done_callback(lambda _: self._loading.pop(prefix, None))
            cached = await asyncio.shield(loading)  # one caller going away does not cancel the others' load
        if cached is None or not key_matches(self._secret, key, cached.hmac):
            return None
        return cached.principal

    async def _load_and_cache(self, prefix: str) -> _CachedKey | None:
        generation, t = self._generation, time.monotonic()
        cached = await self._load(prefix)
        if generation == self._generation:
            if len(self._cache) > 100_000:  # bound memory under a flood of random prefixes
                self._cache.clear()
            self._cache[prefix] = (t + self.cache_ttl_s, cached)
        return cached

    async def _load(self, prefix: str) -> _CachedKey | None:
        k, o = api_keys.c, orgs.c
        q = (select(k.id.label("key_id"), k.prefix, k.hmac, k.status.label("key_status"), k.user_id,
                    k.rpm_limit.label("key_rpm"), k.tpm_limit.label("key_tpm"), o.id.label("org_id"),
                    o.name, o.status, o.tier, o.country, o.programmes, o.screening_state, o.keep_content,
                    o.rpm_limit, o.tpm_limit, o.declared_use, o.version)
             .join(orgs, o.id == k.org_id).where(k.prefix == prefix))
        async with self.engine.connect() as conn:
            row = (await conn.execute(q)).mappings().first()
        if row is None:
            return None
        principal = Principal(
            org_id=row["org_id"], org_name=row["name"], org_status=row["status"], key_id=row["key_id"],
            key_prefix=row["prefix"], key_status=row["key_status"], user_id=row["user_id"], tier=row["tier"],
            country=row["country"], programmes=tuple(row["programmes"] or ()),
            screening_state=row["screening_state"], keep_content=bool(row["keep_content"]),
            rpm_limit=row["rpm_limit"], tpm_limit=row["tpm_limit"], key_rpm_limit=row["key_rpm"],
            key_tpm_limit=row["key_tpm"], declared_use=row["declared_use"], org_version=row["version"])
        return _CachedKey(row["hmac"], principal)

    def invalidate_org(self, org_id: str) -> None:
        self._forget([prefix for prefix, (_, entry) in self._cache.items()
                      if entry is not None and entry.principal.org_id == org_id])

    def invalidate_all(self) -> None:
        self._forget(list(self._cache))

    def _forget(self, prefixes: list[str]) -> None:
        self._generation += 1  # a load in flight now may have read the old row: it must not be cached
        for prefix in prefixes:
            self._cache.pop(prefix, None)


def _public_key(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("hmac", None)
    return row
