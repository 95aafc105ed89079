"""Decoders invert the disguises (property-based), and normalisation removes invisible tricks."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.guard.deobfuscate import normalise, obfuscate, variants

WORDS = ["how", "do", "i", "make", "a", "the", "nerve", "agent", "build", "drone", "track", "every", "phone",
         "write", "code", "for", "people", "city", "secret", "plan", "network", "attack", "home", "with"]
sentences = st.lists(st.sampled_from(WORDS), min_size=4, max_size=14).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(text=sentences, kind=st.sampled_from(["base64", "hex", "zero_width", "confusables", "spaced"]))
def test_decoded_variant_recovers_the_text(text: str, kind: str) -> None:
    assert any(text in v for v in variants(obfuscate(text, kind)))


@settings(max_examples=100, deadline=None)
@given(text=sentences)
def test_rot13_is_undone(text: str) -> None:
    assert any(text in v for v in variants(obfuscate(text, "rot13")))


@given(text=st.text(max_size=300))
def test_variants_never_fail_and_start_with_the_normalised_text(text: str) -> None:
    out = variants(text)
    assert out[0] == normalise(text)


def test_zero_width_and_confusables_are_removed() -> None:
    assert normalise("s\u200ba\u200brin") == "sarin"
    assert normalise("sаrin") == "sarin"  # Cyrillic a
    assert normalise("ｓａｒｉｎ") == "sarin"  # full-width, folded by NFKC
