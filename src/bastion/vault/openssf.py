"""OpenSSF model-signing (offline private-key method) over the plaintext model, so the weights can be
checked after unsealing with that project's own tools (``model_signing verify key ...``)."""

from __future__ import annotations

from pathlib import Path


def sign_model(model_dir: Path, signature: Path, private_key_pem: Path) -> None:
    from model_signing import signing

    config = signing.Config()  # type: ignore[no-untyped-call]
    config.use_elliptic_key_signer(private_key=private_key_pem).sign(model_dir, signature)


def verify_model(model_dir: Path, signature: Path, public_key_pem: Path) -> None:
    """Raises ValueError (from model_signing) when the directory does not match the signature."""
    from model_signing import verifying

    config = verifying.Config()  # type: ignore[no-untyped-call]
    config.use_elliptic_key_verifier(public_key=public_key_pem).verify(model_dir, signature)
