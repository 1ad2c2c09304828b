"""Names, known-as names, e-mail addresses and usernames for demo people.

Names come from the pools in resources/demo/names.toml, chosen by the
person's ethnicity group and sex. Addresses and usernames are lower-case
ASCII (accents stripped, letters such as ł, ø, ß spelled out) and unique.
"""

from __future__ import annotations

import random
import unicodedata
from typing import Any

from lcc_apr.models import Ethnicity, Sex

from .data import load_toml
from .profile import DEMO_TARGETS

EMAIL_DOMAIN = "leics.gov.uk"
PREFERRED_SHARE = 0.35  # of people whose first name has a usual known-as form

GROUPS = {
    Ethnicity.ASIAN: "asian",
    Ethnicity.BLACK: "black",
    Ethnicity.WHITE_BRITISH: "white_british",
    Ethnicity.WHITE_OTHER: "white_other",
    Ethnicity.OTHER: "other",
}

# Letters NFKD does not break into a base letter and an accent.
_FOLD = str.maketrans(
    {
        "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE",
        "œ": "oe", "Œ": "OE", "đ": "d", "Đ": "D", "ı": "i", "þ": "th", "Þ": "Th",
        "ð": "d", "Ð": "D", "ħ": "h", "ŋ": "ng",
    }
)  # fmt: skip


def ascii_fold(text: str) -> str:
    """Best-effort ASCII spelling: 'Łukasz Dvořák' -> 'Lukasz Dvorak'."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return (
        "".join(c for c in decomposed if not unicodedata.combining(c))
        .encode("ascii", "ignore")
        .decode()
    )


def _slug(text: str, keep: str = "") -> str:
    """Lower-case ASCII letters and digits (plus `keep`), nothing else."""
    return "".join(c for c in ascii_fold(text).lower() if c.isalnum() or c in keep)


class NamePicker:
    """Picks (first, last, preferred) names with the seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        cfg = load_toml("names")
        self.groups: dict[str, Any] = cfg["groups"]
        self.mixed_pools: list[str] = cfg["mixed"]["pools"]
        self.preferred: dict[str, list[str]] = cfg["preferred"]
        self.feminine: dict[str, str] = cfg["feminine"]
        declared = DEMO_TARGETS["ethnicity"]
        self.undeclared_groups = list(GROUPS.values()) + ["mixed"]
        self.undeclared_weights = [declared[e] for e in GROUPS] + [declared[Ethnicity.MIXED]]

    def pick(self, ethnicity: Ethnicity | None, sex: Sex | None) -> tuple[str, str, str | None]:
        rng = self.rng
        if ethnicity == Ethnicity.MIXED:
            group = "mixed"
        elif ethnicity in GROUPS:
            group = GROUPS[ethnicity]
        else:  # no information or prefer not to say: any group, by declared shares
            group = rng.choices(self.undeclared_groups, self.undeclared_weights)[0]
        if group == "mixed":
            first_pool, last_pool = rng.sample(self.mixed_pools, 2)
        else:
            first_pool = last_pool = group
        key = "female" if sex == Sex.FEMALE else "male"
        first = rng.choice(self.groups[first_pool][key])
        last = rng.choice(self.groups[last_pool]["surnames"])
        if sex == Sex.FEMALE:
            last = self.feminine.get(last, last)
        preferred = None
        options = self.preferred.get(first)
        if options and rng.random() < PREFERRED_SHARE:
            preferred = rng.choice(options)
        return first, last, preferred


class Unique:
    """Hands out unique strings from a base, numbering clashes: smith, smith2..."""

    def __init__(self) -> None:
        self.used: set[str] = set()  # membership only, never iterated
        self.counts: dict[str, int] = {}

    def take(self, base: str) -> str:
        n = self.counts.get(base, 0)
        while True:
            n += 1
            candidate = base if n == 1 else f"{base}{n}"
            if candidate not in self.used:
                break
        self.counts[base] = n
        self.used.add(candidate)
        return candidate


def email_local(first: str, last: str) -> str:
    """'Łukasz', "O'Brien" -> 'lukasz.obrien' (before the @, before numbering)."""
    return f"{_slug(first, '-')}.{_slug(last, '-')}".strip(".") or "staff"


def username_base(first: str, last: str) -> str:
    """'Jane', 'Smith' -> 'jsmith' (before numbering)."""
    return (_slug(first)[:1] + _slug(last))[:20] or "user"
