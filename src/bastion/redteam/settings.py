"""Settings for the red-team harness (``[redteam]`` in bastion.toml). Every field is also a ``run`` option;
the command line wins."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class EndpointSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str
    model: str
    api_key_env: str | None = None
    timeout_s: float = Field(60.0, gt=0)


class RedteamSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The Ed25519 key that signs report.json; created (0600) on first use when generate_key is on.
    signing_key_file: str = "var/redteam/signing.key"
    generate_key: bool = True
    concurrency: int = Field(8, ge=1, le=1024)
    timeout_s: float = Field(60.0, gt=0)
    retries: int = Field(4, ge=0, le=20)
    max_tokens: int = Field(512, ge=1)
    # Optional: the LLM judge's endpoint, and an attacker model for the crescendo / pair strategies.
    judge: EndpointSettings | None = None
    judge_threshold: float = Field(0.5, ge=0, le=1)
    attacker: EndpointSettings | None = None
