"""The report directory: ``report.json`` (canonical JSON, a versioned schema), ``report.sig`` (Ed25519
over the exact bytes of report.json) and ``report.html`` (for people).

report.json is written in one pass over the state file: the top-level keys in sorted order, with
``attempts`` (which sorts first) streamed record by record and the metrics accumulated on the way, so
100,000 attempts never sit in memory as objects. The bytes are canonical: sorted keys, no whitespace,
UTF-8, so anyone can re-serialise the parsed document and get the signed bytes back.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import mmap
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from bastion.audit.records import canonical
from bastion.redteam.keys import KeyError_, key_id, load_public, public_b64, raw_public
from bastion.redteam.metrics import Metrics
from bastion.redteam.runner import STATE_FILE, now_iso
from bastion.redteam.state import State, StateError
from bastion.redteam.suites import CATEGORIES

SCHEMA_VERSION = 1
REPORT, SIG, HTML = "report.json", "report.sig", "report.html"
WORST = 10


class ReportError(ValueError):
    """A report that cannot be built, read or verified."""


@dataclass
class Written:
    path: Path
    sha256: str
    bytes: int
    key_id: str
    run_id: str
    metrics: dict[str, Any]


class WorstExamples:
    """The ``k`` most damaging successful attacks: most judges agreeing, then the highest judge score, then
    Bastion's own categories before ``other``, then plan order."""

    def __init__(self, k: int = WORST) -> None:
        self.k = k
        self.heap: list[tuple[tuple[int, float, int, int], dict[str, Any]]] = []

    def add(self, rec: dict[str, Any]) -> None:
        if not (rec["harmful"] and rec.get("success")):
            return
        verdicts = rec.get("verdicts") or {}
        agree = sum(1 for v in verdicts.values() if v.get("success"))
        score = max((float(v["score"]) for v in verdicts.values() if v.get("success") and v.get("score") is not None),
                    default=0.0)
        key = (agree, score, int(rec["category"] in CATEGORIES), -int(rec["index"]))
        keep = {k: rec.get(k) for k in ("id", "index", "suite", "prompt_id", "category", "transform", "prompt",
                                         "answer", "answer_sha256", "verdicts")}
        item = (key, keep)
        if len(self.heap) < self.k:
            heapq.heappush(self.heap, item)
        elif key > self.heap[0][0]:
            heapq.heapreplace(self.heap, item)

    def result(self) -> list[dict[str, Any]]:
        return [rec for _, rec in sorted(self.heap, key=lambda x: x[0], reverse=True)]


def write_report(out: Path, signer: Ed25519PrivateKey) -> Written:
    """Build report.json, report.sig and report.html in ``out`` from its state file."""
    state_path = out / STATE_FILE
    if not state_path.exists():
        raise ReportError(f"{out} has no {STATE_FILE}: nothing to report")
    try:
        state = State(state_path)
    except StateError as exc:
        raise ReportError(str(exc)) from exc
    try:
        run = state.get("run")
        ident = state.get("identity")
        if run is None or ident is None:
            raise ReportError(f"{state_path} holds no run")
        metrics = Metrics(ident["primary_judge"], tuple(j["name"] for j in run["judges"]))
        worst = WorstExamples()
        tmp = out / (REPORT + ".tmp")
        digest = hashlib.sha256()
        size = 0
        with tmp.open("wb") as fh:
            def emit(chunk: bytes) -> None:
                nonlocal size
                fh.write(chunk)
                digest.update(chunk)
                size += len(chunk)

            emit(b'{"attempts":[')
            first = True
            for raw in state.records():
                rec = orjson.loads(raw)
                metrics.add(rec)
                worst.add(rec)
                emit(raw if first else b"," + raw)
                first = False
            emit(b"]")
            pub = signer.public_key()
            result = metrics.result()
            worst_list = worst.result()
            header: dict[str, Any] = {
                **run,
                "schema_version": SCHEMA_VERSION,
                "run_id": hashlib.sha256(canonical(ident)).hexdigest()[:24],
                "date": {"started": state.get("started"), "finished": state.get("finished"), "reported": now_iso()},
                "metrics": result,
                "worst_examples": [w["id"] for w in worst_list],
                "signature": {"algorithm": "ed25519", "public_key": public_b64(pub), "key_id": key_id(raw_public(pub)),
                              "file": SIG, "signed": "the exact bytes of report.json"},
            }
            for key in sorted(header):
                if key <= "attempts":
                    raise ReportError(f"top-level key {key!r} would sort before 'attempts'")
                emit(b"," + canonical(key) + b":" + canonical(header[key]))
            emit(b"}")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out / REPORT)
    finally:
        state.close()
    fh, data = _open(out / REPORT)
    try:
        (out / SIG).write_text(base64.b64encode(signer.sign(data)).decode() + "\n")
    finally:
        data.close()
        fh.close()
    from bastion.redteam.html import render

    (out / HTML).write_text(render(header, worst_list, digest.hexdigest()), encoding="utf-8")
    return Written(out / REPORT, digest.hexdigest(), size, header["signature"]["key_id"], header["run_id"], result)


# -- reading and verifying -------------------------------------------------------------------------------

HEAD = b'{"attempts":['
TAIL = b'],"date":'  # "date" is the key after "attempts" in sorted order


def report_path(ref: Path) -> Path:
    return ref / REPORT if ref.is_dir() else ref


def _open(path: Path) -> tuple[Any, Any]:
    """(file, read-only memory map) of a report: large reports are read without a copy on the heap."""
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise ReportError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError) as exc:  # an empty file cannot be mapped
        fh.close()
        raise ReportError(f"{path} is not a red-team report ({exc})") from exc


def split(data: Any) -> tuple[int, dict[str, Any]]:
    """(offset of the end of the attempts array, the parsed top-level fields other than ``attempts``).

    The header is found without parsing the attempts, so reading a 100,000-attempt report's metrics costs
    kilobytes, not the whole document as Python objects."""
    at = data.rfind(TAIL)
    if data[:len(HEAD)] != HEAD or at < 0:
        raise ReportError("not a red-team report (report.json must start with the attempts array)")
    try:
        header = orjson.loads(b"{" + data[at + 2:])
    except orjson.JSONDecodeError as exc:
        raise ReportError(f"malformed report.json: {exc}") from exc
    if not isinstance(header, dict):
        raise ReportError("malformed report.json")
    return at, header


def load_report(ref: Path, with_attempts: bool = False) -> dict[str, Any]:
    path = report_path(ref)
    fh, data = _open(path)
    try:
        if with_attempts:
            try:
                doc = orjson.loads(data[:])
            except orjson.JSONDecodeError as exc:
                raise ReportError(f"cannot read {path}: {exc}") from exc
        else:
            doc = split(data)[1]
    finally:
        data.close()
        fh.close()
    if not isinstance(doc, dict) or "schema_version" not in doc:
        raise ReportError(f"{path} is not a red-team report")
    if doc["schema_version"] != SCHEMA_VERSION:
        raise ReportError(f"{path}: schema_version {doc['schema_version']} is not supported (want {SCHEMA_VERSION})")
    return doc


def check_canonical(data: Any, at: int, header: dict[str, Any]) -> None:
    """Raise unless the bytes are canonical JSON: the header as a whole, the attempts one record at a time
    (each record is an object whose first key is "answer"; records hold no arrays of objects)."""
    if canonical(header) != b"{" + data[at + 2:]:
        raise ReportError("report.json is signed but not canonical JSON (header)")
    pos, end = len(HEAD), at
    sep = b'},{"answer":'
    while pos < end:
        nxt = data.find(sep, pos, end)
        stop = end if nxt < 0 else nxt + 1
        piece = data[pos:stop]
        try:
            rec = orjson.loads(piece)
        except orjson.JSONDecodeError as exc:
            raise ReportError(f"report.json is signed but not canonical JSON (attempt at byte {pos})") from exc
        if not isinstance(rec, dict) or canonical(rec) != piece:
            raise ReportError(f"report.json is signed but not canonical JSON (attempt at byte {pos})")
        pos = stop + 1


@dataclass
class Verified:
    key_id: str
    pinned: bool  # checked against a key the reader supplied, not only the one the report carries
    sha256: str


def verify_report(ref: Path, public_key: str | None = None) -> Verified:
    """Check report.sig over report.json. Without ``public_key`` the key embedded in the report is used,
    which proves the file is unchanged since signing but not who signed it."""
    path = report_path(ref)
    sig_path = path.with_name(SIG)
    try:
        signature = base64.b64decode(sig_path.read_text().strip(), validate=True)
    except (OSError, ValueError) as exc:
        raise ReportError(f"cannot read the signature {sig_path}: {exc}") from exc
    fh, data = _open(path)
    try:
        at, header = split(data)
        try:
            embedded = load_public(header["signature"]["public_key"])
        except (KeyError, TypeError, KeyError_) as exc:
            raise ReportError(f"{path}: not a signed red-team report ({exc})") from exc
        key: Ed25519PublicKey = embedded
        if public_key is not None:
            try:
                key = load_public(public_key)
            except KeyError_ as exc:
                raise ReportError(str(exc)) from exc
            if raw_public(key) != raw_public(embedded):
                raise ReportError(f"report was signed by key {key_id(raw_public(embedded))}, not by the given key "
                                  f"{key_id(raw_public(key))}")
        try:
            key.verify(signature, data)
        except InvalidSignature as exc:
            raise ReportError(f"signature does not verify: {path} changed after signing, or {sig_path.name} is "
                              "not its signature") from exc
        check_canonical(data, at, header)
        digest = hashlib.sha256(data).hexdigest()
    finally:
        data.close()
        fh.close()
    return Verified(key_id(raw_public(key)), public_key is not None, digest)
