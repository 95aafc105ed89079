"""Request country from a local MaxMind-format GeoIP database (optional; nothing is fetched)."""

from __future__ import annotations

from typing import Any

import maxminddb


class GeoIp:
    def __init__(self, path: str) -> None:
        self._reader: Any = maxminddb.open_database(path)

    def country(self, ip: str | None) -> str | None:
        if not ip:
            return None
        try:
            rec = self._reader.get(ip)
        except ValueError:
            return None
        if not isinstance(rec, dict):
            return None
        country = rec.get("country") or rec.get("registered_country") or {}
        code = country.get("iso_code") if isinstance(country, dict) else None
        return code.upper() if isinstance(code, str) and len(code) == 2 else None

    def close(self) -> None:
        self._reader.close()
