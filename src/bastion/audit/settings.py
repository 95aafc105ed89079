"""Settings for the audit capability (section of `bastion.toml`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class AuditSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
