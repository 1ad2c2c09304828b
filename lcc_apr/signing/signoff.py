"""Signing a record off, and saying in plain words whether each signature still holds.

`sign_off` is the one way a person signs: it takes the matching workflow step (the
employee's `employee_sign`, the manager's `manager_sign` or `refer_to_hr`, HR's
`hr_close`, a capability case's or attendance review's closing steps) and adds the
SignOff row with an ECDSA signature over `payload.signed_bytes`, in the caller's
transaction. On a closed capability case or attendance review HR may also countersign
without a step.

A signature covers the record's content (`content.content_hash`) and names the answers
the record held (`covers`). It stays valid while those answers are unchanged; answers
added afterwards where the form allows it (an appeal, HR's decision after a failed
probation) are listed as added since. Changing a signed answer needs an amendment, which
voids (supersedes) the signatures and keeps them in the record's history.

`signature_states` checks every sign-off of a record against the cached trust (the
organisation's certificate and revocations): valid, invalid, superseded, revoked
certificate, not digitally signed (sign-offs made before digital signatures), or not
checked (this computer has not fetched its organisation's certificate yet).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import SimpleNamespace
from typing import Any

from cryptography import x509
from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.forms import Problem, Template
from lcc_apr.history import note_record
from lcc_apr.models import (
    ChangeAction,
    Record,
    RecordKind,
    SignOff,
    SignOffDecision,
    SignOffRole,
    User,
)
from lcc_apr.uk_time import time_text
from lcc_apr.workflow import (
    PARTY_SIGN_OFF_ROLE,
    Actor,
    Lifecycle,
    Party,
    Transition,
    WorkflowError,
    available_steps,
    check_step,
    take_step,
    workflow_for,
)
from lcc_apr.workflow.model import PREVIOUS, Workflow

from .certs import (
    CertificateError,
    der,
    holder_name,
    holder_username,
    issuer_of,
    load_certificate,
    serial_text,
    signature_ok,
    valid_at,
)
from .content import content_hash
from .decision import check_matches_answers, implied_decision
from .identity import SigningError, SigningIdentity
from .payload import sign_off_bytes, signed_bytes, signing_time
from .trust import Trust

# When a person acts as more than one party, the most personal one signs.
PARTY_ORDER = (Party.EMPLOYEE, Party.MANAGER, Party.HR)
ROLE_WORDS = {
    SignOffRole.EMPLOYEE: "employee",
    SignOffRole.MANAGER: "line manager",
    SignOffRole.HR: "HR",
}
DECISIONS = {
    SignOffRole.EMPLOYEE: (SignOffDecision.AGREE, SignOffDecision.DISAGREE),
    SignOffRole.MANAGER: (SignOffDecision.CONFIRM,),
    SignOffRole.HR: (SignOffDecision.CONFIRM,),
}
COUNTERSIGN_KINDS = frozenset({RecordKind.CAPABILITY, RecordKind.ATTENDANCE})
OUTSIDE_VIEW = "(someone outside your view)"  # placeholder users (lcc_apr.sync.apply)
SIGNED_CHANGE = (
    "This record has been signed: a signed answer can only change after the record is "
    "amended (which voids the signatures and keeps them in its history)."
)


# -- which steps are signatures --------------------------------------------------------


def is_signing_step(workflow: Workflow, step: Transition) -> bool:
    """A step that locks the record (or reissues it) is taken by signing, unless the step
    says it does not sign (HR's acceptance into its register)."""
    if step.voids_signatures or not step.signs:
        return False
    if step.target == PREVIOUS:
        return True
    return workflow.state(step.target).lifecycle is Lifecycle.LOCKED


def signing_steps(kind: RecordKind) -> frozenset[str]:
    from lcc_apr.workflow import WORKFLOWS

    workflow = WORKFLOWS[kind]
    return frozenset(t.name for t in workflow.transitions if is_signing_step(workflow, t))


def role_for(parties: Iterable[Party]) -> SignOffRole | None:
    mine = set(parties)
    for party in PARTY_ORDER:
        if party in mine:
            return PARTY_SIGN_OFF_ROLE[party]
    return None


def may_countersign(kind: RecordKind, status: str, parties: Iterable[Party]) -> bool:
    """HR may countersign a closed capability case or attendance review (no workflow step)."""
    from lcc_apr.workflow import WORKFLOWS

    locked = WORKFLOWS[kind].state(status).lifecycle is Lifecycle.LOCKED
    return kind in COUNTERSIGN_KINDS and locked and Party.HR in set(parties)


def check_decision(
    role: SignOffRole, decision: SignOffDecision | str | None, reason: str | None
) -> tuple[SignOffDecision, str | None]:
    """The decision this role may give (managers and HR confirm; the employee agrees or
    disagrees, with a reason when disagreeing). Raises SigningError."""
    allowed = DECISIONS[role]
    if decision is None:
        if len(allowed) > 1:
            raise SigningError("Say whether you agree or disagree with the record.")
        decision = allowed[0]
    try:
        decision = SignOffDecision(decision)
    except ValueError:
        raise SigningError(f"{decision!r} is not a sign-off decision.") from None
    if decision not in allowed:
        words = " or ".join(d.value for d in allowed)
        raise SigningError(f"As the {ROLE_WORDS[role]} you sign to {words}.")
    reason = (reason or "").strip() or None
    if decision is SignOffDecision.DISAGREE and reason is None:
        raise SigningError("Say why you disagree; your reason is kept with your signature.")
    return decision, reason


@dataclass(frozen=True)
class SigningOption:
    """Something this person can sign on this record now (for the sign-off button)."""

    step: str | None  # the workflow step it takes; None: a countersignature
    label: str
    role: SignOffRole
    decisions: tuple[SignOffDecision, ...]
    missing: tuple[Problem, ...] = ()  # answers still needed before signing


def signing_options(record: Record, actor: Actor, template: Template) -> list[SigningOption]:
    workflow = workflow_for(record)
    options = []
    for step in available_steps(record, actor, template):
        if not is_signing_step(workflow, step):
            continue
        try:
            check = check_step(record, step.name, actor, template)
        except WorkflowError:
            continue  # e.g. the step for another outcome
        role = role_for(step.parties & actor.parties())
        assert role is not None
        options.append(
            SigningOption(step.name, step.label, role, DECISIONS[role], tuple(check.problems))
        )
    if not options and _countersign_open(record, actor):
        options.append(
            SigningOption(None, "Countersign", SignOffRole.HR, DECISIONS[SignOffRole.HR])
        )
    return options


def _countersign_open(record: Record, actor: Actor) -> bool:
    if not may_countersign(record.kind, record.status, actor.parties()):
        return False
    return not any(
        s.superseded_at is None and s.role == SignOffRole.HR and s.user_id == actor.user_id
        for s in record.sign_offs
    )


# -- signing ---------------------------------------------------------------------------


def sign_off(
    session: Session,
    record: Record,
    *,
    actor: Actor,
    template: Template,
    identity: SigningIdentity,
    decision: SignOffDecision | str | None = None,
    reason: str | None = None,
    at: datetime,
    step: str | None = None,
    trust: Trust | None = None,
) -> SignOff:
    """Sign the record and take the matching workflow step, in the caller's transaction.

    Raises SigningError (nothing to sign, wrong decision, no usable certificate) or
    WorkflowError (the step is not allowed, or answers are missing); nothing is written
    then. `identity` comes from `Signer.ready(...)`.
    """
    if record.deleted:
        raise SigningError("This record has been deleted; there is nothing to sign.")
    option = _choose(record, actor, template, step)
    if decision is None and option.role is SignOffRole.EMPLOYEE:
        decision = implied_decision(template, record.answers)
    decision, reason = check_decision(option.role, decision, reason)
    check_matches_answers(template, record.answers, option.role, decision)
    signed_at = signing_time(at)
    certificate = identity.require_certificate(signed_at, trust)
    if identity.user_id and identity.user_id != actor.user_id:
        raise SigningError("This computer's signing certificate belongs to someone else.")
    if option.step is None and any(  # a step can only be taken once; a countersignature
        s.superseded_at is None and s.user_id == actor.user_id and s.role == option.role
        for s in record.sign_offs
    ):  # has no step, so it is refused here (HR decides a hearing, then its appeal: two)
        raise SigningError("You have already signed this record.")
    if option.step is not None:
        take_step(session, record, option.step, actor=actor, template=template, at=at)
    else:
        note_record(
            session,
            record,
            user_id=actor.user_id,
            at=at,
            action=ChangeAction.SIGN,
            note={"countersigned": str(option.role)},
        )
    covers = sorted(record.answers)
    digest = content_hash(record)
    payload = signed_bytes(
        record_id=record.id,
        content_hash=digest,
        covers=covers,
        role=option.role,
        decision=decision,
        reason=reason,
        signed_at=signed_at,
    )
    signature = SignOff(
        record_id=record.id,
        user_id=actor.user_id,
        role=option.role,
        decision=decision,
        reason=reason,
        signed_at=signed_at,
        content_hash=digest,
        signature=identity.sign(payload),
        certificate=der(certificate),
        covers=covers,
        superseded_at=None,
    )
    record.sign_offs.append(signature)
    session.flush()
    return signature


def _choose(record: Record, actor: Actor, template: Template, step: str | None) -> SigningOption:
    options = signing_options(record, actor, template)
    if step is not None:
        chosen = [o for o in options if o.step == step]
        if not chosen:
            check_step(record, step, actor, template)  # says why in workflow words
            raise SigningError(f"'{step}' is not a step you sign.")
        return chosen[0]
    if not options:
        raise SigningError("There is nothing for you to sign on this record at this stage.")
    if len(options) > 1:
        names = ", ".join(o.step or "countersign" for o in options)
        raise SigningError(f"Say which step you are signing: {names}.")
    return options[0]


def signed_change_problems(record: Any, answers: dict[str, Any]) -> list[str]:
    """Signed answers that `answers` would change (empty: nothing signed would change).

    The editor and the server refuse such a change unless the record is being amended."""
    changed = []
    for signature in getattr(record, "sign_offs", []):
        if signature.superseded_at is not None or signature.covers is None:
            continue
        for key in signature.covers:
            if answers.get(key) != record.answers.get(key) and key not in changed:
                changed.append(key)
    return changed


def covered_hash(record: Any, covers: Iterable[str] | None) -> str:
    """content_hash of the record restricted to the answers a signature covers."""
    if covers is None:
        return content_hash(record)
    keep = set(covers)
    view = SimpleNamespace(
        id=record.id,
        kind=record.kind,
        subject_id=record.subject_id,
        template_id=record.template_id,
        template_version=record.template_version,
        record_date=record.record_date,
        answers={k: v for k, v in record.answers.items() if k in keep},
    )
    return content_hash(view)


# -- checking --------------------------------------------------------------------------


class SignatureStatus(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"
    NOT_DIGITALLY_SIGNED = "not_digitally_signed"
    NOT_CHECKED = "not_checked"  # this computer does not know its organisation's certificate


@dataclass(frozen=True)
class SignatureState:
    """One sign-off of a record and whether it holds, in plain words (`text`)."""

    sign_off_id: int | None
    user_id: int
    role: SignOffRole
    decision: SignOffDecision
    reason: str | None
    signed_at: datetime
    status: SignatureStatus
    text: str  # e.g. "Valid: signed by Jo Bloggs (employee), agreeing, on 3 May 2026 at 14:05 UTC."
    signer: str  # the name the certificate gives (else the user's name)
    detail: str = ""  # why it is not valid, or what was added since
    superseded_at: datetime | None = None
    serial: str | None = None  # the certificate's serial (hex)
    added_since: tuple[str, ...] = field(default_factory=tuple)  # answer keys added after


def signature_states(session: Session, record: Record, trust: Trust) -> list[SignatureState]:
    """Every sign-off of `record` (oldest first, superseded ones included) with its state."""
    ids = {s.user_id for s in record.sign_offs}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return [check_sign_off(s, record, trust, users.get(s.user_id)) for s in record.sign_offs]


def check_sign_off(
    sign_off: SignOff, record: Any, trust: Trust, user: User | None = None
) -> SignatureState:
    """The state of one sign-off against the record's current content and the trust."""
    role, decision = SignOffRole(sign_off.role), SignOffDecision(sign_off.decision)
    certificate = _certificate(sign_off)
    known_name = (
        user.display_name if user is not None and user.display_name != OUTSIDE_VIEW else None
    )
    signer = holder_name(certificate) if certificate is not None else known_name or "someone"
    who = f"{signer} ({ROLE_WORDS[role]}), {_deciding(decision)}, on {_when(sign_off.signed_at)}"

    def state(
        status: SignatureStatus, text: str, detail: str = "", added_since: tuple[str, ...] = ()
    ) -> SignatureState:
        return SignatureState(
            sign_off_id=sign_off.id,
            user_id=sign_off.user_id,
            role=role,
            decision=decision,
            reason=sign_off.reason,
            signed_at=sign_off.signed_at,
            status=status,
            text=text,
            signer=signer,
            detail=detail,
            superseded_at=sign_off.superseded_at,
            serial=serial_text(certificate) if certificate is not None else None,
            added_since=added_since,
        )

    if sign_off.superseded_at is not None:
        return state(
            SignatureStatus.SUPERSEDED,
            f"Superseded: signed by {who}; voided when the record was amended on "
            f"{_when(sign_off.superseded_at)}.",
        )
    if sign_off.signature is None:
        return state(
            SignatureStatus.NOT_DIGITALLY_SIGNED,
            f"Not digitally signed: signed off by {who}, before the app signed digitally.",
        )
    if certificate is None:
        return _invalid(state, who, "its certificate is missing or unreadable.")
    if not trust.known:
        return state(
            SignatureStatus.NOT_CHECKED,
            f"Not checked yet: signed by {who}. Connect once so this computer can check "
            "signatures against your organisation's certificate.",
        )
    if issuer_of(certificate, trust.authorities) is None:
        return _invalid(state, who, "its certificate was not issued by your organisation.")
    if not signature_ok(certificate, sign_off_bytes(sign_off), sign_off.signature):
        return _invalid(state, who, "the signature does not match what it claims to sign.")
    if (
        user is not None
        and user.display_name != OUTSIDE_VIEW
        and holder_username(certificate) != user.username
    ):
        return _invalid(state, who, "it was made with someone else's certificate.")
    if covered_hash(record, sign_off.covers) != sign_off.content_hash:
        return _invalid(state, who, "the record was changed after it was signed.")
    if not valid_at(certificate, sign_off.signed_at):
        return _invalid(state, who, "it was made outside its certificate's dates.")
    revocation = trust.revoked.get(serial_text(certificate))
    if revocation is not None and sign_off.signed_at >= revocation.revoked_at:
        return state(
            SignatureStatus.REVOKED,
            f"Revoked certificate: signed by {who}, after the certificate was revoked on "
            f"{_when(revocation.revoked_at)} ({revocation.reason_text}).",
            detail=f"revoked on {_when(revocation.revoked_at)}: {revocation.reason_text}",
        )
    covered = set(record.answers if sign_off.covers is None else sign_off.covers)
    added = tuple(sorted(set(record.answers) - covered))
    text = f"Valid: signed by {who}."
    detail = ""
    if added:
        detail = f"{len(added)} answer(s) added since: {', '.join(added)}"
        text += f" Answers added since: {', '.join(added)}."
    if revocation is not None:
        text += f" Its certificate was revoked later, on {_when(revocation.revoked_at)}."
    return state(SignatureStatus.VALID, text, detail, added_since=added)


def _invalid(
    state: Callable[[SignatureStatus, str, str], SignatureState], who: str, why: str
) -> SignatureState:
    return state(SignatureStatus.INVALID, f"Not valid: the signature by {who} fails: {why}", why)


def _certificate(sign_off: SignOff) -> x509.Certificate | None:
    if not sign_off.certificate:
        return None
    try:
        return load_certificate(sign_off.certificate)
    except CertificateError:
        return None


def _deciding(decision: SignOffDecision) -> str:
    return {
        SignOffDecision.AGREE: "agreeing",
        SignOffDecision.DISAGREE: "disagreeing",
        SignOffDecision.CONFIRM: "confirming",
    }[decision]


def _when(at: datetime) -> str:
    return time_text(at)  # UK time
