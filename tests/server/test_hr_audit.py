"""The audit log says which record and person an entry concerns; HR reads it a page at a
time (keyset, newest first) or as CSV; reading it is audited; nobody else may."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from lcc_apr.models import RecordKind
from lcc_apr.server.routes.hr_audit import HR_AUDIT_ONLY
from lcc_apr.server.tables import AuditEntry

from .harness import wire_of


def hr_of(server):
    return server.login(next(u for u in server.people.hr if u.employee_id).username)


def entries(server, **where):
    with server.session() as session:
        stmt = select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)
        return list(session.scalars(stmt))


def all_pages(client, **params):
    seen, cursor, pages = [], None, 0
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        reply = client.get("/hr/audit", params=query)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        seen += body["entries"]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            return seen, pages


def test_a_push_and_the_laptops_views_are_audited_with_record_and_person(live_server):
    record = live_server.records(kind=RecordKind.SUPERVISION, status="draft")[0]
    manager = live_server.login(live_server.people.manager_of(record.subject_id).username)
    changed = wire_of(record, answers={"workload": "Audited change"})
    other = live_server.records(kind=RecordKind.SUPERVISION, status="completed")[0]
    at = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    body = {
        "key": str(uuid.uuid4()),
        "records": [changed],
        "events": [
            {"record_id": record.id, "event": "viewed", "at": at},
            {"record_id": record.id, "event": "printed", "at": at},
            {"record_id": str(uuid.uuid4()), "event": "viewed", "at": at},  # unknown: skipped
        ],
    }
    reply = manager.client.post("/sync/push", json=body)
    assert reply.status_code == 200 and reply.json()["results"][0]["outcome"] == "applied"
    again = manager.client.post("/sync/push", json=body)  # a retry writes nothing more
    assert again.status_code == 200
    rows = entries(live_server, record_id=record.id)
    assert sorted((r.event, r.outcome) for r in rows) == [
        ("printed", "ok"),
        ("push", "changed"),
        ("viewed", "ok"),
    ]
    assert {r.subject_id for r in rows} == {record.subject_id}
    viewed = next(r for r in rows if r.event == "viewed")
    assert abs(viewed.at - datetime.fromisoformat(at)) < timedelta(seconds=1)
    assert entries(live_server, record_id=other.id) == []

    hr = hr_of(live_server)
    seen, _pages = all_pages(hr.client, record=record.id)
    newest_first = sorted(rows, key=lambda r: (r.at, r.id), reverse=True)
    assert [e["id"] for e in seen] == [r.id for r in newest_first]
    about = all_pages(hr.client, person=record.subject_id, event="viewed")[0]
    assert {e["record_id"] for e in about} == {record.id}


def test_pages_walk_every_match_once_newest_first_whatever_the_depth(live_server):
    person = live_server.people.employees[0].employee_id
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {
            "at": start + timedelta(minutes=i // 3),  # ties on `at`: the id breaks them
            "user_id": 1,
            "event": "viewed",
            "route": "/sync/push",
            "outcome": "ok",
            "record_id": None,
            "subject_id": person if i % 2 else person + 1,
        }
        for i in range(1000)
    ]
    with live_server.session() as session:
        session.execute(insert(AuditEntry), rows)
    hr = hr_of(live_server)
    seen, pages = all_pages(hr.client, person=person, event="viewed", limit=37)
    with live_server.session() as session:
        expected = session.execute(
            select(AuditEntry.id)
            .where(AuditEntry.subject_id == person, AuditEntry.event == "viewed")
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        ).scalars()
        expected = list(expected)
    assert [e["id"] for e in seen] == expected
    assert len(seen) == 500 and pages == -(-len(seen) // 37)
    day = all_pages(hr.client, person=person, date_from="2026-01-01", date_to="2026-01-01")[0]
    assert {e["at"][:10] for e in day} == {"2026-01-01"} and len(day) == 500
    later = all_pages(hr.client, person=person, event="viewed", date_from="2026-01-02")[0]
    assert later == []


def test_viewing_and_exporting_are_audited_and_refused_to_anyone_but_hr(live_server):
    person = live_server.people.employees[1].employee_id
    hr = hr_of(live_server)
    assert hr.client.get("/hr/audit", params={"person": person}).status_code == 200
    views = entries(live_server, event="audit_view", user_id=hr.user["id"])
    assert [(v.outcome, v.subject_id) for v in views] == [("ok", person)]
    assert f"person={person}" in views[0].route

    reply = hr.client.get("/hr/audit.csv", params={"event": "login"})
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(reply.text)))
    logins = entries(live_server, event="login")
    assert sorted(int(r["id"]) for r in table) == [e.id for e in logins]
    assert {r["event"] for r in table} == {"login"}
    assert [e.outcome for e in entries(live_server, event="audit_export")] == ["ok"]

    staff = live_server.login(live_server.people.managers[0].username)
    for path in ("/hr/audit", "/hr/audit.csv"):
        refused = staff.client.get(path)
        assert refused.status_code == 403
        assert refused.json() == {"detail": HR_AUDIT_ONLY, "code": "hr_only"}
    refusals = entries(live_server, user_id=staff.user["id"], outcome="refused:role")
    assert sorted(r.event for r in refusals) == ["audit_export", "audit_view"]


def test_a_cursor_the_server_never_gave_is_refused_plainly(live_server):
    hr = hr_of(live_server)
    bad = hr.client.get("/hr/audit", params={"cursor": "2026-13-45T00:00:00_12"})
    assert bad.status_code == 422 and bad.json()["code"] == "bad_cursor"
    assert hr.client.get("/hr/audit", params={"cursor": "drop table"}).status_code == 422


def test_a_date_filter_takes_a_calendar_day_only(live_server):
    """?date_to=0 was read as a Unix time (the API fuzzer's find): only YYYY-MM-DD, and a
    day that exists, are taken; the rest are refused with a plain reason."""
    hr = live_server.login(live_server.people.hr[0].username)
    for path in ("/hr/audit", "/hr/audit.csv"):
        for bad in ("0", "20260101", "2026-02-30"):
            reply = hr.client.get(path, params={"date_to": bad})
            assert reply.status_code == 422, (path, bad, reply.text)
        assert "2026-02-30 is not a day" in reply.json()["detail"]
        assert hr.client.get(path, params={"date_from": "2026-01-01"}).status_code == 200
