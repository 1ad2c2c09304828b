"""Sign-offs arriving in a push: every new one is verified before the record is applied.

A new sign-off (one the server does not hold: same user, role, time and content hash)
is kept only when all of this holds, else the whole record is refused with the reason:
- it was made by the pushing user, as a party they are on this record, with a decision
  that role gives (employee: agree, or disagree with a reason; manager and HR: confirm),
  and, for the employee, the decision their answers give when the form asks for one;
- it comes with the workflow step it signs (or is HR's countersignature on a closed
  capability case, which each HR user gives once);
- its certificate was issued by this server's signing authority, to this user, and was
  valid and not revoked when it was signed (a key revoked as lost is refused whatever
  the claimed time, since a device clock decides nothing);
- its signature is valid over the canonical statement, whose content hash is recomputed
  from the pushed record (the answers it covers).
A record signed offline is verified here, when it syncs. Once signed, a record's signed
answers change only after an amendment (which supersedes the signatures).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.forms import Template
from lcc_apr.history import note_record
from lcc_apr.models import ChangeAction, Record, SignOff, SignOffRole
from lcc_apr.signing.certs import (
    CertificateError,
    der,
    issuer_of,
    load_certificate,
    serial_text,
    signature_ok,
    unb64,
    valid_at,
)
from lcc_apr.signing.decision import check_matches_answers
from lcc_apr.signing.identity import SigningError
from lcc_apr.signing.payload import signed_bytes, signing_time
from lcc_apr.signing.signoff import (
    ROLE_WORDS,
    SIGNED_CHANGE,
    check_decision,
    covered_hash,
    is_signing_step,
    may_countersign,
)
from lcc_apr.sync.protocol import SignOffWire, sign_off_key
from lcc_apr.workflow import SIGN_OFF_PARTY, WORKFLOWS, Actor, Transition

from .ca import authority_certificates
from .context import ServerContext
from .rules import PushRefused
from .tables import IssuedCertificate
from .timemark import time_token

Steps = list[tuple[Transition, str]]


def _refuse(reason: str) -> PushRefused:
    return PushRefused("signature", reason)


@dataclass
class NewSignOff:
    row: dict[str, Any]
    countersign: bool


def active_sign_offs(session: Session, record_id: str) -> list[SignOff]:
    return list(
        session.scalars(
            select(SignOff).where(SignOff.record_id == record_id, SignOff.superseded_at.is_(None))
        )
    )


def check_signed_answers(
    session: Session, record: Record, answers: dict[str, Any], steps: Steps
) -> None:
    """Refuse a change to an answer an active signature covers, unless the push amends."""
    if steps and steps[0][0].voids_signatures:
        return
    touched: list[str] = []
    for signature in active_sign_offs(session, record.id):
        for key in signature.covers or ():
            if answers.get(key) != record.answers.get(key) and key not in touched:
                touched.append(key)
    if touched:
        raise PushRefused("signed", f"{SIGNED_CHANGE} Changed: {', '.join(touched[:5])}.")


def new_sign_offs(
    ctx: ServerContext,
    session: Session,
    *,
    user_id: int,
    actor: Actor,
    record_id: str,
    content: SimpleNamespace,
    template: Template,
    pushed: list[SignOffWire] | None,
    steps: Steps,
    final_status: str,
    now: datetime,
) -> list[NewSignOff]:
    """The pushed sign-offs this server does not hold yet, each verified (or PushRefused)."""
    if not pushed:
        return []
    kind = content.kind
    existing = list(session.scalars(select(SignOff).where(SignOff.record_id == record_id)))
    known = {sign_off_key(s.user_id, s.role, s.signed_at, s.content_hash) for s in existing}
    voids = any(step.voids_signatures for step, _ in steps)
    signed_roles = {
        (s.user_id, str(s.role)) for s in existing if s.superseded_at is None and not voids
    }
    workflow = WORKFLOWS[kind]
    open_steps = [step for step, _ in steps if is_signing_step(workflow, step)]
    parties = actor.parties()
    fresh: list[NewSignOff] = []
    for item in pushed:
        try:
            signed_at = signing_time(datetime.fromisoformat(item.signed_at))
        except ValueError:
            raise PushRefused(
                "invalid", "A sign-off's signed_at must be an ISO 8601 time."
            ) from None
        if sign_off_key(item.user_id, item.role, signed_at, item.content_hash) in known:
            continue
        role = SignOffRole(item.role)
        if item.user_id != user_id:
            raise _refuse("A sign-off can only be sent by the person who signed it.")
        if SIGN_OFF_PARTY[role] not in parties:
            raise _refuse(f"You cannot sign this record as the {ROLE_WORDS[role]}.")
        try:
            decision, reason = check_decision(role, item.decision, item.reason)
            if item.superseded_at is None:
                check_matches_answers(template, content.answers, role, decision)
        except SigningError as err:
            raise _refuse(str(err)) from None
        step = next((s for s in open_steps if SIGN_OFF_PARTY[role] in s.parties), None)
        countersign = step is None
        if countersign and (user_id, str(role)) in signed_roles:  # a step is taken only once
            raise _refuse("You have already signed this record.")
        if step is not None:
            open_steps.remove(step)
        elif not may_countersign(kind, final_status, parties) or role is not SignOffRole.HR:
            raise _refuse(
                "A sign-off must come with the step it signs (for example 'Sign off'); "
                "this push takes no such step."
            )
        superseded = item.superseded_at is not None
        if superseded and not voids:
            raise _refuse("A sign-off can only be sent as voided together with an amendment.")
        certificate = _verify_certificate(ctx, session, item, user_id, signed_at)
        covers = list(item.covers) if item.covers is not None else None
        if covers is None:
            raise _refuse("A new sign-off must name the answers it covers: update the app.")
        if not superseded and covered_hash(content, covers) != item.content_hash:
            raise _refuse(
                "The sign-off does not match the record's content: the record changed after "
                "it was signed (perhaps on another computer). Look at it again and sign again."
            )
        payload = signed_bytes(
            record_id=record_id,
            content_hash=item.content_hash,
            covers=covers,
            role=role,
            decision=decision,
            reason=reason,
            signed_at=signed_at,
        )
        try:
            signature = unb64(item.signature or "")
        except CertificateError:
            raise _refuse("The sign-off's signature is not valid base64.") from None
        if not signature_ok(certificate, payload, signature):
            raise _refuse(
                "The sign-off's signature does not match: it was not made with the key of its "
                "certificate over this record. It has not been kept."
            )
        signed_roles.add((user_id, str(role)))
        fresh.append(
            NewSignOff(
                {
                    "record_id": record_id,
                    "user_id": user_id,
                    "role": role,
                    "decision": decision,
                    "reason": reason,
                    "signed_at": signed_at,
                    "content_hash": item.content_hash,
                    "covers": covers,
                    "signature": signature,
                    "certificate": der(certificate),
                    "superseded_at": now if superseded else None,
                    "time_token": time_token(ctx.settings, signature),
                },
                countersign,
            )
        )
    return fresh


def _verify_certificate(
    ctx: ServerContext, session: Session, item: SignOffWire, user_id: int, signed_at: datetime
):
    if not item.signature or not item.certificate:
        raise _refuse("A new sign-off must be digitally signed: update the app and sign again.")
    try:
        certificate = load_certificate(unb64(item.certificate))
    except CertificateError:
        raise _refuse("The sign-off's certificate is not readable.") from None
    if issuer_of(certificate, authority_certificates(session, ctx.authority.certificate())) is None:
        raise _refuse("The sign-off's certificate was not issued by this organisation.")
    issued = session.get(IssuedCertificate, serial_text(certificate))
    if issued is None or issued.certificate != der(certificate):
        raise _refuse("The sign-off's certificate is not one this server issued.")
    if issued.user_id != user_id:
        raise _refuse("The sign-off's certificate belongs to someone else.")
    if not valid_at(certificate, signed_at):
        raise _refuse("The sign-off was made outside its certificate's dates.")
    if issued.revoked_at is not None and (
        signed_at >= issued.revoked_at or issued.revoke_reason == "lost"
    ):
        day = f"{issued.revoked_at:%d %B %Y}"
        raise _refuse(
            f"The signing certificate was revoked on {day}; connect to get a new one and "
            "sign again."
        )
    return certificate


def store_sign_offs(
    session: Session, record: Record, fresh: list[NewSignOff], *, user_id: int, at: datetime
) -> None:
    """Keep verified sign-offs; a countersignature gets its own history entry."""
    for item in fresh:
        if item.countersign:
            note_record(
                session,
                record,
                user_id=user_id,
                at=at,
                action=ChangeAction.SIGN,
                note={"countersigned": str(item.row["role"])},
            )
        session.add(SignOff(**item.row))
    if fresh:
        session.flush()


def content_of(
    record_id: str, kind: Any, subject_id: int, template: Any, record_date: Any, answers: dict
) -> SimpleNamespace:
    """What content_hash needs, from the pushed record."""
    return SimpleNamespace(
        id=record_id,
        kind=kind,
        subject_id=subject_id,
        template_id=template.id,
        template_version=template.version,
        record_date=record_date,
        answers=answers,
    )
