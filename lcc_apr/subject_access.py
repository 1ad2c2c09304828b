"""A subject access export: everything this desktop and the server hold about one person,
as one zip with an index page.

Built on HR's desktop, not the server: after a sync HR's desktop holds every record, the
organisation and the HR register, and it holds HR's signing key, so each record's PDF is
signed by the same path as any print (lcc_apr.pdf); the server holds only the audit log,
which the caller fetches (GET /hr/audit, purpose=subject_access: the server audits it).

The zip holds:
  index.html            what is in the zip, and the names to review (see below)
  person.json           the employee row (no equality data), their posts and account
  equality.json         their equality monitoring answers, as held (often none)
  records/*.json        each record they are the subject of: answers, sign-offs, history
  records/*.pdf         the record, signed (not for deleted records)
  sign-offs.json        their own signatures on records about other people (ids, no text)
  hr-register.json      the HR register's accepted versions of their records
  audit-about.csv       audit entries about them: who viewed, changed, printed, exported
  audit-by.csv          audit entries of what they did (other people's ids left out)

Other people's names in free-text answers (names of anyone else in the organisation) are
listed in the index for HR to review: nothing is redacted automatically.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.history import history
from lcc_apr.models import Employee, HrRegisterEntry, Post, Record, SignOff, User
from lcc_apr.sync.protocol import to_wire

EQUALITY = ("sex", "age_band", "ethnicity", "disability", "sexual_orientation", "religion")
PERSON = (
    "id",
    "payroll_number",
    "first_name",
    "last_name",
    "preferred_name",
    "email",
    "job_title",
    "grade",
    "department_id",
    "line_manager_id",
    "start_date",
    "contract_type",
    "fte",
    "probation_end_date",
    "leaving_date",
)
AUDIT_COLUMNS = ["at", "who", "user_id", "event", "outcome", "record_id", "route"]
MakePdf = Callable[[Session, str], bytes]
Progress = Callable[[int, int], None]


class Cancelled(Exception):
    """The export was cancelled: nothing was left behind."""


@dataclass(frozen=True)
class Mention:
    """Another person's name found in a free-text answer of one of the subject's records."""

    file: str  # the record's JSON in the zip
    answer: str  # the answer's key (a path for nested answers: "actions.2.note")
    name: str  # as found in the organisation


@dataclass
class SarResult:
    path: Path
    records: int = 0
    pdfs: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (record id, why)
    mentions: list[Mention] = field(default_factory=list)
    audit_entries: int = 0

    def summary(self) -> str:
        parts = [f"{self.records} record{'s' if self.records != 1 else ''}", f"{self.pdfs} PDFs"]
        parts.append(f"{self.audit_entries} audit entries")
        if self.mentions:
            parts.append(f"{len(self.mentions)} names of other people to review")
        if self.failed:
            parts.append(f"{len(self.failed)} PDFs could not be made (listed in the index)")
        return ", ".join(parts)


# -- other people's names -------------------------------------------------------------


def name_finder(session: Session, subject_id: int) -> Callable[[str], list[str]]:
    """A function giving the organisation's names (everyone but the subject) found in a
    text, whole words, any case: first and last name, preferred and last name, and each
    account's display name."""
    names: set[str] = set()
    own: set[str] = set()
    for e in session.scalars(select(Employee)):
        found = {f"{e.first_name} {e.last_name}"}
        if e.preferred_name:
            found.add(f"{e.preferred_name} {e.last_name}")
        (own if e.id == subject_id else names).update(found)
    for shown, employee_id in session.execute(select(User.display_name, User.employee_id)):
        (own if employee_id == subject_id else names).add(shown)
    wanted = sorted({n.strip() for n in names - own if len(n.strip()) > 2}, key=len, reverse=True)
    if not wanted:
        return lambda text: []
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(n) for n in wanted) + r")(?!\w)", re.IGNORECASE
    )
    by_lower = {n.lower(): n for n in wanted}

    def find(text: str) -> list[str]:
        return sorted({by_lower[m.group(1).lower()] for m in pattern.finditer(text)})

    return find


def free_text(answers: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(key path, text) of every string in the answers, at any depth."""
    if isinstance(answers, str):
        yield path, answers
    elif isinstance(answers, dict):
        for key, value in answers.items():
            yield from free_text(value, f"{path}.{key}" if path else str(key))
    elif isinstance(answers, list):
        for n, value in enumerate(answers, start=1):
            yield from free_text(value, f"{path}.{n}")


# -- what is held -----------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, int | float | str):
        return value.value  # an enum
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # Decimal


def person_data(session: Session, employee: Employee) -> dict[str, Any]:
    user = session.scalar(select(User).where(User.employee_id == employee.id))
    posts = session.scalars(select(Post).where(Post.employee_id == employee.id).order_by(Post.id))
    return {
        "employee": {k: _plain(getattr(employee, k)) for k in PERSON},
        "department": employee.department.name,
        "posts": [
            {c.key: _plain(getattr(p, c.key)) for c in Post.__table__.columns} for p in posts
        ],
        "account": None
        if user is None
        else {
            "user_id": user.id,
            "username": user.username,
            "display_name": user.display_name,
            "roles": sorted(r.value for r in user.roles),
            "active": user.active,
            "created_at": user.created_at.isoformat(),
        },
    }


def equality_data(employee: Employee) -> dict[str, Any]:
    return {k: _plain(getattr(employee, k)) for k in EQUALITY}


def record_data(session: Session, record: Record, names: dict[int, str]) -> dict[str, Any]:
    data = to_wire(record, sign_offs=record.sign_offs)
    for sign_off in data.get("sign_offs", []):
        sign_off["signed_by"] = names.get(sign_off["user_id"], "")
        sign_off.pop("signature", None)  # binary proof: it is in the signed PDF
        sign_off.pop("certificate", None)
    data["history"] = [
        {
            "seq": c.seq,
            "action": c.action.value,
            "at": c.at.isoformat(),
            "by": names.get(c.user_id, "") if c.user_id is not None else "",
            "change": c.patch,
        }
        for c in history(session, record.id)
    ]
    return data


def own_sign_offs_elsewhere(session: Session, user_id: int, subject_id: int) -> list[dict]:
    """The person's signatures on records about other people: which record, when, as
    what, their decision; never the other record's content or the reason written."""
    stmt = (
        select(SignOff, Record.kind)
        .join(Record, Record.id == SignOff.record_id)
        .where(SignOff.user_id == user_id, Record.subject_id != subject_id)
        .order_by(SignOff.signed_at)
    )
    return [
        {
            "record_id": s.record_id,
            "kind": kind.value,
            "role": s.role.value,
            "decision": s.decision.value,
            "signed_at": s.signed_at.isoformat(),
        }
        for s, kind in session.execute(stmt)
    ]


def register_data(session: Session, payroll_number: str) -> list[dict[str, Any]]:
    stmt = select(HrRegisterEntry).where(HrRegisterEntry.payroll_number == payroll_number)
    columns = [c.key for c in HrRegisterEntry.__table__.columns]
    return [
        {k: _plain(getattr(row, k)) if k != "answers" else row.answers for k in columns}
        for row in session.scalars(stmt.order_by(HrRegisterEntry.id))
    ]


def audit_csv(entries: Iterable[dict[str, Any]], names: dict[int, str], *, keep: int) -> bytes:
    """Entries as CSV, newest first, each user named; record ids kept only for entries
    about `keep` (the subject): other people's ids are left out."""
    buffer = io.StringIO()
    out = csv.DictWriter(buffer, AUDIT_COLUMNS, lineterminator="\r\n", extrasaction="ignore")
    out.writeheader()
    for e in entries:
        about_them = e.get("subject_id") in (keep, None)
        out.writerow(
            {
                **e,
                "who": names.get(e["user_id"], "") if e.get("user_id") else "",
                "record_id": e.get("record_id") if about_them else "",
                "user_id": e.get("user_id") or "",
            }
        )
    return buffer.getvalue().encode("utf-8-sig")


# -- the zip ----------------------------------------------------------------------------


def record_file(record: Record) -> str:
    day = record.record_date.isoformat() if record.record_date else "undated"
    return f"records/{record.kind.value}-{day}-{record.id[:8]}"


def safe_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", text).strip("-") or "person"


def free_path(folder: Path, stem: str) -> Path:
    path = folder / f"{stem}.zip"
    n = 2
    while path.exists():
        path = folder / f"{stem}-{n}.zip"
        n += 1
    return path


@dataclass(frozen=True)
class Request:
    """Who is exported, for whom, and what the caller supplies."""

    employee_id: int
    made_by: str  # HR's display name, for the index
    folder: Path
    make_pdf: MakePdf
    about: list[dict[str, Any]]  # audit entries about the person (GET /hr/audit person=)
    by: list[dict[str, Any]]  # audit entries of what they did (user=)
    today: date


def build(
    session: Session,
    request: Request,
    *,
    progress: Progress = lambda done, total: None,
    cancel: threading.Event | None = None,
) -> SarResult:
    """Write the zip (whole or not at all: a part file renamed at the end). Raises
    KeyError for an unknown employee, Cancelled when `cancel` is set."""
    cancel = cancel or threading.Event()
    employee = session.get(Employee, request.employee_id)
    if employee is None:
        raise KeyError(request.employee_id)
    names = {uid: shown for uid, shown in session.execute(select(User.id, User.display_name))}
    records = list(
        session.scalars(
            select(Record)
            .where(Record.subject_id == employee.id)
            .order_by(Record.record_date, Record.id)
        )
    )
    stem = f"subject-access-{safe_part(employee.payroll_number)}-{request.today.isoformat()}"
    path = free_path(request.folder, stem)
    part = path.with_name(path.name + ".part")
    result = SarResult(path=path, records=len(records))
    find_names = name_finder(session, employee.id)
    total = len(records) + 2
    user_id = session.scalar(select(User.id).where(User.employee_id == employee.id))
    try:
        with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as zf:
            contents: list[tuple[str, str]] = []

            def put(name: str, data: bytes, what: str) -> None:
                zf.writestr(name, data)
                contents.append((name, what))

            def put_json(name: str, value: Any, what: str) -> None:
                put(name, json.dumps(value, indent=2, ensure_ascii=False).encode(), what)

            put_json("person.json", person_data(session, employee), "Employee details and account")
            put_json("equality.json", equality_data(employee), "Equality monitoring data")
            rows: list[dict[str, str]] = []
            for n, record in enumerate(records, start=1):
                if cancel.is_set():
                    raise Cancelled
                base = record_file(record)
                data = record_data(session, record, names)
                put_json(f"{base}.json", data, "The record: answers, sign-offs, history")
                for key, text in free_text(record.answers):
                    for name in find_names(text):
                        result.mentions.append(Mention(f"{base}.json", key, name))
                pdf = ""
                if record.deleted:
                    pdf = "none (deleted)"
                else:
                    try:
                        put(f"{base}.pdf", request.make_pdf(session, record.id), "Signed PDF")
                        result.pdfs += 1
                        pdf = f"{base}.pdf"
                    except Exception as error:  # noqa: BLE001 - listed for HR, the rest go on
                        result.failed.append((record.id, str(error) or type(error).__name__))
                        pdf = f"not made: {error}"
                rows.append(
                    {
                        "kind": record.kind.label,
                        "date": record.record_date.isoformat() if record.record_date else "",
                        "status": record.status,
                        "json": f"{base}.json",
                        "pdf": pdf,
                    }
                )
                progress(n, total)
            others = own_sign_offs_elsewhere(session, user_id, employee.id) if user_id else []
            put_json("sign-offs.json", others, "Their signatures on other people's records")
            register = register_data(session, employee.payroll_number)
            put_json("hr-register.json", register, "HR register: accepted versions")
            put("audit-about.csv", audit_csv(request.about, names, keep=employee.id), "Audit")
            put("audit-by.csv", audit_csv(request.by, names, keep=employee.id), "Audit")
            result.audit_entries = len(request.about) + len(request.by)
            progress(total - 1, total)
            index = index_page(employee, request, rows, contents, result)
            zf.writestr("index.html", index)
        if cancel.is_set():
            raise Cancelled
        part.replace(path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    progress(total, total)
    return result


def index_page(
    employee: Employee,
    request: Request,
    rows: list[dict[str, str]],
    contents: list[tuple[str, str]],
    result: SarResult,
) -> str:
    e = html.escape
    name = f"{employee.first_name} {employee.last_name}"
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Subject access export: {e(name)}</title></head><body>",
        f"<h1>Subject access export: {e(name)} ({e(employee.payroll_number)})</h1>",
        f"<p>Made on {request.today.isoformat()} by {e(request.made_by)}. "
        f"{e(result.summary())}.</p>",
        "<h2>Names of other people to review</h2>",
    ]
    if result.mentions:
        parts.append(
            "<p>These free-text answers name other people in the organisation. Nothing has "
            "been redacted: review each before the export is released.</p>"
            "<table><tr><th>File</th><th>Answer</th><th>Name found</th></tr>"
        )
        parts += [
            f"<tr><td>{e(m.file)}</td><td>{e(m.answer)}</td><td>{e(m.name)}</td></tr>"
            for m in result.mentions
        ]
        parts.append("</table>")
    else:
        parts.append("<p>No other person's name was found in the free-text answers.</p>")
    parts.append(
        "<h2>Records</h2><table><tr><th>Kind</th><th>Date</th><th>Stage</th>"
        "<th>Data</th><th>PDF</th></tr>"
    )
    parts += [
        f"<tr><td>{e(r['kind'])}</td><td>{e(r['date'])}</td><td>{e(r['status'])}</td>"
        f"<td>{e(r['json'])}</td><td>{e(r['pdf'])}</td></tr>"
        for r in rows
    ]
    parts.append("</table><h2>Contents</h2><table><tr><th>File</th><th>What</th></tr>")
    parts += [f"<tr><td>{e(f)}</td><td>{e(w)}</td></tr>" for f, w in contents]
    parts.append(
        "</table><p>Not included: the record of what each laptop exported to files "
        "(audit.log on each computer), and backups.</p></body></html>"
    )
    return "\n".join(parts)
