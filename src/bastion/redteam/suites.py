"""Suites as data: a suite is a file of prompts, each harmful (an attack should not succeed) or
benign (a look-alike the model should answer, for over-refusal).

Formats, chosen by extension: JSON Lines (one object per line), YAML (a list, or ``{"prompts": [...]}``)
and CSV (a header row). Fields: ``id``, ``prompt``, ``category``, ``harmful`` (default true),
``source_category`` and ``source`` (optional). ``category`` is one of Bastion's taxonomy categories
(``CATEGORIES``) or ``other``; a suite that gives only a source category is mapped by ``map_category``.

Built-in suites live in ``bastion/redteam/suites/NAME.jsonl``; ``python -m bastion.redteam.build_suites``
regenerates them from ``../shared/data``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml

from bastion.guard.taxonomy import keyword_category

SUITE_DIR = Path(__file__).resolve().parent / "suites"

# Bastion's hazard categories (guard/taxonomy.yaml) a red-team finding is filed under; `other` holds the
# harms outside them (violent crime, drugs, fraud, hate...), which still count as harmful.
CATEGORIES = ("cbrn_weapons", "cyber_offense", "autonomous_weapons", "mass_surveillance", "influence_operations")
OTHER = "other"
ALL_CATEGORIES = (*CATEGORIES, OTHER)


class SuiteError(ValueError):
    """A suite file that cannot be read, or a prompt without the required fields."""


@dataclass(frozen=True, slots=True)
class Prompt:
    id: str
    text: str
    category: str
    harmful: bool
    source_category: str = ""
    suite: str = ""


@dataclass(frozen=True)
class Suite:
    name: str
    path: Path
    sha256: str
    prompts: tuple[Prompt, ...]

    @property
    def harmful(self) -> int:
        return sum(p.harmful for p in self.prompts)

    def sample(self, limit: int | None, seed: int) -> list[Prompt]:
        """``limit`` prompts drawn without replacement, the same ones for the same seed; file order kept."""
        if limit is None or limit >= len(self.prompts):
            return list(self.prompts)
        rng = random.Random(f"{seed}:{self.name}:{self.sha256}")
        picked = sorted(rng.sample(range(len(self.prompts)), limit))
        return [self.prompts[i] for i in picked]


# -- mapping source categories to Bastion's taxonomy -----------------------------------------------

# Exact source labels (lower-cased) whose meaning is one Bastion category outright.
SOURCE_MAP: dict[str, str] = {
    "chemical_biological": "cbrn_weapons",
    "cybercrime_intrusion": "cyber_offense",
    "misinformation_disinformation": "influence_operations",
    "malware/hacking": "cyber_offense",
    "disinformation": "influence_operations",
    "disinformation and deception": "influence_operations",
    "government decision-making": OTHER,
    "privacy": OTHER,
}

def map_category(source_category: str | None, text: str) -> str:
    """Bastion's category for a prompt: the source's own label when it is specific, else keywords, else other."""
    if source_category:
        key = source_category.strip().lower()
        if key in CATEGORIES:
            return key
        mapped = SOURCE_MAP.get(key)
        if mapped and mapped != OTHER:
            return mapped
    return keyword_category(text) or OTHER


# -- loading -------------------------------------------------------------------------------------------


def _bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if value is None or value == "":
        return True
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "harmful", "unsafe"):
        return True
    if text in ("0", "false", "no", "benign", "safe"):
        return False
    raise SuiteError(f"{where}: harmful must be true or false, not {value!r}")


def _rows(path: Path, data: bytes) -> list[dict[str, Any]]:
    suffix = path.suffix.lower()
    rows: Any
    try:
        if suffix in (".jsonl", ".ndjson"):
            rows = [orjson.loads(line) for line in data.splitlines() if line.strip()]
        elif suffix in (".yaml", ".yml"):
            doc = yaml.safe_load(data.decode("utf-8"))
            rows = doc.get("prompts") if isinstance(doc, dict) else doc
        elif suffix == ".csv":
            rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
        elif suffix == ".json":
            doc = orjson.loads(data)
            rows = doc.get("prompts") if isinstance(doc, dict) else doc
        else:
            raise SuiteError(f"{path}: unknown suite format {suffix!r} (use .jsonl, .yaml, .csv or .json)")
    except (orjson.JSONDecodeError, yaml.YAMLError, UnicodeDecodeError, csv.Error) as exc:
        raise SuiteError(f"{path}: {exc}") from exc
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise SuiteError(f"{path}: expected a list of prompt objects")
    return rows


def parse_suite(name: str, path: Path, data: bytes) -> Suite:
    prompts: list[Prompt] = []
    seen: set[str] = set()
    for n, row in enumerate(_rows(path, data), 1):
        where = f"{path}: prompt {n}"
        text = row.get("prompt")
        if not isinstance(text, str) or not text.strip():
            raise SuiteError(f"{where}: no prompt text")
        pid = str(row.get("id") or n)
        if pid in seen:
            raise SuiteError(f"{where}: duplicate id {pid!r}")
        seen.add(pid)
        source = str(row.get("source_category") or "")
        given = str(row.get("category") or "").strip()
        category = given.lower()
        if category and category not in ALL_CATEGORIES:
            source, category = source or given, ""
        prompts.append(Prompt(pid, text, category or map_category(source, text), _bool(row.get("harmful"), where),
                              source, name))
    if not prompts:
        raise SuiteError(f"{path}: no prompts")
    return Suite(name, path, hashlib.sha256(data).hexdigest(), tuple(prompts))


def builtin_suites() -> list[str]:
    return sorted(p.stem for p in SUITE_DIR.glob("*.jsonl"))


def load_suite(ref: str) -> Suite:
    """A built-in suite by name, or a suite file by path (its name is the file's stem)."""
    builtin = SUITE_DIR / f"{ref}.jsonl"
    path = builtin if re.fullmatch(r"[\w.-]+", ref) and builtin.exists() else Path(ref)
    try:
        data = path.read_bytes()
    except OSError as exc:
        known = ", ".join(builtin_suites())
        raise SuiteError(f"no suite {ref!r}: not a built-in ({known}) and not a readable file ({exc.strerror})") \
            from exc
    return parse_suite(path.stem, path, data)
