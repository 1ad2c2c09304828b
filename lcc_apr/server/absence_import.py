"""HR's absence import on the server: the HR system's absence export read with an absence
profile (lcc_apr.hr.absences), checked whole, and applied all or nothing.

Each row is an episode of the person with that payroll number: one already held with the
same first day is updated (the HR system is the record of it), any other is added. A row
for an unknown payroll number, a date that cannot be read, an overlap with another
episode (held, or another row), a last day before the first or a start after today is a
problem naming the row; any problem and nothing is applied. The same file applied twice
is refused. Applied episodes get new versions, so laptops take them at their next sync;
the import is logged (absence_imports) and audited with counts only. Runs on the
caller's thread; opens its own sessions on `engine`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lcc_apr.attendance.episodes import Episode, episode_problems
from lcc_apr.attendance.policy import AttendancePolicy
from lcc_apr.attendance.rows import episode_of
from lcc_apr.hr import ProfileError, ReadRefused
from lcc_apr.hr.absences import RowProblem, load_absence_profile, read_absences
from lcc_apr.models import Absence, Employee, now_utc
from lcc_apr.models.absence import IMPORTED
from lcc_apr.sync.absencewire import AbsenceImportBody

from . import audit, sequence
from .errors import ApiError
from .orgupload import NOT_BASE64, upload_name
from .tables import AbsenceImport

ALREADY = "This file was applied already (on {when}); nothing was changed."


@dataclass
class AbsenceImportRun:
    """What one import found and did: `applied` False for a dry run, a file with
    problems, or a refusal (`refused` says why)."""

    rows: int = 0
    adds: int = 0
    changes: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    applied: bool = False
    refused: str | None = None


def import_absences(
    engine: Engine,
    path: Path,
    *,
    policy: AttendancePolicy,
    today: date,
    profile: str = "generic",
    dry_run: bool = True,
    user_id: int | None = None,
) -> AbsenceImportRun:
    """Read, check and (unless `dry_run` or any problem) apply in one transaction.
    ReadRefused and ProfileError come through as raised."""
    read, problems = read_absences(path, load_absence_profile(profile, policy))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    run = AbsenceImportRun(rows=len(read) + len({p.row for p in problems}))
    with Session(engine) as session, session.begin():
        # Before reading the rows it changes; numbers the changes (pulls by change)
        lock = None if dry_run else sequence.lock(session)
        earlier = session.scalar(select(AbsenceImport).where(AbsenceImport.digest == digest))
        payrolls = {p: i for p, i in session.execute(select(Employee.payroll_number, Employee.id))}
        held: dict[int, list[Absence]] = {}
        for row in session.scalars(select(Absence).where(~Absence.deleted)):
            held.setdefault(row.employee_id, []).append(row)
        planned: dict[int, list[Episode]] = {}
        updates: dict[str, Episode] = {}
        for r in read:
            employee_id = payrolls.get(r.payroll)
            if employee_id is None:
                problems.append(
                    RowProblem(r.row, "payroll number", "no one held has this payroll number")
                )
                continue
            same = next((a for a in held.get(employee_id, []) if a.first_day == r.first_day), None)
            episode = Episode(
                same.id if same else str(uuid.uuid4()),
                employee_id,
                r.first_day,
                r.last_day,
                r.reason,
                r.disability_related,
                r.pregnancy_related,
            )
            mine = planned.setdefault(employee_id, [])
            others = [
                episode_of(a) for a in held.get(employee_id, []) if a.id not in updates
            ] + mine
            found = episode_problems(episode, others, today=today, policy=policy)
            problems += [RowProblem(r.row, "", p) for p in found]
            mine.append(episode)
            if same is not None:
                updates[same.id] = episode
        run.problems = sorted(problems, key=lambda p: p.row)
        run.adds = sum(len(v) for v in planned.values()) - len(updates)
        run.changes = len(updates)
        if earlier is not None:
            run.refused = ALREADY.format(when=f"{earlier.at:%d %B %Y}")
        if dry_run or run.problems or run.refused:
            session.rollback()
            return run
        at, seq = now_utc(), lock.next() if lock is not None else 0
        for episodes in planned.values():
            for e in episodes:
                existing = session.get(Absence, e.id)
                row = existing or Absence(id=e.id, server_rev=0, deleted=False)
                if existing is None:
                    session.add(row)
                row.employee_id, row.first_day, row.last_day = (
                    e.employee_id,
                    e.first_day,
                    e.last_day,
                )
                row.reason, row.source = e.reason, IMPORTED
                row.disability_related, row.pregnancy_related = (
                    e.disability_related,
                    e.pregnancy_related,
                )
                row.recorded_by, row.updated_at = user_id, at
                row.server_rev, row.base_rev, row.dirty = (row.server_rev or 0) + 1, None, False
                row.seq = seq
        session.add(
            AbsenceImport(
                digest=digest,
                rows=run.rows,
                added=run.adds,
                changed=run.changes,
                user_id=user_id,
                at=at,
            )
        )
        audit.add(
            session, user_id, "absence_import", "cli" if user_id is None else "route", "applied"
        )
        run.applied = True
    return run


def run_absence_upload(
    engine: Engine, body: AbsenceImportBody, *, user_id: int, policy: AttendancePolicy
) -> dict[str, Any]:
    """POST /hr/absence-import's work: the uploaded file in a private temporary folder,
    the same path as the command line, the reply (an AbsenceImportReply's dict).
    ApiError 422 `unreadable` / `bad_content`, 409 `import_refused` (nothing changed)."""
    try:
        content = base64.b64decode(body.content, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, NOT_BASE64, code="bad_content") from None
    with tempfile.TemporaryDirectory(prefix="lcc-apr-absences-") as folder:
        path = Path(folder) / upload_name(body.file_name)
        path.write_bytes(content)
        try:
            run = import_absences(
                engine,
                path,
                policy=policy,
                today=date.today(),
                profile=body.profile,
                dry_run=body.dry_run,
                user_id=user_id,
            )
        except (ReadRefused, ProfileError) as err:
            raise ApiError(422, f"{path.name} {err}", code="unreadable") from None
    if run.refused is not None and not run.problems:
        raise ApiError(409, run.refused, code="import_refused")
    return {
        "rows": run.rows,
        "adds": run.adds,
        "changes": run.changes,
        "problems": [asdict(p) for p in run.problems],
        "applied": run.applied,
    }
