"""What form version 2 (issue 19) adds to a demo record's answers, for the newest year.

Contract: each function takes a version 1 answers dict (answers.py, cases.py) and returns
a new dict valid for the kind's version 2 template at the same status. It draws only from
the `Writer` handed in, whose RNG is separate from version 1's (history.py), so adding
version 2 leaves every version 1 record as it was.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from lcc_apr.workdays import add_working_days

from .answers import Answers, Writer

VALUES = ["value_1", "value_2", "value_3", "value_4", "value_5"]
VALUE_EXAMPLES = [
    "{name} kept the people they work for informed at every step, and owned up to a "
    "missed call straight away.",
    "{name} offered to help a new colleague with {work} without being asked.",
    "{name} suggested a simpler way of handling {work}, which the team now uses.",
    "{name} stayed calm and respectful with an angry caller and found them the right team.",
]
# Registered social workers: their titles in the demo organisation (policy.toml's group).
SOCIAL_WORK_TITLES = frozenset(
    {"social worker", "senior social worker", "supervising social worker"}
    | {"senior practitioner", "advanced practitioner"}
)
ASYE_DAYS = 365  # a social worker who joined this recently may be in their ASYE
SOCIAL_WORK_DURATIONS = [90, 90, 90, 90, 105, 120, 60]  # 60: the form warns
VENUES = [
    "A booked meeting room at County Hall; phones on silent and no laptops open.",
    "The quiet room at the team base, booked; a 'do not disturb' sign on the door.",
    "Video call, both of us on our own in a private room, cameras on.",
]
DISAGREEMENTS = [
    "Either of us says so in the session and both views are written down; if we cannot "
    "agree, we ask {manager}'s own manager to help.",
    "We talk it through at the time and record both views; anything not settled is taken "
    "to the next supervision or, if urgent, to the service manager.",
]
CPD = [
    "Completed {learning}; reflected on how it changed the way {name} approaches {work}.",
    "Read two practice articles and discussed one with a peer; next: {learning}.",
]
ASYE_WORKLOAD = [
    "Ten cases, within the protected ASYE workload; no complex safeguarding cases alone.",
    "Twelve cases, at the top of the protected ASYE workload; no new allocations this week.",
]
DEVELOPMENT_TIME = [
    "Half a day a week, used for {learning} and the ASYE reflective log.",
    "One day this fortnight lost to duty cover; made up on Friday.",
]
OBJECTIVES = [
    ("Complete the induction and mandatory training", "All modules done by week 12."),
    ("Handle {work} independently", "Work completed to the team's standard without checking."),
    ("Build working relationships with the team and partners", "Positive feedback from both."),
    ("Keep records up to date", "Records complete within two working days, every week."),
]
EVIDENCE = {
    "meeting": "On track: examples seen in supervision and in feedback from colleagues.",
    "partly_meeting": "Some progress, but not yet consistent; support agreed at this review.",
    "not_meeting": "Not yet shown despite the support given; see the concerns below.",
}
RELATIONSHIPS = [
    "Works well with colleagues and partners; communicates clearly and listens.",
    "Gets on well with the team and is respectful with the public.",
]
APPEAL_GROUNDS = "The support promised at the 16-week review did not start until week 20."
NOTE_TAKER = "HR Adviser"


def is_social_worker(job: str) -> bool:
    return job.strip().casefold() in SOCIAL_WORK_TITLES


def supervision(
    w: Writer,
    ctx: dict[str, Any],
    answers: Answers,
    *,
    status: str,
    start: date,
    job: str,
) -> Answers:
    """Version 2 supervision answers from version 1's."""
    a = dict(answers)
    fill = w.pick(ctx)
    draft = status == "draft"
    meeting = date.fromisoformat(a["meeting_date"])
    social = is_social_worker(job)
    if social:
        a["duration_minutes"] = w.one(SOCIAL_WORK_DURATIONS)
    asye = social and (meeting - start).days < ASYE_DAYS
    a["social_work"] = "asye" if asye else "registered" if social else "no"
    if a.get("agreement_status") in ("new", "changed"):
        a["venue_and_privacy"] = w.one(VENUES)
        a["disagreements"] = str(w.one(DISAGREEMENTS)).format_map(fill)
        a["agreement_review_date"] = (meeting + timedelta(days=365)).isoformat()
    if "case_decisions" in a:
        a["case_decisions"] = [
            {**d, "recorded_on_case_file": not draft or w.chance(0.5)} for d in a["case_decisions"]
        ]
    if not draft or w.chance(0.5):
        a["values_discussed"] = sorted(w.some(VALUES, w.between(1, 2)))
        a["values_examples"] = str(w.one(VALUE_EXAMPLES)).format_map(fill)
    if social and (not draft or w.chance(0.5)):
        a["registration_current"] = True
        a["cpd"] = str(w.one(CPD)).format_map(fill)
        a["cpd_recorded"] = w.chance(0.8)
    if asye and (not draft or w.chance(0.5)):
        weeks = (meeting - start).days // 7 + 1
        a["asye_week"] = weeks
        # Weekly for 6 weeks, every 2 weeks to 26, then every 4 (policy's default).
        held = min(weeks, 6) + max(0, min(weeks, 26) - 6) // 2 + max(0, weeks - 26) // 4
        a["asye_session_number"] = max(1, held)
        a["asye_sessions_missed"] = "None: every session went ahead as planned."
        a["asye_workload"] = w.one(ASYE_WORKLOAD)
        a["asye_workload_protected"] = True
        a["asye_development_time"] = str(w.one(DEVELOPMENT_TIME)).format_map(fill)
        a["asye_development_time_taken"] = w.chance(0.85)
    return a


def objectives(w: Writer, ctx: dict[str, Any], start: date) -> list[Answers]:
    """The objectives and standards agreed in a probation's first weeks."""
    fill = w.pick(ctx)
    agreed = (start + timedelta(days=w.between(7, 21))).isoformat()
    return [
        {"objective": o.format_map(fill), "standard": s, "agreed_date": agreed}
        for o, s in w.some(OBJECTIVES, w.between(2, 3))
    ]


def probation(
    w: Writer,
    answers: Answers,
    agreed: list[Answers],
    *,
    status: str,
    concerns: bool,
    failed: bool,
    as_of: date,
) -> Answers:
    """Version 2 probation review answers from version 1's and the agreed objectives."""
    a = dict(answers)
    draft = status == "draft"
    if not draft or w.chance(0.6):
        weak = "not_meeting" if failed else "partly_meeting"
        a["probation_objectives"] = [
            {**o, "rating": weak if concerns and i == 0 else "meeting"}
            for i, o in enumerate(agreed)
        ]
        for o in a["probation_objectives"]:
            o["evidence"] = EVIDENCE[o["rating"]]
    if not draft or w.chance(0.7):
        a["working_relationships_rating"] = "meeting" if w.chance(0.92) else "partly_meeting"
        a["working_relationships"] = w.one(RELATIONSHIPS)
    if a.get("hr_decision") == "end_employment":
        a["appeal_right_given"] = True
        letter = date.fromisoformat(a["hr_letter_date"])
        lodged = add_working_days(letter, w.between(2, 9))
        a["appeal_lodged"] = w.chance(0.4) and lodged <= as_of
        if a["appeal_lodged"]:
            a["appeal_lodged_date"] = lodged.isoformat()
            a["appeal_grounds"] = APPEAL_GROUNDS
            meeting = add_working_days(lodged, w.between(5, 10))
            if meeting <= as_of:
                a["appeal_heard_by"] = f"{w.full_name()}, Head of Service"
                a["appeal_meeting_date"] = meeting.isoformat()
                a["appeal_outcome"] = "not_upheld" if w.chance(0.8) else "upheld"
                a["appeal_outcome_reasons"] = (
                    "The support given was reasonable and the standard was not met."
                    if a["appeal_outcome"] == "not_upheld"
                    else "The support was late: probation is extended by 8 weeks instead."
                )
    return a


def capability(w: Writer, answers: Answers) -> Answers:
    """Version 2 capability answers: a note-taker at each formal meeting held."""
    a = dict(answers)
    for prefix in ("improvement_note", "final_warning", "hearing"):
        if f"{prefix}_meeting_notes" in a:
            a[f"{prefix}_note_taker"] = f"{w.full_name()}, {NOTE_TAKER}"
    if "appeal_outcome" in a:
        a["appeal_note_taker"] = f"{w.full_name()}, {NOTE_TAKER}"
    return a
