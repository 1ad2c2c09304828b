"""Trusted time on the server: the CA's CRL (GET /certificates/crl, and in the trust every
laptop fetches at sync, with the timestamp authority's address), and sign-offs
countersigned with an RFC 3161 token from a real TSA on 127.0.0.1 as they arrive, sent
back in the feed to every laptop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from lcc_apr.models import Record, SignOff, now_utc
from lcc_apr.server import ca as ca_module
from lcc_apr.server import timemark
from lcc_apr.server.ca import revoke_certificates
from lcc_apr.server.timemark import token_time
from lcc_apr.signing.trust import load_trust
from tests.pdf_tools import make_ca, make_tsa
from tests.tsa_server import LocalTsa

from .test_signing import device, signed_by_both  # noqa: F401 (fixture)


@pytest.fixture
def tsa(monkeypatch):
    monkeypatch.setattr(timemark, "_down_until", {})  # no TSA remembered as down
    server = LocalTsa(make_tsa(make_ca("Test timestamp root"))).start()
    yield server
    server.stop()


def test_the_crl_is_signed_by_the_authority_and_lists_revocations(
    live_server,
    device,  # noqa: F811
):
    person = live_server.people.employees[0]
    laptop = device(person)
    laptop.sync()  # enrols: a certificate
    serial = laptop.signer.identity().certificate.serial_number
    me = live_server.login(person.username)
    empty = me.client.get("/certificates/crl")
    assert empty.status_code == 200, empty.text
    assert empty.headers["content-type"] == "application/pkix-crl"
    authority = ca_module.read_authority(live_server.settings)
    assert authority is not None
    crl = x509.load_der_x509_crl(empty.content)
    assert crl.is_signature_valid(authority.certificate.public_key())
    assert crl.issuer == authority.certificate.subject
    assert crl.get_revoked_certificate_by_serial_number(serial) is None
    assert crl.next_update_utc - crl.last_update_utc >= timedelta(days=7)

    when = (now_utc() - timedelta(minutes=1)).replace(microsecond=0)
    with live_server.session() as s:
        assert revoke_certificates(s, person.id, "lost", at=when) == 1
        s.commit()
    crl = x509.load_der_x509_crl(me.client.get("/certificates/crl").content)
    entry = crl.get_revoked_certificate_by_serial_number(serial)
    assert entry is not None and entry.revocation_date_utc == when
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason is x509.ReasonFlags.key_compromise
    assert crl.is_signature_valid(authority.certificate.public_key())

    trust = laptop.connection.trust()
    assert trust.crl is not None and trust.timestamp_authority is None
    laptop.sync()  # the laptop keeps the new CRL for the PDFs it signs
    with laptop.store.session() as s:
        kept = load_trust(s)
    assert kept.crl is not None
    assert x509.load_der_x509_crl(kept.crl).get_revoked_certificate_by_serial_number(serial)


def test_the_crl_needs_a_sign_in(live_server):
    assert live_server.client().get("/certificates/crl").status_code == 401


def test_sign_offs_are_countersigned_with_trusted_time_and_every_laptop_gets_it(
    live_server,
    device,  # noqa: F811
    tsa,
    monkeypatch,
):
    monkeypatch.setattr(live_server.settings, "timestamp_authority_url", tsa.url)
    before = now_utc() - timedelta(seconds=5)
    record, employee, manager = signed_by_both(live_server, device)
    with live_server.session() as s:
        rows = list(s.scalars(select(SignOff).where(SignOff.record_id == record.id)))
    assert len(rows) == 2 and tsa.requests >= 2
    for row in rows:
        assert row.time_token is not None and row.signature is not None
        certified = token_time(row.time_token, row.signature)
        assert certified is not None and before <= certified <= now_utc() + timedelta(seconds=5)
        assert token_time(row.time_token, row.signature + b"x") is None  # bound to it

    trust = employee.connection.trust()
    assert trust.timestamp_authority == tsa.url  # laptops learn the TSA at sync
    employee.sync()
    hr = live_server.people.hr[0]
    for laptop in (employee, device(hr)):
        laptop.sync()
        with laptop.store.session() as s:
            mine = s.get(Record, record.id).sign_offs
            assert [m.time_token is not None for m in mine] == [True, True]
        with laptop.store.session() as s:
            assert load_trust(s).timestamp_authority == tsa.url


def test_a_tsa_that_is_down_leaves_the_sign_off_without_trusted_time(
    live_server,
    device,  # noqa: F811
    tsa,
    monkeypatch,
):
    monkeypatch.setattr(live_server.settings, "timestamp_authority_url", tsa.url)
    monkeypatch.setattr(live_server.settings, "timestamp_timeout_seconds", 2)
    tsa.down = True
    record, _employee, _manager = signed_by_both(live_server, device)
    with live_server.session() as s:
        rows = list(s.scalars(select(SignOff).where(SignOff.record_id == record.id)))
    assert [r.time_token for r in rows] == [None, None]
    assert tsa.requests == 1  # the second sign-off's push did not wait for it again
    tsa.down = False
    assert timemark.time_token(live_server.settings, b"signature") is None  # still resting
    timemark._down_until.clear()  # RETRY_AFTER seconds later
    token = timemark.time_token(live_server.settings, b"signature")
    assert token is not None and token_time(token, b"signature") is not None


def test_an_outside_tsas_roots_reach_every_laptop(
    live_server,
    device,  # noqa: F811
    tsa,
    tmp_path,
    monkeypatch,
):
    roots_file = tmp_path / "tsa-roots.pem"
    root = tsa.tsa.chain[0]
    roots_file.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    monkeypatch.setattr(live_server.settings, "timestamp_authority_url", tsa.url)
    monkeypatch.setattr(live_server.settings, "timestamp_authority_roots_file", roots_file)
    laptop = device(live_server.people.employees[0])
    laptop.sync()
    with laptop.store.session() as s:
        trust = load_trust(s)
    assert trust.timestamp_roots == (root,)
    assert trust.timestamp_url() == tsa.url
    # what the laptop's prints are signed with: B-LT, the outside TSA's root embedded too
    kit = trust.pdf_signer(
        laptop.signer.identity().private_key, laptop.signer.identity().certificate
    )
    assert kit.validation is not None and root in kit.validation.trust_roots
    roots_file.write_bytes(b"not a certificate")  # a broken file: no roots, no failure
    assert laptop.connection.trust().timestamp_roots is None
