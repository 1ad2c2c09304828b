"""POST /sync/push: each record refused, in conflict, or applied; a batch once per key.

The whole batch is one transaction that takes the sequence lock first, so
batches are applied one after another: a record read here is the latest
committed version, and the revisions handed out are never seen out of order.
The reply is stored under (user, key) in the same transaction, with the hash of
the records pushed: the same key with the same records gets those bytes back and
changes nothing; with other records it is refused (422 `key_reused`), nothing
applied and nothing replayed. Server clocks order nothing: `at` is written in the
history for people to read.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from lcc_apr.forms import Template
from lcc_apr.history import create_record, delete_record, update_record
from lcc_apr.models import Employee, Record, now_utc
from lcc_apr.sync.protocol import KEY_REUSED, PushBody, RecordEventWire, RecordWire, to_wire
from lcc_apr.workflow import (
    WORKFLOWS,
    Transition,
    WorkflowError,
    apply_step,
    check_delete,
    check_restore,
    check_start,
    editing_roles,
    ever_shared,
    state_before_amendment,
    waiting_note,
)

from . import audit, content, rules, sequence, signoffs
from .auth import Principal
from .context import ServerContext
from .errors import ApiError
from .rules import Draft, PushRefused, refused_as
from .scope import Viewer, reload_viewer
from .tables import IdempotentReply, RetentionTombstone

OUT_OF_SCOPE = "This record is not one you may see or change."
CONFLICT = "The record changed on the server after your copy was made: merge and push again."
PURGED = (
    "This record was removed under the council's retention rules, as HR confirmed: "
    "it cannot be sent again."
)
KEY_TAKEN = (
    "This push's key was already used for other changes: nothing was applied. "
    "Send the changes again under a new key."
)


class Batch:
    """One push being applied: the lock, the clock and the user."""

    def __init__(self, ctx: ServerContext, session: Session, viewer: Viewer, route: str) -> None:
        self.ctx, self.session, self.route = ctx, session, route
        self.now = now_utc()
        self.seq = sequence.lock(session)
        self.viewer = reload_viewer(session, viewer, ctx.settings.indirect_reports)

    def apply(self, wire: RecordWire) -> dict[str, Any]:
        try:
            record = self.session.get(Record, wire.id)
            if record is None:
                if self.session.get(RetentionTombstone, wire.id) is not None:
                    raise PushRefused("purged", PURGED)
                return self.create(wire)
            return self.change(record, wire)
        except PushRefused as refusal:
            known = self.session.get(Record, wire.id)
            audit.add(
                self.session,
                self.viewer.user_id,
                "push",
                self.route,
                f"refused:{refusal.category}",
                record_id=wire.id,
                subject_id=known.subject_id if known else None,
            )
            visible = refusal.category != "scope"
            current = known if visible else None
            reply: dict[str, Any] = {
                "id": wire.id,
                "outcome": "refused",
                "server_rev": current.server_rev if current else None,
                "reason": refusal.reason,
            }
            if current is not None:  # lets the person go back to the server's version
                reply["record"] = to_wire(current, sign_offs=current.sign_offs)
            return reply

    def template(self, wire: RecordWire) -> Template:
        try:
            template = self.ctx.catalogue.get(wire.template_id, wire.template_version)
        except KeyError:
            raise PushRefused(
                "template",
                f"This server does not know form {wire.template_id!r} version "
                f"{wire.template_version}.",
            ) from None
        if template.kind is not wire.kind:
            raise PushRefused(
                "template", f"Form {template.id!r} is not for {wire.kind.value} records."
            )
        return template

    def create(self, wire: RecordWire) -> dict[str, Any]:
        # A record the server has never seen is new, whatever base_rev says (after a
        # restore from backup a client may hold records the server lost).
        viewer = self.viewer
        # Someone else's records out of sight, or nobody's: one answer (ids stay unknown).
        others = wire.subject_id != viewer.employee_id
        if (others and not viewer.can_see(wire.kind, wire.subject_id, wire.status)) or (
            self.session.get(Employee, wire.subject_id) is None
        ):
            raise PushRefused("scope", OUT_OF_SCOPE)
        actor = viewer.actor(wire.subject_id)
        try:
            check_start(actor=actor)
        except WorkflowError as err:
            scope = "create" if viewer.can_see(wire.kind, wire.subject_id, wire.status) else "scope"
            raise PushRefused(scope, str(err)) from None
        template = self.template(wire)
        if wire.deleted:
            raise PushRefused("delete", "A record the server never had cannot be deleted.")
        day = _day(wire.record_date)
        initial = WORKFLOWS[wire.kind].initial
        answers = _answers(wire)
        steps: list[tuple[Transition, str]] = []
        if wire.status != initial:
            draft = Draft(wire.kind, initial, answers, day)
            steps = rules.step_path(draft, wire.status, actor, template, previous=None)
            rules.check_reason(steps, wire.step_reason)
        locked = rules.is_locked_state(wire.kind, initial) and rules.is_locked_state(
            wire.kind, wire.status
        )
        rules.check_answers(
            template,
            {},
            answers,
            roles=editing_roles(wire.kind, [initial, *(t for _s, t in steps)], actor.parties()),
            statuses=[initial, *(t for _s, t in steps)],
            locked=locked,
            reference=day or self.now.date(),
        )
        fresh = self.new_sign_offs(wire, actor, template, day, answers, steps)
        record = create_record(
            self.session,
            kind=wire.kind,
            subject_id=wire.subject_id,
            author_id=viewer.user_id,
            template_id=template.id,
            template_version=template.version,
            answers=answers,
            status=initial,
            record_date=day,
            at=self.now,
            record_id=wire.id,
        )
        self.session.flush()
        for step, target in steps:
            self.take(record, step, target, wire.step_reason)
        signoffs.store_sign_offs(self.session, record, fresh, user_id=viewer.user_id, at=self.now)
        self.audit_sign_offs(record, fresh)
        return self.applied(record, "created")

    def new_sign_offs(
        self,
        wire: RecordWire,
        actor: Any,
        template: Template,
        day: date | None,
        answers: dict[str, Any],
        steps: list[tuple[Transition, str]],
    ) -> list[signoffs.NewSignOff]:
        content = signoffs.content_of(wire.id, wire.kind, wire.subject_id, template, day, answers)
        return signoffs.new_sign_offs(
            self.ctx,
            self.session,
            user_id=self.viewer.user_id,
            actor=actor,
            record_id=wire.id,
            content=content,
            template=template,
            pushed=wire.sign_offs,
            steps=steps,
            final_status=wire.status,
            now=self.now,
        )

    def change(self, record: Record, wire: RecordWire) -> dict[str, Any]:
        viewer = self.viewer
        if not viewer.can_see(record.kind, record.subject_id, record.status):
            raise PushRefused("scope", OUT_OF_SCOPE)
        if wire.base_rev != record.server_rev:
            return {
                "id": record.id,
                "outcome": "conflict",
                "server_rev": record.server_rev,
                "record": to_wire(record, sign_offs=record.sign_offs),
                "reason": CONFLICT,
            }
        fixed = ("kind", "subject_id", "template_id", "template_version")
        if any(getattr(wire, name) != getattr(record, name) for name in fixed) or (
            _day(wire.record_date) != record.record_date
        ):
            raise PushRefused("fixed", "A record's kind, person, form and date cannot be changed.")
        template = self.template(wire)
        actor = viewer.actor(record.subject_id)
        if not actor.parties():
            raise PushRefused("read_only", "You may read this record but not change it.")
        restoring = record.deleted and wire.restore and not wire.deleted
        if (record.deleted or wire.deleted) and not restoring:
            return self.deletion(record, wire, actor)
        if restoring:
            with refused_as("restore"):
                check_restore(actor=actor, kind=record.kind, status=record.status)
        answers = _answers(wire)
        steps: list[tuple[Transition, str]] = []
        if wire.status != record.status:
            draft = Draft(record.kind, record.status, answers, record.record_date)
            previous = state_before_amendment(self.session, record_id=record.id)
            steps = rules.step_path(draft, wire.status, actor, template, previous)
            rules.check_reason(steps, wire.step_reason)
        locked = rules.is_locked_state(record.kind, record.status) and rules.is_locked_state(
            record.kind, wire.status
        )
        rules.check_answers(
            template,
            record.answers,
            answers,
            roles=editing_roles(
                record.kind, [record.status, *(t for _s, t in steps)], actor.parties()
            ),
            statuses=[record.status, *(t for _s, t in steps)],
            stage="" if steps else waiting_note(record.kind, record.status, actor.parties()),
            locked=locked,
            reference=record.record_date or self.now.date(),
        )
        changed = _diff(record.answers, answers)
        if changed:
            signoffs.check_signed_answers(self.session, record, answers, steps)
        fresh = self.new_sign_offs(wire, actor, template, record.record_date, answers, steps)
        if not changed and not steps and not restoring and not fresh:
            return {"id": record.id, "outcome": "applied", "server_rev": record.server_rev}
        if restoring:  # every check has passed: nothing is written before this point
            self.restore(record)
        if steps and steps[0][0].voids_signatures:
            self.take(record, *steps[0], wire.step_reason)
            steps = steps[1:]
        if changed:
            update_record(
                self.session, record, user_id=viewer.user_id, at=self.now, answers=changed
            )
        for step, target in steps:
            self.take(record, step, target, wire.step_reason)
        signoffs.store_sign_offs(self.session, record, fresh, user_id=viewer.user_id, at=self.now)
        self.audit_sign_offs(record, fresh)
        return self.applied(record, "changed" if changed or steps else None)

    def deletion(self, record: Record, wire: RecordWire, actor: Any) -> dict[str, Any]:
        if record.deleted:
            if wire.deleted:
                return {"id": record.id, "outcome": "applied", "server_rev": record.server_rev}
            raise PushRefused("deleted", "This record has been deleted.")
        with refused_as("delete"):
            check_delete(
                actor=actor,
                kind=record.kind,
                status=record.status,
                author_id=record.author_id,
                shared=ever_shared(self.session, record=record),
            )
        delete_record(self.session, record, user_id=self.viewer.user_id, at=self.now)
        return self.applied(record, "deleted")

    def restore(self, record: Record) -> None:
        """Bring back a deleted record (its own history entry; the answers follow)."""
        update_record(
            self.session,
            record,
            user_id=self.viewer.user_id,
            at=self.now,
            note={"restored": True},
            restore=True,
        )
        self.audit(record, "push", "restored")

    def take(self, record: Record, step: Transition, target: str, reason: str | None) -> None:
        apply_step(
            self.session,
            record,
            step=step,
            target=target,
            user_id=self.viewer.user_id,
            at=self.now,
            reason=reason,
        )

    def audit(self, record: Record, event: str, outcome: str) -> None:
        """An entry about this record and its subject, in the batch's transaction."""
        audit.add(
            self.session,
            self.viewer.user_id,
            event,
            self.route,
            outcome,
            record_id=record.id,
            subject_id=record.subject_id,
        )

    def audit_sign_offs(self, record: Record, fresh: list[signoffs.NewSignOff]) -> None:
        for item in fresh:
            self.audit(record, "sign_off", f"signed:{item.row['role']}")

    def events(self, events: list[RecordEventWire]) -> None:
        """Records read, printed or exported on the laptop: an audit entry each, about the
        record and its subject, at the laptop's time (never later than now). Ids this
        server does not hold are skipped."""
        ids = {event.record_id for event in events}
        held = select(Record.id, Record.subject_id).where(Record.id.in_(ids))
        subjects: dict[str, int] = {rid: sid for rid, sid in self.session.execute(held)}
        rows = []
        for event in events:
            if event.record_id not in subjects:
                continue
            row = audit.entry(
                self.viewer.user_id,
                event.event,
                self.route,
                "ok",
                record_id=event.record_id,
                subject_id=subjects[event.record_id],
            )
            row["at"] = min(_time(event.at) or self.now, self.now)
            rows.append(row)
        audit.add_many(self.session, rows)

    def applied(self, record: Record, outcome: str | None = None) -> dict[str, Any]:
        if outcome is not None:
            self.audit(record, "push", outcome)
        record.server_rev = self.seq.next()
        record.dirty = False
        content.stamp(record)
        self.session.flush()
        return {"id": record.id, "outcome": "applied", "server_rev": record.server_rev}


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PushRefused("invalid", "record_date must be a date (YYYY-MM-DD).") from None


def _time(value: str) -> datetime | None:
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _answers(wire: RecordWire) -> dict[str, Any]:
    return {k: v for k, v in wire.answers.items() if v is not None}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    changed.update({k: None for k in before if k not in after})
    return changed


def push(ctx: ServerContext, session: Session, principal: Principal, body: PushBody, route: str):
    """Apply a batch (or replay its stored reply); returns the reply as JSON bytes."""
    digest = body_hash(body)
    batch = Batch(ctx, session, principal.viewer, route)  # takes the lock first
    stored = session.get(IdempotentReply, (principal.user_id, body.key))
    if stored is not None:
        reply, same = stored.reply, stored.body_hash == digest
        session.rollback()
        if not same:
            raise ApiError(422, KEY_TAKEN, code=KEY_REUSED)
        return reply
    reply = orjson.dumps({"results": [batch.apply(wire) for wire in body.records]})
    batch.events(body.events)
    session.add(
        IdempotentReply(
            user_id=principal.user_id,
            key=body.key,
            body_hash=digest,
            reply=reply,
            created_at=batch.now,
        )
    )
    _prune(session, principal.user_id, batch.now - timedelta(days=ctx.settings.idempotency_days))
    session.commit()
    return reply


def body_hash(body: PushBody) -> str:
    """SHA-256 of the records as parsed (every field, keys sorted): the same records
    however their JSON was spaced or ordered (about 10 us a record)."""
    data = orjson.dumps(body.records, default=vars, option=orjson.OPT_SORT_KEYS)
    if body.events:  # a body without events hashes as it always did
        data += orjson.dumps(body.events, default=vars, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(data).hexdigest()


def _prune(session: Session, user_id: int, before: datetime) -> None:
    session.execute(
        delete(IdempotentReply).where(
            IdempotentReply.user_id == user_id, IdempotentReply.created_at < before
        )
    )


def forget_in_replies(session: Session, record_ids: list[str]) -> int:
    """Purged records (retention) leave the push replies kept for retries: each result
    about one becomes the refusal a push of it now gets, so a retry learns nothing of
    its content. Returns how many replies were rewritten (read 500 at a time)."""
    needles = {rid: rid.encode() for rid in record_ids}
    if not needles:
        return 0
    gone = {"outcome": "refused", "server_rev": None, "reason": PURGED}
    rewrites = []
    query = select(IdempotentReply.user_id, IdempotentReply.key, IdempotentReply.reply)
    for user_id, key, reply in session.execute(query.execution_options(yield_per=500)):
        if any(n in reply for n in needles.values()):
            results = [
                {"id": r["id"], **gone} if r.get("id") in needles else r
                for r in orjson.loads(reply)["results"]
            ]
            rewrites.append((user_id, key, orjson.dumps({"results": results})))
    for user_id, key, reply in rewrites:
        session.execute(
            update(IdempotentReply)
            .where(IdempotentReply.user_id == user_id, IdempotentReply.key == key)
            .values(reply=reply)
        )
    return len(rewrites)
