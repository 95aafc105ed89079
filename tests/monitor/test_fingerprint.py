"""Content fingerprints: near-duplicates close, unrelated prompts far, the key matters, no text kept."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.monitor.fingerprint import Fingerprinter, derive_key, guess_script, hamming, mask_template

VOCAB_A = [f"alpha{i}" for i in range(400)]
VOCAB_B = [f"beta{i}" for i in range(400)]
FP = Fingerprinter.from_secret("test-secret")

words_a = st.lists(st.sampled_from(VOCAB_A), min_size=20, max_size=80)
words_b = st.lists(st.sampled_from(VOCAB_B), min_size=20, max_size=80)


@settings(max_examples=150, deadline=None)
@given(words=words_a, where=st.integers(min_value=0), replacement=st.sampled_from(VOCAB_A))
def test_one_word_changed_is_a_near_duplicate(words: list[str], where: int, replacement: str) -> None:
    changed = list(words)
    changed[where % len(words)] = replacement
    assert hamming(FP.simhash(words), FP.simhash(changed)) <= 20


@settings(max_examples=150, deadline=None)
@given(a=words_a, b=words_b)
def test_unrelated_prompts_are_far_apart(a: list[str], b: list[str]) -> None:
    assert hamming(FP.simhash(a), FP.simhash(b)) >= 12


@settings(max_examples=100, deadline=None)
@given(text=st.text(min_size=1, max_size=300).filter(lambda t: any(c.isalnum() for c in t)),
       other=st.text(min_size=16, max_size=40))
def test_the_key_changes_the_fingerprint(text: str, other: str) -> None:
    again = Fingerprinter.from_secret("test-secret").fingerprint(text)
    assert again == FP.fingerprint(text)  # deterministic under one key
    if other != "test-secret":
        elsewhere = Fingerprinter.from_secret(other).fingerprint(text)
        assert (elsewhere.simhash, elsewhere.template) != (again.simhash, again.template)


def test_different_keys_are_uncorrelated_on_average() -> None:
    texts = [f"please summarise report number {i} about the quarterly sales figures" for i in range(50)]
    other = Fingerprinter.from_secret("another-secret")
    mean = sum(hamming(FP.fingerprint(t).simhash, other.fingerprint(t).simhash) for t in texts) / len(texts)
    assert 24 <= mean <= 40  # about half the bits: nothing carries over between keys


def test_template_masks_slots() -> None:
    masked = mask_template('Summarise the review "great phone, 5 stars" by Jane Doe from https://shop.example/p/12 '
                           "(contact jane@example.com) posted 2024-01-02, see `x = 1`.")
    assert masked == ("summarise the review <q> by <name> <name> from <url> contact <email> posted <num> see <code>")
    # a sentence-initial capital is grammar, not a name
    assert mask_template("Translate this. Then stop") == "translate this then stop"


def test_templated_prompts_share_a_template_but_not_a_simhash() -> None:
    a = FP.fingerprint('Translate into French: "the cat sits on the mat" and explain the grammar of Paris 1920.')
    b = FP.fingerprint('Translate into French: "my brother bought a red bicycle" and explain the grammar of Rome 33.')
    assert a.template == b.template
    assert hamming(a.simhash, b.simhash) >= 8


def test_cot_language_topic_and_length() -> None:
    fp = FP.fingerprint("Solve this integral and explain your reasoning step by step.")
    assert fp.cot and fp.topic == "math" and fp.language == "Latn" and fp.length == 60
    assert not FP.fingerprint("Solve this integral.").cot
    assert FP.fingerprint("Think carefully before answering: what is an enzyme?").cot
    assert guess_script("Как дела у тебя сегодня") == "Cyrl"
    assert guess_script("请解释光合作用的过程") == "Hani"
    assert guess_script("これはペンです") == "Jpan"
    assert guess_script("12345 !!!") == "Zyyy"


def test_no_text_is_kept() -> None:
    secret_phrase = "zebra-crossing-quantum-lemonade"
    fp = FP.fingerprint(f"tell me about {secret_phrase}")
    assert secret_phrase not in repr(fp)
    assert all(isinstance(v, int | bool) or len(str(v)) <= 10 for v in (fp.simhash, fp.template, fp.length,
                                                                          fp.language, fp.topic, fp.cot))


def test_key_is_required() -> None:
    with pytest.raises(ValueError):
        derive_key("")
    with pytest.raises(ValueError):
        Fingerprinter(b"short")
