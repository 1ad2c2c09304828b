"""The demo's newest APR cycle on version 2 of the APR form (docs/forms.md, "APR v2").

`to_v2(answers, ...)` turns the answers history.py wrote for a version 1 APR into version
2's: no free-text period (the PDF prints the cycle), each new objective's link to its
service or team plan, the employee's self-assessment (most reviews past their draft, and
some drafts: sent back from the preparation step), and the mid-year review of completed
reviews whose mid-year date has passed. It draws from its own seeded RNG and keeps every
status, so the rest of the demo (older years, other kinds, who has a draft) is exactly as
before. Runs in the demo's generator.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from lcc_apr.workdays import add_months

from .answers import Answers, Context, Writer

VERSION = 2
PREPARED_SHARE = 0.7  # reviews past their draft whose employee wrote a self-assessment
PREPARED_DRAFT_SHARE = 0.4  # drafts whose employee has sent a self-assessment back
MID_YEAR_HELD_SHARE = 0.75  # completed reviews whose mid-year date has passed
MID_YEAR_MONTHS = 6  # as resources/policy/policy.toml's apr.mid_year_months
PROGRESS = ["achieved", "on_track", "on_track", "on_track", "at_risk", "changed"]
PROGRESS_NOTE = {"achieved": 2, "on_track": 0, "at_risk": 1, "changed": 3}
SELF_KEYS = ("self_achievements", "self_objectives", "self_challenges", "self_development")
UPPER = {"hr": "HR", "it": "IT"}


def plan_name(service: str) -> str:
    """'Adult social care service plan', from the demo's service key."""
    words = [UPPER.get(w, w) for w in service.split("_")]
    text = " ".join(words)
    return f"{text[:1].upper()}{text[1:]} service plan"


def to_v2(
    answers: Answers,
    *,
    seed: str,
    writer: Writer,
    ctx: Context,
    service: str,
    meeting: date,
    status: str,
    as_of: date,
) -> Answers:
    """Version 2 answers for a review at `status`."""
    w = Writer(random.Random(seed))
    w.p, w.services = writer.p, writer.services  # the phrases already loaded
    fill = w.pick(ctx)
    bank = w.p["apr_v2"]
    out = {k: v for k, v in answers.items() if k != "review_period"}
    start = meeting.year if meeting.month >= 4 else meeting.year - 1
    plan = f"{plan_name(service)} {start}/{(start + 1) % 100:02d}"
    if "new_objectives" in out:
        out["new_objectives"] = [
            {**o, "plan_link": f"{plan}, priority {w.between(1, 5)}"} for o in out["new_objectives"]
        ]
    if w.chance(PREPARED_DRAFT_SHARE if status == "draft" else PREPARED_SHARE):
        for key in SELF_KEYS:
            out[key] = str(w.one(bank[key])).format_map(fill)
        if w.chance(0.5):
            out["self_support"] = str(w.one(bank["self_support"])).format_map(fill)
    held = add_months(meeting, MID_YEAR_MONTHS) + _days(w)
    if status == "completed" and held <= as_of and w.chance(MID_YEAR_HELD_SHARE):
        out["mid_year_date"] = held.isoformat()
        progress = []
        for o in out.get("new_objectives", []):
            state = w.one(PROGRESS)
            progress.append(
                {
                    "objective": o["objective"],
                    "progress": state,
                    "notes": bank["mid_year_progress"][PROGRESS_NOTE[state]],
                }
            )
        if progress:
            out["mid_year_progress"] = progress
        out["mid_year_notes"] = str(w.one(bank["mid_year_notes"])).format_map(fill)
    return out


def _days(w: Writer) -> timedelta:
    return timedelta(days=w.between(-14, 14))
