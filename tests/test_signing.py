"""Digital sign-off in the core: signing with the workflow, checking, keys and certificates.

A test signing authority issues the certificates (lcc_apr.server.ca, no server running);
records use the minimal templates of test_workflow.
"""

from __future__ import annotations

import os
import stat
import time
from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from lcc_apr.history import history
from lcc_apr.models import ChangeAction, RecordKind, SignOff, SignOffDecision, User
from lcc_apr.server.ca import build_certificate, create_authority
from lcc_apr.server.settings import ServerSettings
from lcc_apr.signing.certs import SIGNATURE, new_private_key, serial_text
from lcc_apr.signing.identity import (
    NEED_CERTIFICATE,
    SERVICE,
    Signer,
    SigningError,
    SigningIdentity,
    key_file_path,
)
from lcc_apr.signing.payload import signed_bytes
from lcc_apr.signing.signoff import (
    SignatureStatus,
    sign_off,
    signature_states,
    signed_change_problems,
    signing_options,
)
from lcc_apr.signing.trust import Revocation, Trust, load_trust, save_trust
from lcc_apr.store import migrate, plain_engine
from lcc_apr.sync.errors import NetworkError
from lcc_apr.workflow import WorkflowError, take_step

from .conftest import CHEAP_ARGON2, MemoryKeyring
from .test_migrations import populate_first_schema
from .test_workflow import EMPLOYEE, HR, MANAGER, STRANGER, T0, new_record, template_for


@pytest.fixture
def session(tmp_path):
    """A plain database with employees 1-3 and users 1 (their manager), 2, 3 and 4."""
    engine = plain_engine(tmp_path / "w.db")
    migrate.upgrade(engine)
    populate_first_schema(engine)
    with engine.begin() as c:
        c.execute(
            insert(User.__table__),
            [
                {
                    "id": i,
                    "username": f"u{i}",
                    "employee_id": i if i < 4 else None,
                    "display_name": f"U{i}",
                    "active": True,
                    "created_at": T0,
                }
                for i in (2, 3, 4)
            ],
        )
    with Session(engine) as s:
        yield s
    engine.dispose()


SETTINGS = ServerSettings(database_url="sqlite://", secret_key="x" * 40)
AUTHORITY = create_authority("Test County Council", T0 - timedelta(days=30))
PEOPLE = {1: ("Person1", "p1"), 2: ("U2", "u2"), 3: ("U3", "u3"), 4: ("U4", "u4")}


def identity_for(user_id: int, authority=AUTHORITY, *, key=None) -> SigningIdentity:
    name, username = PEOPLE[user_id]
    key = key or new_private_key()
    person = SimpleNamespace(display_name=name, username=username)
    cert = build_certificate(authority, person, key.public_key(), SETTINGS, T0 - timedelta(days=1))
    return SigningIdentity(key, cert, user_id)


TRUST = Trust((AUTHORITY.certificate,))


def states(session, record, trust=TRUST):
    return [(s.status, s.role.value) for s in signature_states(session, record, trust)]


def signed_apr(session, tmp_path):
    """An APR shared, answered, and signed by the employee then the manager."""
    template = template_for(RecordKind.APR, tmp_path)
    record = new_record(session, RecordKind.APR)
    take_step(session, record, "share", actor=MANAGER, template=template, at=T0)
    take_step(session, record, "respond", actor=EMPLOYEE, template=template, at=T0)
    ids = {2: identity_for(2), 1: identity_for(1)}
    sign_off(
        session,
        record,
        actor=EMPLOYEE,
        template=template,
        identity=ids[2],
        decision="agree",
        at=T0 + timedelta(hours=1),
    )
    sign_off(
        session,
        record,
        actor=MANAGER,
        template=template,
        identity=ids[1],
        at=T0 + timedelta(hours=2),
    )
    return record, template, ids


def test_a_record_signed_by_both_parties_verifies(session, tmp_path):
    record, _template, _ids = signed_apr(session, tmp_path)
    assert record.status == "completed"
    steps = [c.patch.get("note", {}).get("step") for c in history(session, record.id)]
    assert steps[-2:] == ["employee_sign", "manager_sign"]
    found = signature_states(session, record, TRUST)
    assert [(s.status, s.role.value, s.decision.value) for s in found] == [
        (SignatureStatus.VALID, "employee", "agree"),
        (SignatureStatus.VALID, "manager", "confirm"),
    ]
    assert found[0].text.startswith("Valid: signed by U2 (employee), agreeing, on 1 May 2026")
    assert found[1].signer == "Person1" and found[1].added_since == ()
    first = record.sign_offs[0]
    assert first.covers == sorted(record.answers) and first.signed_at.microsecond == 0


def test_changing_one_character_of_an_answer_breaks_both_signatures(session, tmp_path):
    record, _template, _ids = signed_apr(session, tmp_path)
    changed = {**record.answers, "summary": record.answers["summary"][:-1] + "L"}
    assert signed_change_problems(record, changed) == ["summary"]
    record.answers = changed  # as if written behind the app's back
    found = signature_states(session, record, TRUST)
    assert {s.status for s in found} == {SignatureStatus.INVALID}
    assert "changed after it was signed" in found[0].text


def test_answers_added_after_signing_keep_it_valid_and_are_named(session, tmp_path):
    record, _template, _ids = signed_apr(session, tmp_path)
    extra = {**record.answers, "hr_note": "Filed"}
    assert signed_change_problems(record, extra) == []
    record.answers = extra
    found = signature_states(session, record, TRUST)
    assert {s.status for s in found} == {SignatureStatus.VALID}
    assert found[0].added_since == ("hr_note",) and "added since: hr_note" in found[0].text
    record.answers = {k: v for k, v in extra.items() if k != "outcome"}  # a signed one removed
    assert {s.status for s in signature_states(session, record, TRUST)} == {SignatureStatus.INVALID}


def test_an_amendment_voids_the_signatures_and_keeps_them(session, tmp_path):
    record, template, ids = signed_apr(session, tmp_path)
    later = T0 + timedelta(days=3)
    take_step(session, record, "amend", actor=HR, template=template, at=later, reason="Wrong date")
    record.answers = {**record.answers, "summary": "Corrected"}
    found = signature_states(session, record, TRUST)
    assert [s.status for s in found] == [SignatureStatus.SUPERSEDED] * 2
    assert all(s.superseded_at == later for s in found)
    assert "voided when the record was amended on 4 May 2026" in found[0].text
    for name, actor in (("share", MANAGER), ("respond", EMPLOYEE)):
        take_step(session, record, name, actor=actor, template=template, at=later)
    sign_off(
        session,
        record,
        actor=EMPLOYEE,
        template=template,
        identity=ids[2],
        decision="disagree",
        reason="The rating is too low",
        at=later,
    )
    assert states(session, record) == [
        (SignatureStatus.SUPERSEDED, "employee"),
        (SignatureStatus.SUPERSEDED, "manager"),
        (SignatureStatus.VALID, "employee"),
    ]


def test_a_signature_from_a_revoked_certificate_is_flagged(session, tmp_path):
    record, _template, ids = signed_apr(session, tmp_path)
    serial = serial_text(ids[2].certificate)
    signed_at = record.sign_offs[0].signed_at
    before = Trust(
        TRUST.authorities, {serial: Revocation(signed_at - timedelta(minutes=5), "lost")}
    )
    found = signature_states(session, record, before)
    assert [s.status for s in found] == [SignatureStatus.REVOKED, SignatureStatus.VALID]
    assert "revoked on 1 May 2026" in found[0].text and "lost or stolen" in found[0].text
    after = Trust(TRUST.authorities, {serial: Revocation(signed_at + timedelta(days=9), "left")})
    found = signature_states(session, record, after)
    assert found[0].status is SignatureStatus.VALID and "revoked later" in found[0].text


def test_forged_and_altered_sign_offs_are_invalid(session, tmp_path):
    record, _template, ids = signed_apr(session, tmp_path)
    employee, manager = record.sign_offs
    # A certificate from some other authority, for a key that did sign the statement.
    rogue = identity_for(2, create_authority("Rogue", T0 - timedelta(days=30)))
    employee.certificate = rogue.certificate_der
    employee.signature = rogue.sign(_statement(employee))
    # The manager's certificate, but a signature made with another key.
    manager.signature = new_private_key().sign(_statement(manager), SIGNATURE)
    found = signature_states(session, record, TRUST)
    assert [s.status for s in found] == [SignatureStatus.INVALID] * 2
    assert "not issued by your organisation" in found[0].text
    assert "does not match what it claims" in found[1].text


def test_a_changed_decision_breaks_the_signature(session, tmp_path):
    record, _template, _ids = signed_apr(session, tmp_path)
    record.sign_offs[0].decision = SignOffDecision.DISAGREE
    assert states(session, record)[0] == (SignatureStatus.INVALID, "employee")


def _statement(row: SignOff) -> bytes:
    return signed_bytes(
        record_id=row.record_id,
        content_hash=row.content_hash,
        covers=row.covers,
        role=row.role,
        decision=row.decision,
        reason=row.reason,
        signed_at=row.signed_at,
    )


def test_old_sign_offs_without_a_signature_say_so(session, tmp_path):
    record = new_record(session, RecordKind.SUPERVISION)
    record.sign_offs.append(
        SignOff(
            user_id=2,
            role="employee",
            decision="agree",
            signed_at=T0,
            content_hash="0" * 64,
        )
    )
    session.flush()
    (found,) = signature_states(session, record, TRUST)
    assert found.status is SignatureStatus.NOT_DIGITALLY_SIGNED
    assert found.text.startswith("Not digitally signed: signed off by U2 (employee)")


def test_unknown_trust_means_not_checked_rather_than_invalid(session, tmp_path):
    record, _template, _ids = signed_apr(session, tmp_path)
    assert {s.status for s in signature_states(session, record, Trust())} == {
        SignatureStatus.NOT_CHECKED
    }


def test_sign_off_refuses_what_the_person_may_not_sign(session, tmp_path):
    template = template_for(RecordKind.APR, tmp_path)
    record = new_record(session, RecordKind.APR)
    take_step(session, record, "share", actor=MANAGER, template=template, at=T0)
    take_step(session, record, "respond", actor=EMPLOYEE, template=template, at=T0)
    employee = identity_for(2)

    def sign(actor, identity, **kw):
        return sign_off(
            session, record, actor=actor, template=template, identity=identity, at=T0, **kw
        )

    with pytest.raises(SigningError, match="nothing for you to sign"):
        sign(MANAGER, identity_for(1))  # the employee signs first
    with pytest.raises(SigningError, match="nothing for you to sign"):
        sign(STRANGER, identity_for(4))
    with pytest.raises(SigningError, match="agree or disagree"):
        sign(EMPLOYEE, employee)
    with pytest.raises(SigningError, match="Say why you disagree"):
        sign(EMPLOYEE, employee, decision="disagree", reason="  ")
    with pytest.raises(SigningError, match="sign to agree or disagree"):
        sign(EMPLOYEE, employee, decision="confirm")
    with pytest.raises(SigningError, match="Connect once to get your signing certificate"):
        sign(EMPLOYEE, SigningIdentity(new_private_key()), decision="agree")
    with pytest.raises(SigningError, match="belongs to someone else"):
        sign(EMPLOYEE, identity_for(1), decision="agree")
    with pytest.raises(WorkflowError):
        sign(EMPLOYEE, employee, decision="agree", step="manager_sign")
    assert record.status == "responded" and record.sign_offs == []
    sign(EMPLOYEE, employee, decision="agree")
    assert [o.step for o in signing_options(record, MANAGER, template)] == ["manager_sign"]


def test_hr_countersigns_a_closed_capability_case_once(session, tmp_path):
    template = template_for(RecordKind.CAPABILITY, tmp_path)
    record = new_record(session, RecordKind.CAPABILITY)
    sign_off(session, record, actor=MANAGER, template=template, identity=identity_for(1), at=T0)
    assert record.status == "closed_improved"
    assert [o.step for o in signing_options(record, HR, template)] == [None]
    sign_off(session, record, actor=HR, template=template, identity=identity_for(3), at=T0)
    last = history(session, record.id)[-1]
    assert last.action == ChangeAction.SIGN and last.patch["note"] == {"countersigned": "hr"}
    assert record.dirty and record.status == "closed_improved"
    assert states(session, record) == [
        (SignatureStatus.VALID, "manager"),
        (SignatureStatus.VALID, "hr"),
    ]
    assert signing_options(record, HR, template) == []
    with pytest.raises(SigningError):
        sign_off(session, record, actor=HR, template=template, identity=identity_for(3), at=T0)


def test_signing_and_checking_take_a_few_milliseconds(session, tmp_path):
    record, template, ids = signed_apr(session, tmp_path)
    payload = _statement(record.sign_offs[0])
    rounds = 200
    started = time.perf_counter()
    for _ in range(rounds):
        ids[2].sign(payload)
    per_sign = (time.perf_counter() - started) / rounds * 1000
    started = time.perf_counter()
    for _ in range(rounds // 4):
        signature_states(session, record, TRUST)
    per_check = (time.perf_counter() - started) / (rounds // 4) / 2 * 1000
    print(f"\nECDSA P-256 sign: {per_sign:.3f} ms; one sign-off checked: {per_check:.3f} ms")
    assert per_sign < 20 and per_check < 50


# -- keys and certificates on this computer ----------------------------------------------


class FakeServer:
    """What enrolment needs from a Connection: issues certificates from AUTHORITY."""

    username = "u2"

    def __init__(self, fail: Exception | None = None) -> None:
        self.fail, self.requests = fail, 0

    def request_certificate(self, csr: bytes) -> dict:
        from cryptography import x509

        from lcc_apr.signing.certs import b64, der

        self.requests += 1
        if self.fail is not None:
            raise self.fail
        key = x509.load_der_x509_csr(csr).public_key()
        person = SimpleNamespace(display_name="U2", username="u2")
        cert = build_certificate(AUTHORITY, person, key, SETTINGS, T0)
        return {"certificate": b64(der(cert)), "user_id": 2}


def test_the_key_lives_in_the_keyring_and_the_certificate_in_the_store(store):
    ring = MemoryKeyring()
    signer = Signer(store, keyring_backend=ring)
    with pytest.raises(SigningError, match="Connect once to get your signing certificate"):
        signer.ready(None, at=T0)
    assert [k for k in ring.items if k[0] == SERVICE]  # made on first need, kept in the ring
    assert not key_file_path(store.path).exists()
    with pytest.raises(SigningError, match=NEED_CERTIFICATE[:40]):
        signer.ready(FakeServer(NetworkError("offline")), at=T0)
    server = FakeServer()
    identity = signer.ready(server, at=T0)
    assert identity.certificate is not None and identity.user_id == 2
    again = Signer(store, keyring_backend=ring).ready(None, at=T0)  # offline, next start
    assert again.key_id == identity.key_id and again.certificate == identity.certificate
    assert server.requests == 1


def test_without_a_keyring_the_key_is_a_passphrase_protected_file(store):
    asked = []

    def ask(new: bool) -> str:
        asked.append(new)
        return "correct horse" if len(asked) < 3 else "wrong"

    signer = Signer(store, keyring_backend=None, ask_passphrase=ask, argon2_cost=CHEAP_ARGON2)
    identity = signer.identity()
    path = key_file_path(store.path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in path.read_bytes()
    reopened = Signer(store, keyring_backend=None, ask_passphrase=ask, argon2_cost=CHEAP_ARGON2)
    assert reopened.identity().key_id == identity.key_id
    with pytest.raises(SigningError, match="does not open your signing key"):
        Signer(store, keyring_backend=None, ask_passphrase=ask).identity()
    assert asked == [True, False, False]
    with pytest.raises(SigningError, match="no secure keyring"):
        path.unlink()
        Signer(store, keyring_backend=None, ask_passphrase=None).identity()


def test_an_insecure_keyring_is_refused_for_the_key(store):
    # The test run's keyring is the failing one: the default falls back to the passphrase.
    signer = Signer(store, ask_passphrase=lambda new: "pass phrase", argon2_cost=CHEAP_ARGON2)
    signer.identity()
    assert key_file_path(store.path).exists()


def test_the_trust_cache_round_trips_through_the_store(store):
    trust = Trust((AUTHORITY.certificate,), {"abc123": Revocation(T0, "left")}, fetched_at=None)
    with store.session() as s:
        save_trust(s, Trust.from_reply(trust.to_reply()))
    with store.session() as s:
        back = load_trust(s)
    assert back.authorities == (AUTHORITY.certificate,) and back.known
    assert back.revoked == {"abc123": Revocation(T0, "left")}
    assert back.revoked_by_serial() == {0xABC123: T0}
    assert replace(back, fetched_at=None).authorities == trust.authorities
