"""Equality monitoring: each outcome's rate per group of each protected characteristic, its
relative likelihood against everyone else (flagged outside HR's band), declaration rates,
the 2020 profile beside the published one, and targets. Shown for the council and for
departments only, and always under disclosure control."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING

from lcc_apr.models import AgeBand, Disability, Ethnicity, Religion, Sex, SexualOrientation
from lcc_apr.policy import Policy

from . import capability
from .config import MiConfig, definitions
from .disclosure import Rule, protect_together
from .facts import Facts, Person, final_outcome
from .profile import profile_2020, targets
from .shape import EQUALITY_LEVELS, NO_PEOPLE, Areas, chart_for, describe, empty, pct, protected
from .table import WITHHELD, Cell, Row, Table

if TYPE_CHECKING:
    from .measures import Period

CHARACTERISTIC_ENUMS = {
    "sex": ("Sex", Sex),
    "age_band": ("Age", AgeBand),
    "ethnicity": ("Ethnicity", Ethnicity),
    "disability": ("Disability", Disability),
    "sexual_orientation": ("Sexual orientation", SexualOrientation),
    "religion": ("Religion", Religion),
}
NOT_DECLARED, PREFER_NOT = "not_declared", "prefer_not_to_say"
VIEWS = (
    "eq_apr_rating",
    "eq_probation",
    "eq_capability_entry",
    "eq_capability_outcome",
    "eq_grade13",
    "eq_progression",
    "eq_declaration",
    "profile_2020",
    "equality_targets",
)
Population = list[tuple[Person, bool]]  # each person counted, and whether the outcome holds


def label(value: str) -> str:
    special = {
        "under_20": "Under 20",
        "20_29": "20-29",
        "30_39": "30-39",
        "40_49": "40-49",
        "50_59": "50-59",
        "60_plus": "60 and over",
        "lesbian_gay_bi": "Lesbian, gay, bi",
        "asian_indian_pakistani_other": "Asian Indian / Pakistani / Other",
        "black_african_caribbean_other": "Black African / Caribbean / Other",
        "other_ethnic_group": "Other ethnic group",
        "white_british": "White British",
        "white_other": "White Other",
        "not_declared": "Not declared",
    }
    return special.get(value, value.replace("_", " ").capitalize())


def group_of(person: Person, characteristic: str) -> str:
    """The person's group; no monitoring return at all counts as 'not declared'."""
    return person.traits.get(characteristic) or NOT_DECLARED


def senior(grade: str | None, config: MiConfig) -> bool:
    return grade is not None and grade.isdigit() and int(grade) >= config.grades.senior_from


def grade_on(facts: Facts, person: Person, day: date) -> str | None:
    """The person's grade on `day`: from their posts' history, else their grade now."""
    held = facts.grades.get(person.id)
    if not held:
        return person.grade if person.in_post(day) else None
    best = [g for start, end, g in held if start <= day and (end is None or end > day)]
    return max(best, key=lambda g: (g.isdigit(), int(g) if g.isdigit() else 0)) if best else None


def populations(
    facts: Facts, people: set[int], period: Period, config: MiConfig
) -> dict[str, Callable[[], Population]]:
    """For each outcome view, who is counted and whether the outcome holds for them."""
    p = facts.people
    in_post = [p[i] for i in people if p[i].in_post(period.end)]

    def apr() -> Population:
        latest: dict[int, str | None] = {}
        for a in facts.aprs:
            if a.subject_id in people and period.first <= a.record_date <= period.last and a.rating:
                latest[a.subject_id] = a.rating
        return [(p[i], r in config.apr.monitored_ratings) for i, r in latest.items()]

    def probation() -> Population:
        found: dict[int, bool] = {}
        for i in people:
            for c in facts.probation.get(i, []):
                outcome = final_outcome(c)
                if outcome and period.holds(c.record_date):
                    found[i] = outcome in ("extend", "fail")
        return [(p[i], bad) for i, bad in found.items()]

    def entry() -> Population:
        opened = {c.subject_id for c in facts.capability if period.holds(_opened(c))}
        return [(person, person.id in opened) for person in in_post]

    def outcome() -> Population:
        found = []
        for c in facts.capability:
            end = capability.closed(c)
            if c.subject_id in people and end and period.holds(end[1]):
                found.append((p[c.subject_id], end[0] == "closed_hearing"))
        return found

    def grade13() -> Population:
        return [(person, senior(grade_on(facts, person, period.end), config)) for person in in_post]

    def progression() -> Population:
        found = []
        for person in in_post:
            before = grade_on(facts, person, period.first)
            if person.in_post(period.first) and before is not None and not senior(before, config):
                found.append((person, senior(grade_on(facts, person, period.end), config)))
        return found

    return {
        "eq_apr_rating": apr,
        "eq_probation": probation,
        "eq_capability_entry": entry,
        "eq_capability_outcome": outcome,
        "eq_grade13": grade13,
        "eq_progression": progression,
    }


def _opened(case: capability.Case) -> date | None:
    begun = capability.starts(case)
    return begun[0][1] if begun else None


def groups(characteristic: str) -> list[str]:
    """Every group of a characteristic, 'prefer not to say' and 'not declared' last."""
    values = [m.value for m in CHARACTERISTIC_ENUMS[characteristic][1]]
    return [v for v in values if v not in (PREFER_NOT, NOT_DECLARED)] + [PREFER_NOT, NOT_DECLARED]


def outcome_table(
    key: str,
    population: Population,
    title: str,
    config: MiConfig,
    rule: Rule,
    notes: tuple[str, ...] = (),
) -> Table:
    d = definitions()[key]
    band = config.equality.band
    chart = chart_for(key, column=3, percent=False, band=band)
    columns = ("People", "With the outcome", "Rate (%)", "Relative likelihood")
    if not population:
        return empty(key, "Nobody is counted for this year and area.", chart, "Group")
    blocks = []
    for characteristic in CHARACTERISTIC_ENUMS:
        keys = groups(characteristic)
        counts = [[0, 0] for _ in keys]
        for person, hit in population:
            counts[keys.index(group_of(person, characteristic))][0 if hit else 1] += 1
        blocks.append(counts)
    rows: list[Row] = []
    done = protect_together(blocks, rule)
    for (characteristic, (name, _)), p in zip(CHARACTERISTIC_ENUMS.items(), done, strict=True):
        for i, group in enumerate(groups(characteristic)):
            with_it, people = p.cells[i][0], p.row_totals[i]
            rl = likelihood(with_it, people, p.column_totals[0], p.total, rule)
            flagged = rl.value is not None and not band[0] <= rl.value <= band[1]
            cells = (people, with_it, pct(with_it, people, rule), rl)
            rows.append(Row(f"{name}: {label(group)}", cells, flagged=flagged))
    first = done[0]
    all_cells = (
        first.total,
        first.column_totals[0],
        pct(first.column_totals[0], first.total, rule),
        Cell("1.00", 1.0),
    )
    rows.append(Row(f"Everyone counted ({title})", all_cells, total=True))
    return Table(
        key, d.title, "Group", columns, tuple(rows), chart, d.definition, describe(rule), "", notes
    )


def likelihood(hit: Cell, people: Cell, all_hits: Cell, everyone: Cell, rule: Rule) -> Cell:
    """The group's rate over everyone else's, from released counts only; withheld when
    any count it needs is hidden or under the threshold."""
    parts = (hit.value, people.value, all_hits.value, everyone.value)
    if any(v is None for v in parts):
        return Cell(WITHHELD)
    h, n, ah, e = (float(v) for v in parts)  # type: ignore[arg-type]
    rest_n, rest_h = e - n, ah - h
    if min(h, n, rest_h, rest_n) < rule.threshold:
        return Cell(WITHHELD)
    value = (h / n) / (rest_h / rest_n)
    return Cell(f"{value:.2f}", round(value, 2))


def declaration(facts: Facts, people: Iterable[Person], rule: Rule) -> Table:
    d = definitions()["eq_declaration"]
    chart = chart_for("eq_declaration", column=4)
    columns = ("People", "Declared", "Prefer not to say", "Not declared", "Declared (%)")
    people = list(people)
    if not people:
        return empty("eq_declaration", NO_PEOPLE, chart, "Characteristic")
    counts = []
    for characteristic in CHARACTERISTIC_ENUMS:
        said = [group_of(p, characteristic) for p in people]
        counts.append(
            [
                sum(s not in (PREFER_NOT, NOT_DECLARED) for s in said),
                said.count(PREFER_NOT),
                said.count(NOT_DECLARED),
            ]
        )
    # One table: every row's total is the same headcount, protected together.
    body, row_totals, _, _ = protected(counts, rule)
    rows = [
        Row(name, (row_totals[i], *body[i], pct(body[i][0], row_totals[i], rule)))
        for i, (name, _) in enumerate(CHARACTERISTIC_ENUMS.values())
    ]
    return Table(
        "eq_declaration",
        d.title,
        "Characteristic",
        columns,
        tuple(rows),
        chart,
        d.definition,
        describe(rule),
    )


def view(
    key: str,
    facts: Facts,
    where: Areas,
    period: Period,
    policy: Policy,
    config: MiConfig,
    rule: Rule,
) -> Table:
    """One equality view for the dashboard's area and year."""
    if where.section:
        chart = chart_for(key, column=0, percent=False)
        return empty(key, EQUALITY_LEVELS, chart, "Group")
    people = where.people
    if key == "eq_declaration":
        return declaration(
            facts, (facts.people[i] for i in people if facts.people[i].in_post(period.end)), rule
        )
    if key == "profile_2020":
        return profile_2020(facts, people, period, rule)
    if key == "equality_targets":
        return targets(facts, people, period, config, rule)
    population = populations(facts, people, period, config)[key]()
    notes = (
        (f"Monitored: {config.apr.monitored_ratings_label} (HR configuration).",)
        if key == "eq_apr_rating"
        else ()
    )
    return outcome_table(key, population, period.title, config, rule, notes)
