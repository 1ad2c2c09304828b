"""Equality data, working patterns and service dates for the demo's people.

Contract: `assign_people(rng, posts, as_of)` returns one dict of Employee
columns per post whose marginal counts equal `profile.targets(len(posts))`
exactly: for each attribute a list holding each value the target number of
times is shuffled (or ranked, for mild realism such as managers being older
and more often full-time) and handed out by position.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from lcc_apr.models import AgeBand, ContractType

from .profile import FULL_TIME, PART_TIME, Category, Table, targets
from .structure import Post

PROBATION = timedelta(weeks=26)
RECENT_SHARE = 0.075  # of non-managers who started in the last year
EXTENDED_SHARE = 0.06  # of finished probations that were extended (by 2-8 weeks)

AGE_YEARS: dict[Category, tuple[int, int]] = {
    AgeBand.UNDER_20: (17, 19),
    AgeBand.AGE_20_29: (20, 29),
    AgeBand.AGE_30_39: (30, 39),
    AgeBand.AGE_40_49: (40, 49),
    AgeBand.AGE_50_59: (50, 59),
    AgeBand.AGE_60_PLUS: (60, 68),
}
OLDEST_FIRST = list(reversed(AGE_YEARS))
FULL = Decimal("1.000")
PART_TIME_FTE = [Decimal(x) for x in ("0.400", "0.500", "0.600", "0.700", "0.800", "0.900")]
PART_TIME_WEIGHTS = [1, 4, 3, 2, 3, 1]


def shuffled(rng: random.Random, counts: Table) -> list[Category]:
    """Each value repeated its count, in random order."""
    values = [key for key, n in counts.items() for _ in range(n)]
    rng.shuffle(values)
    return values


def ranked(
    rng: random.Random, counts: Table, order: Sequence[Category], boost: list[float]
) -> list[Category]:
    """Values by position: people with higher random + boost scores get earlier values in order."""
    ranking = sorted(range(len(boost)), key=lambda i: -(rng.random() + boost[i]))
    values = [key for key in order for _ in range(counts[key])]
    result: list[Category] = [None] * len(boost)
    for value, i in zip(values, ranking, strict=True):
        result[i] = value
    return result


def _start_date(rng: random.Random, as_of: date, age: int, manager: bool) -> date:
    max_days = max(1, int((age - 16) * 365.25))
    if manager and age >= 26:
        days = int(rng.uniform(6, min(32, age - 19)) * 365.25)
    elif not manager and rng.random() < RECENT_SHARE:
        days = rng.randint(1, 365)
    else:
        days = int((1 + rng.expovariate(1 / 10)) * 365.25)
    return as_of - timedelta(days=min(max(days, 1), max_days))


def _probation_end(rng: random.Random, start: date, as_of: date) -> date | None:
    """Still in probation: start + 26 weeks. Finished in the last 2 years: kept, maybe extended."""
    end = start + PROBATION
    if end > as_of:
        return end
    if (as_of - start).days > 730:
        return None
    if rng.random() < EXTENDED_SHARE:
        end += timedelta(weeks=rng.randint(2, 8))
    return end


def _contract(rng: random.Random, manager: bool, full_time: bool) -> ContractType:
    """Managers are permanent; others mostly so, some fixed term, a few (part-time) casual."""
    if manager:
        return ContractType.PERMANENT
    r = rng.random()
    if r < 0.09:
        return ContractType.FIXED_TERM
    if r < 0.12 and not full_time:
        return ContractType.CASUAL
    return ContractType.PERMANENT


def assign_people(rng: random.Random, posts: list[Post], as_of: date) -> list[dict[str, Any]]:
    """Employee columns for each post (see the module docstring)."""
    size = len(posts)
    goal = targets(size)
    manages = [False] * size
    for post in posts:
        if post.manager is not None:
            manages[post.manager] = True
    senior = [0.5 * m + 0.3 * (int(p.grade) >= 13) for p, m in zip(posts, manages, strict=True)]
    ages = ranked(rng, goal["age_band"], OLDEST_FIRST, senior)
    pattern = ranked(
        rng, goal["working_pattern"], [FULL_TIME, PART_TIME], [0.6 * m for m in manages]
    )
    sexes = shuffled(rng, goal["sex"])
    ethnicities = shuffled(rng, goal["ethnicity"])
    no_return = [False] * size
    for i in rng.sample(range(size), goal["disability"][None]):
        no_return[i] = True
    disability = shuffled(rng, {k: v for k, v in goal["disability"].items() if k is not None})
    orientation = shuffled(
        rng, {k: v for k, v in goal["sexual_orientation"].items() if k is not None}
    )
    people: list[dict[str, Any]] = []
    held = 0
    for i in range(size):
        band = ages[i]
        age = rng.randint(*AGE_YEARS[band])
        start = _start_date(rng, as_of, age, manages[i])
        full_time = pattern[i] == FULL_TIME
        contract = _contract(rng, manages[i], full_time)
        person = {
            "sex": sexes[i],
            "age_band": band,
            "ethnicity": ethnicities[i],
            "disability": None,
            "sexual_orientation": None,
            "religion": None,  # not published: never invented
            "fte": FULL if full_time else rng.choices(PART_TIME_FTE, PART_TIME_WEIGHTS)[0],
            "start_date": start,
            "probation_end_date": _probation_end(rng, start, as_of),
            "contract_type": contract,
            "leaving_date": None,  # everyone is current staff
        }
        if not no_return[i]:
            person["disability"] = disability[held]
            person["sexual_orientation"] = orientation[held]
            held += 1
        people.append(person)
    return people
