"""The run's state file (``state.sqlite`` in the out directory): the run's identity and every finished
attempt, so an interrupted run resumes where it stopped and the report is built from what is on disk.

Attempts are kept as their canonical JSON bytes (sorted keys, no whitespace), exactly as they go into
``report.json``. Writes are batched (one transaction per ``BATCH`` attempts or ``FLUSH_S`` seconds), so an
interruption loses at most the last batch, which the resumed run simply does again.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from bastion.audit.records import canonical

BATCH = 256
FLUSH_S = 0.5
DONE = ("ok", "blocked")


class StateError(RuntimeError):
    """The out directory holds a different run, or the state file is unreadable."""


class State:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
            self.db.execute("CREATE TABLE IF NOT EXISTS attempts (id TEXT PRIMARY KEY, idx INTEGER NOT NULL, "
                            "status TEXT NOT NULL, record BLOB NOT NULL)")
        except sqlite3.Error as exc:
            raise StateError(f"cannot open state file {path}: {exc}") from exc
        self.pending: list[tuple[str, int, str, bytes]] = []
        self.last_flush = time.monotonic()

    # -- meta ----------------------------------------------------------------------------------------

    def get(self, key: str) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else orjson.loads(row[0])

    def put(self, key: str, value: Any) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, canonical(value)))

    def bind(self, identity: dict[str, Any], fresh: bool = False) -> bool:
        """Tie this state to a run; True when resuming one with the same identity. A different run in the
        same directory is an error unless ``fresh`` (which starts over)."""
        current = self.get("identity")
        if current is not None and current != identity and not fresh:
            changed = sorted(k for k in set(current) | set(identity) if current.get(k) != identity.get(k))
            raise StateError(f"{self.path.parent} holds a different run (changed: {', '.join(changed)}); "
                             "use another --out, or --fresh to start over")
        if fresh or current != identity:
            self.db.execute("DELETE FROM attempts")
            self.db.execute("DELETE FROM meta")
            self.put("identity", identity)
            return False
        return True

    # -- attempts ------------------------------------------------------------------------------------

    def done_ids(self) -> set[str]:
        marks = ",".join("?" * len(DONE))
        return {r[0] for r in self.db.execute(f"SELECT id FROM attempts WHERE status IN ({marks})", DONE)}

    def add(self, record: dict[str, Any]) -> None:
        self.pending.append((record["id"], record["index"], record["status"], canonical(record)))
        if len(self.pending) >= BATCH or time.monotonic() - self.last_flush >= FLUSH_S:
            self.flush()

    def flush(self) -> None:
        self.last_flush = time.monotonic()
        if not self.pending:
            return
        rows, self.pending = self.pending, []
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO attempts (id, idx, status, record) VALUES (?, ?, ?, ?)",
                                rows)

    def count(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT status, COUNT(*) FROM attempts GROUP BY status").fetchall())

    def records(self) -> Iterator[bytes]:
        """Every attempt's canonical JSON, in plan order."""
        cur = self.db.execute("SELECT record FROM attempts ORDER BY idx")
        while batch := cur.fetchmany(1024):
            for (raw,) in batch:
                yield bytes(raw)

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.db.close()
