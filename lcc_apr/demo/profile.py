"""The council's published 2020 workforce figures and the demo's targets.

Source: People Strategy 2020-24, "Our workforce (2020 figures)". PUBLISHED
holds the figures exactly as printed; DEMO_TARGETS holds what the generator
produces for the full 6,087-person organisation, with NOTES saying where and
why the two differ. `targets(size)` scales DEMO_TARGETS to any size.

Table keys are the Employee column names ("working_pattern" is derived from
fte: full time means fte == 1). Category keys are the column values; the key
None means "no monitoring return held" (a NULL column).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from lcc_apr.models import AgeBand, Disability, Ethnicity, Sex, SexualOrientation

HEADCOUNT = 6087
FULL_TIME = "full_time"
PART_TIME = "part_time"

Category = str | None  # a column value, or None for "no return held"
Table = dict[Category, int]
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Figure:
    """One printed figure: the count, the percentage as printed, the label."""

    count: int
    percent: float
    label: str


PUBLISHED: dict[str, dict[str, Figure]] = {
    "working_pattern": {
        FULL_TIME: Figure(2942, 48.3, "Full-time"),
        PART_TIME: Figure(3145, 51.7, "Part-time"),
    },
    "sex": {
        Sex.FEMALE: Figure(4539, 74.6, "Female"),
        Sex.MALE: Figure(1548, 25.4, "Male"),
    },
    "age_band": {
        AgeBand.UNDER_20: Figure(19, 0.3, "Under 20"),
        # Misprint: printed "(0.3%)"; 548 / 6,087 is 9.0%. The counts add up
        # to the headcount, so the count is kept and the percentage is wrong.
        AgeBand.AGE_20_29: Figure(548, 0.3, "20-29"),
        AgeBand.AGE_30_39: Figure(1243, 20.4, "30-39"),
        AgeBand.AGE_40_49: Figure(1879, 30.9, "40-49"),
        AgeBand.AGE_50_59: Figure(1525, 25.1, "50-59"),
        AgeBand.AGE_60_PLUS: Figure(873, 14.3, "60 and over"),
    },
    # Disability and sexual orientation both total 5,905, and their printed
    # percentages are of 5,905: 182 people hold no monitoring return.
    "disability": {
        Disability.NOT_DISABLED: Figure(4529, 76.7, "Not disabled"),
        Disability.DISABLED: Figure(287, 4.9, "Disabled"),
        Disability.NOT_DECLARED: Figure(953, 16.1, "No answer"),
        Disability.PREFER_NOT_TO_SAY: Figure(136, 2.3, "Prefer not to say"),
    },
    "sexual_orientation": {
        SexualOrientation.HETEROSEXUAL: Figure(3357, 56.9, "Heterosexual"),
        # Printed 35.7%; 2,104 / 5,905 is 35.6%. A rounding slip: count kept.
        SexualOrientation.NOT_DECLARED: Figure(2104, 35.7, "No information"),
        SexualOrientation.PREFER_NOT_TO_SAY: Figure(307, 5.2, "Prefer not to say"),
        SexualOrientation.LESBIAN_GAY_BI: Figure(137, 2.3, "Lesbian, Gay, Bi"),
    },
    # Ethnicity totals 6,279, 192 more than the headcount (percentages are of
    # 6,279; it probably counts posts, not people).
    "ethnicity": {
        Ethnicity.ASIAN: Figure(535, 8.5, "Asian Indian / Pakistani / Other"),
        Ethnicity.BLACK: Figure(153, 2.4, "Black African / Caribbean / Other"),
        Ethnicity.WHITE_BRITISH: Figure(4278, 68.1, "White British"),
        Ethnicity.WHITE_OTHER: Figure(139, 2.2, "White Other"),
        # Printed 15.3%; 957 / 6,279 is 15.2% (rounded up so the column makes 100%).
        Ethnicity.NOT_DECLARED: Figure(957, 15.3, "No Information"),
        Ethnicity.PREFER_NOT_TO_SAY: Figure(104, 1.7, "Prefer not to state"),
        Ethnicity.MIXED: Figure(81, 1.3, "Mixed Race"),
        Ethnicity.OTHER: Figure(32, 0.5, "Other Ethnic Group"),
    },
}

# Religion is not published: it is left NULL for everyone rather than invented.
NOT_PUBLISHED = ("religion",)

NO_RETURN = HEADCOUNT - sum(f.count for f in PUBLISHED["disability"].values())  # 182
ETHNICITY_EXCESS = sum(f.count for f in PUBLISHED["ethnicity"].values()) - HEADCOUNT  # 192


def _published_counts(table: str) -> Table:
    return {key: fig.count for key, fig in PUBLISHED[table].items()}


def _demo_targets() -> dict[str, Table]:
    result = {name: _published_counts(name) for name in PUBLISHED}
    # Rule: the same 182 people hold no return for disability and orientation.
    result["disability"][None] = NO_RETURN
    result["sexual_orientation"][None] = NO_RETURN
    # Rule: substantive ethnic groups kept; "No information" absorbs the excess.
    result["ethnicity"][Ethnicity.NOT_DECLARED] -= ETHNICITY_EXCESS
    return result


DEMO_TARGETS: dict[str, Table] = _demo_targets()

NOTES: list[str] = [
    "Age 20-29: printed 548 (0.3%); 548 of 6,087 is 9.0%. The age counts sum to the "
    "headcount, so the counts are kept and the percentage is treated as the misprint.",
    f"Disability and sexual orientation each total 5,905, not 6,087, and their "
    f"percentages are of 5,905. The same {NO_RETURN} people hold no monitoring return "
    f"at all: their disability and sexual orientation are left empty (NULL). Every "
    f"published count is met exactly.",
    "Sexual orientation 'No information': printed 35.7%; 2,104 of 5,905 is 35.6%. Count kept.",
    f"Ethnicity totals 6,279, {ETHNICITY_EXCESS} more than the headcount (probably posts, "
    f"not people). The seven substantive categories are kept exactly; 'No information' "
    f"absorbs the difference: 957 - {ETHNICITY_EXCESS} = 765.",
    "Ethnicity 'No information': printed 15.3%; 957 of 6,279 is 15.2% (rounded so the "
    "column totals 100%).",
    "Religion is not published: the demo leaves it empty for everyone.",
    "Departments, sections, job titles, grades, names and all record content are "
    "illustrative demo data, not council figures.",
]


def percent_discrepancies() -> list[tuple[str, Category, float, float]]:
    """(table, category, printed %, computed %) where the print is off by > 0.05.

    Percentages are computed over each table's own printed total.
    """
    found: list[tuple[str, Category, float, float]] = []
    for table, figures in PUBLISHED.items():
        base = sum(f.count for f in figures.values())
        for key, fig in figures.items():
            computed = round(100 * fig.count / base, 1)
            if abs(computed - fig.percent) > 0.05:
                found.append((table, key, fig.percent, computed))
    return found


def largest_remainder(counts: Mapping[K, int], size: int) -> dict[K, int]:
    """Scale counts to sum to size: floors, then +1 for the largest remainders.

    Ties go to the category listed first, so the result is deterministic.
    """
    total = sum(counts.values())
    if total <= 0 or size < 0:
        raise ValueError("need a positive total and a non-negative size")
    keys = list(counts)
    floors = {k: counts[k] * size // total for k in keys}
    short = size - sum(floors.values())
    order = sorted(range(len(keys)), key=lambda i: (-(counts[keys[i]] * size % total), i))
    for i in order[:short]:
        floors[keys[i]] += 1
    return floors


def targets(size: int = HEADCOUNT) -> dict[str, Table]:
    """DEMO_TARGETS scaled to `size`; every table sums to size.

    The no-return group is scaled once and shared by disability and sexual
    orientation, so the same people can hold no return in both tables.
    """
    if size < 1:
        raise ValueError("size must be at least 1")
    result: dict[str, Table] = {}
    split: Table = {"returned": HEADCOUNT - NO_RETURN, None: NO_RETURN}
    none_count = largest_remainder(split, size)[None]
    for table, counts in DEMO_TARGETS.items():
        scaled: Table
        if None in counts:
            held: Table = {k: v for k, v in counts.items() if k is not None}
            scaled = largest_remainder(held, size - none_count)
            scaled[None] = none_count
        else:
            scaled = largest_remainder(counts, size)
        result[table] = scaled
    return result
