"""Settings for the usage-policy guard (``[guard]`` in bastion.toml)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class JudgeSettings(BaseModel):
    """An OpenAI-compatible guard endpoint (Llama Guard, Qwen3Guard, gpt-oss-safeguard served by vLLM)."""

    model_config = ConfigDict(extra="forbid")

    base_url: str
    model: str
    api_key_env: str | None = None
    timeout_s: float = 10.0
    # "grey": asked only for scores in [grey_low, threshold) and can only add flags; "all": asked for every
    # request scoring at least `min_score`, and its verdict decides (a timeout or error refuses: fail closed).
    mode: Literal["grey", "all"] = "grey"
    min_score: float = Field(0.0, ge=0, le=1)
    # How the endpoint answers: "llama_guard" (safe / unsafe + S-codes; also Qwen3Guard's and gpt-oss-
    # safeguard's plain safe/unsafe first line) or "bastion" (safe / unsafe + Bastion category names).
    dialect: Literal["llama_guard", "bastion"] = "llama_guard"


class GuardSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    # The classifier: an encoder's .json (beside its .onnx and tokenizer.json) or an n-gram .npz;
    # default the shipped encoder (model/guard-minilm.json).
    model_file: str | None = None
    # Per-category score thresholds overriding the model's own (chosen on the validation split).
    thresholds: dict[str, float] = Field(default_factory=dict)
    # Threads that run the classifier off the event loop; concurrent requests are scored together.
    workers: int = Field(2, ge=1, le=64)
    # Scores within [grey_low, threshold) ask the judge for a second opinion, when one is configured.
    grey_low: float = Field(0.15, ge=0, le=1)
    judge: JudgeSettings | None = None
    # Stream moderation: score the last `window_chars` of the answer every `stride_chars` new characters.
    window_chars: int = Field(800, ge=100)
    stride_chars: int = Field(100, ge=20)
    check_output: bool = True
