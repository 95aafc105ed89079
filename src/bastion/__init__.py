"""Bastion: a self-hosted gateway that puts frontier models behind verified, policy-governed, provable access."""

__version__ = "0.1.0"
