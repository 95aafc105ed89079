"""List adapters: each turns one published format into ``ListEntry`` objects, all or nothing.

``load_list`` detects the format from the file (or the folder holding OFAC's files)."""

from __future__ import annotations

from pathlib import Path

from bastion.diligence.screening.loaders.base import ListFormatError
from bastion.diligence.screening.loaders.csl import load_csl, load_dpl
from bastion.diligence.screening.loaders.ftm import load_ftm
from bastion.diligence.screening.loaders.ofac import load_ofac
from bastion.diligence.screening.loaders.un import load_un
from bastion.diligence.screening.model import ListEntry

__all__ = ["ListFormatError", "detect_format", "load_list", "load_lists"]


def detect_format(path: Path) -> str:
    if path.is_dir():
        for name in ("sdn.csv", "cons_prim.csv"):
            if (path / name).exists():
                return "ofac"
        raise ListFormatError(path, None, "folder holds no known list file (sdn.csv or cons_prim.csv)")
    if path.name in ("sdn.csv", "cons_prim.csv"):
        return "ofac"
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise ListFormatError(path, None, f"cannot read: {exc.strerror or exc}") from exc
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \r\n\t")
    first = text.splitlines()[0] if text else ""
    if text.startswith("<"):
        return "un"
    if text.startswith(("{", "[")):
        return "ftm"
    if "\t" in first and "Name" in first:
        return "dpl"
    if "name" in first.split(",") or "source" in first:
        return "csl"
    raise ListFormatError(path, 1, "unknown list format (expected OFAC CSV, CSL CSV, UN XML, DPL TSV or FTM JSON)")


def load_list(path: Path | str, fmt: str | None = None) -> list[ListEntry]:
    p = Path(path)
    if not p.exists():
        raise ListFormatError(p, None, "no such file or folder")
    fmt = fmt or detect_format(p)
    if fmt == "ofac":
        return load_ofac(p / "sdn.csv" if (p / "sdn.csv").exists() else p / "cons_prim.csv" if p.is_dir() else p)
    loaders = {"un": load_un, "ftm": load_ftm, "csl": load_csl, "dpl": load_dpl}
    if fmt not in loaders:
        raise ListFormatError(p, None, f"unknown list format {fmt!r}")
    return loaders[fmt](p)


def load_lists(paths: list[Path | str]) -> list[ListEntry]:
    """Every list, or an error naming the first bad file: a partial load would screen against less
    than the operator thinks."""
    entries: list[ListEntry] = []
    for p in paths:
        entries += load_list(p)
    return entries
