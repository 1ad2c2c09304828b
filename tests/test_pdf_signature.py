"""Signed PDFs: PAdES signatures made by lcc_apr.pdf.sign, checked two independent ways.

pyHanko's validator (lcc_apr.pdf.check) and poppler's pdfsig (NSS, with our CA as the one
trusted issuer) must agree on every verdict. Tests that need poppler-utils or libnss3-tools
fail, not skip, when those are missing (tests/pdf_tools.require_tool says what to install).
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fontTools import ttLib
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from lcc_apr.pdf.check import DAMAGED, UNSIGNED, check_pdf
from lcc_apr.pdf.sign import PdfSigner, PdfSigningError, font_path, sign_pdf
from tests.pdf_tools import (
    Identity,
    byte_ranges,
    dark_pixels,
    dummy_timestamper,
    flip_content_byte,
    in_signed_range,
    make_ca,
    make_nss_db,
    make_pdf,
    make_tsa,
    make_user,
    render_page_gray,
    require_tool,
    run_pdfsig,
    text_boxes,
)

A4_HEIGHT = 841.89
BOX = (72.0, 560.0, 372.0, 630.0)  # wide enough that the stamp text is never shrunk
ACCENTED = "Łukasz Dvořák-Éowyn Ñúñez"


@pytest.fixture(scope="module")
def ca() -> Identity:
    return make_ca()


@pytest.fixture(scope="module")
def ryan(ca: Identity) -> Identity:
    return make_user(ca, "Ryan Robinson")


@pytest.fixture(scope="module")
def nss(ca: Identity, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An NSS database trusting our CA only (certutil)."""
    return make_nss_db(tmp_path_factory.mktemp("nss"), [ca.certificate])


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return make_pdf(pages=2)


@pytest.fixture(scope="module")
def signed(ryan: Identity, unsigned: bytes) -> bytes:
    return PdfSigner(ryan.key, ryan.certificate, ryan.chain).sign(
        unsigned, reason="Line manager sign-off", signer_name="Ryan Robinson", box=BOX, page=0
    )


def _today() -> str:
    now = datetime.now().astimezone()
    return f"{now.day} {now:%B %Y}"


def test_a_signed_pdf_passes_pdfsig_and_check_pdf(
    signed: bytes, unsigned: bytes, ca: Identity, nss: Path, tmp_path: Path
):
    assert signed.startswith(unsigned), "signing must be an incremental update"

    report = run_pdfsig(signed, nss, tmp_path)
    assert len(report.signatures) == 1, report.output
    sig = report.signatures[0]
    assert sig.signer == "Ryan Robinson"
    assert sig.signature_valid, report.output
    assert sig.certificate_trusted, report.output
    assert sig.total_document_signed, report.output
    assert "Signature Type: ETSI.CAdES.detached" in sig.lines, report.output  # PAdES
    assert "Signing Hash Algorithm: SHA-256" in sig.lines, report.output

    result = check_pdf(signed, trust_roots=[ca.certificate])
    assert result.ok and not result.damaged
    (one,) = result.signatures
    assert (one.intact, one.valid, one.trusted, one.revoked) == (True, True, True, False)
    assert one.covers_whole_document and one.later_changes == "none"
    assert one.signer_name == "Ryan Robinson"
    assert one.reason == "Line manager sign-off"
    assert one.signed_at is not None
    assert abs(one.signed_at - datetime.now(UTC)) < timedelta(minutes=5)
    assert not one.timestamped
    assert result.summary == (
        f"Signed by Ryan Robinson on {_today()}; the document has not been changed since."
    )


def test_one_changed_byte_in_the_signed_range_breaks_both_checks(
    signed: bytes, ca: Identity, nss: Path, tmp_path: Path
):
    tampered = flip_content_byte(signed)
    (offset,) = [i for i, (a, b) in enumerate(zip(signed, tampered, strict=True)) if a != b]
    (byte_range,) = byte_ranges(signed)
    assert in_signed_range(offset, byte_range), "the change must be in the signed bytes"

    sig = run_pdfsig(tampered, nss, tmp_path).signatures[0]
    assert not sig.signature_valid, sig.lines

    result = check_pdf(tampered, trust_roots=[ca.certificate])
    assert not result.ok
    (one,) = result.signatures
    assert not one.intact
    assert not one.ok
    assert "changed since it was signed" in result.summary


def test_a_certificate_from_another_ca_is_untrusted_by_both(
    unsigned: bytes, ca: Identity, nss: Path, tmp_path: Path
):
    stranger = make_user(make_ca("Some other CA"), "Ryan Robinson")
    forged = sign_pdf(
        unsigned,
        key=stranger.key,
        certificate=stranger.certificate,
        chain=stranger.chain,
        reason="Line manager sign-off",
        signer_name="Ryan Robinson",
    )

    sig = run_pdfsig(forged, nss, tmp_path).signatures[0]
    assert sig.signature_valid, sig.lines  # the maths is fine...
    assert not sig.certificate_trusted, sig.lines  # ...the issuer is not ours

    result = check_pdf(forged, trust_roots=[ca.certificate])
    (one,) = result.signatures
    assert one.intact and one.valid
    assert not one.trusted
    assert not result.ok
    assert "cannot be trusted" in result.summary


def test_a_revoked_serial_is_reported_revoked(signed: bytes, ryan: Identity, ca: Identity):
    revoked_on = datetime(2026, 5, 3, 9, 30, tzinfo=UTC)
    result = check_pdf(
        signed, trust_roots=[ca.certificate], revoked={ryan.serial: revoked_on, 12345: revoked_on}
    )
    (one,) = result.signatures
    assert one.revoked
    assert one.revoked_at == revoked_on
    assert one.certificate_serial == ryan.serial
    assert not one.ok and not result.ok
    assert "revoked on 3 May 2026" in result.summary

    others_only = check_pdf(signed, trust_roots=[ca.certificate], revoked={12345: revoked_on})
    assert others_only.ok and not others_only.signatures[0].revoked


def test_the_visible_box_is_drawn_on_the_chosen_page_and_rectangle(
    signed: bytes, unsigned: bytes, tmp_path: Path
):
    # The widget annotation: on page 1 (index 0), at the rectangle asked for, with an
    # appearance stream.
    reader = PdfFileReader(io.BytesIO(signed))
    first, second = (reader.find_page_for_modification(i)[0].get_object() for i in (0, 1))
    assert "/Annots" not in second
    widgets = [a.get_object() for a in first["/Annots"]]
    (widget,) = [w for w in widgets if w.get("/FT") == "/Sig"]
    assert [float(v) for v in widget["/Rect"]] == pytest.approx(list(BOX))
    assert "/N" in widget["/AP"]

    # And it shows: ink inside the box on the signed page, none there before signing.
    inside = (BOX[0] + 4, BOX[1] + 4, BOX[2] - 4, BOX[3] - 4)
    before = render_page_gray(unsigned, tmp_path, page=1)
    after = render_page_gray(signed, tmp_path, page=1)
    assert dark_pixels(before, BOX, page_height=A4_HEIGHT) == 0
    assert dark_pixels(after, inside, page_height=A4_HEIGHT) > 150  # text
    border = (BOX[0] - 2, BOX[1] - 2, BOX[0] + 2, BOX[3] + 2)
    assert dark_pixels(after, border, page_height=A4_HEIGHT, threshold=200) > 30  # left edge


def test_the_default_box_goes_bottom_right_of_the_last_page(ryan: Identity):
    pdf = make_pdf(pages=3)
    signed = sign_pdf(
        pdf,
        key=ryan.key,
        certificate=ryan.certificate,
        chain=ryan.chain,
        reason="r",
        signer_name="Ryan Robinson",
    )
    reader = PdfFileReader(io.BytesIO(signed))
    last = reader.find_page_for_modification(2)[0].get_object()
    (widget,) = [a.get_object() for a in last["/Annots"]]
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    assert 595.28 / 2 < x1 < x2 <= 595.28 - 36 and 36 <= y1 < y2 < A4_HEIGHT / 4


def test_accented_names_survive_in_certificate_check_and_box(
    ca: Identity, unsigned: bytes, nss: Path, tmp_path: Path
):
    person = make_user(ca, ACCENTED)
    signed = PdfSigner(person.key, person.certificate, person.chain).sign(
        unsigned, reason="Agreed — with thanks", signer_name=ACCENTED, box=BOX, page=0
    )

    assert run_pdfsig(signed, nss, tmp_path).signatures[0].signer == ACCENTED
    result = check_pdf(signed, trust_roots=[ca.certificate])
    assert result.ok
    assert result.signers == (ACCENTED,)
    assert result.summary.startswith(f"Signed by {ACCENTED} on ")

    lines = {text: (width, height) for text, width, height in text_boxes(signed, tmp_path, page=1)}
    heading = f"Digitally signed by {ACCENTED}"
    assert heading in lines, sorted(lines)
    assert "Reason: Agreed — with thanks" in lines, sorted(lines)

    # The letters are spaced as the font says: poppler's box for the line is as wide as
    # DejaVu Sans's advances at 8 pt (pyHanko 0.38 alone gave twice that: font units read
    # as thousandths of an em).
    font = ttLib.TTFont(font_path())
    cmap, hmtx, upem = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
    expected = sum(hmtx[cmap[ord(ch)]][0] for ch in heading) * 8 / upem
    assert lines[heading][0] == pytest.approx(expected, rel=0.05)


def test_a_visible_countersignature_is_reported_as_drawing_on_the_page(
    ryan: Identity, unsigned: bytes, ca: Identity, nss: Path, tmp_path: Path
):
    """Two approval signatures (no certification): both verify, but the second one's box
    draws on the page, so the first no longer vouches for what the page shows
    (tests/test_pdf_overlay.py has the attack this stops)."""
    signed = PdfSigner(ryan.key, ryan.certificate, ryan.chain).sign(
        unsigned, reason="Line manager sign-off", signer_name="Ryan Robinson", certify=False
    )
    employee = make_user(ca, "Zoë Ångström")
    both = PdfSigner(employee.key, employee.certificate, employee.chain).sign(
        signed, reason="Employee agrees", signer_name="Zoë Ångström", page=0, certify=False
    )
    assert both.startswith(signed)

    first, second = run_pdfsig(both, nss, tmp_path).signatures
    assert first.signature_valid and first.certificate_trusted and not first.total_document_signed
    assert second.signature_valid and second.certificate_trusted and second.total_document_signed

    result = check_pdf(both, trust_roots=[ca.certificate])
    assert not result.ok
    manager, staff = result.signatures
    assert manager.later_changes == "signature box" and not manager.covers_whole_document
    assert not manager.ok and not manager.certified
    assert staff.later_changes == "none" and staff.covers_whole_document and staff.ok
    assert [s.field_name for s in result.signatures] == ["Signature1", "Signature2"]
    assert result.summary == (
        f"Signed by Ryan Robinson on {_today()}, but a later signature added a box that draws "
        "on the page, so the page may not show what was signed. "
        f"Signed by Zoë Ångström on {_today()}; the document has not been changed since."
    )


def test_content_added_after_signing_is_reported(
    signed: bytes, ca: Identity, nss: Path, tmp_path: Path
):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.add_stream_to_page(
        0, writer.add_object(generic.StreamObject(stream_data=b"0 0 1 rg 72 300 200 40 re f"))
    )
    out = io.BytesIO()
    writer.write(out)
    amended = out.getvalue()

    sig = run_pdfsig(amended, nss, tmp_path).signatures[0]
    assert sig.signature_valid and not sig.total_document_signed  # pdfsig's view

    result = check_pdf(amended, trust_roots=[ca.certificate])
    (one,) = result.signatures
    assert one.intact and one.valid and one.trusted  # the signed revision is untouched...
    assert not one.covers_whole_document and one.later_changes == "other"  # ...but
    assert not result.ok
    assert result.summary.endswith("but the document was changed after it was signed.")


def test_damaged_files_give_a_verdict_never_an_exception(signed: bytes, ca: Identity):
    for bad in (b"", b"not a pdf at all", signed[:100], signed[: len(signed) // 2]):
        result = check_pdf(bad, trust_roots=[ca.certificate])
        assert result.damaged and not result.ok
        assert result.summary == DAMAGED

    (byte_range,) = byte_ranges(signed)
    a, la, b, lb = byte_range
    offsets = [a + la * k // 9 for k in range(1, 9)] + [b + lb * k // 9 for k in range(1, 9)]
    for offset in offsets:
        assert in_signed_range(offset, byte_range)
        damaged = signed[:offset] + bytes([signed[offset] ^ 0x55]) + signed[offset + 1 :]
        result = check_pdf(damaged, trust_roots=[ca.certificate])
        assert not result.ok, f"a changed byte at {offset} went unnoticed"
        assert result.summary

    # A broken signature value: garbage over the start of the CMS object (outside the
    # signed range, so only the signature itself is hurt)
    garbage = re.sub(rb"/Contents <[0-9a-fA-F]{40}", b"/Contents <" + b"ab" * 20, signed, count=1)
    assert garbage != signed and len(garbage) == len(signed)
    result = check_pdf(garbage, trust_roots=[ca.certificate])
    assert not result.ok and result.summary


def test_an_unsigned_pdf_is_reported_unsigned(unsigned: bytes, ca: Identity):
    result = check_pdf(unsigned, trust_roots=[ca.certificate])
    assert not result.signed and not result.ok and not result.damaged
    assert result.summary == UNSIGNED


def test_an_rsa_key_signs_too(ca: Identity, unsigned: bytes, nss: Path, tmp_path: Path):
    person = make_user(ca, "Priya Patel", rsa_key=True)
    signed = sign_pdf(
        unsigned,
        key=person.key,
        certificate=person.certificate,
        chain=person.chain,
        reason="HR review",
        signer_name="Priya Patel",
        location="County Hall, Glenfield",
    )
    sig = run_pdfsig(signed, nss, tmp_path).signatures[0]
    assert sig.signature_valid and sig.certificate_trusted, sig.lines
    assert check_pdf(signed, trust_roots=[ca.certificate]).ok


def test_a_timestamp_authority_is_one_argument_away(ca: Identity, ryan: Identity, unsigned: bytes):
    """PAdES B-T: the same PdfSigner with a timestamper (here pyHanko's in-process test TSA)."""
    signer = PdfSigner(
        ryan.key, ryan.certificate, ryan.chain, timestamper=dummy_timestamper(make_tsa(ca))
    )
    signed = signer.sign(unsigned, reason="r", signer_name="Ryan Robinson")
    result = check_pdf(signed, trust_roots=[ca.certificate])
    assert result.ok
    assert result.signatures[0].timestamped


def test_the_signer_refuses_a_key_that_is_not_the_certificates(ryan: Identity, ca: Identity):
    other = make_user(ca, "Someone Else")
    with pytest.raises(PdfSigningError, match="does not belong"):
        PdfSigner(other.key, ryan.certificate, ryan.chain)


def test_bad_input_to_sign_is_a_signing_error(ryan: Identity, unsigned: bytes):
    signer = PdfSigner(ryan.key, ryan.certificate, ryan.chain)
    with pytest.raises(PdfSigningError, match="Cannot read"):
        signer.sign(b"not a pdf", reason="r", signer_name="n")
    with pytest.raises(PdfSigningError, match="No page 5"):
        signer.sign(unsigned, reason="r", signer_name="n", page=5)
    with pytest.raises(PdfSigningError, match="empty"):
        signer.sign(unsigned, reason="r", signer_name="n", box=(100, 100, 50, 200))


def test_a_missing_tool_fails_with_what_to_install():
    with pytest.raises(AssertionError) as failure:
        require_tool("pdfsig-that-does-not-exist")
    message = str(failure.value)
    assert message.startswith("pdfsig-that-does-not-exist is not installed")
    assert "poppler-utils" in message and "libnss3-tools" in message


def test_signing_and_checking_refuse_to_run_inside_an_event_loop(
    ryan: Identity, ca: Identity, signed: bytes, unsigned: bytes
):
    """Inside a running loop pyHanko cannot start its own; say so instead of reporting every
    signature as damaged."""
    import asyncio

    async def inside() -> None:
        with pytest.raises(RuntimeError, match="worker thread"):
            check_pdf(signed, trust_roots=[ca.certificate])
        with pytest.raises(PdfSigningError, match="worker thread"):
            PdfSigner(ryan.key, ryan.certificate, ryan.chain).sign(
                unsigned, reason="r", signer_name="n"
            )
        # the supported way: a worker thread
        result = await asyncio.to_thread(check_pdf, signed, trust_roots=[ca.certificate])
        assert result.ok

    asyncio.run(inside())
