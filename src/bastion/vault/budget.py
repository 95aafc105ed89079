"""Exfiltration guard: bytes unsealed per (model, principal) within a sliding window, in a small
SQLite file of its own (the vault is an offline tool; it must not need the gateway's database)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path


class BudgetExceeded(RuntimeError):
    """Unsealing this much now would pass the principal's read budget for the model."""


class ReadBudget:
    def __init__(self, path: Path, window_s: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.db.execute("CREATE TABLE IF NOT EXISTS reads (model TEXT, principal TEXT, at REAL, bytes INTEGER)")
        self.window_s = window_s

    def used(self, model: str, principal: str, now: float | None = None) -> int:
        since = (now or time.time()) - self.window_s
        row = self.db.execute("SELECT COALESCE(SUM(bytes), 0) FROM reads WHERE model = ? AND principal = ? AND at > ?",
                              (model, principal, since)).fetchone()
        return int(row[0])

    def charge(self, model: str, principal: str, size: int, budget: int, now: float | None = None) -> int:
        """Record ``size`` bytes, or raise BudgetExceeded (recording nothing). Returns bytes used after."""
        t = now or time.time()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            used = self.used(model, principal, t)
            if used + size > budget:
                raise BudgetExceeded(f"read budget for {model!r} exceeded by {principal!r}: {used + size} of {budget} "
                                     f"bytes in {self.window_s} s")
            self.db.execute("INSERT INTO reads VALUES (?, ?, ?, ?)", (model, principal, t, size))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return used + size

    def close(self) -> None:
        self.db.close()
