"""A printed record cannot be overlaid: sign.py certifies it (DocMDP, no changes) and
check.py reports every later revision that draws on a page, whoever signed it.

The attack: a printed, certified APR, then an incremental revision adding a second
signature by another enrolled user (a good certificate from the same organisation CA) whose
visible box paints "Overall rating: Outstanding" over the rating line. Also a plain
annotation and new page content. Our check, pyHanko's validator and poppler's pdfsig are
each asked; pdfsig 22.12 does not read DocMDP, so what it says (and is asserted) is that the
certification signature no longer covers the whole document.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import RawContent
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import (
    AxisAlignment,
    BoxConstraints,
    InnerScaling,
    Margins,
    SimpleBoxLayoutRule,
)
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm, SigFieldSpec
from pyhanko.sign.validation import read_certification_data, validate_pdf_signature
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

from lcc_apr.pdf.check import check_pdf
from lcc_apr.pdf.records import record_pdf
from lcc_apr.pdf.sign import PdfSigner, PdfSigningError
from tests.pdf_tools import (
    Identity,
    dark_pixels,
    dummy_timestamper,
    make_ca,
    make_nss_db,
    make_pdf,
    make_tsa,
    make_user,
    render_page_gray,
    require_tool,
    run_pdfsig,
)
from tests.test_pdf_render import add_record, catalogue, session  # noqa: F401 (fixtures)

A4_HEIGHT = 841.89
RATING = "Overall rating: Outstanding"


def row_box(line: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """The whole table row holding a line: where the attacker's box goes."""
    return (50.0, line[1] - 5, 450.0, line[3] + 5)


@pytest.fixture(scope="module")
def ca() -> Identity:
    return make_ca("Leicestershire County Council LCC APR CA")


@pytest.fixture(scope="module")
def manager(ca: Identity) -> Identity:
    return make_user(ca, "Ryan Robinson")


@pytest.fixture(scope="module")
def mallory(ca: Identity) -> Identity:
    """Another enrolled user: her certificate chains to the organisation CA too."""
    return make_user(ca, "Mallory Jones")


@pytest.fixture(scope="module")
def nss(ca: Identity, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_nss_db(tmp_path_factory.mktemp("nss"), [ca.certificate])


@pytest.fixture
def printed(session, catalogue, manager: Identity) -> bytes:  # noqa: F811
    """An APR printed and signed by its line manager, as the app prints it."""
    record = add_record(session, "apr")
    return record_pdf(
        session,
        record.id,
        catalogue,
        signer=PdfSigner(manager.key, manager.certificate, manager.chain),
        signer_name="Ryan Robinson",
        role="manager",
    )


Box = tuple[float, float, float, float]


def words_at(pdf: bytes, tmp_path: Path, word: str) -> tuple[int, Box]:
    """The 0-based page and box (PDF points, bottom-left origin) of the line holding `word`."""
    path = tmp_path / "words.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        [require_tool("pdftotext"), "-bbox-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for index, page in enumerate(out.split("<page ")[1:]):
        for line in page.split("<line ")[1:]:
            if f">{word}<" in line:
                head = line.split(">", 1)[0]
                values = dict(part.split("=") for part in head.split())
                x1, y1, x2, y2 = (
                    float(values[k].strip('"')) for k in ("xMin", "yMin", "xMax", "yMax")
                )
                return index, (x1, A4_HEIGHT - y2, x2, A4_HEIGHT - y1)
    raise AssertionError(f"{word!r} is not on any page")


def attacker_signs(
    pdf: bytes,
    who: Identity,
    *,
    page: int = 0,
    box: tuple[float, float, float, float] | None = None,
    text: str = "",
) -> bytes:
    """A second signature whose box hides what is under it and draws `text` instead (no
    box: an invisible signature), made with pyHanko told not to mind the certification (an
    attacker's tool need not ask)."""
    key = who.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    cms = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(
            who.certificate.public_bytes(serialization.Encoding.DER)
        ),
        signing_key=asn1_keys.PrivateKeyInfo.load(key),
        cert_registry=None,
    )
    style = None
    if box is not None:
        width, height = box[2] - box[0], box[3] - box[1]
        white = RawContent(
            f"1 1 1 rg 0 0 {width} {height} re f".encode(), box=BoxConstraints(width, height)
        )
        style = TextStampStyle(
            stamp_text=text,
            text_box_style=TextBoxStyle(font_size=11),
            inner_content_layout=SimpleBoxLayoutRule(
                x_align=AxisAlignment.ALIGN_MIN,
                y_align=AxisAlignment.ALIGN_MID,
                margins=Margins.uniform(4),
                inner_content_scaling=InnerScaling.NO_SCALING,
            ),
            border_width=0,
            background=white,
            background_opacity=1,
            background_layout=SimpleBoxLayoutRule(
                x_align=AxisAlignment.ALIGN_MIN,
                y_align=AxisAlignment.ALIGN_MIN,
                inner_content_scaling=InnerScaling.STRETCH_FILL,
            ),
        )
    signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name="Signature2", md_algorithm="sha256"),
        signer=cms,
        stamp_style=style,
        new_field_spec=SigFieldSpec("Signature2", on_page=page, box=box),
    )
    signer._enforce_certification_constraints = lambda reader: None  # type: ignore[method-assign]
    out = io.BytesIO()
    signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out)
    return out.getvalue()


def with_annotation(pdf: bytes, *, page: int, box: tuple[float, float, float, float]) -> bytes:
    """A free-text note over the page, added as an incremental update (no signature)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    annot = generic.DictionaryObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/Annot"),
            generic.pdf_name("/Subtype"): generic.pdf_name("/FreeText"),
            generic.pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(v) for v in box),
            generic.pdf_name("/Contents"): generic.pdf_string(RATING),
            generic.pdf_name("/DA"): generic.pdf_string("/Helv 12 Tf 0 g"),
        }
    )
    page_ref, _ = writer.find_page_for_modification(page)
    writer.register_annotation(page_ref, writer.add_object(annot))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def with_content(pdf: bytes, *, page: int) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    writer.add_stream_to_page(
        page, writer.add_object(generic.StreamObject(stream_data=b"1 1 1 rg 56 600 480 30 re f"))
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pyhanko_status(pdf: bytes, ca: Identity, index: int = 0):
    emb = PdfFileReader(io.BytesIO(pdf)).embedded_regular_signatures[index]
    root = asn1_x509.Certificate.load(ca.certificate.public_bytes(serialization.Encoding.DER))
    return validate_pdf_signature(emb, ValidationContext(trust_roots=[root], allow_fetching=False))


# -- the clean copy ----------------------------------------------------------------------


def test_a_printed_record_is_certified_against_any_change(
    printed: bytes, ca: Identity, nss: Path, tmp_path: Path
):
    certification = read_certification_data(PdfFileReader(io.BytesIO(printed)))
    assert certification is not None and certification.permission == MDPPerm.NO_CHANGES
    assert b"/TransformMethod /DocMDP" in printed

    result = check_pdf(printed, trust_roots=[ca.certificate])
    assert result.ok, result.summary
    (one,) = result.signatures
    assert one.certified and one.later_changes == "none"
    assert result.summary.endswith("the document has not been changed since.")

    status = pyhanko_status(printed, ca)
    assert status.bottom_line and status.docmdp_ok

    # pdfsig 22.12 prints no DocMDP line; what it does say of the certified copy:
    (sig,) = run_pdfsig(printed, nss, tmp_path).signatures
    assert sig.signature_valid and sig.certificate_trusted and sig.total_document_signed
    assert sig.signer == "Ryan Robinson"

    # ...and it still looks like a record: the manager's box and the rating line are there
    page, _ = words_at(printed, tmp_path, "Meets")
    gray = render_page_gray(printed, tmp_path, page=page + 1)
    assert dark_pixels(gray, (56, 600, 540, 640), page_height=A4_HEIGHT) > 100


def test_a_certified_pdf_is_not_signed_again_and_a_signed_one_not_certified(
    printed: bytes, manager: Identity, mallory: Identity
):
    with pytest.raises(PdfSigningError, match="certified against any change"):
        PdfSigner(mallory.key, mallory.certificate, mallory.chain).sign(
            printed, reason="r", signer_name="Mallory Jones", certify=False
        )
    approved = PdfSigner(manager.key, manager.certificate, manager.chain).sign(
        make_pdf(pages=1), reason="r", signer_name="Ryan Robinson", certify=False
    )
    with pytest.raises(PdfSigningError, match="already signed"):
        PdfSigner(mallory.key, mallory.certificate, mallory.chain).sign(
            approved, reason="r", signer_name="Mallory Jones"
        )


# -- the attacks -------------------------------------------------------------------------


def test_an_overlaid_signature_box_is_a_change_for_all_three_checks(
    printed: bytes, ca: Identity, mallory: Identity, nss: Path, tmp_path: Path
):
    page, line = words_at(printed, tmp_path, "Meets")
    box = row_box(line)
    attacked = attacker_signs(printed, mallory, page=page, box=box, text=RATING)
    assert attacked.startswith(printed)

    # What a reader sees: the rating line now says Outstanding.
    shown = tmp_path / "attacked.pdf"
    shown.write_bytes(attacked)
    text = subprocess.run(
        [require_tool("pdftotext"), "-f", str(page + 1), "-l", str(page + 1), str(shown), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Outstanding" in text

    result = check_pdf(attacked, trust_roots=[ca.certificate])
    assert not result.ok
    certified, second = result.signatures
    assert certified.certified and certified.intact and certified.valid and certified.trusted
    assert certified.later_changes == "signature box" and not certified.ok
    assert second.signer_name == "Mallory Jones" and second.trusted  # a good certificate...
    assert not second.certified
    assert "a later signature added a box that draws on the page" in result.summary

    status = pyhanko_status(attacked, ca)  # ...and pyHanko agrees the certification broke
    assert status.intact and status.valid and status.trusted
    assert status.docmdp_ok is False and not status.bottom_line

    first, other = run_pdfsig(attacked, nss, tmp_path).signatures
    assert first.signer == "Ryan Robinson" and not first.total_document_signed, first.lines
    assert "Not total document signed" in first.lines
    assert other.signer == "Mallory Jones" and other.total_document_signed


def test_an_overlaid_box_on_an_uncertified_copy_is_still_a_change(
    ca: Identity, manager: Identity, mallory: Identity
):
    """Copies printed before certification: the second signature's box is reported all
    the same, though pyHanko alone would call it form filling."""
    plain = PdfSigner(manager.key, manager.certificate, manager.chain).sign(
        make_pdf(pages=1), reason="r", signer_name="Ryan Robinson", certify=False
    )
    attacked = attacker_signs(plain, mallory, page=0, box=(72, 600, 400, 630), text=RATING)
    status = pyhanko_status(attacked, ca)
    assert status.docmdp_ok and status.modification_level is not None  # pyHanko: fine
    first = check_pdf(attacked, trust_roots=[ca.certificate]).signatures[0]
    assert not first.certified and first.later_changes == "signature box" and not first.ok


def test_an_invisible_countersignature_is_fine_only_without_certification(
    ca: Identity, manager: Identity, mallory: Identity
):
    plain = PdfSigner(manager.key, manager.certificate, manager.chain).sign(
        make_pdf(pages=1), reason="r", signer_name="Ryan Robinson", certify=False
    )
    both = attacker_signs(plain, mallory)  # invisible
    result = check_pdf(both, trust_roots=[ca.certificate])
    assert result.ok, result.summary
    assert result.signatures[0].later_changes == "signatures"

    certified = PdfSigner(manager.key, manager.certificate, manager.chain).sign(
        make_pdf(pages=1), reason="r", signer_name="Ryan Robinson"
    )
    after = attacker_signs(certified, mallory)
    first = check_pdf(after, trust_roots=[ca.certificate]).signatures[0]
    assert first.later_changes == "other" and not first.ok  # no change means none


def test_an_added_annotation_is_a_change_for_all_three_checks(
    printed: bytes, ca: Identity, nss: Path, tmp_path: Path
):
    page, line = words_at(printed, tmp_path, "Meets")
    noted = with_annotation(printed, page=page, box=(line[0], line[1], line[0] + 300, line[3]))
    result = check_pdf(noted, trust_roots=[ca.certificate])
    (one,) = result.signatures
    assert one.later_changes == "annotations" and not one.ok and not result.ok
    assert "notes or marks were added" in result.summary
    status = pyhanko_status(noted, ca)
    assert status.docmdp_ok is False and not status.bottom_line
    (sig,) = run_pdfsig(noted, nss, tmp_path).signatures
    assert sig.signature_valid and not sig.total_document_signed, sig.lines


def test_added_page_content_is_a_change_for_all_three_checks(
    printed: bytes, ca: Identity, nss: Path, tmp_path: Path
):
    page, _ = words_at(printed, tmp_path, "Meets")
    painted = with_content(printed, page=page)
    result = check_pdf(painted, trust_roots=[ca.certificate])
    (one,) = result.signatures
    assert one.later_changes == "other" and not one.ok
    assert result.summary.endswith("but the document was changed after it was signed.")
    status = pyhanko_status(painted, ca)
    assert status.docmdp_ok is False and not status.bottom_line
    (sig,) = run_pdfsig(painted, nss, tmp_path).signatures
    assert sig.signature_valid and not sig.total_document_signed, sig.lines


def test_a_redrawn_appearance_of_the_certification_box_is_a_change(
    printed: bytes, ca: Identity, nss: Path, tmp_path: Path
):
    """No new object on the page: the manager's own signature box is given a new appearance
    that paints the rating. pyHanko's analysis catches what the page walk does not."""
    writer = IncrementalPdfFileWriter(io.BytesIO(printed))
    (widget,) = [
        a.get_object()
        for page in range(int(writer.root["/Pages"]["/Count"]))
        for a in writer.find_page_for_modification(page)[0].get_object().get("/Annots", [])
    ]
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    stream = generic.StreamObject(
        {
            generic.pdf_name("/BBox"): generic.ArrayObject(
                generic.FloatObject(v) for v in (0, 0, x2 - x1, y2 - y1)
            )
        },
        stream_data=b"0 0 1 rg 0 0 50 20 re f",
    )
    widget["/AP"] = generic.DictionaryObject({generic.pdf_name("/N"): writer.add_object(stream)})
    writer.update_container(widget)
    out = io.BytesIO()
    writer.write(out)
    redrawn = out.getvalue()

    (one,) = check_pdf(redrawn, trust_roots=[ca.certificate]).signatures
    assert one.intact and one.later_changes == "other" and not one.ok
    assert pyhanko_status(redrawn, ca).docmdp_ok is False
    (sig,) = run_pdfsig(redrawn, nss, tmp_path).signatures
    assert not sig.total_document_signed, sig.lines


def test_timestamps_and_validation_data_keep_a_certified_copy_good(ca: Identity, manager: Identity):
    """PAdES B-LTA adds a document timestamp (and validation data) after the certification:
    allowed by DocMDP "no changes", and not a change to the page."""
    stamps = dummy_timestamper(make_tsa(ca))
    certified = PdfSigner(manager.key, manager.certificate, manager.chain, timestamper=stamps).sign(
        make_pdf(pages=1), reason="r", signer_name="Ryan Robinson"
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(certified))
    out = io.BytesIO()
    root = asn1_x509.Certificate.load(ca.certificate.public_bytes(serialization.Encoding.DER))
    signers.PdfTimeStamper(stamps).timestamp_pdf(
        writer, "sha256", ValidationContext(trust_roots=[root]), output=out
    )
    archived = out.getvalue()
    result = check_pdf(archived, trust_roots=[ca.certificate])
    assert result.ok, result.summary
    (one,) = result.signatures
    assert one.certified and one.later_changes == "timestamps"
    assert result.summary.endswith(
        "has not been changed since (only data for checking it in years to come has been added)."
    )
    assert pyhanko_status(archived, ca).docmdp_ok
