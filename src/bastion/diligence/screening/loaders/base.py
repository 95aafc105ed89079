"""What every list adapter shares: the error type, text decoding, dates and countries."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from rigour.territories import lookup_territory


class ListFormatError(ValueError):
    """A list file is malformed. Nothing from it is loaded."""

    def __init__(self, source: Path | str, line: int | None, problem: str) -> None:
        where = f"{source}:{line}" if line is not None else str(source)
        super().__init__(f"{where}: {problem}")
        self.source, self.line, self.problem = str(source), line, problem


def read_text(path: Path) -> str:
    """Decode a list file: UTF-8, else Windows-1252 (OFAC's legacy files); drop a DOS EOF byte."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ListFormatError(path, None, f"cannot read: {exc.strerror or exc}") from exc
    raw = raw.rstrip(b"\x1a\r\n") + b"\n" if raw.rstrip(b"\x1a\r\n") else b""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                       "dec"), start=1)}
_DMY = re.compile(r"(\d{1,2}) ([A-Za-z]{3})[a-z]* (\d{4})")
_MY = re.compile(r"\b([A-Za-z]{3})[a-z]* (\d{4})\b")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def parse_date(text: str) -> list[str]:
    """ISO dates (possibly partial) from the free forms lists use: ``19 Jun 1951``, ``1951-06-19``,
    ``06/19/1951``, ``circa 1994``, ``1960 to 1962``."""
    text = text.strip()
    if not text:
        return []
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y", "%Y/%m/%d"):
        try:
            return [datetime.strptime(text[:10], fmt).date().isoformat()]
        except ValueError:
            pass
    m = _DMY.search(text)
    if m and m.group(2).lower() in _MONTHS:
        return [f"{m.group(3)}-{_MONTHS[m.group(2).lower()]:02d}-{int(m.group(1)):02d}"]
    m = _MY.search(text)
    if m and m.group(1).lower() in _MONTHS:
        return [f"{m.group(2)}-{_MONTHS[m.group(1).lower()]:02d}"]
    years = _YEAR.findall(text)
    if len(years) == 2 and " to " in text:
        return [str(y) for y in range(int(years[0]), int(years[1]) + 1)][:10]
    return sorted(set(years))


@lru_cache(maxsize=4096)
def country_code(name: str) -> str | None:
    """ISO alpha-2 (lower case) for a country name or code, or None when unknown."""
    name = name.strip()
    if not name:
        return None
    territory = lookup_territory(name)
    return territory.code[:2] if territory is not None and len(territory.code) >= 2 else None


def countries(names: list[str]) -> list[str]:
    out: list[str] = []
    for n in names:
        code = country_code(n)
        if code and code not in out:
            out.append(code)
    return out
