"""Settings for the usage-policy guard (``[guard]`` in bastion.toml)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class JudgeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str
    model: str
    api_key_env: str | None = None
    timeout_s: float = 10.0


class GuardSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    model_file: str | None = None  # default: the shipped guard-<design>.npz
    design: str = Field("ngram", pattern=r"^(ngram|word)$")  # chosen by bench/guard.py (dev quality)
    # Per-category score thresholds overriding the model's own (tuned on the dev split).
    thresholds: dict[str, float] = Field(default_factory=dict)
    # Scores within [grey_low, threshold) ask the judge for a second opinion, when one is configured.
    grey_low: float = Field(0.15, ge=0, le=1)
    judge: JudgeSettings | None = None
    # Stream moderation: score the last `window_chars` of the answer every `stride_chars` new characters.
    window_chars: int = Field(800, ge=100)
    stride_chars: int = Field(100, ge=20)
    check_output: bool = True
