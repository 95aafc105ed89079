"""The screening index as a service: built from the configured list files at start, rebuilt when
they change (all lists or none: a broken file keeps the previous index), queried inline."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bastion.diligence.screening.index import ScreeningIndex
from bastion.diligence.screening.loaders import ListFormatError, detect_format, load_list
from bastion.diligence.screening.matcher import Matcher, Thresholds
from bastion.diligence.screening.model import ListEntry, ScreeningResult, Subject
from bastion.diligence.settings import ScreeningSettings

log = logging.getLogger("bastion.screening")


class ScreeningUnavailable(RuntimeError):
    """No list is loaded: screening cannot say "clear"."""


@dataclass(frozen=True, slots=True)
class LoadedList:
    path: str
    format: str
    entries: int


def _files(path: Path) -> list[Path]:
    return sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]


def fingerprint(paths: list[str]) -> tuple[tuple[str, int, int], ...]:
    out = []
    for raw in paths:
        for f in _files(Path(raw)) if Path(raw).exists() else []:
            st = os.stat(f)
            out.append((str(f), st.st_size, st.st_mtime_ns))
    return tuple(out)


def content_version(paths: list[str]) -> str:
    h = hashlib.sha256()
    for raw in paths:
        for f in _files(Path(raw)):
            h.update(str(f.name).encode() + b"\0")
            with f.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
    return h.hexdigest()[:16]


def build(paths: list[str]) -> tuple[ScreeningIndex, list[LoadedList], str]:
    entries: list[ListEntry] = []
    loaded = []
    for p in paths:
        batch = load_list(p)
        loaded.append(LoadedList(p, detect_format(Path(p)), len(batch)))
        entries += batch
    if not entries:
        raise ListFormatError(", ".join(paths), None, "the lists hold no entries")
    return ScreeningIndex(entries), loaded, content_version(paths)


class ScreeningService:
    def __init__(self, settings: ScreeningSettings) -> None:
        self.settings = settings
        self.thresholds = Thresholds(settings.review_threshold, settings.block_threshold)
        self.matcher: Matcher | None = None
        self.lists: list[LoadedList] = []
        self.version = ""
        self.last_error: str | None = None
        self._fingerprint: tuple[tuple[str, int, int], ...] = ()
        self._lock = asyncio.Lock()

    @property
    def ready(self) -> bool:
        return self.matcher is not None

    async def load(self, paths: list[str] | None = None) -> bool:
        """(Re)build the index; True when a new version is now in use. A malformed file raises
        ``ListFormatError`` and leaves the index as it was."""
        paths = list(paths if paths is not None else self.settings.lists)
        if not paths:
            raise ScreeningUnavailable("no sanctions lists are configured (set screening.lists)")
        async with self._lock:
            fp = fingerprint(paths)
            try:
                index, loaded, version = await asyncio.to_thread(build, paths)
            except ListFormatError as exc:
                self.last_error = str(exc)
                self._fingerprint = fp  # do not retry the same broken files on every tick
                raise
            self._fingerprint = fp
            self.last_error = None
            changed = version != self.version
            self.matcher, self.lists, self.version = Matcher(index, self.thresholds), loaded, version
            self.settings = self.settings.model_copy(update={"lists": paths})
            log.info("screening index %s: %d entries from %d list(s)", version, len(index), len(loaded))
            return changed

    def require_ready(self) -> Matcher:
        """The matcher, or ScreeningUnavailable: without lists nobody can be screened clear."""
        if self.matcher is None:
            raise ScreeningUnavailable("no sanctions lists are loaded (set screening.lists)")
        return self.matcher

    def screen(self, subject: Subject) -> ScreeningResult:
        return self.require_ready().screen(subject)

    def files_changed(self) -> bool:
        return fingerprint(list(self.settings.lists)) != self._fingerprint

    async def watch(self, on_update: Callable[[], Awaitable[object]]) -> None:
        """Poll the list files; on a change, rebuild and call ``on_update`` (the re-screening)."""
        interval = self.settings.watch_interval_s
        while interval > 0:
            await asyncio.sleep(interval)
            if not self.files_changed():
                continue
            try:
                if await self.load():
                    await on_update()
            except ListFormatError as exc:
                log.error("list update refused, previous index kept: %s", exc)
            except Exception:
                log.exception("list update failed; previous index kept")

    def describe(self) -> dict[str, object]:
        return {"ready": self.ready, "version": self.version, "last_error": self.last_error,
                "lists": [{"path": x.path, "format": x.format, "entries": x.entries} for x in self.lists],
                "thresholds": {"review": self.thresholds.review, "block": self.thresholds.block}}
