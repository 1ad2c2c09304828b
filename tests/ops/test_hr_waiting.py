"""What HR's screens ask of the core beyond the command line: how many entries the next
export would hold per kind and template version (exactly what it then writes, nothing
written by counting), intake filtered by person, and the wording of a return."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from lcc_apr.hr.register import Cancelled, take_accepted
from lcc_apr.models import HrRegisterEntry, Record, RecordKind
from lcc_apr.ops.hr_export import export_to_hr, waiting_for_export
from lcc_apr.ops.intake import HrOnly, accept, intake_page, return_wording
from lcc_apr.workflow.definitions import RETURN_PROMPT
from tests.hr_records import AT, CATALOGUE, HR_USERNAME, MANAGER_USERNAME, completed_ids, user

LATER = AT + timedelta(days=1)


def counts(store, hr) -> list[tuple[str, int, int]]:
    found = waiting_for_export(store, user=hr, catalogue=CATALOGUE, at=LATER)
    return [(w.kind.value, w.template_version, w.entries) for w in found]


def register_size(store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count(HrRegisterEntry.id))) or 0


def test_waiting_counts_what_the_next_export_writes_and_writes_nothing(demo, tmp_path):
    hr = user(demo, HR_USERNAME)
    assert counts(demo, hr) == []
    supervisions = completed_ids(demo, hr, 3, RecordKind.SUPERVISION)
    aprs = completed_ids(demo, hr, 2, RecordKind.APR)
    accept(demo, user=hr, record_ids=supervisions + aprs, catalogue=CATALOGUE, at=LATER)
    assert counts(demo, hr) == [("apr", 1, 2), ("supervision", 1, 3)]
    assert register_size(demo) == 0  # counting took nothing in
    words = waiting_for_export(demo, user=hr, catalogue=CATALOGUE, at=LATER)[0].words()
    assert words == "Annual Performance Review, version 1: 2"

    with demo.session() as s:  # taken in by an export that then stopped: counted once
        assert take_accepted(s, at=LATER) == 5
    assert counts(demo, hr) == [("apr", 1, 2), ("supervision", 1, 3)]

    out = tmp_path / "out"
    out.mkdir()
    done = export_to_hr(demo, user=hr, folder=out, fmt="csv", catalogue=CATALOGUE, at=LATER)
    assert done is not None and done.entries == 5
    assert counts(demo, hr) == []
    with demo.session() as s:  # a sync gave them server revisions: nothing new to export
        s.execute(update(Record).where(Record.id.in_(supervisions)).values(server_rev=999))
    assert counts(demo, hr) == []


def test_counting_can_be_cancelled_and_is_hr_only(demo):
    hr = user(demo, HR_USERNAME)
    accept(
        demo,
        user=hr,
        record_ids=completed_ids(demo, hr, 2, RecordKind.SUPERVISION),
        catalogue=CATALOGUE,
        at=LATER,
    )
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        waiting_for_export(demo, user=hr, catalogue=CATALOGUE, at=LATER, cancel=stop)
    with pytest.raises(HrOnly):
        waiting_for_export(demo, user=user(demo, MANAGER_USERNAME), catalogue=CATALOGUE, at=LATER)


def test_intake_finds_a_person_and_says_to_whom_a_return_goes(demo):
    hr = user(demo, HR_USERNAME)
    everyone = intake_page(demo, user=hr, catalogue=CATALOGUE, limit=100_000)
    row = everyone.rows[0]
    found = intake_page(demo, user=hr, catalogue=CATALOGUE, person=row.payroll_number)
    assert 0 < found.total < everyone.total
    assert {r.payroll_number for r in found.rows} == {row.payroll_number}
    surname = row.person.split()[-1]
    by_name = intake_page(demo, user=hr, catalogue=CATALOGUE, person=surname, limit=100_000)
    assert row.record_id in {r.record_id for r in by_name.rows}
    assert intake_page(demo, user=hr, catalogue=CATALOGUE, person="zzzz nobody").total == 0

    assert row.record_kind is not None and row.manager != "the manager"
    title, prompt = return_wording(row)
    assert title == f"Return to {row.manager} with a note" and prompt == RETURN_PROMPT
