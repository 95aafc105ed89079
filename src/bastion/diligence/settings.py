"""Settings for the diligence capability (``[screening]`` in bastion.toml)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ScreeningSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    # List files or folders (OFAC legacy CSV folder, CSL CSV, BIS DPL TSV, UN XML, OpenSanctions FTM JSON);
    # the format is detected. Empty: screening is unavailable and orgs stay "unscreened".
    lists: list[str] = Field(default_factory=list)
    review_threshold: float = Field(0.82, gt=0, le=1)
    block_threshold: float = Field(0.95, gt=0, le=1)
    # How often the list files are checked for changes (0: never; reload through the admin API).
    watch_interval_s: float = Field(30.0, ge=0)
    # On a list update, re-screen every org and owner; a new block hit suspends the org at once.
    rescreen_on_update: bool = True
    suspend_on_block: bool = True
    # Onboarding: an org screened clear becomes active at T1 without an officer.
    activate_on_clear: bool = True

    @model_validator(mode="after")
    def _ordered(self) -> ScreeningSettings:
        if self.review_threshold > self.block_threshold:
            raise ValueError("screening.review_threshold must not exceed screening.block_threshold")
        return self
