"""Settings for the audit log (``[audit]`` in bastion.toml)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AuditSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    # The checkpoint origin line; by convention also the signing key's name.
    origin: str = Field("bastion.local/audit", pattern=r"^[^\s+]+$")
    # C2SP signer key (PRIVATE+KEY+...), mode 0600. Created only by the first start of an empty log (when
    # generate_key is on) or by `bastion audit keygen`; a writer joining an existing log must have its key.
    signing_key_file: str = "var/audit/signing.key"
    generate_key: bool = True
    # Verifier keys (name+hash+key) of earlier signing keys, so checkpoints signed before a rotation verify.
    previous_verifier_keys: list[str] = Field(default_factory=list)
    # A checkpoint is signed after this many entries, or this long after the last one, if anything new.
    checkpoint_every: int = Field(1000, ge=1)
    checkpoint_interval_ms: int = Field(1000, ge=10)
    batch_max: int = Field(4096, ge=1)
    # Subtree hashes kept in memory for proofs (LRU; ~150 bytes each); the rest are read from the store.
    proof_cache_entries: int = Field(16_384, ge=0)
