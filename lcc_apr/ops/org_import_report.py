"""The organisation import's report in words for a screen: the counts, one row per error,
change, leaver, mover, add, new account and skipped row (errors first), and what was
applied. Built from the server's reply (lcc_apr.sync.orgwire.OrgImportReply); an
equality field's change says only that it changed (the values never travel). No Qt."""

from __future__ import annotations

from dataclasses import dataclass

from lcc_apr.sync.orgwire import OrgImportReply

KINDS = ("Error", "Change", "Leaver", "Mover", "Add", "Account", "Skipped")


@dataclass(frozen=True)
class ReportRow:
    kind: str  # one of KINDS
    where: str  # "staff.csv row 9, column H (FTE)"
    who: str  # "12345678 Kiran Kaur", or a payroll number
    what: str  # plain words


def counts_text(report: OrgImportReply) -> str:
    """Three or four lines: what was read, the file's date and mode, the counts."""
    found = f", {report.encoding}" if report.encoding else ""
    lines = [
        f"Read {report.file} ({report.profile} profile, sheet {report.sheet}{found}): "
        f"{report.rows:,} rows of posts passed their own checks, "
        f"{len(report.skipped):,} rows skipped.",
        f"As of {report.as_of.isoformat()}, "
        f"{'a complete' if report.complete else 'a partial'} file; "
        f"{report.staff:,} current staff held.",
        f"Adds: {len(report.adds):,} post(s), {report.new_people:,} new person(s); "
        f"changes: {len(report.changes):,}; leavers: {len(report.leavers):,}; "
        f"movers: {len(report.movers):,}; new accounts: {len(report.accounts):,}; "
        f"errors: {len(report.errors):,}.",
    ]
    if report.ignored:
        lines.append(f"{report.ignored:,} row(s) of people who left before the file's date.")
    return "\n".join(lines)


def confirmation_text(report: OrgImportReply) -> str | None:
    """Why the leavers need confirming, or None when they do not."""
    if not report.needs_confirmation:
        return None
    return (
        f"{len(report.leavers):,} of {report.staff:,} current staff would leave, more than "
        f"{report.leaver_share:.0%}. Is the file complete? Applying needs you to confirm."
    )


def applied_text(report: OrgImportReply) -> str:
    done = report.applied
    if done is None:
        return "Nothing was applied."
    return (
        f"Applied: {done.adds:,} post(s) added, {done.changes:,} change(s), "
        f"{done.movers:,} mover(s), {done.leavers:,} leaver(s), "
        f"{done.accounts:,} new account(s); {done.scope_events:,} scope change(s) recorded. "
        "New accounts have no password yet: IT gives each one with reset-password."
    )


def report_rows(report: OrgImportReply) -> list[ReportRow]:
    """Every item of the report, errors first, each in the order the server gave."""
    sheet = report.sheet

    def at(row: int | None, column: str | None = None) -> str:
        where = f"{sheet} row {row}" if row is not None else f"{sheet} (not in the file)"
        return where + (f", column {column}" if column else "")

    rows = [
        ReportRow(
            "Error",
            f"{p.sheet} row {p.row}, column {p.column}",
            "",
            p.rule + ("" if p.value is None else f" {p.value!r}") + f": {p.message}",
        )
        for p in report.errors
    ]
    for c in report.changes:
        what = "changed" if c.equality else f"{c.old or '(none)'} → {c.new or '(none)'}"
        post = f" post {c.post or '-'}" if c.post is not None else ""
        rows.append(
            ReportRow("Change", at(c.row, c.column), c.payroll + post, f"{c.field}: {what}")
        )
    for leaver in report.leavers:
        items = "; ".join(f"{i.kind} {i.status}" for i in leaver.open_items)
        what = f"leaves {leaver.leaving_date.isoformat()}" + (f"; open: {items}" if items else "")
        rows.append(ReportRow("Leaver", at(leaver.row), f"{leaver.payroll} {leaver.name}", what))
    for m in report.movers:
        what = f"line manager {m.old_manager or '(none)'} → {m.new_manager or '(none)'}"
        rows.append(ReportRow("Mover", at(m.row), f"{m.payroll} {m.name}", what))
    for a in report.adds:
        what = f"post {a.post or '-'}" + (" (new person)" if a.new_person else "")
        rows.append(ReportRow("Add", at(a.row), f"{a.payroll} {a.name}", what))
    for account in report.accounts:
        what = (
            f"linked to the user {account.username}"
            if account.existing_user
            else f"new account {account.username}"
        )
        rows.append(ReportRow("Account", at(account.row), account.payroll, what))
    rows.extend(
        ReportRow("Skipped", f"{s.sheet} row {s.row}", "", s.reason) for s in report.skipped
    )
    return rows
