"""The taxonomy: categories with definitions, in/out examples and their mapping to other taxonomies."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

TAXONOMY_FILE = Path(__file__).with_name("taxonomy.yaml")


@cache
def taxonomy() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(TAXONOMY_FILE.read_text())
    return data


def categories() -> list[str]:
    return list(taxonomy()["categories"])


ATTACK_SIGNALS = ("jailbreak", "prompt_injection")
