"""Return-to-work interviews for the demo's ended absence episodes (absences.py).

Contract: `plan(...)` says when the interview after one episode was held (None: not yet),
`answers(...)` fills resources/forms/return_to_work/v1.toml for it as far as its status
needs (a draft partly, anything past it complete for sharing). The shape is a DEMO
ASSUMPTION: most interviews are held on the first working day back or the next, within
the policy's `due_within_days` (resources/policy/attendance.toml); some are late; an
episode that ended in the last RECENT_DAYS may not have had its interview yet. An
interview is held before the next episode starts (the schedule counts it for this one).
Draws come from the return-to-work kind's own RNG (history.py), so no other record changes.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from lcc_apr.workdays import add_working_days, is_working_day

from .answers import SIGNED, Answers, Context, Writer

ON_TIME_SHARE = 0.86
NEXT_DAY_SHARE = 0.25  # of those on time: the working day after the first one back
LATE_WORKING_DAYS = (3, 15)  # a late interview, after the first working day back
RECENT_DAYS = 14  # an episode that ended this recently may wait for its interview
NOT_YET_SHARE = 0.45
RECENT_STATUS_DAYS = 21  # an interview this recent may still be going through its workflow
RECENT_STATUSES = ["draft", "shared", "employee_signed", "completed"]
RECENT_WEIGHTS = [30, 25, 15, 30]
LONG_DAYS = 10  # longer episodes: more adjustments and occupational health referrals
FIT_NOTE_DAYS = 7  # a fit note is needed for more than 7 days in a row

FORM_REASON = {  # the episode's reason code -> the form's absence_reason
    "infection": "illness",
    "stomach": "illness",
    "other": "illness",
    "musculoskeletal": "musculoskeletal",
    "mental_health": "mental_health",
    "operation": "medical_procedure",
    "injury": "injury_not_at_work",
    "pregnancy": "pregnancy_related",
}
ACCOUNTS = {
    "infection": (
        "{name} had a heavy cold that turned into a chest infection; the GP advised rest.",
        "{name} had flu-like symptoms and a temperature, and stayed at home until it passed.",
        "{name} caught a virus that was going round the family and did not want to pass it on.",
        "A sore throat and fever; {name} says they are much better now.",
    ),
    "stomach": (
        "{name} had a stomach bug and stayed off until 48 hours after the last symptoms.",
        "A bout of food poisoning after a meal out; {name} has fully recovered.",
        "{name} has had stomach trouble on and off and is waiting for a GP appointment.",
    ),
    "other": (
        "{name} had a migraine that lasted several days and could not look at a screen.",
        "{name} had a bad reaction to a new medicine; the GP has changed it.",
        "{name} preferred not to go into detail, and said they are well now.",
        "A dental abscess and the treatment afterwards; {name} is fine now.",
    ),
    "musculoskeletal": (
        "{name} hurt their back lifting at home and could not sit for long.",
        "Neck and shoulder pain that got worse over a week; {name} has started physiotherapy.",
        "{name}'s knee flared up again and they could not manage the stairs or the drive in.",
        "{name} strained a wrist and could not type for some days.",
    ),
    "mental_health": (
        "{name} said pressure had built up over some months, at work and at home, and the "
        "GP signed them off with stress. They feel ready to come back and want to talk "
        "about {work}.",
        "{name} talked about a bereavement in the family and the anxiety that followed. "
        "They have started counselling.",
        "{name} has had low mood for a while and saw the GP, who prescribed medication and "
        "signed them off. They said the time off helped.",
        "{name} did not want to go into detail; they said it was stress and anxiety and "
        "that they are getting support.",
    ),
    "operation": (
        "{name} had a planned operation and the recovery went as the hospital expected.",
        "{name} had day surgery; recovery took longer than expected because of an infection.",
        "{name} had a hip operation and has been doing the exercises the physiotherapist set.",
    ),
    "injury": (
        "{name} sprained an ankle playing sport at the weekend.",
        "{name} slipped on ice outside their home and bruised their ribs.",
        "{name} cut their hand badly in the kitchen and needed stitches.",
    ),
    "pregnancy": (
        "{name} had severe sickness related to their pregnancy; the midwife is involved.",
        "{name} was unwell in their pregnancy and is under the midwife's care.",
    ),
}
AT_WORK = (
    "{name} tripped over a trailing cable in the office and hurt their wrist; it was "
    "reported on the accident form.",
    "{name} strained their back moving furniture for a team event; it was reported.",
)
AT_WORK_DETAILS = (
    "The accident is reported; the area has been checked and the cables tidied away.",
    "Manual handling refresher training booked; heavier moves go to facilities from now on.",
)
STRESS_AT_WORK = (
    "Workload in {work} since the team lost two posts. We agreed to reprioritise the "
    "caseload and review it weekly.",
    "A difficult working relationship in the team. {manager} will arrange a facilitated "
    "conversation, with {name}'s agreement.",
)
ADJUSTMENTS = (
    "A phased return: three days a week for two weeks, then back to normal hours.",
    "Shorter days for the first fortnight (10am to 3pm), and no evening meetings.",
    "Lighter duties for two weeks: no lifting, and a chair with better back support.",
    "Working from home two days a week for a month, and time off for physiotherapy.",
    "A phased return over four weeks agreed with occupational health, and time off for "
    "counselling appointments.",
)
OH_REASONS = (
    "Advice on a phased return and on any adjustments that would help.",
    "Whether the condition is likely to recur, and what the council can do to help.",
    "A workstation assessment and advice on lifting.",
    "Whether the condition may be a disability, and reasonable adjustments.",
)
SUPPORT = {
    "short": (
        "None needed.",
        "None needed.",
        "Reminded {name} of the Employee Assistance Programme's 24-hour telephone line.",
        "None needed; {name} knows to say if anything changes.",
    ),
    "long": (
        "The council's wellbeing service and the Employee Assistance Programme; {name} will "
        "call the programme this week.",
        "Counselling through the Employee Assistance Programme, which {name} has taken up.",
        "A Mental Health First Aider in the team; {name} knows who they are.",
        "Regular catch-ups with {manager} for the first month back.",
    ),
}
NEXT_STEPS = (
    "Check in at the next supervision.",
    "A short catch-up with {manager} at the end of the first week back.",
    "{name} will book the GP follow-up and let {manager} know the outcome.",
    "Review the workload plan in two weeks.",
)
COMMENTS = (
    "Thank you for the support.",
    "Glad to be back.",
    "Thanks for keeping in touch while I was off.",
    "Thank you for making it easy to come back.",
)


def _working(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def plan(
    w: Writer, last_day: date, following: date | None, as_of: date, due_within: int
) -> date | None:
    """The day of the interview after an episode that ended on `last_day` (None: not held
    yet); `following`: the first day of the person's next episode, if any."""
    back = last_day + timedelta(days=1)
    first = _working(back)
    on_time = w.chance(ON_TIME_SHARE)
    later = w.chance(NEXT_DAY_SHARE)
    extra = w.between(*LATE_WORKING_DAYS)
    waiting = (as_of - back).days < RECENT_DAYS and w.chance(NOT_YET_SHARE)
    due = back + timedelta(days=due_within)
    if on_time:
        meeting = add_working_days(first, 1) if later else first
        meeting = meeting if meeting <= due else first
    else:
        meeting = _working(max(add_working_days(first, extra), due + timedelta(days=1)))
    if following is not None and meeting >= following:
        meeting = following - timedelta(days=1)  # held before the next absence began
    if waiting or meeting > as_of:
        return None
    return meeting


def status_of(w: Writer, meeting: date, as_of: date) -> str:
    if (as_of - meeting).days > RECENT_STATUS_DAYS:
        return "completed"
    return w.rng.choices(RECENT_STATUSES, RECENT_WEIGHTS)[0]


def answers(
    w: Writer, ctx: Context, absence: dict[str, Any], meeting: date, status: str
) -> Answers:
    """The interview's answers: a draft holds the dates, reason and account so far."""
    fill = w.pick(ctx)
    first, last = absence["first_day"], absence["last_day"]
    days = (last - first).days + 1
    code, long = absence["reason"], days > LONG_DAYS
    at_work = code == "injury" and w.chance(0.15)
    reason = "injury_at_work" if at_work else FORM_REASON.get(code, "illness")
    if absence["pregnancy_related"]:
        reason = "pregnancy_related"
    elif absence["disability_related"] and w.chance(0.5):
        reason = "disability_related"
    elif w.chance(0.04):
        reason = "not_given"
    account = w.one(AT_WORK if at_work else ACCOUNTS.get(code, ACCOUNTS["other"]))
    a: Answers = {
        "meeting_date": meeting.isoformat(),
        "absence_first_day": first.isoformat(),
        "absence_last_day": last.isoformat(),
        "absence_reason": reason,
        "fit_note": days > FIT_NOTE_DAYS,
        "employee_account": account.format_map(fill),
    }
    stress_at_work = code == "mental_health" and w.chance(0.3)
    a["work_related"] = at_work or stress_at_work
    if a["work_related"]:
        details = w.one(AT_WORK_DETAILS if at_work else STRESS_AT_WORK)
        a["work_related_details"] = details.format_map(fill)
    if w.chance(0.6 if long else 0.08):
        a["fit_for_work"] = "fit_with_adjustments"
        a["adjustments"] = w.one(ADJUSTMENTS)
        review = meeting + timedelta(days=w.between(14, 42))
        a["adjustments_review_date"] = review.isoformat()
    else:
        a["fit_for_work"] = "fit"
    a["disability_related"] = bool(absence["disability_related"])
    referred = w.chance(0.55 if long else 0.03)
    a["occupational_health_referral"] = referred
    if referred:
        a["occupational_health_reason"] = w.one(OH_REASONS)
    a["support_offered"] = w.one(SUPPORT["long" if long else "short"]).format_map(fill)
    if w.chance(0.4):
        a["next_steps"] = w.one(NEXT_STEPS).format_map(fill)
    if status in SIGNED and w.chance(0.3):
        a["employee_comments"] = w.one(COMMENTS)
    if status == "draft":  # written up so far: the dates, and perhaps the account
        kept = ("meeting_date", "absence_first_day", "absence_last_day", "absence_reason")
        part = {k: a[k] for k in kept}
        if w.chance(0.5):
            part["employee_account"] = a["employee_account"]
        return part
    return a
