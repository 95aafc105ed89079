"""KYC records in the store (SQLite or PostgreSQL, same code): profiles, owners, documents, tier
history and screening hits. Plain reads and writes; the rules live in ``tiers`` and ``workflow``."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bastion.diligence.review import HitStatus
from bastion.diligence.tables import beneficial_owners, kyc_documents, kyc_profiles, screening_hits, tier_transitions

PROFILE_FIELDS = ("legal_name", "other_names", "country", "registration_number", "address", "website", "use_case")


def now() -> datetime:
    return datetime.now(UTC)


def new_id(kind: str) -> str:
    return f"{kind}_{secrets.token_hex(8)}"


class KycError(ValueError):
    """A KYC record is missing or a change is not allowed."""


class KycStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    # -- profile ------------------------------------------------------------------------------
    async def get_profile(self, org_id: str) -> dict[str, Any] | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(kyc_profiles).where(kyc_profiles.c.org_id == org_id))).mappings().first()
        return dict(row) if row else None

    async def put_profile(self, org_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        values = {k: v for k, v in fields.items() if k in PROFILE_FIELDS}
        async with self.engine.begin() as conn:
            exists = await conn.scalar(select(kyc_profiles.c.org_id).where(kyc_profiles.c.org_id == org_id))
            if exists:
                await conn.execute(update(kyc_profiles).where(kyc_profiles.c.org_id == org_id)
                                   .values(**values, updated_at=now()))
            else:
                if not values.get("legal_name"):
                    raise KycError("a KYC profile needs a legal name")
                await conn.execute(insert(kyc_profiles).values(**{
                    "other_names": [], "attestation": {}, "screening_suspended": False, **values,
                    "org_id": org_id, "updated_at": now()}))
        profile = await self.get_profile(org_id)
        assert profile is not None
        return profile

    async def attest(self, org_id: str, attestation: dict[str, bool], actor: str) -> None:
        async with self.engine.begin() as conn:
            res = await conn.execute(update(kyc_profiles).where(kyc_profiles.c.org_id == org_id).values(
                attestation=attestation, attested_by=actor, attested_at=now(), updated_at=now()))
            if res.rowcount == 0:
                raise KycError(f"org {org_id!r} has no KYC profile yet")

    async def set_screening_suspended(self, org_id: str, value: bool) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(kyc_profiles).where(kyc_profiles.c.org_id == org_id)
                               .values(screening_suspended=value))

    # -- owners and documents -----------------------------------------------------------------
    async def add_owner(self, org_id: str, name: str, share: float, nationality: str | None = None,
                        birth_date: str | None = None) -> dict[str, Any]:
        if not 0 < share <= 100:
            raise KycError("an owner's share is a percentage in (0, 100]")
        owners = await self.owners(org_id)
        if sum(o["share"] for o in owners) + share > 100.0001:
            raise KycError(f"owners' shares would add up to more than 100% "
                           f"({sum(o['share'] for o in owners) + share:.2f}%)")
        row = {"id": new_id("own"), "org_id": org_id, "name": name.strip(), "share": float(share),
               "nationality": nationality.upper() if nationality else None, "birth_date": birth_date,
               "created_at": now()}
        async with self.engine.begin() as conn:
            await conn.execute(insert(beneficial_owners).values(**row))
        return row

    async def owners(self, org_id: str) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(beneficial_owners).where(beneficial_owners.c.org_id == org_id)
                                      .order_by(beneficial_owners.c.created_at, beneficial_owners.c.id))
            return [dict(r) for r in rows.mappings()]

    async def add_document(self, org_id: str, kind: str, reference: str, actor: str,
                           note: str | None = None) -> dict[str, Any]:
        row = {"id": new_id("doc"), "org_id": org_id, "kind": kind, "reference": reference, "reviewed_by": actor,
               "reviewed_at": now(), "note": note}
        async with self.engine.begin() as conn:
            await conn.execute(insert(kyc_documents).values(**row))
        return row

    async def documents(self, org_id: str) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(kyc_documents).where(kyc_documents.c.org_id == org_id)
                                      .order_by(kyc_documents.c.reviewed_at))
            return [dict(r) for r in rows.mappings()]

    # -- tiers --------------------------------------------------------------------------------
    async def record_transition(self, org_id: str, from_tier: int, to_tier: int, actor: str, reason: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(insert(tier_transitions).values(org_id=org_id, from_tier=from_tier, to_tier=to_tier,
                                                               actor=actor, reason=reason, at=now()))

    async def transitions(self, org_id: str) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(tier_transitions).where(tier_transitions.c.org_id == org_id)
                                      .order_by(tier_transitions.c.id))
            return [dict(r) for r in rows.mappings()]

    # -- screening hits -----------------------------------------------------------------------
    async def hits(self, org_id: str | None = None, status: HitStatus | None = None,
                   limit: int = 1000) -> list[dict[str, Any]]:
        q = select(screening_hits).order_by(screening_hits.c.created_at, screening_hits.c.id).limit(limit)
        if org_id is not None:
            q = q.where(screening_hits.c.org_id == org_id)
        if status is not None:
            q = q.where(screening_hits.c.status == status)
        async with self.engine.connect() as conn:
            return [dict(r) for r in (await conn.execute(q)).mappings()]

    async def get_hit(self, hit_id: str) -> dict[str, Any]:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(screening_hits).where(screening_hits.c.id == hit_id))).mappings().first()
        if row is None:
            raise KycError(f"no screening hit {hit_id!r}")
        return dict(row)

    async def add_hits(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            async with self.engine.begin() as conn:
                await conn.execute(insert(screening_hits), rows)

    async def decide_hit(self, hit_id: str, status: HitStatus, reviewer: str, reason: str) -> dict[str, Any]:
        async with self.engine.begin() as conn:
            res = await conn.execute(update(screening_hits).where(
                (screening_hits.c.id == hit_id) & (screening_hits.c.status == HitStatus.OPEN)).values(
                status=status, reviewer=reviewer, review_reason=reason, reviewed_at=now()))
            if res.rowcount == 0:
                hit = await self.get_hit(hit_id)
                raise KycError(f"screening hit {hit_id!r} is already decided ({hit['status']})")
        return await self.get_hit(hit_id)
