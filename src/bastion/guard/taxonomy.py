"""The taxonomy: categories with definitions, in/out examples and their mapping to other taxonomies."""

from __future__ import annotations

import re
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


# Keyword rules, in priority order, that place a prompt already known to be harmful in a category when
# its source gives none or a broad one ("illegal", "Violence"): used to label the guard's training
# data and the red-team suites. Word-start anchored so "hacksaw" is not hacking.
KEYWORD_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cbrn_weapons", re.compile(
        r"\b(nerve (agent|gas)|sarin|tabun|soman|\bvx\b|novichok|mustard gas|chlorine gas|phosgene|ricin|anthrax|"
        r"botulinum|smallpox|ebola|plague|pathogen|bioweapon|biological (weapon|warfare|agent)|chemical "
        r"(weapon|warfare|agent)|toxin|nuclear (weapon|bomb|device)|dirty bomb|radiological|uranium|plutonium|"
        r"enrich\w* uranium|dimethylmercury|weaponi[sz]\w* (a )?(virus|bacteri|pathogen|disease))", re.I)),
    ("autonomous_weapons", re.compile(
        r"\b(autonomous (weapon|drone|turret|targeting)|armed drone|weaponi[sz]\w* (a )?drone|drone (strike|swarm)|"
        r"kill list|sentry gun|automated turret|lethal autonomous|targets? (people|humans|individuals) "
        r"automatically)", re.I)),
    ("cyber_offense", re.compile(
        r"\b(malware|ransomware|keylogger|spyware|trojan|rootkit|botnet|ddos|denial[- ]of[- ]service|exploit|"
        r"zero[- ]day|sql injection|cross[- ]site scripting|phishing|hack\w*|crack\w* (a )?password|"
        r"brute[- ]force|backdoor|computer virus|a virus that|worm that|antivirus|firewall|"
        r"steal\w* (credentials|passwords)|unauthori[sz]ed access|privilege escalation|reverse shell)", re.I)),
    ("mass_surveillance", re.compile(
        r"\b(mass surveillance|dragnet|bulk (interception|collection|surveillance)|facial recognition|"
        r"face recognition|surveil\w* (citizens|a population|the population|protesters|dissidents|journalists|"
        r"activists|minorities|everyone)|(track|monitor|identify)\w* (every|all|citizens|the population|protesters|"
        r"dissidents|journalists|activists|minorities)|intercept\w* (all|every|bulk)|wiretap\w* (all|every))", re.I)),
    ("influence_operations", re.compile(
        r"\b(disinformation|misinformation|fake news|propaganda|election|ballot|fake reviews?|sock ?puppet|"
        r"bot accounts|troll farm|astroturf|conspiracy theor\w*|hoax|persuasive (article|post) (arguing|claiming)|"
        r"fake (profiles|accounts|personas)|manipulate public opinion|influence campaign)", re.I)),
)


def keyword_category(text: str) -> str | None:
    """The first category whose keywords occur in ``text``, or None."""
    for category, pattern in KEYWORD_RULES:
        if pattern.search(text):
            return category
    return None
