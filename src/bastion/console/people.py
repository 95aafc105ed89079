"""Console people, their sessions and the login throttle, on the shared database.

Passwords are argon2id hashes (argon2-cffi's RFC 9106 low-memory profile). A session is a random
token in the cookie; the database keeps its SHA-256, the person and the CSRF token of the session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bastion.console.settings import ConsoleSettings
from bastion.console.tables import console_login_failures, console_sessions, console_users

ROLES = ("officer", "auditor", "admin")
MIN_PASSWORD = 12
_hasher = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4
# Verified when the name is unknown, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class PeopleError(ValueError):
    """A refused change (unknown role, short password, name taken)."""


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class Session:
    person: Person
    csrf: str


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(ts: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns; they were written in UTC.
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_name(name: str) -> str:
    if not (1 <= len(name) <= 100) or not all(c.isalnum() or c in "._-@" for c in name):
        raise PeopleError("a console user name is 1-100 letters, digits or . _ - @")
    return name


class People:
    def __init__(self, engine: AsyncEngine, settings: ConsoleSettings) -> None:
        self.engine = engine
        self.settings = settings

    async def add(self, name: str, role: str, password: str) -> Person:
        check_name(name)
        if role not in ROLES:
            raise PeopleError(f"role must be one of {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD:
            raise PeopleError(f"the password needs at least {MIN_PASSWORD} characters")
        person = Person(f"cu_{secrets.token_hex(8)}", name, role)
        try:
            async with self.engine.begin() as conn:
                await conn.execute(insert(console_users).values(
                    id=person.id, name=name, role=role, password_hash=_hasher.hash(password), disabled=False,
                    created_at=_now()))
        except IntegrityError as exc:
            raise PeopleError(f"a console user named {name!r} exists") from exc
        return person

    async def list(self) -> list[dict[str, Any]]:
        q = select(console_users.c.id, console_users.c.name, console_users.c.role, console_users.c.disabled,
                   console_users.c.created_at).order_by(console_users.c.name)
        async with self.engine.connect() as conn:
            return [dict(r) for r in (await conn.execute(q)).mappings()]

    # -- login ----------------------------------------------------------------------------
    async def throttled(self, name: str, address: str) -> bool:
        since = _now() - timedelta(seconds=self.settings.login_window_s)
        q = select(func.count()).select_from(console_login_failures).where(
            console_login_failures.c.name == name[:100], console_login_failures.c.address == address[:64],
            console_login_failures.c.at > since)
        async with self.engine.connect() as conn:
            failures = (await conn.execute(q)).scalar_one()
        return int(failures) >= self.settings.login_max_failures

    async def check_password(self, name: str, password: str, address: str) -> Person | None:
        """The person when the password is theirs; else None, and the failure counts for the throttle."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(console_users).where(console_users.c.name == name[:100]))).first()
        stored = row.password_hash if row is not None and not row.disabled else _DUMMY_HASH
        try:
            ok = _hasher.verify(stored, password) and row is not None and not row.disabled
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok or row is None:
            async with self.engine.begin() as conn:
                await conn.execute(insert(console_login_failures).values(
                    name=name[:100], address=address[:64], at=_now()))
            return None
        if _hasher.check_needs_rehash(row.password_hash):
            async with self.engine.begin() as conn:
                await conn.execute(update(console_users).where(console_users.c.id == row.id)
                                   .values(password_hash=_hasher.hash(password)))
        return Person(row.id, row.name, row.role)

    async def clear_failures(self, name: str, address: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(console_login_failures).where(
                console_login_failures.c.name == name[:100], console_login_failures.c.address == address[:64]))

    # -- sessions ---------------------------------------------------------------------------
    async def open_session(self, person: Person) -> str:
        token = secrets.token_urlsafe(32)
        ts = _now()
        async with self.engine.begin() as conn:
            await conn.execute(insert(console_sessions).values(
                token_hash=token_hash(token), user_id=person.id, csrf=secrets.token_urlsafe(32), created_at=ts,
                last_seen=ts))
        return token

    async def session(self, token: str) -> Session | None:
        """The live session of ``token``; an expired one (absolute or idle) is deleted and is None."""
        if not token or len(token) > 100:
            return None
        key = token_hash(token)
        q = (select(console_sessions.c.csrf, console_sessions.c.created_at, console_sessions.c.last_seen,
                    console_users.c.id, console_users.c.name, console_users.c.role, console_users.c.disabled)
             .join(console_users, console_users.c.id == console_sessions.c.user_id)
             .where(console_sessions.c.token_hash == key))
        async with self.engine.connect() as conn:
            row = (await conn.execute(q)).first()
        if row is None:
            return None
        ts = _now()
        s = self.settings
        if (row.disabled or ts - _aware(row.created_at) > timedelta(seconds=s.session_ttl_s)
                or ts - _aware(row.last_seen) > timedelta(seconds=s.idle_timeout_s)):
            await self.close_session(token)
            return None
        async with self.engine.begin() as conn:
            await conn.execute(update(console_sessions).where(console_sessions.c.token_hash == key)
                               .values(last_seen=ts))
        return Session(Person(row.id, row.name, row.role), row.csrf)

    async def close_session(self, token: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(console_sessions).where(console_sessions.c.token_hash == token_hash(token)))


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())
