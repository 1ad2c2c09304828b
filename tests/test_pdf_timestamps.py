"""Trusted time on printed PDFs, against a real RFC 3161 TSA on 127.0.0.1 (tests/tsa_server):
PAdES B-T (the TSA's token) and B-LT (the CA's CRL in the DSS), checked by our check,
pyHanko's validator and pdfsig; a signature timestamped before its certificate's
revocation stays valid, one after it does not; a TSA that is down gives a B-B print that
says so; HR's refresh job adds an archive document timestamp (B-LTA)."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from lcc_apr.pdf.check import check_pdf
from lcc_apr.pdf.records import Printer, print_record
from lcc_apr.pdf.sign import PdfSigner, TimestampUnavailable
from lcc_apr.pdf.timestamps import (
    NO_TRUSTED_TIME,
    TRUSTED_TIME,
    TSA_DID_NOT_ANSWER,
    ValidationMaterial,
    last_timestamp,
    refresh_folder,
    timestamper_for,
)
from tests.pdf_tools import (
    Identity,
    make_ca,
    make_nss_db,
    make_pdf,
    make_tsa,
    make_user,
    render_page_png,
    require_tool,
    run_pdfsig,
)
from tests.test_pdf_render import add_record, catalogue, session  # noqa: F401 (fixtures)
from tests.tsa_server import LocalTsa


@pytest.fixture(scope="module")
def ca() -> Identity:
    return make_ca("Leicestershire County Council LCC APR CA")


@pytest.fixture
def tsa(ca):
    server = LocalTsa(make_tsa(ca)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def nss(ca, tmp_path_factory):
    return make_nss_db(tmp_path_factory.mktemp("nss"), [ca.certificate])


def make_crl(ca: Identity, revoked: dict[int, datetime] | None = None) -> bytes:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(now - timedelta(hours=2))
        .next_update(now + timedelta(days=7))
    )
    for serial, at in (revoked or {}).items():
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(at).build()
        )
    return builder.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def signer(user: Identity, ca: Identity, tsa: LocalTsa | None, crl: bytes) -> PdfSigner:
    return PdfSigner(
        user.key,
        user.certificate,
        user.chain,
        timestamper=timestamper_for(tsa.url) if tsa else None,
        validation=ValidationMaterial((ca.certificate,), (crl,)),
    )


def pyhanko_at_timestamp(pdf: bytes, ca: Identity, crl: bytes):
    """pyHanko's own validator, as of the signature's timestamp, with the CA's current CRL
    and revocation checking required."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    stamp = last_timestamp(pdf)
    assert stamp is not None
    root = asn1_x509.Certificate.load(ca.certificate.public_bytes(serialization.Encoding.DER))
    context = ValidationContext(
        trust_roots=[root],
        crls=[asn1_crl.CertificateList.load(crl)],
        revocation_mode="require",
        allow_fetching=False,
        moment=stamp.at,
        retroactive_revinfo=True,
    )
    emb = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    return validate_pdf_signature(emb, signer_validation_context=context)


def dss_crls(pdf: bytes) -> list:
    from pyhanko.pdf_utils.reader import PdfFileReader

    root = PdfFileReader(io.BytesIO(pdf)).root
    return list(root["/DSS"]["/CRLs"]) if "/DSS" in root else []


def test_b_t_and_b_lt_with_a_local_tsa(ca, tsa, nss, tmp_path):
    ryan = make_user(ca)
    tsa.at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    crl = make_crl(ca)
    pdf = signer(ryan, ca, tsa, crl).sign(make_pdf(), reason="Approval", signer_name="Ryan")
    assert tsa.requests >= 1

    result = check_pdf(pdf, trust_roots=[ca.certificate])
    one = result.signatures[0]
    assert result.ok, result.summary
    assert one.timestamped and one.signed_at == tsa.at  # the TSA's time, not the laptop's
    assert one.later_changes == "timestamps"  # the DSS revision (B-LT)
    assert len(dss_crls(pdf)) == 1  # the CA's CRL travels in the file

    status = pyhanko_at_timestamp(pdf, ca, crl)
    assert status.bottom_line and status.timestamp_validity.trusted
    assert status.timestamp_validity.timestamp == tsa.at

    report = run_pdfsig(pdf, nss, tmp_path)
    assert report.signatures[0].signature_valid, report.output
    assert report.signatures[0].certificate_trusted, report.output


def test_signed_before_a_revocation_stays_valid_and_after_it_does_not(ca, tsa, tmp_path):
    ryan = make_user(ca, "Łukasz Dvořák")
    now = datetime.now(UTC).replace(microsecond=0)
    revoked_at = now - timedelta(minutes=10)
    old_crl = make_crl(ca)  # what the laptop fetched at its last sync
    kit = signer(ryan, ca, tsa, old_crl)
    tsa.at = now - timedelta(minutes=20)
    before = kit.sign(make_pdf(), reason="Approval", signer_name="Łukasz Dvořák")
    tsa.at = now - timedelta(minutes=1)
    after = kit.sign(make_pdf(), reason="Approval", signer_name="Łukasz Dvořák")
    new_crl = make_crl(ca, {ryan.serial: revoked_at})

    revoked = {ryan.serial: revoked_at}
    kept = check_pdf(before, trust_roots=[ca.certificate], revoked=revoked)
    lost = check_pdf(after, trust_roots=[ca.certificate], revoked=revoked)
    assert kept.ok and not kept.signatures[0].revoked, kept.summary
    assert not lost.ok and lost.signatures[0].revoked, lost.summary
    assert "revoked" in lost.summary

    assert pyhanko_at_timestamp(before, ca, new_crl).bottom_line
    late = pyhanko_at_timestamp(after, ca, new_crl)
    assert late.revoked and not late.bottom_line

    # pdfsig (poppler 22.12) checks certificates at the present time and ignores
    # timestamps: with the CRL in its NSS database it calls the late one revoked (and,
    # being unable to use the timestamp, the early one too).
    nss = make_nss_db(tmp_path / "nss-crl", [ca.certificate])
    (tmp_path / "ca.crl").write_bytes(new_crl)
    subprocess.run(
        [require_tool("crlutil"), "-I", "-i", str(tmp_path / "ca.crl"), "-d", f"sql:{nss}"],
        check=True,
        capture_output=True,
    )
    report = run_pdfsig(after, nss, tmp_path)
    assert report.signatures[0].signature_valid, report.output
    assert report.signatures[0].certificate_validation == "Certificate has been Revoked."


def test_without_a_b_b_signature_the_revocation_wins(ca):
    """No timestamp: nothing proves the signature predates the revocation."""
    ryan = make_user(ca)
    pdf = signer(ryan, ca, None, make_crl(ca)).sign(make_pdf(), reason="x", signer_name="R")
    long_ago = datetime.now(UTC) - timedelta(days=365)
    result = check_pdf(pdf, trust_roots=[ca.certificate], revoked={ryan.serial: long_ago})
    assert not result.signatures[0].timestamped
    assert result.signatures[0].revoked


def test_a_tsa_that_is_down_raises_and_signs_nothing(ca, tsa):
    ryan = make_user(ca)
    tsa.down = True
    kit = signer(ryan, ca, tsa, make_crl(ca))
    with pytest.raises(TimestampUnavailable):
        kit.sign(make_pdf(), reason="x", signer_name="R")
    pdf = kit.sign(make_pdf(), reason="x", signer_name="R", timestamp=False)
    assert check_pdf(pdf, trust_roots=[ca.certificate]).ok
    assert last_timestamp(pdf) is None


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        [require_tool("pdftotext"), "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return " ".join(done.stdout.split())


@pytest.mark.parametrize(
    ("tsa_state", "note"),
    [("up", TRUSTED_TIME), ("down", TSA_DID_NOT_ANSWER), ("none", NO_TRUSTED_TIME)],
)
def test_the_printed_box_says_whether_the_time_is_trusted(
    session,  # noqa: F811
    catalogue,  # noqa: F811
    ca,
    tsa,
    nss,
    tsa_state,
    note,
    tmp_path,
):
    record = add_record(session, "apr")
    user = make_user(ca, "Thị Mai Trần")
    tsa.down = tsa_state == "down"
    kit = signer(user, ca, None if tsa_state == "none" else tsa, make_crl(ca))
    printer = Printer(kit, "Thị Mai Trần", "manager", [ca.certificate])
    printed = print_record(session, record.id, catalogue, printer)
    pdf = printed.pdf
    assert note in pdf_text(pdf, tmp_path)  # in the signature box
    assert note in printed.check  # and on the preview's verification line
    result = check_pdf(pdf, trust_roots=[ca.certificate])
    assert result.ok, result.summary
    assert result.signatures[0].timestamped is (tsa_state == "up")
    report = run_pdfsig(pdf, nss, tmp_path)
    assert report.signatures[0].signature_valid, report.output
    if tsa_state == "down":  # kept for looking at: the box on the record's last page
        from pyhanko.pdf_utils.reader import PdfFileReader

        pages = int(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"])
        render_page_png(pdf, tmp_path, page=pages, dpi=100)


def test_the_refresh_job_adds_an_archive_timestamp(ca, tsa, nss, tmp_path):
    ryan = make_user(ca)
    crl = make_crl(ca)
    folder = tmp_path / "records"
    folder.mkdir()
    tsa.down = True
    kit = signer(ryan, ca, tsa, crl)
    (folder / "b-b.pdf").write_bytes(
        kit.sign(make_pdf(), reason="x", signer_name="R", timestamp=False)
    )
    tsa.down = False
    (folder / "b-t.pdf").write_bytes(kit.sign(make_pdf(), reason="x", signer_name="R"))
    (folder / "unsigned.pdf").write_bytes(make_pdf())
    (folder / "broken.pdf").write_bytes(b"not a pdf")
    material = ValidationMaterial((ca.certificate,), (crl,))

    # the TSA's certificate has a year to run: only the print without trusted time is due
    done = {r.path.name: r for r in refresh_folder(folder, timestamper_for(tsa.url), material)}
    assert {n: r.outcome for n, r in done.items()} == {
        "b-b.pdf": "timestamped",
        "b-t.pdf": "not due",
        "unsigned.pdf": "unsigned",
        "broken.pdf": "failed",
    }
    assert (folder / "broken.pdf").read_bytes() == b"not a pdf"  # nothing lost

    # within 400 days of its expiry: the B-T one gets its archive timestamp too
    again = refresh_folder(folder, timestamper_for(tsa.url), material, within_days=400)
    assert {r.path.name: r.outcome for r in again}["b-t.pdf"] == "timestamped"
    for name in ("b-b.pdf", "b-t.pdf"):
        pdf = (folder / name).read_bytes()
        stamp = last_timestamp(pdf)
        assert stamp is not None and stamp.kind == "document"
        result = check_pdf(pdf, trust_roots=[ca.certificate])
        assert result.ok, result.summary
        assert len(dss_crls(pdf)) >= 1
        report = run_pdfsig(pdf, nss, tmp_path)
        assert report.signatures[0].signature_valid, report.output
        assert report.signatures[0].certificate_trusted, report.output

    # a TSA that is down: the job says so and leaves the files as they were
    tsa.down = True
    before = (folder / "b-b.pdf").read_bytes()
    failed = refresh_folder(folder, timestamper_for(tsa.url), material, within_days=4000)
    assert {r.path.name: r.outcome for r in failed}["b-b.pdf"] == "failed"
    assert (folder / "b-b.pdf").read_bytes() == before


def test_the_hr_command_uses_the_tsa_and_crl_the_store_got_at_sync(
    ca, tsa, tmp_path, monkeypatch, capsys
):
    from lcc_apr.cli import EXIT_OK, EXIT_PROBLEM, main
    from lcc_apr.demo.build import open_demo_store
    from lcc_apr.signing.trust import Trust, save_trust

    monkeypatch.setenv("LCC_APR_HOME", str(tmp_path))
    monkeypatch.delenv("LCC_APR_TSA_URL", raising=False)
    crl = make_crl(ca)
    store = open_demo_store(tmp_path / "demo.db", keyring_backend=None)
    with store.session() as s:  # what a sync with a server that has a TSA leaves behind
        save_trust(s, Trust((ca.certificate,), {}, None, crl=crl, timestamp_authority=tsa.url))
        s.commit()
    store.close()
    folder = tmp_path / "printed"
    folder.mkdir()
    ryan = make_user(ca)
    tsa.down = True
    kit = signer(ryan, ca, tsa, crl)
    (folder / "a.pdf").write_bytes(
        kit.sign(make_pdf(), reason="x", signer_name="R", timestamp=False)
    )
    assert main(["pdf-timestamps", str(folder)]) == EXIT_PROBLEM  # the TSA is down
    assert "1 failed" in capsys.readouterr().out
    tsa.down = False
    assert main(["pdf-timestamps", str(folder), "--list"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "a.pdf\ttimestamped\tno trusted time yet" in out and "1 timestamped" in out
    stamp = last_timestamp((folder / "a.pdf").read_bytes())
    assert stamp is not None and stamp.kind == "document"
    assert dss_crls((folder / "a.pdf").read_bytes())


def test_an_outside_timestamp_service_needs_its_root_named(ca):
    """A TSA that does not chain to the organisation CA: printing still works (B-T, the
    material left out when its root is unknown, B-LT when it is given), and the check
    trusts its time only when told its root."""
    outside = make_ca("A commercial timestamp root")
    server = LocalTsa(make_tsa(outside)).start()
    try:
        ryan = make_user(ca)
        crl = make_crl(ca)
        unknown = signer(ryan, ca, server, crl)
        pdf = unknown.sign(make_pdf(), reason="x", signer_name="R")
        assert last_timestamp(pdf) is not None and dss_crls(pdf) == []  # B-T only
        named = PdfSigner(
            ryan.key,
            ryan.certificate,
            ryan.chain,
            timestamper=timestamper_for(server.url),
            validation=ValidationMaterial((ca.certificate, outside.certificate), (crl,)),
        )
        pdf = named.sign(make_pdf(), reason="x", signer_name="R")
        assert len(dss_crls(pdf)) == 1  # B-LT
    finally:
        server.stop()
    assert not check_pdf(pdf, trust_roots=[ca.certificate]).signatures[0].timestamped
    told = check_pdf(pdf, trust_roots=[ca.certificate], timestamp_roots=[outside.certificate])
    assert told.ok and told.signatures[0].timestamped, told.summary
