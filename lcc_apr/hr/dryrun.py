"""The dry run's report of an import plan, as lines of plain text: counts first, then the
skipped rows, adds, changes, leavers, movers, new accounts and errors, each with the sheet
and row (and column) it comes from. Equality answers are never shown: a change to one
says only that it changed."""

from __future__ import annotations

from .planned import LEAVER_SHARE, Plan


def plan_lines(plan: Plan) -> list[str]:
    reading = plan.reading
    sheet = reading.sheet
    new_people = len({a.payroll for a in plan.adds if a.new_person})
    found = f", {reading.encoding}" if reading.encoding else ""
    lines = [
        f"Read {reading.file} ({reading.profile} profile, sheet {sheet}{found}): "
        f"{len(reading.rows)} rows of posts passed their own checks, "
        f"{len(reading.skipped)} rows skipped.",
        f"As of {plan.as_of.isoformat()}, {'a complete' if plan.complete else 'a partial'} "
        f"file; {plan.staff} current staff held.",
        f"Adds: {len(plan.adds)} post(s), {new_people} new person(s); "
        f"changes: {len(plan.changes)}; leavers: {len(plan.leavers)}; "
        f"movers: {len(plan.movers)}; new accounts: {len(plan.accounts)}; "
        f"errors: {len(plan.errors)}.",
    ]
    if plan.needs_confirmation:
        lines.append(
            f"{len(plan.leavers)} leavers is more than {LEAVER_SHARE:.0%} of staff: applying "
            "needs --confirm-leavers (is the file complete?)."
        )
    if plan.ignored:
        lines.append(f"{len(plan.ignored)} row(s) of people who left before the file's date.")

    def section(title: str, items: list[str]) -> None:
        if items:
            lines.extend(["", f"{title}:", *(f"  {item}" for item in items)])

    section("Skipped", [f"{s.sheet} row {s.row}: {s.reason}" for s in reading.skipped])
    section(
        "Adds",
        [
            f"{sheet} row {a.row}: {a.payroll} post {a.post or '-'} {a.name}"
            + (" (new person)" if a.new_person else "")
            for a in plan.adds
        ],
    )
    changes = []
    for c in plan.changes:
        where = f"{sheet} row {c.row}" if c.row is not None else f"{sheet} (not in the file)"
        what = "changed" if c.equality else f"{c.old or '(none)'} -> {c.new or '(none)'}"
        post = f" post {c.post or '-'}" if c.post is not None else ""
        changes.append(f"{where}, column {c.column}: {c.payroll}{post} {c.field}: {what}")
    section("Changes", changes)
    leavers = []
    for leaver in plan.leavers:
        where = f"{sheet} row {leaver.row}" if leaver.row else "not in the file"
        items = "; ".join(f"{i.kind} {i.record_id} ({i.status})" for i in leaver.open_items)
        text = (
            f"{leaver.payroll} {leaver.name}, leaving {leaver.leaving_date.isoformat()} ({where})"
        )
        leavers.append(text + (f"; open: {items}" if items else ""))
    section("Leavers", leavers)
    section(
        "Movers",
        [
            f"{sheet} row {m.row}: {m.payroll} {m.name}: line manager "
            f"{m.old_manager or '(none)'} -> {m.new_manager or '(none)'}"
            for m in plan.movers
        ],
    )
    section(
        "Accounts",
        [
            f"{sheet} row {a.row}: {a.payroll} "
            + (f"linked to the user {a.username}" if a.existing_user else f"gets {a.username}")
            for a in plan.accounts
        ],
    )
    section("Errors", [p.words() for p in plan.errors])
    return lines
