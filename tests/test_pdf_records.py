"""Each kind's finished PDF: rendered, signed by the printing user in their role's box,
valid for pdfsig and pyHanko against the organisation CA, broken by one changed byte."""

from __future__ import annotations

import subprocess

import pytest

from lcc_apr.models import RecordKind
from lcc_apr.pdf.check import check_pdf
from lcc_apr.pdf.records import record_pdf
from lcc_apr.pdf.sign import PdfSigner
from tests.pdf_tools import (
    byte_ranges,
    in_signed_range,
    make_ca,
    make_nss_db,
    make_user,
    require_tool,
    run_pdfsig,
)
from tests.test_pdf_render import add_record, catalogue, session  # noqa: F401 (fixtures)


@pytest.fixture(scope="module")
def ca():
    return make_ca("Leicestershire County Council LCC APR CA")


@pytest.fixture(scope="module")
def nss(ca, tmp_path_factory):
    return make_nss_db(tmp_path_factory.mktemp("nss"), [ca.certificate])


def changed_byte(pdf: bytes) -> bytes:
    """One byte changed in the middle of the signed part (page content, not the signature)."""
    byte_range = byte_ranges(pdf)[0]
    at = byte_range[1] // 2
    assert in_signed_range(at, byte_range)
    return pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]


def text_in_box(pdf: bytes, tmp_path, page: int, box) -> str:
    """The text poppler finds inside a box (points from the bottom-left of an A4 page)."""
    x1, y1, x2, y2 = box
    path = tmp_path / "box.pdf"
    path.write_bytes(pdf)
    crop = ["-x", str(int(x1)), "-y", str(int(842 - y2)), "-W", str(int(x2 - x1))]
    crop += ["-H", str(int(y2 - y1))]
    return subprocess.run(
        [require_tool("pdftotext"), "-f", str(page), "-l", str(page), *crop, str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.mark.parametrize("kind", [k.value for k in RecordKind])
def test_each_kind_is_signed_valid_and_a_changed_byte_breaks_it(
    session,  # noqa: F811
    catalogue,  # noqa: F811
    ca,
    nss,
    kind,
    tmp_path,
):
    record = add_record(session, kind)
    user = make_user(ca, "Thị Mai Trần")
    pdf = record_pdf(
        session,
        record.id,
        catalogue,
        signer=PdfSigner(user.key, user.certificate, user.chain),
        signer_name="Thị Mai Trần",
        role="manager",
    )
    report = run_pdfsig(pdf, nss, tmp_path)
    assert len(report.signatures) == 1, report.output
    assert report.signatures[0].signature_valid, report.output
    assert report.signatures[0].certificate_trusted, report.output
    assert report.signatures[0].total_document_signed, report.output
    checked = check_pdf(pdf, trust_roots=[ca.certificate])
    assert checked.ok and checked.signers == ("Thị Mai Trần",), checked.summary

    broken = changed_byte(pdf)
    report = run_pdfsig(broken, nss, tmp_path)
    assert not report.signatures[0].signature_valid, report.output
    assert not check_pdf(broken, trust_roots=[ca.certificate]).ok


def test_the_signature_sits_in_the_printing_users_box(session, catalogue, ca, tmp_path):  # noqa: F811
    from lcc_apr.pdf.document import record_document
    from lcc_apr.pdf.render import render_record_layout

    record = add_record(session, "apr")
    user = make_user(ca, "Σοφία Петрова")
    pdf = record_pdf(
        session,
        record.id,
        catalogue,
        signer=PdfSigner(user.key, user.certificate, user.chain),
        signer_name="Σοφία Петрова",
        role="employee",
    )
    layout = render_record_layout(record_document(session, record.id, catalogue))
    place = layout.signature_boxes["employee"]
    assert "Петрова" in text_in_box(pdf, tmp_path, place.page_index + 1, place.box)
    other = layout.signature_boxes["manager"]
    assert "Петрова" not in text_in_box(pdf, tmp_path, other.page_index + 1, other.box)


def test_without_a_signer_the_pdf_is_unsigned(session, catalogue):  # noqa: F811
    record = add_record(session, "supervision")
    pdf = record_pdf(session, record.id, catalogue, signer=None)
    assert pdf.startswith(b"%PDF") and not byte_ranges(pdf)


def test_an_unknown_record_is_a_key_error_when_printed(session, catalogue):  # noqa: F811
    """A record gone since the list was drawn (a sync deleted it): a KeyError naming it."""
    from lcc_apr.pdf.records import Printer, print_record

    with pytest.raises(KeyError, match="No record 'gone'"):
        record_pdf(session, "gone", catalogue, signer=None)
    with pytest.raises(KeyError, match="No record 'gone'"):
        print_record(session, "gone", catalogue, Printer(None, "Thị Mai Trần"))


def test_print_record_checks_its_own_copy_as_a_reader_would(session, catalogue, ca):  # noqa: F811
    from lcc_apr.pdf.records import Printer, print_record

    record = add_record(session, "probation")
    user = make_user(ca, "Thị Mai Trần")
    signed = print_record(
        session,
        record.id,
        catalogue,
        Printer(PdfSigner(user.key, user.certificate, user.chain), "Thị Mai Trần", "manager",
                [ca.certificate]),
    )  # fmt: skip
    assert signed.check.startswith("Signed by Thị Mai Trần on ")
    assert "not been changed" in signed.check
    assert signed.file_name.isascii() and signed.file_name.endswith(".pdf")
    assert "Nguyen" in signed.file_name and "Adébáyọ̀" in signed.title
    other_ca = make_ca("Somebody else")
    untrusted = print_record(
        session,
        record.id,
        catalogue,
        Printer(PdfSigner(user.key, user.certificate, user.chain), "Thị Mai Trần", "manager",
                [other_ca.certificate]),
    )  # fmt: skip
    assert "not been changed" not in untrusted.check
    unsigned = print_record(session, record.id, catalogue, Printer(None, "Thị Mai Trần"))
    assert unsigned.check == Printer(None, "x").why_unsigned
    assert not byte_ranges(unsigned.pdf)


def test_checking_logs_no_names(session, catalogue, ca, caplog):  # noqa: F811
    import logging

    from lcc_apr.pdf.check import check_pdf

    record = add_record(session, "apr")
    user = make_user(ca, "Zoë Ó Dónaill")
    pdf = record_pdf(
        session, record.id, catalogue, signer=PdfSigner(user.key, user.certificate, user.chain)
    )
    with caplog.at_level(logging.DEBUG):
        check_pdf(pdf, trust_roots=[make_ca("Another CA").certificate])
    assert "Dónaill" not in caplog.text


def test_hr_printing_an_apr_gets_a_box_of_its_own(session, catalogue, ca, tmp_path):  # noqa: F811
    from lcc_apr.pdf.render import SIGNATURE_BOXES

    record = add_record(session, "apr")  # an APR's boxes: employee and manager
    user = make_user(ca, "Σοφία Петрова")
    pdf = record_pdf(
        session,
        record.id,
        catalogue,
        signer=PdfSigner(user.key, user.certificate, user.chain),
        signer_name="Σοφία Петрова",
        role="hr",
    )
    pages = int(subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True).stdout.split(
        b"Pages:")[1].split()[0])  # fmt: skip
    assert "Петрова" in text_in_box(pdf, tmp_path, pages, SIGNATURE_BOXES["hr"])
    assert check_pdf(pdf, trust_roots=[ca.certificate]).ok
