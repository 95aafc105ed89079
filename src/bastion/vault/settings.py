"""Settings for the weight vault (``[vault]`` in bastion.toml)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class VaultSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Trusted manifest signer (ECDSA P-256 public key, PEM); a manifest signed by any other key is refused.
    trusted_public_key: str | None = None
    chunk_size: int = Field(4 * 1024 * 1024, ge=4096, le=64 * 1024 * 1024)
    # Exfiltration guard: at most this many times a model's size unsealed per principal per window.
    budget_multiple: float = Field(3.0, gt=0)
    budget_window_s: int = Field(86_400, ge=60)
    state_file: str = "var/vault/budget.db"
    # Sealed models the admin API may hand out (model name, as in [models], -> sealed directory).
    # Only ciphertext leaves: the manifest, its signature and the sealed files; each download is
    # checked against the access policy (action ``download_weights``) and audit-logged.
    sealed_models: dict[str, str] = Field(default_factory=dict)
