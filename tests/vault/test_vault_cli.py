"""The vault end to end, as custodians and operators use it: real files, real keys, the CLI."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.audit.test_gateway_audit import records

CLI = [sys.executable, "-m", "bastion.cli"]


def write_safetensors(path: Path, tensors: dict[str, np.ndarray]) -> None:
    """A small, valid safetensors file (header length, JSON header, raw little-endian data)."""
    header: dict[str, object] = {}
    offset = 0
    blobs = []
    for name, arr in tensors.items():
        raw = np.ascontiguousarray(arr, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    head = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(head)) + head + b"".join(blobs))


class Vault:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        cfg = tmp / "bastion.toml"
        cfg.write_text(f'[store]\nurl = "sqlite+aiosqlite:///{tmp / "audit.db"}"\n'
                       f'[audit]\nsigning_key_file = "{tmp / "audit.key"}"\n'
                       f'[vault]\nstate_file = "{tmp / "budget.db"}"\nchunk_size = 65536\nbudget_multiple = 2.5\n')
        self.env = {**os.environ, "BASTION_CONFIG": str(cfg), "BASTION_SERVER_SECRET": "s" * 32}

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        out = subprocess.run([*CLI, "vault", *args], env=self.env, capture_output=True, text=True, timeout=300)
        if ok:
            assert out.returncode == 0, out.stderr
        else:
            assert out.returncode != 0, out.stdout
        return out

    def custodians(self, names: list[str], file: str) -> Path:
        entries = [json.loads(self.run("keygen-custodian", n, "--out", str(self.tmp / f"{n}.key")).stdout)
                   for n in names]
        path = self.tmp / file
        path.write_text(json.dumps({"custodians": entries}))
        return path


@pytest.fixture
def sealed_model(tmp_path: Path) -> tuple[Vault, Path, Path]:
    v = Vault(tmp_path)
    model = tmp_path / "tiny-model"
    model.mkdir()
    rng = np.random.default_rng(0)
    write_safetensors(model / "model.safetensors",
                      {"w1": rng.standard_normal((64, 300)), "b1": rng.standard_normal(300)})
    (model / "config.json").write_text('{"hidden_size": 300}')
    (model / "tokenizer").mkdir()
    (model / "tokenizer" / "vocab.txt").write_text("a\nb\nc\n")
    v.run("keygen-signer", "--out", str(tmp_path / "signer.pem"))
    custodians = v.custodians(["alice", "bob", "carol"], "custodians.json")
    sealed = tmp_path / "sealed"
    v.run("seal", str(model), "--out", str(sealed), "--custodians", str(custodians), "--threshold", "2",
          "--signing-key", str(tmp_path / "signer.pem"), "--name", "tiny", "--version", "1.0")
    return v, model, sealed


def pub(v: Vault) -> list[str]:
    return ["--public-key", str(v.tmp / "signer.pub.pem")]


def share(v: Vault, sealed: Path, name: str) -> list[str]:
    return ["--share", f"{sealed / 'shares' / (name + '.json')}:{v.tmp / (name + '.key')}"]


def test_round_trip_with_two_of_three(sealed_model: tuple[Vault, Path, Path]) -> None:
    v, model, sealed = sealed_model
    assert v.run("verify", str(sealed), *pub(v)).stdout.startswith("OK: tiny 1.0, 3 files, 3 custodians, threshold 2")
    out = v.tmp / "out"
    v.run("unseal", str(sealed), *share(v, sealed, "alice"), *share(v, sealed, "carol"), "--out", str(out), *pub(v))
    for f in model.rglob("*"):
        if f.is_file():
            assert (out / f.relative_to(model)).read_bytes() == f.read_bytes()
    sealed_bytes = b"".join(p.read_bytes() for p in (sealed / "files").iterdir())
    assert b'"dtype": "F32"' not in sealed_bytes and b"hidden_size" not in sealed_bytes  # nothing in clear
    streamed = subprocess.run([*CLI, "vault", "unseal", str(sealed), *share(v, sealed, "bob"),
                               *share(v, sealed, "alice"), "--to-stdout", "config.json", *pub(v)],
                              env=v.env, capture_output=True, timeout=60)
    assert streamed.returncode == 0 and streamed.stdout == b'{"hidden_size": 300}'
    actions = [r["action"] for r in records(f"sqlite+aiosqlite:///{v.tmp / 'audit.db'}") if r.get("kind") == "vault"]
    assert actions == ["vault.seal", "vault.verify", "vault.unseal", "vault.unseal"]


def test_refusals_name_what_is_wrong(sealed_model: tuple[Vault, Path, Path]) -> None:
    v, _, sealed = sealed_model
    out = str(v.tmp / "out")
    assert "1 custodian share(s) given, 2 needed" in v.run(
        "unseal", str(sealed), *share(v, sealed, "alice"), "--out", out, *pub(v), ok=False).stderr
    # a forged share: alter bob's ciphertext
    doc = json.loads((sealed / "shares" / "bob.json").read_text())
    ct = bytearray(__import__("base64").b64decode(doc["ciphertext"]))
    ct[0] ^= 1
    doc["ciphertext"] = __import__("base64").b64encode(bytes(ct)).decode()
    forged = v.tmp / "bob-forged.json"
    forged.write_text(json.dumps(doc))
    err = v.run("unseal", str(sealed), *share(v, sealed, "alice"), "--share", f"{forged}:{v.tmp / 'bob.key'}",
                "--out", out, *pub(v), ok=False).stderr
    assert "share of bob" in err
    # the wrong custodian key for a share
    err = v.run("unseal", str(sealed), *share(v, sealed, "alice"), "--share",
                f"{sealed / 'shares' / 'bob.json'}:{v.tmp / 'carol.key'}", "--out", out, *pub(v), ok=False).stderr
    assert "share of bob" in err and "private key" in err
    # a manifest signed by another key
    v.run("keygen-signer", "--out", str(v.tmp / "mallory.pem"))
    err = v.run("verify", str(sealed), "--public-key", str(v.tmp / "mallory.pub.pem"), ok=False).stderr
    assert "signature does not verify" in err


@pytest.mark.parametrize("damage", ["flip", "truncate", "swap_files", "foreign_file"])
def test_tampered_files_are_named(sealed_model: tuple[Vault, Path, Path], tmp_path: Path, damage: str) -> None:
    v, model, sealed = sealed_model
    target = sealed / "files" / "00001.sealed"  # model.safetensors (sorted: config.json, model..., tokenizer/...)
    data = bytearray(target.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x40
        target.write_bytes(bytes(data))
    elif damage == "truncate":
        target.write_bytes(bytes(data[: len(data) - 1000]))
    elif damage == "swap_files":
        other = sealed / "files" / "00000.sealed"
        a, b = target.read_bytes(), other.read_bytes()
        target.write_bytes(b)
        other.write_bytes(a)
    else:  # the same file from another seal of the same model
        second = tmp_path / "sealed2"
        v.run("seal", str(model), "--out", str(second), "--custodians", str(tmp_path / "custodians.json"),
              "--threshold", "2", "--signing-key", str(tmp_path / "signer.pem"), "--no-openssf")
        shutil.copy(second / "files" / "00001.sealed", target)
    err = v.run("verify", str(sealed), *pub(v), ok=False).stderr
    assert "model.safetensors" in err or "config.json" in err
    # Unsealing does not hash the sealed files first: decryption itself must catch and name it.
    out = v.tmp / "out"
    err = v.run("unseal", str(sealed), *share(v, sealed, "alice"), *share(v, sealed, "bob"), "--out", str(out),
                *pub(v), ok=False).stderr
    assert "model.safetensors" in err or "config.json" in err
    if damage in ("flip", "truncate"):
        assert "model.safetensors: chunk" in err
    assert not (out / "model.safetensors").exists() and not list(out.rglob("*.partial"))


def test_rotation_rewraps_without_reencrypting(sealed_model: tuple[Vault, Path, Path]) -> None:
    v, model, sealed = sealed_model
    before = {p.name: p.read_bytes() for p in (sealed / "files").iterdir()}
    new = v.custodians(["dave", "erin"], "new-custodians.json")
    v.run("rotate", str(sealed), *share(v, sealed, "alice"), *share(v, sealed, "bob"), "--custodians", str(new),
          "--threshold", "2", "--signing-key", str(v.tmp / "signer.pem"), *pub(v))
    assert {p.name: p.read_bytes() for p in (sealed / "files").iterdir()} == before
    out = v.tmp / "out2"
    v.run("unseal", str(sealed), *share(v, sealed, "dave"), *share(v, sealed, "erin"), "--out", str(out), *pub(v))
    assert (out / "config.json").read_bytes() == (model / "config.json").read_bytes()
    assert not (sealed / "shares" / "alice.json").exists()


def test_read_budget_refuses_and_alerts(sealed_model: tuple[Vault, Path, Path]) -> None:
    v, _, sealed = sealed_model
    for i in range(2):  # budget 2.5 x model size: two full unseals fit
        v.run("unseal", str(sealed), *share(v, sealed, "alice"), *share(v, sealed, "bob"), "--out",
              str(v.tmp / f"o{i}"), *pub(v))
    err = v.run("unseal", str(sealed), *share(v, sealed, "alice"), *share(v, sealed, "bob"), "--out",
                str(v.tmp / "o3"), *pub(v), ok=False).stderr
    assert "read budget" in err
    actions = [r["action"] for r in records(f"sqlite+aiosqlite:///{v.tmp / 'audit.db'}") if r.get("kind") == "vault"]
    assert actions[-2:] == ["vault.unseal_failed", "vault.alert"]


def test_multi_gb_sparse_file_round_trip(tmp_path: Path) -> None:
    v = Vault(tmp_path)
    model = tmp_path / "big"
    model.mkdir()
    with (model / "weights.bin").open("wb") as fh:
        fh.truncate(2 * 1024**3)  # 2 GiB, sparse: zeros that cost no disk until encrypted
        fh.seek(1024**3)
        fh.write(b"middle-marker")
    v.run("keygen-signer", "--out", str(tmp_path / "signer.pem"))
    custodians = v.custodians(["alice", "bob"], "c.json")
    sealed = tmp_path / "sealed"
    v.run("seal", str(model), "--out", str(sealed), "--custodians", str(custodians), "--threshold", "2",
          "--signing-key", str(tmp_path / "signer.pem"), "--no-openssf")
    shutil.rmtree(model)  # make room: the plaintext is only needed again after unsealing
    out = tmp_path / "out"
    v.run("unseal", str(sealed), *share(v, sealed, "alice"), *share(v, sealed, "bob"), "--out", str(out), *pub(v))
    with (out / "weights.bin").open("rb") as fh:
        fh.seek(1024**3)
        assert fh.read(13) == b"middle-marker"
    assert (out / "weights.bin").stat().st_size == 2 * 1024**3
