"""APR records written on form version 1 stay version 1 now that version 2 is current:
opened, saved and pulled from the server, their stored answers are the same bytes; they
still validate against version 1 and print as version 1. New APRs are version 2."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from lcc_apr.editing import EditSession
from lcc_apr.evidence import answers_json
from lcc_apr.forms import Catalogue, validate
from lcc_apr.history import create_record
from lcc_apr.models import Record, RecordKind, Role
from lcc_apr.models.answers import json_of
from lcc_apr.new_records import start_record
from lcc_apr.pdf.document import record_document
from lcc_apr.pdf.render import render_record
from lcc_apr.policy import load_policy
from lcc_apr.signing.content import content_hash
from lcc_apr.sync.apply import take_records
from lcc_apr.sync.protocol import RecordWire, to_wire
from lcc_apr.workflow import Actor
from tests.test_pdf_render import flat, pdf_text

CATALOGUE = Catalogue.load()
AT = datetime(2026, 12, 1, 9, tzinfo=UTC)


def stored(store, record_id: str) -> bytes:
    """The answers exactly as the store holds them (packed bytes)."""
    with store.session() as s:
        found = s.connection().exec_driver_sql(
            "SELECT answers FROM records WHERE id = ?", (record_id,)
        )
        return bytes(found.scalar_one())


def manager_of(store, record_id: str) -> Actor:
    with store.session() as s:
        record = s.get(Record, record_id)
        boss = record.subject.line_manager_id
    return Actor(boss, frozenset({Role.MANAGER, Role.EMPLOYEE}), is_line_manager=True)


def v1_apr(store, status: str = "completed") -> str:
    with store.session() as s:
        return s.scalars(
            select(Record.id)
            .where(
                Record.kind == RecordKind.APR,
                Record.template_version == 1,
                Record.status == status,
                Record.subject.has(),
            )
            .order_by(Record.record_date.desc(), Record.id)
            .limit(1)
        ).one()


def test_a_v1_apr_from_the_demo_round_trips_byte_for_byte(demo_store_copy, tmp_path):
    store = demo_store_copy
    record_id = v1_apr(store)
    before = stored(store, record_id)
    with store.session() as s:
        record = s.get(Record, record_id)
        hash_before = content_hash(record)
        assert record.template_version == 1 and record.status == "completed"
    # Opened and saved in the editor (a locked review: nothing to write).
    session = EditSession(store, record_id, actor=manager_of(store, record_id), catalogue=CATALOGUE)
    assert session.template.version == 1
    assert session.save(AT).written == ()
    assert stored(store, record_id) == before
    # A newer server revision of the same record pulled by sync replaces the copy.
    with store.session() as s:
        record = s.get(Record, record_id)
        wire = RecordWire.model_validate(
            {**to_wire(record), "server_rev": (record.server_rev or 0) + 1}
        )
        assert take_records(s, [wire], catalogue=CATALOGUE, at=AT) == (1, 0)
        s.commit()
    after = stored(store, record_id)
    assert after == before and json_of(after) == json_of(before)
    with store.session() as s:
        record = s.get(Record, record_id)
        assert record.server_rev == wire.server_rev and record.template_version == 1
        assert content_hash(record) == hash_before
        assert json_of(after) == answers_json(record.answers)
        # Still valid against version 1, at every step it went through ...
        template = CATALOGUE.get("apr", 1)
        for step in ("share", "respond", "employee_sign", "manager_sign"):
            assert (
                validate(
                    template, record.answers, reference=record.record_date, strict=True, step=step
                )
                == []
            )
        # ... and printed as version 1: no header details from version 2.
        pdf = render_record(record_document(s, record_id, CATALOGUE))
    text = flat(pdf_text(pdf, tmp_path))
    assert "Annual Performance Review form, version 1" in text
    assert "Period covered" in text and "Date in post" not in text  # v1's typed period


def test_a_v1_draft_edited_and_put_back_is_the_same_bytes(demo_store_copy):
    """An APR started before version 2 keeps version 1 while it is worked on."""
    store = demo_store_copy
    source = v1_apr(store)
    with store.session() as s:
        old = s.get(Record, source)
        draft = create_record(
            s,
            kind=RecordKind.APR,
            subject_id=old.subject_id,
            author_id=old.subject.line_manager_id,
            template_id="apr",
            template_version=1,
            answers=dict(old.answers),
            status="draft",
            record_date=old.record_date,
            at=AT,
        )
        s.commit()
        record_id = draft.id
    before = stored(store, record_id)
    session = EditSession(store, record_id, actor=manager_of(store, record_id), catalogue=CATALOGUE)
    assert [o.name for o in session.steps()] == ["share"]  # no preparation on version 1
    original = session.value("manager_comments")
    session.set("manager_comments", "A different summary")
    session.save(AT)
    assert stored(store, record_id) != before
    session.set("manager_comments", original)
    session.save(AT + timedelta(minutes=1))
    assert stored(store, record_id) == before


def test_new_aprs_are_written_with_version_2(demo_store_copy):
    store = demo_store_copy
    source = v1_apr(store)
    with store.session() as s:
        subject = s.get(Record, source).subject
        actor = Actor(subject.line_manager_id, frozenset({Role.MANAGER}), is_line_manager=True)
        record = start_record(
            s,
            kind=RecordKind.APR,
            subject_id=subject.id,
            actor=actor,
            catalogue=CATALOGUE,
            policy=load_policy(),
            today=date(2027, 4, 12),
            at=AT,
        )
        assert (record.template_id, record.template_version) == ("apr", 2)
        # Last year's objectives carry over to be reviewed, as in version 1.
        assert record.answers["meeting_date"] == "2027-04-12"
