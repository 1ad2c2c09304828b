"""The demo's absence episodes: two years of sickness absence up to the demo's today.

The People Strategy 2020-24 publishes no sickness absence figures (it aims at "a reduction
of sickness absence"), so the shape is a DEMO ASSUMPTION after published UK public-sector
figures: about 1.1 episodes a person a year, mostly a day to three, a few long-term
(four weeks or more), about 3% of days lost; some 1 in 60 people off on the day. Drawn
from its own generator (seed-derived), so the rest of the demo is unchanged by it.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

Row = dict[str, Any]
YEARS_BACK = 2
EPISODES_A_YEAR = 1.1
LENGTHS = ((0.70, 1, 3), (0.20, 4, 10), (0.07, 11, 27), (0.03, 28, 120))  # share, days
SHORT = ("infection", "infection", "stomach", "musculoskeletal", "other", "injury")
LONG = ("mental_health", "mental_health", "musculoskeletal", "operation", "injury")
DISABILITY_SHARE, PREGNANCY_SHARE = 0.04, 0.01


def build_absences(*, seed: int, as_of: date, employees: Sequence[Row]) -> tuple[Row, ...]:
    """Absence rows (model columns) for current staff, ids made from the seed."""
    rng = random.Random(seed * 31 + 19)
    at = datetime.combine(as_of, time(6, 0), tzinfo=UTC)
    rows: list[Row] = []
    for person in employees:
        left = person.get("leaving_date")
        day = max(person["start_date"], as_of - timedelta(days=365 * YEARS_BACK))
        while True:
            day += timedelta(days=1 + int(rng.expovariate(EPISODES_A_YEAR / 365)))
            if day > as_of or (left is not None and day > left):
                break
            length = _length(rng)
            last = day + timedelta(days=length - 1)
            reasons = LONG if length > 10 else SHORT
            pregnant = person.get("sex") == "female" and rng.random() < PREGNANCY_SHARE * 2
            rows.append(
                {
                    "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "employee_id": person["id"],
                    "first_day": day,
                    "last_day": None if last >= as_of else last,
                    "reason": rng.choice(reasons),
                    "disability_related": rng.random() < DISABILITY_SHARE,
                    "pregnancy_related": pregnant,
                    "source": "hr_import",
                    "recorded_by": None,
                    "updated_at": at,
                    "deleted": False,
                    "server_rev": 1,
                    "base_rev": None,
                    "dirty": False,
                }
            )
            day = last + timedelta(days=1)
    return tuple(rows)


def _length(rng: random.Random) -> int:
    pick = rng.random()
    for share, low, high in LENGTHS:
        if pick < share:
            return rng.randint(low, high)
        pick -= share
    return 1
