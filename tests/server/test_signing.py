"""Signing end to end: the server's authority, enrolment, sign-offs through sync, revocation.

Devices are encrypted stores with a `Signer` (key in an in-memory keyring) syncing with a
real server on 127.0.0.1 (tests/server/conftest.py); every run has one test authority
(harness.signing_authority_files).
"""

from __future__ import annotations

import base64
import io
import stat
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.forms import Catalogue
from lcc_apr.history import update_record
from lcc_apr.models import Conflict, Record, RecordChange, RecordKind, SignOff, User, now_utc
from lcc_apr.server import ca as ca_module
from lcc_apr.server import db
from lcc_apr.server.accounts import disable_user
from lcc_apr.server.ca import (
    build_certificate,
    create_authority,
    issue_certificate,
    revoke_certificates,
    trust_reply,
)
from lcc_apr.server.cli import EXIT_OK, EXIT_PROBLEM, main
from lcc_apr.server.settings import ServerSettings
from lcc_apr.server.tables import AuditEntry, IssuedCertificate, SigningAuthority
from lcc_apr.signing import signoff as signoff_module
from lcc_apr.signing.certs import (
    SIGNATURE,
    b64,
    certificate_request,
    der,
    holder_name,
    new_private_key,
    serial_text,
)
from lcc_apr.signing.identity import Signer, SigningError
from lcc_apr.signing.payload import signed_bytes
from lcc_apr.signing.signoff import SignatureStatus, sign_off, signature_states
from lcc_apr.signing.trust import Trust
from lcc_apr.store import Store, open_store
from lcc_apr.sync.engine import SyncEngine
from lcc_apr.sync.settle import accept_server_version
from lcc_apr.sync.transport import Connection, Tokens
from lcc_apr.workflow import Actor, take_step

from ..conftest import MemoryKeyring
from .harness import CHEAP_ARGON2

CATALOGUE = Catalogue.load()


@dataclass
class Device:
    store: Store
    connection: Connection
    engine: SyncEngine
    signer: Signer
    user: object  # DemoUser

    def sync(self):
        return self.engine.run()

    def sign(self, record_id: str, people, *, decision=None, reason=None, online=True, **kw):
        """Sign the record as this device's user, like the sign-off button does."""
        identity = self.signer.ready(self.connection if online else None)
        with self.store.session() as s:
            record = s.get(Record, record_id)
            return sign_off(
                s,
                record,
                actor=actor_for(people, self.user, record.subject_id),
                template=CATALOGUE.get(record.template_id, record.template_version),
                identity=identity,
                decision=decision,
                reason=reason,
                at=now_utc(),
                **kw,
            ).id

    def states(self, record_id: str):
        trust = self.signer.trust()
        with self.store.session() as s:
            return signature_states(s, s.get(Record, record_id), trust)


def actor_for(people, user, subject_id: int) -> Actor:
    subject = people.by_employee(subject_id)
    return Actor(
        user.id,
        frozenset(user.roles),
        is_subject=user.employee_id == subject_id,
        is_line_manager=user.employee_id is not None and subject.manager_id == user.employee_id,
    )


@pytest.fixture
def device(tmp_path: Path, live_server):
    made: list[Device] = []

    def make(user, name: str | None = None) -> Device:
        ring = MemoryKeyring()
        store = open_store(tmp_path / f"{name or user.username}.db", keyring_backend=ring)
        connection = Connection(live_server.url, tokens=Tokens(ring), allow_plain_local=True)
        connection.login(user.username, "demo")
        signer = Signer(store, keyring_backend=ring)
        engine = SyncEngine(store, connection, CATALOGUE, sleep=lambda s: None, signer=signer)
        made.append(Device(store, connection, engine, signer, user))
        return made[-1]

    yield make
    for d in made:
        d.connection.close()
        d.store.close()


def a_record(server, kind: RecordKind, status: str) -> Record:
    """A record about someone who manages nobody and is not HR."""
    plain = {u.employee_id for u in server.people.employees}
    return next(r for r in server.records(kind=kind, status=status) if r.subject_id in plain)


def server_states(server, record_id: str):
    with server.session() as s:
        record = s.get(Record, record_id)
        trust = Trust.from_reply(trust_reply(s, ca_module.read_authority(server.settings)))
        return signature_states(s, record, trust)


def statuses(states) -> list[tuple[str, str]]:
    return [(s.status.value, s.role.value) for s in states]


def signed_by_both(live_server, device):
    """An APR the employee and then the manager signed, each on their own laptop."""
    people = live_server.people
    record = a_record(live_server, RecordKind.APR, "responded")
    employee = device(people.by_employee(record.subject_id))
    manager = device(people.manager_of(record.subject_id))
    employee.sync()
    employee.sign(record.id, people, decision="agree")
    result = employee.sync()
    assert result.sent == 1 and result.refused == [], result.refused
    manager.sync()
    manager.sign(record.id, people)
    assert manager.sync().sent == 1
    return record, employee, manager


# -- the authority -----------------------------------------------------------------------


def test_the_server_head_constant_names_the_newest_script():
    assert db.server_head() == db.SERVER_HEAD


@pytest.fixture
def server_env(tmp_path, monkeypatch):
    monkeypatch.setenv("LCC_APR_HOME", str(tmp_path))
    url = f"sqlite:///{tmp_path / 'server.db'}"
    monkeypatch.setenv("LCC_APR_SERVER_DATABASE_URL", url)
    for key, value in CHEAP_ARGON2.items():
        monkeypatch.setenv(f"LCC_APR_SERVER_{key.upper()}", str(value))
    (tmp_path / "ca.passphrase").write_text("the CA key's passphrase\n")
    monkeypatch.setenv("LCC_APR_SERVER_CA_PASSPHRASE_FILE", str(tmp_path / "ca.passphrase"))
    engine = db.make_engine(url)
    yield tmp_path, engine
    engine.dispose()


def test_init_ca_makes_a_key_only_the_server_can_read_and_import_ca_replaces_it(
    server_env, capsys, monkeypatch
):
    home, engine = server_env
    assert main(["init-ca"]) == EXIT_OK
    key_file, cert_file = home / "signing-ca.key", home / "signing-ca.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    out = capsys.readouterr().out
    assert "PRIVATE" not in out and key_file.read_text() not in out
    first = x509.load_pem_x509_certificate(cert_file.read_bytes())
    constraints = first.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert constraints.ca and "Leicestershire County Council" in holder_name(first)
    assert main(["init-ca"]) == EXIT_OK  # already there: nothing changes
    assert "nothing was changed" in capsys.readouterr().out
    assert cert_file.read_bytes() == first.public_bytes(serialization.Encoding.PEM)

    # HR's own CA, with an encrypted key.
    theirs = create_authority("HR's Own CA")
    (home / "theirs.pem").write_bytes(theirs.certificate.public_bytes(serialization.Encoding.PEM))
    (home / "theirs.key").write_bytes(
        theirs.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"hr secret"),
        )
    )
    command = ["import-ca", "--cert", str(home / "theirs.pem"), "--key", str(home / "theirs.key")]
    assert main(command) == EXIT_PROBLEM
    assert "needs its password" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("hr secret\n"))
    assert main([*command, "--key-password-stdin"]) == EXIT_PROBLEM
    assert "--replace" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("hr secret\n"))
    assert main([*command, "--key-password-stdin", "--replace"]) == EXIT_OK
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # kept encrypted under the server's own passphrase, not HR's
    assert b"BEGIN ENCRYPTED PRIVATE KEY" in key_file.read_bytes()
    assert ca_module.read_authority(ServerSettings()).fingerprint == theirs.fingerprint
    with Session(engine) as s:
        rows = {r.fingerprint: r.retired_at for r in s.scalars(select(SigningAuthority))}
        reply = trust_reply(s, ca_module.read_authority(ServerSettings()))
    assert len(rows) == 2 and rows[theirs.fingerprint] is None
    assert [x509.load_der_x509_certificate(base64.b64decode(c)) for c in reply["ca_certificates"]][
        0
    ] == theirs.certificate  # the current one first; the old one still listed
    assert len(reply["ca_certificates"]) == 2
    # Not a CA: refused.
    leaf_key = new_private_key()
    leaf = build_certificate(
        theirs,
        SimpleNamespace(display_name="A", username="a"),
        leaf_key.public_key(),
        ServerSettings(),
        now_utc(),
    )
    (home / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (home / "leaf.key").write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    leaf_command = ["import-ca", "--cert", str(home / "leaf.pem"), "--key", str(home / "leaf.key")]
    assert main([*leaf_command, "--replace"]) == EXIT_PROBLEM
    assert "not a certificate authority" in capsys.readouterr().err


def test_revoke_certificate_and_disable_user_on_the_command_line(server_env, capsys):
    home, engine = server_env
    assert main(["demo", "--size", "12", "--as-of", "2025-11-30"]) == EXIT_OK
    assert (home / "signing-ca.key").exists()  # the demo made its authority
    assert stat.S_IMODE((home / "signing-ca.key").stat().st_mode) == 0o600
    authority = ca_module.read_authority(ServerSettings())
    with Session(engine) as s, s.begin():
        users = [
            SimpleNamespace(id=u.id, username=u.username)
            for u in list(s.scalars(select(User).order_by(User.id)))[:2]
        ]
        for user in users:
            csr = certificate_request(new_private_key(), user.username)
            issue_certificate(s, authority, s.get(User, user.id), csr, settings=ServerSettings())
    capsys.readouterr()
    assert main(["revoke-certificate", "--user", users[0].username, "--reason", "left"]) == 0
    assert "Revoked 1" in capsys.readouterr().out
    assert main(["revoke-certificate", "--user", users[0].username]) == EXIT_PROBLEM
    assert main(["disable-user", users[1].username]) == EXIT_OK
    assert "1 signing certificate(s) were revoked" in capsys.readouterr().out
    with Session(engine) as s:
        revoked = {
            c.user_id: (c.revoke_reason, c.revoked_at is not None)
            for c in s.scalars(select(IssuedCertificate))
        }
        listed = trust_reply(s, authority)["revoked"]
    assert revoked == {users[0].id: ("left", True), users[1].id: ("disabled", True)}
    assert sorted(r["reason"] for r in listed) == ["disabled", "left"]


# -- enrolment ---------------------------------------------------------------------------


def test_a_user_gets_a_certificate_naming_them_for_their_own_key(live_server):
    people = live_server.people
    employee, other = people.employees[0], people.employees[1]
    me = live_server.login(employee.username)
    key = new_private_key()
    csr = b64(certificate_request(key, employee.username))
    reply = me.client.post("/certificates", json={"csr": csr})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    cert = x509.load_der_x509_certificate(base64.b64decode(body["certificate"]))
    with live_server.session() as s:
        user = s.get(User, employee.id)
        assert cert.subject.get_attributes_for_oid(NameOID.USER_ID)[0].value == user.username
        assert holder_name(cert) == user.display_name
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    days = (cert.not_valid_after_utc - cert.not_valid_before_utc).days
    assert 730 <= days <= 732 and cert.serial_number > 2**64
    authority = ca_module.read_authority(live_server.settings)
    cert.verify_directly_issued_by(authority.certificate)
    assert body["user_id"] == employee.id and body["serial"] == serial_text(cert)
    assert "PRIVATE" not in reply.text
    with pytest.raises(x509.ExtensionNotFound):
        cert.extensions.get_extension_for_oid(ExtendedKeyUsageOID.CODE_SIGNING)
    again = me.client.post("/certificates", json={"csr": csr}).json()
    assert again["serial"] == body["serial"]  # the same key: the same certificate
    stolen = live_server.login(other.username).client.post("/certificates", json={"csr": csr})
    assert stolen.status_code == 409 and stolen.json()["code"] == "key_taken"
    bad = me.client.post("/certificates", json={"csr": b64(b"not a request")})
    assert bad.status_code == 400
    assert live_server.client().post("/certificates", json={"csr": csr}).status_code == 401
    trust = me.client.get("/certificates/trust").json()
    assert trust["revoked"] == [] and len(trust["ca_certificates"]) == 1


# -- sign-offs through sync ---------------------------------------------------------------


def test_a_record_signed_by_both_parties_verifies_on_every_computer(live_server, device):
    record, employee, manager = signed_by_both(live_server, device)
    stored = live_server.records(id=record.id)[0]
    assert stored.status == "completed"
    with live_server.session() as s:
        rows = list(s.scalars(select(SignOff).where(SignOff.record_id == record.id)))
        assert [(r.role, r.signature is not None) for r in rows] == [
            ("employee", True),
            ("manager", True),
        ]
    expected = [("valid", "employee"), ("valid", "manager")]
    assert statuses(server_states(live_server, record.id)) == expected
    hr = device(live_server.people.hr[0])
    hr.sync()
    assert statuses(hr.states(record.id)) == expected
    employee.sync()
    assert statuses(employee.states(record.id)) == expected
    assert employee.sync().sent == 0  # nothing left to send on any side


def test_an_offline_sign_off_is_verified_when_it_syncs(live_server, device):
    people = live_server.people
    record = a_record(live_server, RecordKind.SUPERVISION, "shared")
    employee = device(people.by_employee(record.subject_id))
    # A computer that never reached the server cannot sign offline.
    with pytest.raises(SigningError, match="Connect once to get your signing certificate"):
        employee.signer.ready(None)
    employee.sync()  # connected once: enrolled during sync
    assert not employee.signer.needs_certificate()
    employee.sign(record.id, people, decision="disagree", reason="Not what we said", online=False)
    (only,) = employee.states(record.id)
    assert only.status is SignatureStatus.VALID  # checked offline against the cached trust
    assert live_server.records(id=record.id)[0].status == "shared"  # not sent yet
    result = employee.sync()
    assert result.sent == 1 and result.refused == []
    (checked,) = server_states(live_server, record.id)
    assert checked.status is SignatureStatus.VALID and checked.reason == "Not what we said"
    assert live_server.records(id=record.id)[0].status == "employee_signed"


def tampered_push(live_server, device, change):
    """The employee signs a shared supervision offline; `change(sign_off_wire, context)`
    tampers with it before it is pushed by hand. Returns (reply item, record id)."""
    people = live_server.people
    record = a_record(live_server, RecordKind.SUPERVISION, "shared")
    employee = device(people.by_employee(record.subject_id))
    manager = device(people.manager_of(record.subject_id))
    employee.sync(), manager.sync()
    employee.sign(record.id, people, decision="agree")
    with employee.store.session() as s:
        wire = SyncEngine._wire(s, s.get(Record, record.id))
    context = SimpleNamespace(
        employee=employee, manager=manager, record=record, key=employee.signer.identity()
    )
    change(wire["sign_offs"][0], context)
    reply = live_server.login(employee.user.username).push([wire])
    assert reply.status_code == 200, reply.text
    (item,) = reply.json()["results"]
    return item, record.id


def resign(sign_off: dict, key) -> None:
    sign_off["signature"] = b64(
        key.sign(
            signed_bytes(
                record_id=sign_off["record_id"],
                content_hash=sign_off["content_hash"],
                covers=sign_off["covers"],
                role=sign_off["role"],
                decision=sign_off["decision"],
                reason=sign_off["reason"],
                signed_at=datetime.fromisoformat(sign_off["signed_at"]),
            ),
            SIGNATURE,
        )
    )


def with_record_id(record_id: str, sign_off: dict) -> dict:
    return {**sign_off, "record_id": record_id}


def _someone_elses_certificate(sign_off, ctx):
    manager_identity = ctx.manager.signer.identity()
    sign_off["certificate"] = b64(manager_identity.certificate_der)  # enrolled during sync


def _a_certificate_from_elsewhere(sign_off, ctx):
    rogue = create_authority("Rogue")
    key = new_private_key()
    person = SimpleNamespace(display_name="Someone", username=ctx.employee.user.username)
    cert = build_certificate(rogue, person, key.public_key(), ServerSettings(), now_utc())
    sign_off["certificate"] = b64(der(cert))
    full = with_record_id(ctx.record.id, sign_off)
    resign(full, key)
    sign_off["signature"] = full["signature"]


def _in_the_managers_name(sign_off, ctx):
    sign_off["user_id"] = ctx.manager.user.id


def _over_other_content(sign_off, ctx):
    sign_off["content_hash"] = "ab" * 32
    full = with_record_id(ctx.record.id, sign_off)
    resign(full, ctx.key.private_key)
    sign_off["signature"] = full["signature"]


def _with_another_key(sign_off, ctx):
    full = with_record_id(ctx.record.id, sign_off)
    resign(full, new_private_key())
    sign_off["signature"] = full["signature"]


def _unsigned(sign_off, ctx):
    sign_off["signature"] = None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_someone_elses_certificate, "belongs to someone else"),
        (_a_certificate_from_elsewhere, "not issued by this organisation"),
        (_in_the_managers_name, "only be sent by the person who signed it"),
        (_over_other_content, "does not match the record's content"),
        (_with_another_key, "signature does not match"),
        (_unsigned, "must be digitally signed"),
    ],
)
def test_a_forged_sign_off_is_refused_and_nothing_changes(live_server, device, change, reason):
    item, record_id = tampered_push(live_server, device, change)
    assert item["outcome"] == "refused" and reason in item["reason"], item
    stored = live_server.records(id=record_id)[0]
    assert stored.status == "shared"
    with live_server.session() as s:
        assert s.scalars(select(SignOff).where(SignOff.record_id == record_id)).all() == []
        outcomes = list(s.scalars(select(AuditEntry.outcome)))
    assert "refused:signature" in outcomes


def test_the_genuine_sign_off_goes_through_where_forgeries_do_not(live_server, device):
    item, record_id = tampered_push(live_server, device, lambda sign_off, ctx: None)
    assert item["outcome"] == "applied"
    assert [s.status for s in server_states(live_server, record_id)] == [SignatureStatus.VALID]


def test_a_revoked_certificate_signs_nothing_more(live_server, device):
    people = live_server.people
    record = a_record(live_server, RecordKind.SUPERVISION, "shared")
    employee = device(people.by_employee(record.subject_id))
    employee.sync()
    old_serial = serial_text(employee.signer.identity().certificate)
    with live_server.session() as s:  # the laptop was lost, reported a minute ago
        minute_ago = now_utc() - timedelta(minutes=1)
        assert revoke_certificates(s, employee.user.id, "lost", at=minute_ago) == 1
    employee.sign(record.id, people, decision="agree", online=False)  # it does not know yet
    result = employee.sync()
    assert result.sent == 0 and len(result.refused) == 1
    assert "was revoked" in result.refused[0]
    with employee.store.session() as s:
        assert s.get(Conflict, record.id).reason == result.refused[0]
    (mine,) = employee.states(record.id)  # the trust fetched by that sync flags it
    assert mine.status is SignatureStatus.REVOKED and "lost or stolen" in mine.text
    # The sync also replaced the revoked key: a new key, a new certificate.
    fresh = employee.signer.identity()
    assert serial_text(fresh.certificate) != old_serial
    trust = employee.connection.trust()
    assert [r.serial for r in trust.revoked] == [old_serial]
    assert live_server.records(id=record.id)[0].status == "shared"
    accept_server_version(employee.store, record.id)  # "Discard my change", then sign again
    assert employee.states(record.id) == []
    employee.sign(record.id, people, decision="agree")
    assert employee.sync().refused == []
    assert statuses(server_states(live_server, record.id)) == [("valid", "employee")]


def test_disabling_a_user_revokes_their_certificates(live_server, device):
    people = live_server.people
    record, employee, manager = signed_by_both(live_server, device)
    serial = serial_text(employee.signer.identity().certificate)
    with live_server.session() as s:
        assert disable_user(s, s.get(User, employee.user.id)) == 1
    hr = device(people.hr[0])
    hr.sync()
    assert serial in hr.signer.trust().revoked
    # Signed before the revocation: still valid.
    assert statuses(hr.states(record.id)) == [("valid", "employee"), ("valid", "manager")]
    assert "revoked later" in hr.states(record.id)[0].text


def test_an_amendment_supersedes_the_signatures_on_every_computer(live_server, device):
    record, employee, manager = signed_by_both(live_server, device)
    people = live_server.people
    with manager.store.session() as s:
        stored = s.get(Record, record.id)
        take_step(
            s,
            stored,
            "amend",
            actor=actor_for(people, manager.user, stored.subject_id),
            template=CATALOGUE.get(stored.template_id, stored.template_version),
            at=now_utc(),
            reason="The objectives were copied from last year",
        )
    assert manager.sync().sent == 1
    with live_server.session() as s:
        rows = list(s.scalars(select(SignOff).where(SignOff.record_id == record.id)))
        assert len(rows) == 2 and all(r.superseded_at is not None for r in rows)
    employee.sync()  # back at draft: out of the employee's sight, gone from their laptop
    with employee.store.session() as s:
        assert s.get(Record, record.id) is None
    for laptop in (manager, device(people.hr[0])):
        laptop.sync()
        found = laptop.states(record.id)
        assert [s.status for s in found] == [SignatureStatus.SUPERSEDED] * 2
        assert all("voided when the record was amended" in s.text for s in found)


def test_signed_answers_change_only_through_an_amendment(live_server, device):
    people = live_server.people
    # a draft, where the manager may edit (shared, it waits for the employee)
    record = a_record(live_server, RecordKind.SUPERVISION, "draft")
    manager_user = people.manager_of(record.subject_id)
    with live_server.session() as s:  # a sign-off covering every answer, on the server
        s.add(
            SignOff(
                record_id=record.id,
                user_id=people.by_employee(record.subject_id).id,
                role="employee",
                decision="agree",
                signed_at=now_utc() - timedelta(hours=1),
                content_hash="0" * 64,
                covers=sorted(record.answers),
            )
        )
    manager = device(manager_user)
    manager.sync()
    key = sorted(record.answers)[0]
    with manager.store.session() as s:
        update_record(
            s, s.get(Record, record.id), user_id=manager_user.id, at=now_utc(), answers={key: None}
        )
    result = manager.sync()
    assert result.sent == 0 and "amended" in result.refused[0]


def test_old_pushes_without_sign_offs_still_work_and_pulls_carry_none(live_server):
    record = a_record(live_server, RecordKind.SUPERVISION, "shared")
    employee = live_server.login(live_server.people.by_employee(record.subject_id).username)
    items, _ = employee.pull_all()
    assert all("sign_offs" not in i["record"] for i in items if "record" in i)


def test_the_demo_server_gets_its_own_authority(tmp_path):
    from lcc_apr.server.embedded import EmbeddedServer

    server = EmbeddedServer(tmp_path, size=12)
    server.prepare()
    url = server.start()
    try:
        key = tmp_path / "demo-signing-ca.key"
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        logins = server.logins()
        with httpx.Client(base_url=url, headers={"LCC-APR-Protocol": "1"}) as client:
            token = client.post(
                "/auth/login", json={"username": logins.employee, "password": "demo"}
            ).json()["access_token"]
            trust = client.get("/certificates/trust", headers={"Authorization": f"Bearer {token}"})
        assert trust.status_code == 200 and len(trust.json()["ca_certificates"]) == 1
    finally:
        server.stop()


def test_hr_countersigns_a_closed_capability_case_through_sync(live_server, device):
    people = live_server.people
    (case,) = live_server.records(kind=RecordKind.CAPABILITY)
    manager = device(people.manager_of(case.subject_id))
    manager.sync()
    manager.sign(case.id, people, step="close_improved")
    assert manager.sync().refused == []
    assert live_server.records(id=case.id)[0].status == "closed_improved"
    hr_user = next(u for u in people.hr if u.employee_id != case.subject_id)
    hr = device(hr_user)
    hr.sync()
    hr.sign(case.id, people)  # no step: a countersignature
    result = hr.sync()
    assert result.sent == 1 and result.refused == []
    assert statuses(server_states(live_server, case.id)) == [
        ("valid", "manager"),
        ("valid", "hr"),
    ]
    with live_server.session() as s:
        last = s.scalars(
            select(RecordChange)
            .where(RecordChange.record_id == case.id)
            .order_by(RecordChange.seq.desc())
        ).first()
        assert last.patch["note"] == {"countersigned": "hr"} and last.user_id == hr_user.id
    manager.sync()
    assert statuses(manager.states(case.id)) == [("valid", "manager"), ("valid", "hr")]


def test_a_sign_off_contradicting_the_employees_answer_is_refused(live_server, device, monkeypatch):
    """Issue 12 defect 3: the form says 'I disagree'; a sign-off saying 'agree' (from an
    app without the check) is refused and nothing is written."""
    people = live_server.people
    record = a_record(live_server, RecordKind.APR, "responded")
    employee = device(people.by_employee(record.subject_id))
    employee.sync()
    answer = record.answers["employee_response"]
    other = "agree" if answer == "disagree" else "disagree"
    monkeypatch.setattr(signoff_module, "check_matches_answers", lambda *a: None, raising=False)
    employee.sign(record.id, people, decision=other, reason="Signed the other way")
    result = employee.sync()
    assert result.sent == 0 and len(result.refused) == 1, result
    assert "your sign-off must say the same" in str(result.refused[0])
    assert live_server.records(id=record.id)[0].status == "responded"
    with live_server.session() as s:
        assert s.scalars(select(SignOff).where(SignOff.record_id == record.id)).all() == []
        outcomes = list(s.scalars(select(AuditEntry.outcome)))
    assert "refused:signature" in outcomes
