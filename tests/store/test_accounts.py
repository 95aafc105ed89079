"""The account store on SQLite and PostgreSQL: keyed-hash keys, lookup by prefix, status changes."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bastion.gateway.keys import hash_key
from bastion.store.accounts import AccountError, AccountStore
from bastion.store.db import create_engine
from bastion.store.migrate import upgrade_async
from bastion.store.schema import api_keys

SECRET = "test-server-secret-0123456789abcdef"


async def store(db_url: str) -> AccountStore:
    await upgrade_async(db_url)
    return AccountStore(create_engine(db_url), SECRET, cache_ttl_s=60)


async def test_keys_are_stored_only_as_keyed_hashes(db_url: str) -> None:
    s = await store(db_url)
    org = await s.create_org("Hash Test Ltd", status="active", tier=2, country="gb")
    issued = await s.create_key(org["id"], "ci")
    async with s.engine.connect() as conn:
        row = (await conn.execute(select(api_keys))).mappings().one()
    assert issued.key not in {str(v) for v in row.values()}
    assert row["prefix"] == issued.key[:12] and row["hmac"] == hash_key(SECRET, issued.key)
    p = await s.authenticate(issued.key)
    assert p is not None and p.org_id == org["id"] and p.country == "GB" and p.tier == 2
    # same prefix, wrong rest; and the right key under another server secret
    assert await s.authenticate(issued.key[:-1] + ("A" if issued.key[-1] != "A" else "B")) is None
    other = AccountStore(s.engine, "another-secret")
    assert await other.authenticate(issued.key) is None
    await s.engine.dispose()


async def test_status_changes_are_seen_at_once_in_this_process(db_url: str) -> None:
    s = await store(db_url)
    org = await s.create_org("Status Test Ltd", status="active")
    issued = await s.create_key(org["id"])
    assert (await s.authenticate(issued.key)).org_status == "active"  # type: ignore[union-attr]
    updated = await s.set_org_status(org["id"], "suspended")
    assert updated["version"] == 2
    assert (await s.authenticate(issued.key)).org_status == "suspended"  # type: ignore[union-attr]
    await s.revoke_key(issued.id)
    assert (await s.authenticate(issued.key)).key_status == "revoked"  # type: ignore[union-attr]
    await s.engine.dispose()


async def test_clear_errors(db_url: str) -> None:
    s = await store(db_url)
    await s.create_org("Dup Ltd")
    with pytest.raises(AccountError, match="already exists"):
        await s.create_org("Dup Ltd")
    with pytest.raises(AccountError, match="unknown org status"):
        await s.create_org("Bad Status", status="frozen")
    with pytest.raises(AccountError, match="no org"):
        await s.set_org_status("org_missing", "active")
    with pytest.raises(AccountError, match="no key"):
        await s.revoke_key("key_missing")
    with pytest.raises(AccountError, match="unknown org fields"):
        await s.update_org("org_missing", colour="red")
    assert await s.authenticate("not-a-key") is None
    await s.engine.dispose()


async def test_an_expired_entry_is_loaded_once_for_all_requests_in_flight(db_url: str) -> None:
    s = await store(db_url)
    org = await s.create_org("Herd Ltd", status="active")
    issued = await s.create_key(org["id"])
    loads = 0
    real_load = s._load

    async def counted(prefix: str) -> object:
        nonlocal loads
        loads += 1
        await asyncio.sleep(0.05)  # a slow database: every request below arrives while it runs
        return await real_load(prefix)

    s._load = counted  # type: ignore[method-assign,assignment]
    principals = await asyncio.gather(*(s.authenticate(issued.key) for _ in range(50)))
    assert loads == 1
    assert all(p is not None and p.org_id == org["id"] for p in principals)
    # A caller that goes away does not take the shared load down with it.
    s.invalidate_all()
    first = asyncio.ensure_future(s.authenticate(issued.key))
    await asyncio.sleep(0)
    second = asyncio.ensure_future(s.authenticate(issued.key))
    await asyncio.sleep(0.01)
    first.cancel()
    assert (await second) is not None and loads == 2
    await s.engine.dispose()


async def test_a_load_that_straddles_a_status_change_is_not_cached(db_url: str) -> None:
    s = await store(db_url)
    org = await s.create_org("Race Ltd", status="active")
    issued = await s.create_key(org["id"])
    real_load = s._load
    started = asyncio.Event()

    async def slow(prefix: str) -> object:
        loaded = await real_load(prefix)  # reads "active"
        started.set()
        await asyncio.sleep(0.05)
        return loaded

    s._load = slow  # type: ignore[method-assign,assignment]
    racing = asyncio.ensure_future(s.authenticate(issued.key))
    await started.wait()
    await s.set_org_status(org["id"], "suspended")  # invalidates while the load is in flight
    await racing
    s._load = real_load  # type: ignore[method-assign]
    assert (await s.authenticate(issued.key)).org_status == "suspended"  # type: ignore[union-attr]
    await s.engine.dispose()
