"""HR's subject access export against a real server: HR's desktop, synced, holds every
record; the zip holds every record about the person (checked against the server's own
tables) and nothing of anyone else's; other people's names in free text are listed, not
redacted; the export is audited on the server and on the desktop."""

from __future__ import annotations

import csv
import io
import json
import threading
import uuid
import zipfile
from datetime import date

import pytest
from sqlalchemy import select

from lcc_apr.forms import Catalogue
from lcc_apr.history import update_record
from lcc_apr.models import Employee, Record, now_utc
from lcc_apr.ops import printing
from lcc_apr.ops.audit import audit_entries
from lcc_apr.ops.subject_access import HR_ONLY, export_subject_access
from lcc_apr.ops.user import CurrentUser
from lcc_apr.pdf.check import check_pdf
from lcc_apr.pdf.records import Printer
from lcc_apr.pdf.sign import PdfSigner
from lcc_apr.server.tables import AuditEntry
from lcc_apr.subject_access import Cancelled
from tests.pdf_tools import make_ca, make_user

from .test_client_sync import device  # noqa: F401

CATALOGUE = Catalogue.load()
CA = make_ca()
SIGNER = make_user(CA, "HR Officer")
DAY = date(2026, 12, 6)


def hr_pdfs():
    signer = Printer(PdfSigner(SIGNER.key, SIGNER.certificate, SIGNER.chain), "HR Officer", "hr")
    return printing.hr_pdf_maker(catalogue=CATALOGUE, printer=lambda: signer)


@pytest.fixture
def hr_desktop(live_server, request):
    make = request.getfixturevalue("device")
    hr = next(u for u in live_server.people.hr if u.employee_id)
    desk = make(hr.username)
    desk.sync()
    return desk, CurrentUser.from_server(desk.connection.user.model_dump())


def subject_with_records(live_server):
    """A member of staff (no reports) with records of more than one kind."""
    for person in live_server.people.employees:
        kinds = {r.kind for r in live_server.records(subject_id=person.employee_id)}
        if len(kinds) > 1:
            return person
    raise AssertionError("no one in the demo has records of two kinds")


def test_the_zip_holds_every_record_of_the_person_and_nothing_of_anyone_elses(
    live_server, hr_desktop, tmp_path
):
    desk, hr = hr_desktop
    person = subject_with_records(live_server)
    with live_server.session() as s:  # the server's own view, read independently
        theirs = set(s.scalars(select(Record.id).where(Record.subject_id == person.employee_id)))
        others = set(s.scalars(select(Record.id).where(Record.subject_id != person.employee_id)))
        colleague = s.scalars(
            select(Employee).where(Employee.id != person.employee_id).order_by(Employee.id)
        ).first()
    assert theirs and others
    # a colleague named in one of their answers, on the desktop
    named, key = sorted(theirs)[0], "note_sar"
    with desk.store.session() as s:  # held on HR's desktop (not sent)
        record = s.get(Record, named)
        text = f"Agreed to shadow {colleague.first_name} {colleague.last_name} in March."
        update_record(s, record, user_id=hr.user_id, at=now_utc(), answers={key: text})
    manager = live_server.people.manager_of(person.employee_id)  # their manager read it
    viewed = {"record_id": named, "event": "viewed", "at": now_utc().isoformat()}
    body = {"key": str(uuid.uuid4()), "records": [], "events": [viewed]}
    assert live_server.login(manager.username).client.post("/sync/push", json=body).is_success

    result = export_subject_access(
        desk.store,
        employee_id=person.employee_id,
        folder=tmp_path,
        make_pdf=hr_pdfs(),
        connection=desk.connection,
        user=hr,
        today=DAY,
    )
    assert result.path.parent == tmp_path and result.path.suffix == ".zip"
    assert not list(tmp_path.glob("*.part"))
    with zipfile.ZipFile(result.path) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    data = {
        n: json.loads(b)
        for n, b in files.items()
        if n.startswith("records/") and n.endswith(".json")
    }
    assert {d["id"] for d in data.values()} == theirs
    assert {d["subject_id"] for d in data.values()} == {person.employee_id}
    pdfs = [n for n in files if n.endswith(".pdf")]
    assert len(pdfs) == result.pdfs == len([d for d in data.values() if not d["deleted"]])
    assert check_pdf(files[pdfs[0]], trust_roots=[CA.certificate]).ok
    everything = b"\n".join(files.values())
    assert not [rid for rid in others if rid.encode() in everything]
    assert json.loads(files["sign-offs.json"]) == []  # staff: no signatures on others' records
    person_json = json.loads(files["person.json"])
    assert person_json["employee"]["id"] == person.employee_id
    assert person_json["account"]["username"] == person.username
    assert set(json.loads(files["equality.json"])) >= {"ethnicity", "religion", "sex"}
    index = files["index.html"].decode()
    assert f"{colleague.first_name} {colleague.last_name}" in index  # listed for review
    assert [
        (m.answer, m.name) for m in result.mentions if m.file.endswith(f"{named[:8]}.json")
    ] == [(key, f"{colleague.first_name} {colleague.last_name}")]
    assert text in files[next(n for n in data if named[:8] in n)].decode()  # not redacted

    # audited: on the server (the reading of their entries), and on the desktop
    with live_server.session() as s:
        server_rows = s.scalars(
            select(AuditEntry).where(AuditEntry.event == "subject_access")
        ).all()
    assert [(r.user_id, r.subject_id, r.outcome) for r in server_rows] == [
        (hr.user_id, person.employee_id, "ok")
    ]
    local = [e for e in audit_entries(desk.store) if e["event"] == "subject_access"]
    assert local and local[-1]["employee"] == person.employee_id
    # the server's entries about them are in the zip, each user named
    about = list(csv.DictReader(io.StringIO(files["audit-about.csv"].decode("utf-8-sig"))))
    views = [r for r in about if r["event"] == "viewed"]
    assert [(r["record_id"], r["user_id"]) for r in views] == [(named, str(manager.id))]
    assert views[0]["who"]


def test_only_hr_exports_and_a_cancel_leaves_nothing(live_server, hr_desktop, tmp_path):
    desk, hr = hr_desktop
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    person = subject_with_records(live_server)
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        export_subject_access(
            desk.store,
            employee_id=person.employee_id,
            folder=tmp_path,
            make_pdf=hr_pdfs(),
            connection=desk.connection,
            user=hr,
            cancel=stop,
            today=DAY,
        )
    assert list(tmp_path.iterdir()) == []
    staff = CurrentUser(user_id=person.id, display_name="x", roles=frozenset(), employee_id=1)
    with pytest.raises(PermissionError, match=HR_ONLY):
        export_subject_access(
            desk.store,
            employee_id=person.employee_id,
            folder=tmp_path,
            make_pdf=hr_pdfs(),
            connection=desk.connection,
            user=staff,
        )
