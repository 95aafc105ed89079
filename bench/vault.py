"""Vault throughput: seal and unseal (with verification) of one large file from the page cache, and
AES-256-GCM alone for comparison; peak memory (max RSS). Each timed phase starts after ``sync``, with
no writeback pending. Prints one JSON object with ``targets``.
``--size-gb`` sets the file size (default 4); ``--quick`` uses 0.25 GB.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, target
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bastion.vault.custodians import Custodian, new_custodian_key
from bastion.vault.vault import recover_dek, seal, unseal, verify

GB = 1024**3


def aes_only(nbytes: int) -> float:
    aead, block = AESGCM(os.urandom(32)), os.urandom(4 * 1024 * 1024)
    t = time.perf_counter()
    for i in range(nbytes // len(block)):
        aead.encrypt(i.to_bytes(12, "big"), block, None)
    return nbytes / (time.perf_counter() - t) / 1e9


def main(size_gb: float) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="bastion-vault-bench-", dir=os.environ.get("BENCH_TMP", "/tmp")))
    try:
        size = int(size_gb * GB)
        model = work / "model"
        model.mkdir()
        block = os.urandom(16 * 1024 * 1024)
        with (model / "weights.bin").open("wb") as fh:  # random data: nothing compressible or sparse
            for _ in range(size // len(block)):
                fh.write(block)
            fh.flush()
            os.fsync(fh.fileno())  # start timing with the input in the page cache and no writeback pending
        keys = [new_custodian_key() for _ in range(3)]
        custodians = [Custodian(f"c{i}", pub) for i, (_, pub) in enumerate(keys)]
        signer = ec.generate_private_key(ec.SECP256R1())
        # The first pass runs in a process whose buffers are still untouched memory (each new page
        # costs the host an allocation on this VM). A long-running server is in the second state;
        # both are reported, and the target is judged on the second.
        t = time.perf_counter()
        seal(model, work / "sealed-cold", custodians, 2, signer, "bench", "1")
        seal_cold_s = time.perf_counter() - t
        shutil.rmtree(work / "sealed-cold")
        os.sync()
        t = time.perf_counter()
        seal(model, work / "sealed", custodians, 2, signer, "bench", "1")
        seal_s = time.perf_counter() - t
        os.sync()
        t = time.perf_counter()
        doc = verify(work / "sealed", signer.public_key())  # keyless: signature and sealed-file digests
        verify_s = time.perf_counter() - t
        shares = [(work / "sealed" / "shares" / f"c{i}.json", keys[i][0]) for i in (0, 1)]
        dek, _ = recover_dek(work / "sealed", doc, shares)
        shutil.rmtree(model)
        os.sync()  # no writeback of the seal left pending when the unseal starts
        t = time.perf_counter()
        unseal(work / "sealed", doc, dek, work / "out")
        unseal_s = time.perf_counter() - t
        actual = (size // len(block)) * len(block)
        seal_gbs, unseal_gbs = actual / seal_s / 1e9, actual / unseal_s / 1e9
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {"bench": "vault", "bytes": actual, "cpus": os.cpu_count(), "seal_s": round(seal_s, 2),
                "seal_first_pass_gb_per_s": round(actual / seal_cold_s / 1e9, 3),
                "unseal_s": round(unseal_s, 2),
                "verify_gb_per_s": round(actual / verify_s / 1e9, 3), "seal_gb_per_s": round(seal_gbs, 3),
                "unseal_verify_gb_per_s": round(unseal_gbs, 3),
                "aes_gcm_only_gb_per_s": round(aes_only(GB // 2), 3),
                "max_rss_mb": round(rss_mb, 1),
                "note": "seal = encrypt + SHA-256 of plaintext and sealed bytes + write; unseal = decrypt + "
                        "SHA-256 of plaintext + write; verify = SHA-256 of the sealed files as written (direct "
                        "I/O leaves them out of the page cache); the OpenSSF signature (an extra hashing pass) "
                        "is not included",
                "targets": [target("seal_gb_per_s", seal_gbs, ">=", 1.0),
                            target("unseal_verify_gb_per_s", unseal_gbs, ">=", 1.0),
                            target("max_rss_mb", rss_mb, "<=", 256.0)]}
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-gb", type=float, default=4.0)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    emit(main(0.25 if a.quick else a.size_gb))
