"""``[console]`` settings: the web console served by ``bastion serve`` at ``/console/``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ConsoleSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # On by default: nobody can sign in until `bastion console user add` creates a person, the
    # session cookie is Secure (browsers send it over HTTPS or to localhost only), HttpOnly and
    # SameSite=Strict, and every form carries a CSRF token.
    enabled: bool = True
    # Only for plain-HTTP test rigs on a non-localhost name; never turn off in production.
    secure_cookies: bool = True
    # A session ends this long after sign-in, or after this long without a request.
    session_ttl_s: int = Field(8 * 3600, ge=1)
    idle_timeout_s: int = Field(30 * 60, ge=1)
    # Login throttle: this many failed attempts per (name, client address) within the window.
    login_max_failures: int = Field(5, ge=1)
    login_window_s: int = Field(15 * 60, ge=1)
    # Form bodies above this are refused before they are parsed.
    max_form_bytes: int = Field(16_384, ge=1024)
    # Pages that read decisions scan at most this many of the newest audit entries.
    scan_entries: int = Field(20_000, ge=100)
    page_size: int = Field(50, ge=1, le=500)
    # Decision views read an index of the audit log's decision records; a page view first indexes at
    # most this many new audit entries (the rest on the next views), so a burst never stalls a page.
    index_batch: int = Field(5_000, ge=100)
    # The overview charts the decisions of this last span of time.
    overview_window_s: int = Field(24 * 3600, ge=60)
    # Red-team reports page: each folder under this one that holds a report.json (as written by
    # `bastion redteam run --out`) is listed. Signatures are checked against this public key (PEM file
    # or base64 of the raw key); without it, against <redteam.signing_key_file>.pub.pem when that
    # exists, else only against the key embedded in the report (integrity, not who signed).
    reports_dir: str = "var/redteam/reports"
    report_public_key: str | None = None
