"""One organisation import, from a file to what it did: read the file, make the plan (the
dry run, which only reads), and unless it is a dry run or the file has errors, apply it
with `apply_plan` in one transaction (all or nothing).

The one path for both callers: the command line (`lcc-apr-server org-import`) and the
route (POST /hr/org-import, lcc_apr.server.orgupload). Runs on the caller's thread;
opens its own sessions on `engine`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lcc_apr.hr import read_organisation
from lcc_apr.hr.plan import held_keys, plan_import
from lcc_apr.hr.planned import Plan

from .orgimport import Applied, ImportRefused, apply_plan

CHANGED_SINCE = (
    "The organisation or the file changed since the dry run; nothing was applied. "
    "Run the dry run again and check what it says."
)


@dataclass(frozen=True)
class ImportRun:
    """What one import said and did. `applied` is None for a dry run, a file with errors,
    or a refusal (`refused` then says why, in plain words: nothing was changed)."""

    plan: Plan
    applied: Applied | None = None
    refused: str | None = None

    @property
    def dry_run(self) -> bool:
        return self.applied is None and self.refused is None


def import_organisation(
    engine: Engine,
    path: Path,
    *,
    profile: str = "generic",
    sheet: str | None = None,
    as_of: date,
    complete: bool = False,
    dry_run: bool = True,
    confirm_leavers: bool = False,
    indirect_reports: bool = False,
    expect: str | None = None,
) -> ImportRun:
    """Read `path` with `profile`, plan, and apply unless `dry_run` or the file has errors.

    `expect` is the digest of the plan a dry run showed (Plan.digest): the apply is refused
    when the plan made now differs. ReadRefused and ProfileError come through as raised
    (the file or the profile cannot be used); a refused apply is returned, not raised."""
    with Session(engine) as session:  # reads only; closing it rolls back
        payrolls, posts = held_keys(session)
        reading = read_organisation(
            path, profile, sheet=sheet, known_payrolls=payrolls, known_posts=posts
        )
        plan = plan_import(session, reading, complete=complete, as_of=as_of)
    if dry_run or plan.errors:
        return ImportRun(plan)
    if expect is not None and plan.digest() != expect:
        return ImportRun(plan, refused=CHANGED_SINCE)
    try:
        with Session(engine) as session, session.begin():
            applied = apply_plan(
                session,
                plan,
                confirm_leavers=confirm_leavers,
                indirect_reports=indirect_reports,
            )
    except ImportRefused as refused:
        return ImportRun(plan, refused=str(refused))
    return ImportRun(plan, applied)


def applied_words(applied: Applied) -> str:
    """The one-line summary of an applied import, for the command line and the desktop."""
    return (
        f"Applied: {applied.adds} post(s) added, {applied.changes} change(s), "
        f"{applied.movers} mover(s), {len(applied.leavers)} leaver(s), "
        f"{applied.accounts} new account(s) (no passwords: set them with reset-password); "
        f"{applied.scope_events} scope change(s) recorded."
    )
