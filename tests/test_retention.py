# ruff: noqa: F811 - the server fixtures are imported by name
"""Retention: the rules, the due list on hand-made records (each trigger), legal holds,
refusals, confirmed purges reaching two synced laptops, and the checks after.

Server tests run on the demo server (tests/server/conftest.py): SQLite, and PostgreSQL
when LCC_APR_TEST_PG_URL is set.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from lcc_apr.cli import main as client_main
from lcc_apr.history import create_record, verify_history
from lcc_apr.models import (
    Conflict,
    Employee,
    Record,
    RecordChange,
    RecordKind,
    SignOff,
    SignOffDecision,
    SignOffRole,
)
from lcc_apr.retention import (
    Facts,
    RetentionError,
    Rule,
    due,
    load_rules,
    refusal,
    rules_path,
    trigger_date,
)
from lcc_apr.server import retention, sequence
from lcc_apr.server.cli import EXIT_OK, EXIT_PROBLEM, main
from lcc_apr.server.tables import AuditEntry, LegalHold, RetentionDue, RetentionTombstone
from tests.server.conftest import (  # noqa: F401 - fixtures, found by name
    live_server,
    live_server_factory,
    server_template,
    server_workspace,
    shared_uvicorn,
)
from tests.server.harness import AS_OF, LiveServer
from tests.server.test_client_sync import device  # noqa: F401 - a fixture

MONTHS = {"improvement_note_expiry_months": 6, "final_warning_expiry_months": 12}
DOCS = Path(__file__).resolve().parents[1] / "docs" / "retention.md"


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def facts(kind: RecordKind, status: str, changed: str, **more: Any) -> Facts:
    values: dict[str, Any] = {
        "record_id": "r1",
        "kind": kind,
        "subject_id": 7,
        "status": status,
        "deleted": False,
        "last_changed": date.fromisoformat(changed),
        "leaving_date": None,
        "signed": True,
        "answers": {},
    }
    return Facts(**{**values, **more})


# -- the rules and the arithmetic (no database) ---------------------------------------


def test_the_shipped_rules_cover_every_kind_and_say_they_are_product_defaults():
    rules = load_rules()
    assert set(rules) == set(RecordKind)
    text = rules_path().read_text()
    assert "PRODUCT DEFAULT" in text and "HR CONFIGURATION" in text
    docs = DOCS.read_text()
    for kind, rule in rules.items():
        assert f"`{kind.value}`" in docs and rule.trigger in docs
    assert "product default" in docs.lower() and "HR must confirm" in docs


@pytest.mark.parametrize(
    "text, words",
    [
        ('[apr]\ntrigger = "record_completed"\nkeep_years = 6\n', "supervision: missing"),
        ('[apr]\ntrigger = "whenever"\nkeep_years = 6\n', "apr.trigger: must be one of"),
        ('[apr]\ntrigger = "case_closed"\nkeep_years = 6\n', "for capability cases only"),
        ('[apr]\ntrigger = "person_left"\nkeep_years = "six"\n', "apr.keep_years: must be"),
        ('[apr]\ntrigger = "person_left"\nkeep_years = 6\nkeep = 1\n', "apr.keep: unknown"),
        ("[meetings]\n", "meetings: not a record kind"),
        ("[apr\n", "cannot be read"),
    ],
)
def test_a_bad_rules_file_is_refused_naming_the_problem(tmp_path, text, words):
    path = tmp_path / "retention.toml"
    path.write_text(text)
    with pytest.raises(RetentionError, match=words):
        load_rules(path)


def test_each_trigger_starts_the_clock_where_it_should():
    completed = Rule(RecordKind.SUPERVISION, "record_completed", 6)
    assert trigger_date(completed, facts(completed.kind, "completed", "2018-05-01"), MONTHS) == (
        date(2018, 5, 1)
    )
    assert trigger_date(completed, facts(completed.kind, "shared", "2018-05-01"), MONTHS) is None
    left = Rule(RecordKind.PROBATION, "person_left", 6)
    gone = facts(left.kind, "shared", "2015-01-01", leaving_date=date(2019, 1, 31))
    assert trigger_date(left, gone, MONTHS) == date(2019, 1, 31)
    assert trigger_date(left, dataclasses.replace(gone, leaving_date=None), MONTHS) is None
    warning = Rule(RecordKind.CAPABILITY, "warning_expired", 6)
    case = facts(
        warning.kind,
        "closed_improved",
        "2016-09-01",
        answers={"final_warning_outcome_date": "2016-03-01"},
    )
    assert trigger_date(warning, case, MONTHS) == date(2017, 3, 1)  # 12 months from given
    spelt = dataclasses.replace(
        case, answers={**case.answers, "final_warning_expiry_date": "2020-06-01"}
    )
    assert trigger_date(warning, spelt, MONTHS) == date(2020, 6, 1)
    no_warning = dataclasses.replace(case, answers={})
    assert trigger_date(warning, no_warning, MONTHS) == date(2016, 9, 1)  # the closure
    assert trigger_date(warning, dataclasses.replace(case, status="final_warning"), MONTHS) is None
    closed = Rule(RecordKind.CAPABILITY, "case_closed", 6)
    assert trigger_date(closed, case, MONTHS) == date(2016, 9, 1)
    rules = {k: Rule(k, "record_completed", 6) for k in RecordKind}
    listed = due(rules, [facts(RecordKind.APR, "completed", "2019-11-30")], {}, {}, MONTHS, AS_OF)
    assert [(d.due_on, d.blocked) for d in listed] == [(date(2025, 11, 30), None)]
    assert due(rules, [facts(RecordKind.APR, "completed", "2019-12-01")], {}, {}, {}, AS_OF) == []


def test_refusals_are_plain_words():
    apr = facts(RecordKind.APR, "completed", "2015-01-01")
    assert refusal(apr, []) is None
    assert "legal hold" in (refusal(apr, ["tribunal"]) or "")
    assert "Employment tribunal" in (refusal(apr, ["tribunal"]) or "")
    assert "not been signed" in (refusal(dataclasses.replace(apr, signed=False), []) or "")
    assert "not been signed" in (refusal(dataclasses.replace(apr, status="shared"), []) or "")
    case = facts(RecordKind.CAPABILITY, "final_warning", "2015-01-01")
    assert "still open" in (refusal(case, []) or "")
    assert refusal(dataclasses.replace(case, status="closed_hearing"), []) is None


# -- the server ---------------------------------------------------------------------


def make(
    server: LiveServer,
    kind: RecordKind,
    subject_id: int,
    status: str,
    when: str,
    *,
    answers: dict[str, Any] | None = None,
    signed_by: int | None = None,
) -> str:
    """A record on the server as if made and finished on `when`, numbered in the feed."""
    with server.session() as s:
        like = s.scalars(select(Record).where(Record.kind == kind).limit(1)).one()
        record = create_record(
            s,
            kind=kind,
            subject_id=subject_id,
            author_id=None,
            template_id=like.template_id,
            template_version=like.template_version,
            answers=answers if answers is not None else dict(like.answers),
            status=status,
            record_date=date.fromisoformat(when),
            at=at(when),
        )
        record.server_rev, record.dirty = sequence.lock(s).next(), False
        if signed_by is not None:
            s.add(
                SignOff(
                    record_id=record.id,
                    user_id=signed_by,
                    role=SignOffRole.MANAGER,
                    decision=SignOffDecision.CONFIRM,
                    signed_at=at(when),
                    content_hash="0" * 64,
                )
            )
        return record.id


def staff(server: LiveServer, count: int) -> list[int]:
    ids = [u.employee_id for u in server.people.employees if u.employee_id is not None]
    assert len(ids) >= count
    return ids[:count]


def listing(server: LiveServer, rules=None) -> dict[str, retention.Due]:
    with server.session() as s:
        return {d.record_id: d for d in retention.list_due(s, AS_OF, rules=rules)}


def test_the_due_list_follows_each_trigger_on_hand_made_records(live_server):
    a, b, c, d = staff(live_server, 4)
    hr = live_server.people.hr[0]
    with live_server.session() as s:
        s.execute(update(Employee).where(Employee.id == c).values(leaving_date=date(2019, 1, 31)))
    old_apr = make(live_server, RecordKind.APR, a, "completed", "2018-05-01", signed_by=hr.id)
    new_apr = make(live_server, RecordKind.APR, a, "completed", "2021-05-01", signed_by=hr.id)
    old_sup = make(live_server, RecordKind.SUPERVISION, b, "completed", "2018-05-01")
    left = make(live_server, RecordKind.PROBATION, c, "completed", "2018-12-01")
    staying = make(live_server, RecordKind.PROBATION, d, "completed", "2018-12-01")
    warned = {"final_warning_outcome_date": "2016-03-01"}
    spent = make(
        live_server, RecordKind.CAPABILITY, d, "closed_improved", "2016-09-01", answers=warned
    )
    late = {**warned, "final_warning_expiry_date": "2020-06-01"}
    live = make(live_server, RecordKind.CAPABILITY, d, "closed_hearing", "2019-12-01", answers=late)
    mine = {old_apr, new_apr, old_sup, left, staying, spent, live}

    found = listing(live_server)
    assert {r for r in found if r in mine} == {old_apr, old_sup, left, spent}
    assert found[old_apr].due_on == date(2024, 5, 1) and found[old_apr].blocked is None
    assert found[left].trigger_on == date(2019, 1, 31) and found[left].due_on == date(2025, 1, 31)
    assert found[spent].trigger_on == date(2017, 3, 1)  # the final warning expired
    assert found[spent].rule == "capability: 6 years after warning expired"

    rules = {**load_rules(), RecordKind.CAPABILITY: Rule(RecordKind.CAPABILITY, "case_closed", 6)}
    found = listing(live_server, rules)
    assert found[spent].trigger_on == date(2016, 9, 1) and live not in found
    with live_server.session() as s:
        listed = s.scalars(select(AuditEntry).where(AuditEntry.event == "retention_due")).all()
    assert len(listed) == 2 and all(e.outcome.startswith("listed:") for e in listed)


def test_refusals_an_open_case_an_unsigned_apr_and_what_is_not_listed(live_server):
    (a,) = staff(live_server, 1)
    with live_server.session() as s:
        s.execute(update(Employee).where(Employee.id == a).values(leaving_date=date(2018, 1, 31)))
    rules = {k: Rule(k, "person_left", 6) for k in RecordKind}
    open_case = make(live_server, RecordKind.CAPABILITY, a, "final_warning", "2017-06-01")
    unsigned = make(live_server, RecordKind.APR, a, "shared", "2017-06-01")
    fine = make(live_server, RecordKind.SUPERVISION, a, "completed", "2017-06-01")
    found = listing(live_server, rules)
    assert "still open" in (found[open_case].blocked or "")
    assert "not been signed" in (found[unsigned].blocked or "")
    assert found[fine].blocked is None
    hr = live_server.people.hr[0]
    never = make(live_server, RecordKind.SUPERVISION, a, "completed", "2024-06-01")
    with live_server.session() as s:
        outcomes = retention.confirm(
            s, [open_case, unsigned, never, fine], hr.id, AS_OF, rules=rules
        )
    said = {o.record_id: (o.purged, o.reason) for o in outcomes}
    assert said[fine] == (True, "")
    assert "still open" in said[open_case][1] and not said[open_case][0]
    assert "not been signed" in said[unsigned][1] and not said[unsigned][0]
    assert "not on the due list" in said[never][1]
    with live_server.session() as s:
        assert {r.id for r in s.scalars(select(Record).where(Record.subject_id == a))} >= {
            open_case,
            unsigned,
            never,
        }
        assert s.get(Record, fine) is None
        outcomes_audited = sorted(
            s.scalars(select(AuditEntry.outcome).where(AuditEntry.event == "retention_purge"))
        )
    assert outcomes_audited == sorted(
        ["purged", "refused:open", "refused:unsigned", "refused:not_due"]
    )


def test_a_legal_hold_on_a_person_or_a_record_stops_the_purge_until_released(live_server):
    a, b = staff(live_server, 2)
    hr = live_server.people.hr[0]
    first = make(live_server, RecordKind.SUPERVISION, a, "completed", "2017-06-01")
    second = make(live_server, RecordKind.SUPERVISION, b, "completed", "2017-06-01")
    listing(live_server)
    with live_server.session() as s:
        on_person = retention.place_hold(s, hr.id, "tribunal", employee_id=a).id
        on_record = retention.place_hold(s, hr.id, "grievance", record_id=second).id
        with pytest.raises(retention.HoldError, match="exactly one"):
            retention.place_hold(s, hr.id, "tribunal")
        with pytest.raises(retention.HoldError, match="Unknown hold reason"):
            retention.place_hold(s, hr.id, "because", employee_id=a)
    with live_server.session() as s:
        outcomes = retention.confirm(s, [first, second], hr.id, AS_OF)
    assert [o.purged for o in outcomes] == [False, False]
    assert "Employment tribunal" in outcomes[0].reason and "Grievance" in outcomes[1].reason
    with live_server.session() as s:
        retention.release_hold(s, on_person, hr.id)
        outcomes = retention.confirm(s, [first, second], hr.id, AS_OF)
    assert [o.purged for o in outcomes] == [True, False]
    with live_server.session() as s:
        retention.release_hold(s, on_record, hr.id)
        with pytest.raises(retention.HoldError, match="no legal hold"):
            retention.release_hold(s, on_record, hr.id)
        assert [o.purged for o in retention.confirm(s, [second], hr.id, AS_OF)] == [True]
        holds = s.scalars(select(LegalHold).order_by(LegalHold.id)).all()
        assert [(h.reason, h.released_by) for h in holds] == [
            ("tribunal", hr.id),
            ("grievance", hr.id),
        ]
        audited = s.scalars(
            select(AuditEntry.outcome).where(AuditEntry.event == "legal_hold")
        ).all()
    assert sorted(audited) == ["placed", "placed", "released", "released"]


def test_a_confirmed_purge_reaches_two_synced_laptops_and_every_check_passes(
    live_server, device, monkeypatch, capsys
):
    manager = live_server.people.managers[0]
    report = live_server.people.reports(manager)[0]
    hr = live_server.people.hr[0]
    gone = make(live_server, RecordKind.SUPERVISION, report.employee_id, "completed", "2015-06-01")
    kept = make(live_server, RecordKind.SUPERVISION, report.employee_id, "completed", "2024-06-01")
    office, laptop = device(hr.username, name="hr"), device(manager.username, name="manager")
    for machine in (office, laptop):
        machine.sync()
        assert {gone, kept} <= set(machine.records())
    with laptop.store.session() as s:  # work on it not yet sent: it goes all the same
        key = next(iter(s.get(Record, gone).answers))
    laptop.edit(gone, **{key: "changed offline"})

    signed_in = live_server.login(hr.username)
    reply = signed_in.client.post("/hr/retention/due")
    assert reply.status_code == 200, reply.text
    listed = {d["record_id"]: d for d in reply.json()["due"]}
    assert gone in listed and kept not in listed and listed[gone]["blocked"] is None
    assert listed[gone]["subject_name"]  # HR sees whom it is about
    reply = signed_in.client.post("/hr/retention/confirm", json={"record_ids": [gone]})
    assert reply.json() == {"outcomes": [{"record_id": gone, "purged": True, "reason": ""}]}

    for machine in (laptop, office):
        machine.sync()
        assert gone not in machine.records() and kept in machine.records()
        with machine.store.session() as s:
            assert s.scalar(select(func.count()).where(RecordChange.record_id == gone)) == 0
            assert s.get(Conflict, gone) is None
            problems = [p for r in s.scalars(select(Record)) for p in verify_history(s, r)]
            assert problems == []
        # `lcc-apr check` itself on this laptop's store (its keyring handed in)
        monkeypatch.setattr("lcc_apr.store.keys.secure_keyring", lambda ring=machine.ring: ring)
        path = machine.store.engine.url.database
        capsys.readouterr()
        assert client_main(["--store", str(path), "check"]) == EXIT_OK
        assert " 0 problem(s)" in capsys.readouterr().out
    with live_server.session() as s:
        assert s.get(Record, gone) is None  # the unsent edit did not bring it back
        stone = s.get(RetentionTombstone, gone)
        assert stone is not None and stone.confirmed_by == hr.id and stone.kind == "supervision"
        assert stone.due_on == date(2021, 6, 1) and not hasattr(stone, "subject_id")
        checked, problems = retention.check(s)
        assert problems == [] and checked > 0
        audit = s.execute(
            select(AuditEntry.user_id, AuditEntry.route, AuditEntry.outcome).where(
                AuditEntry.event == "retention_purge"
            )
        ).all()
        refused_push = s.scalar(
            select(func.count()).where(
                AuditEntry.event == "push", AuditEntry.outcome == "refused:purged"
            )
        )
    assert audit == [(hr.id, "/hr/retention/confirm", "purged")]
    assert refused_push == 1


def test_the_routes_are_hr_only_and_holds_show_in_the_review(live_server):
    employee = live_server.people.employees[0]
    hr = live_server.people.hr[0]
    refused = live_server.login(employee.username).client.get("/hr/retention")
    assert refused.status_code == 403 and refused.json()["code"] == "hr_only"
    client = live_server.login(hr.username).client
    reply = client.post(
        "/hr/retention/hold", json={"employee_id": employee.employee_id, "reason": "grievance"}
    )
    assert reply.status_code == 200, reply.text
    (hold,) = reply.json()["holds"]
    assert hold["reason_text"] == "Grievance" and hold["subject_name"]
    bad = client.post("/hr/retention/hold", json={"reason": "grievance"})
    assert bad.status_code == 422 and "exactly one" in bad.json()["detail"]
    assert client.post("/hr/retention/release", json={"hold_id": hold["id"]}).json()["holds"] == []
    assert client.post("/hr/retention/release", json={"hold_id": hold["id"]}).status_code == 404
    assert client.get("/hr/retention").status_code == 200


def test_the_commands_list_hold_confirm_and_check(live_server, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LCC_APR_HOME", str(tmp_path))
    monkeypatch.setenv("LCC_APR_SERVER_DATABASE_URL", live_server.settings.database_url)
    (a,) = staff(live_server, 1)
    hr = live_server.people.hr[0]
    record = make(live_server, RecordKind.SUPERVISION, a, "completed", "2016-06-01")
    assert main(["retention", "due", "--as-of", AS_OF.isoformat()]) == EXIT_OK
    out = capsys.readouterr().out
    assert record in out and "may be purged" in out
    hold = ["retention", "hold", "--by", hr.username, "--employee", str(a), "--reason", "tribunal"]
    assert main(hold) == EXIT_OK
    confirm = ["retention", "confirm", "--by", hr.username, record, "--yes"]
    assert main([*confirm, "--as-of", AS_OF.isoformat()]) == EXIT_PROBLEM
    assert "KEPT: A legal hold" in capsys.readouterr().out
    assert main(["retention", "holds"]) == EXIT_OK
    hold_id = capsys.readouterr().out.split()[0]
    assert main(["retention", "release", "--by", hr.username, hold_id]) == EXIT_OK
    not_hr = live_server.people.employees[0].username
    assert main(["retention", "confirm", "--by", not_hr, record, "--yes"]) == EXIT_PROBLEM
    assert "not an HR user" in capsys.readouterr().err
    assert main([*confirm, "--as-of", AS_OF.isoformat()]) == EXIT_OK
    assert "Purged 1 of 1" in capsys.readouterr().out
    assert main(["check"]) == EXIT_OK
    assert "0 problem(s)" in capsys.readouterr().out
    with live_server.session() as s:  # a record changed behind its history is named
        s.execute(update(Record).where(Record.id == kept_id(s)).values(status="tampered"))
    assert main(["check"]) == EXIT_PROBLEM
    assert "differs from what its history describes" in capsys.readouterr().out
    with live_server.session() as s:  # a tombstone with rows left is named
        stone = update(RetentionTombstone).where(RetentionTombstone.record_id == record)
        s.execute(stone.values(record_id=kept_id(s)))
    assert main(["check"]) == EXIT_PROBLEM
    assert "purged, but rows of it are left" in capsys.readouterr().out


def kept_id(session) -> str:
    return session.scalars(select(Record.id).limit(1)).one()


def test_the_serve_process_lists_what_is_due_daily_and_purges_nothing(live_server):
    import asyncio

    (a,) = staff(live_server, 1)
    record = make(live_server, RecordKind.SUPERVISION, a, "completed", "2015-06-01")

    def listed() -> bool:
        with live_server.session() as s:
            return s.get(RetentionDue, record) is not None

    async def run() -> None:
        job = asyncio.create_task(retention.daily(live_server.engine, first_wait=0, every=3600))
        for _ in range(600):  # until the first listing is written (or the job failed)
            if listed() or job.done():
                break
            await asyncio.sleep(0.05)
        job.cancel()

    asyncio.run(run())
    assert listed()
    assert len(live_server.records(id=record)) == 1
    with live_server.session() as s:
        routes = s.scalars(select(AuditEntry.route).where(AuditEntry.event == "retention_due"))
        assert list(routes) == ["daily"]


def test_a_purge_rewrites_the_push_replies_kept_for_retries(live_server):
    """A reply kept for a retried push that quoted a purged record (a conflict sends the
    server's copy back) is rewritten to the refusal a push of it now gets; the other
    results in it stay as they were."""
    import orjson

    from lcc_apr.server.tables import IdempotentReply

    (a,) = staff(live_server, 1)
    hr = live_server.people.hr[0]
    gone = make(live_server, RecordKind.SUPERVISION, a, "completed", "2015-06-01")
    kept = make(live_server, RecordKind.SUPERVISION, a, "completed", "2024-06-01")
    theirs = {"id": kept, "outcome": "accepted", "server_rev": 7}
    quoted = {"id": gone, "outcome": "conflict", "server_rev": 3, "record": {"answers": "Zoë"}}
    with live_server.session() as s:
        s.add(
            IdempotentReply(
                user_id=hr.id,
                key="k" * 32,
                body_hash="0" * 64,
                reply=orjson.dumps({"results": [quoted, theirs]}),
                created_at=at("2026-11-01"),
            )
        )
    listing(live_server)
    with live_server.session() as s:
        (outcome,) = retention.confirm(s, [gone], hr.id, AS_OF)
        assert outcome.purged
    with live_server.session() as s:
        reply = orjson.loads(s.get(IdempotentReply, (hr.id, "k" * 32)).reply)
    assert reply["results"][1] == theirs
    assert reply["results"][0]["outcome"] == "refused" and "Zoë" not in str(reply)
    assert "retention rules" in reply["results"][0]["reason"]
