"""PAdES signatures on finished PDFs, with a visible signature box.

A signature here is PAdES baseline **B-B**: a CAdES-detached CMS (SubFilter
ETSI.CAdES.detached) over SHA-256 of the whole file but the signature itself, with the
signing certificate and its chain (the organisation CA, any intermediates) embedded, added
as an incremental update so that earlier signatures stay intact. The product has no
timestamp authority yet, so the signing time is the signer's own clock (PDF /M): good
evidence inside the council, not proof of time to an outsider.

**B-T**: give the `PdfSigner` a timestamper (``timestamps.timestamper_for(url)``, the TSA
configured on the server and learnt at sync): the signature then carries an RFC 3161 token.
**B-LT**: give it `validation` (``timestamps.ValidationMaterial``: the CA certificates and
its CRL): they are written into the PDF's DSS in a further incremental update, so the PDF
verifies offline. A TSA that does not answer raises `TimestampUnavailable`; the caller
signs again with ``timestamp=False`` (B-B) and says so in the box (lcc_apr/pdf/records.py).

The box shows "Digitally signed by NAME", the date and time, the reason (and the place, if
given), in DejaVu Sans embedded as a subset, so names such as Łukasz Dvořák print as
written. It draws through pyHanko's OpenType engine, which needs pyHanko's `opentype` extra
(fontTools and uharfbuzz): pin ``pyhanko[opentype]``.

Certification: a printed copy's signature is a **certification** (author) signature with
DocMDP permission "no changes" (P=1), the strictest there is. Without it, anyone holding a
certificate from the organisation CA could add a second signature whose visible box paints
new words over the page ("Overall rating: Outstanding"), and a reader would still see two
good signatures. Nothing in the product signs a printed PDF twice (sign-offs are CMS
signatures over the record's JSON, lcc_apr.signing.signoff; records, letters and HR's batch
are each signed once, when made), so no later sign-off fields are needed and form filling
(P=2) is not allowed. Under P=1 a reader may still add validation data and document
timestamps (PAdES B-LT / B-LTA, invisible); anything else breaks the certification, and
check.py reports it. `certify=False` makes a plain approval signature (tests, and a second
signature on an uncertified file); a certified file is not signed again (PdfSigningError).

Speed: build one `PdfSigner` per identity and call `.sign()` for each document; the key,
certificates and stamp style are prepared once. `sign_pdf()` is the one-off form.
"""

from __future__ import annotations

import asyncio
import io
import logging
import textwrap
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from lcc_apr.paths import resources_dir
from lcc_apr.uk_time import uk_time

# pyHanko (about 0.35 s to import) loads on first use, not when the app imports this module.
if TYPE_CHECKING:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.timestamps import TimeStamper
    from pyhanko.stamp import TextStampStyle

    from .timestamps import ValidationMaterial

__all__ = [
    "DEFAULT_BOX_SIZE",
    "DEFAULT_TIMESTAMPER",
    "PdfSigner",
    "PdfSigningError",
    "TimestampUnavailable",
    "box_text",
    "font_path",
    "sign_pdf",
]

log = logging.getLogger(__name__)

DEFAULT_TIMESTAMPER: TimeStamper | None = None
"""None: PAdES B-B. A TimeStamper (e.g. HTTPTimeStamper(url)) here makes every signature B-T."""

DEFAULT_BOX_SIZE = (240.0, 64.0)
"""Width and height in points of the box when the caller gives none (bottom right, 36 pt in)."""

FONT_NAME = "DejaVuSans.ttf"
SYSTEM_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_SIZE = 8
BORDER_COLOUR = (0.16, 0.29, 0.48)  # the council's dark blue, near enough
TEXT_COLOUR = (0.1, 0.1, 0.1)
WRAP_AT = 52  # characters per line before wrapping the reason; the box shrinks to fit anyway

# Room for the CMS object (bytes before hex encoding): signature, signed attributes and the
# embedded certificates; a timestamp token brings its own certificates.
_RESERVE_BASE = 3072
_RESERVE_TIMESTAMP = 8192


class PdfSigningError(Exception):
    """The PDF could not be signed (unreadable file, key and certificate do not match...)."""


class TimestampUnavailable(PdfSigningError):
    """The timestamp authority did not answer (or answered nonsense): nothing was signed."""


def _assert_no_running_loop() -> None:
    """pyHanko runs its own event loop per signature: refuse early, and clearly, when called
    from inside one (e.g. an async FastAPI route; use a worker thread there)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise PdfSigningError(
        "PdfSigner.sign() blocks: call it from a worker thread, not an event loop"
    )


def font_path() -> Path:
    """DejaVu Sans: the copy shipped in resources/fonts/, else Debian's fonts-dejavu-core."""
    shipped = resources_dir() / "fonts" / FONT_NAME
    if shipped.is_file():
        return shipped
    if SYSTEM_FONT.is_file():
        return SYSTEM_FONT
    raise PdfSigningError(
        f"No {FONT_NAME}: expected {shipped} or {SYSTEM_FONT} (Debian: fonts-dejavu-core)"
    )


def _font_factory(font_file: str):
    """pyHanko's OpenType engine, corrected for fonts whose em is not 1000 units.

    pyHanko 0.38 writes glyph widths (/W), kerning (TJ) and the font descriptor's metrics in
    the font's own units, which PDF reads as thousandths of an em: right only when the font
    has 1000 units per em. DejaVu Sans has 2048, so every letter was followed by about as much
    space again. Here HarfBuzz shapes at 1000 units per em and the widths and metrics are
    scaled to match.
    """
    from pyhanko.pdf_utils.generic import ArrayObject, NumberObject, pdf_name

    try:
        from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
    except ImportError as e:  # pragma: no cover - a packaging fault, not a runtime state
        raise PdfSigningError(
            "Signature boxes need pyHanko's OpenType support: install pyhanko[opentype] "
            "(fontTools and uharfbuzz)"
        ) from e

    class PerMilleGlyphAccumulator(GlyphAccumulator):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._font_units = self.units_per_em
            if self._font_units == 1000:
                return
            self.hb_font.scale = (1000, 1000)
            self.units_per_em = 1000
            descriptor = self.cidfont_obj._font_descriptor
            for key in ("/Ascent", "/Descent", "/CapHeight"):
                if key in descriptor:
                    descriptor[pdf_name(key)] = NumberObject(self._per_mille(descriptor[key]))
            if "/FontBBox" in descriptor:
                descriptor[pdf_name("/FontBBox")] = ArrayObject(
                    [NumberObject(self._per_mille(v)) for v in descriptor["/FontBBox"]]
                )

        def _per_mille(self, value) -> int:
            return round(int(value) * 1000 / self._font_units)

        def _get_cid_and_width(self, glyph_id: int) -> tuple[int, int]:
            known = glyph_id in self._glyphs
            cid, width = super()._get_cid_and_width(glyph_id)
            if known or self._font_units == 1000:
                return cid, width
            self._glyphs[glyph_id] = (cid, self._per_mille(width))
            return self._glyphs[glyph_id]

    @dataclass(frozen=True)
    class PerMilleFactory(GlyphAccumulatorFactory):
        def create_font_engine(self, writer, obj_stream=None):
            if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
                obj_stream = writer.prepare_object_stream()
            return PerMilleGlyphAccumulator(
                writer=writer,
                font_handle=io.BytesIO(_lean_font(self.font_file)),
                font_size=self.font_size,
                ot_script_tag=self.ot_script_tag,
                ot_language_tag=self.ot_language_tag,
                writing_direction=self.writing_direction,
                bcp47_lang_code=self.bcp47_lang_code,
                obj_stream=obj_stream,
            )

    return PerMilleFactory(font_file, font_size=FONT_SIZE)


# Tables pyHanko drops from the embedded subset anyway, but which fontTools parses for every
# signature to do so: DejaVu's GSUB/GPOS made that 150 ms of a 200 ms signature. Without them
# HarfBuzz still kerns from the old 'kern' table; what is lost is ligatures, OpenType mark
# placement and Arabic joining forms, so text is NFC-normalised first (precomposed letters
# such as ř, Ł, é need none of it). FFTM is a FontForge timestamp fontTools cannot subset.
_HEAVY_TABLES = ("GSUB", "GPOS", "GDEF", "MATH", "FFTM")


@lru_cache(maxsize=4)
def _lean_font(font_file: str) -> bytes:
    """The font without the tables the stamp never uses, made once per process (~20 ms)."""
    from fontTools import ttLib

    font = ttLib.TTFont(font_file)
    for table in _HEAVY_TABLES:
        if table in font:
            del font[table]
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@lru_cache(maxsize=4)
def _stamp_style(font_file: str) -> TextStampStyle:
    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    return TextStampStyle(
        stamp_text="%(box)s",
        text_box_style=TextBoxStyle(
            font=_font_factory(font_file),
            font_size=FONT_SIZE,
            leading=FONT_SIZE + 3,
            text_color=TEXT_COLOUR,
            box_layout_rule=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN,
                y_align=layout.AxisAlignment.ALIGN_MID,
                margins=layout.Margins.uniform(1),
            ),
        ),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(left=8, right=8, top=3, bottom=7),  # optical centre
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
        border_width=1,
        border_color=BORDER_COLOUR,
        background=None,
    )


@lru_cache(maxsize=1)
def _frame_style():
    from pyhanko.stamp import StaticStampStyle

    return StaticStampStyle(border_width=1, border_color=BORDER_COLOUR, background=None)


def _when(moment: datetime) -> str:
    local = uk_time(moment)[0]
    zone = local.tzname() or ""  # GMT or BST
    return f"{local.day} {local:%B %Y}, {local:%H:%M} {zone}".rstrip()


def box_text(
    signer_name: str,
    signed_at: datetime,
    reason: str,
    location: str | None = None,
    time_note: str | None = None,
) -> str:
    """The lines shown in the visible box (also what tests look for); time_note says
    whether the time is certified (timestamps.TRUSTED_TIME, NO_TRUSTED_TIME...)."""
    lines = [f"Digitally signed by {signer_name}", _when(signed_at)]
    lines += textwrap.wrap(f"Reason: {reason}", WRAP_AT) if reason else []
    lines += textwrap.wrap(f"Location: {location}", WRAP_AT) if location else []
    lines += textwrap.wrap(time_note, WRAP_AT) if time_note else []
    return unicodedata.normalize("NFC", "\n".join(lines))


def _asn1_cert(cert: x509.Certificate):
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@lru_cache(maxsize=1)
def _key_signer_class():
    from asn1crypto import keys as asn1_keys
    from pyhanko.sign.signers import SimpleSigner

    class KeySigner(SimpleSigner):
        """pyHanko's in-memory signer, signing with the `cryptography` key object it was
        given instead of re-parsing the key's DER for every signature (for RSA that re-parse
        costs more than the signature)."""

        def __init__(self, key, cert, registry):
            der = key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            super().__init__(
                signing_cert=cert,
                signing_key=asn1_keys.PrivateKeyInfo.load(der),
                cert_registry=registry,
            )
            self._key = key

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            digest = getattr(hashes, digest_algorithm.upper().replace("-", "_"), None)
            if digest is not None:
                if mechanism == "ecdsa" and isinstance(self._key, ec.EllipticCurvePrivateKey):
                    return self._key.sign(data, ec.ECDSA(digest()))
                if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, rsa.RSAPrivateKey):
                    return self._key.sign(data, padding.PKCS1v15(), digest())
            return super().sign_raw(data, digest_algorithm)

    return KeySigner


class PdfSigner:
    """One identity's signing kit: key, certificate, chain. Reuse it for a batch.

    key: a `cryptography` private key (EC P-256 expected; RSA works too);
    certificate: its X.509 certificate; chain: the issuing CA and any intermediates, all
    embedded in each signature so that a reader can build the path to the organisation CA.
    timestamper: None for PAdES B-B (today); a pyHanko TimeStamper makes it B-T.
    """

    def __init__(
        self,
        key,
        certificate: x509.Certificate,
        chain: Iterable[x509.Certificate] = (),
        *,
        timestamper: TimeStamper | None = None,
        validation: ValidationMaterial | None = None,
    ) -> None:
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise PdfSigningError(f"Unsupported key type {type(key).__name__}: use EC or RSA")
        if key.public_key() != certificate.public_key():  # keys compare by their numbers
            raise PdfSigningError("The private key does not belong to the certificate")
        self.key = key  # handed to the batch's worker processes (lcc_apr.pdf.pool)
        self.certificate = certificate
        self.chain = list(chain)
        self.timestamper = timestamper if timestamper is not None else DEFAULT_TIMESTAMPER
        self.validation = validation
        registry = SimpleCertificateStore()
        registry.register_multiple([_asn1_cert(c) for c in self.chain])
        self._cms_signer = _key_signer_class()(key, _asn1_cert(certificate), registry)
        # pyHanko counts the placeholder in hex digits: two per byte of DER.
        self._reserve = 2 * (
            _RESERVE_BASE
            + sum(
                len(c.public_bytes(serialization.Encoding.DER)) for c in [certificate, *self.chain]
            )
            + (_RESERVE_TIMESTAMP if self.timestamper is not None else 0)
        )
        self._style = _stamp_style(str(font_path()))
        self._frame = _frame_style()

    def time_note(self, timestamp: bool = True) -> str:
        """The box's line about trusted time for a signature made with these settings."""
        from .timestamps import NO_TRUSTED_TIME, TRUSTED_TIME, TSA_DID_NOT_ANSWER

        if self.timestamper is None:
            return NO_TRUSTED_TIME
        return TRUSTED_TIME if timestamp else TSA_DID_NOT_ANSWER

    def sign(
        self,
        pdf: bytes,
        *,
        reason: str,
        signer_name: str,
        box: tuple[float, float, float, float] | None = None,
        page: int = -1,
        location: str | None = None,
        text_on_page: bool = False,
        certify: bool = True,
        timestamp: bool = True,
        embed_validation: bool = True,
    ) -> bytes:
        """The PDF with this identity's signature added as an incremental update.

        text_on_page: the box's words are already page text (drawn by the renderer from
        `box_text`): the signature's appearance is then only its frame, with no font to
        embed (about 12 ms a signature instead of about 60).

        box: (x1, y1, x2, y2) in PDF points from the page's bottom-left corner; None puts a
        DEFAULT_BOX_SIZE box in the bottom right corner, 36 pt in from the edges.
        page: 0-based page index; negative counts from the end (-1: the last page).
        certify: a certification signature allowing no later change (see the module's
        docstring); the PDF must not be signed yet. False: an approval signature.
        timestamp: False signs without asking the TSA (B-B), e.g. after TimestampUnavailable.
        embed_validation: False leaves out the validation material (no DSS). It is left out
        by itself when a certificate cannot be validated for embedding (a TSA whose root
        this computer does not hold): the PDF is still signed, B-T instead of B-LT.
        """
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import signers
        from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
        from pyhanko.sign.general import SigningError

        _assert_no_running_loop()
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
            page_index = _page_index(writer, page)
            rect = box if box is not None else _default_box(writer, page_index)
            field_name = _new_field_name(writer)
            certification = _certification(writer, certify)
        except PdfSigningError:
            raise
        except Exception as e:
            raise PdfSigningError(f"Cannot read the PDF to sign it: {e}") from e
        x1, y1, x2, y2 = (float(v) for v in rect)
        if x2 <= x1 or y2 <= y1:
            raise PdfSigningError(f"The signature box {rect} is empty (want x1 < x2 and y1 < y2)")
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            md_algorithm="sha256",
            subfilter=SigSeedSubFilter.PADES,
            reason=reason,
            location=location,
            name=signer_name,
            **certification,
            **_validation_meta(self.validation if embed_validation else None),
        )
        timestamper = self.timestamper if timestamp else None
        pdf_signer = signers.PdfSigner(
            meta,
            signer=self._cms_signer,
            timestamper=timestamper,
            stamp_style=self._frame if text_on_page else self._style,
            new_field_spec=SigFieldSpec(
                sig_field_name=field_name,
                on_page=page_index,
                box=(x1, y1, x2, y2),  # type: ignore[arg-type]  # floats are fine in PDF
            ),
        )
        text = box_text(
            signer_name, datetime.now().astimezone(), reason, location, self.time_note(timestamp)
        )
        out = io.BytesIO()
        try:
            pdf_signer.sign_pdf(
                writer,
                bytes_reserved=self._reserve,
                appearance_text_params={"box": text},
                output=out,
            )
        except Exception as e:
            if timestamper is not None and _timestamp_failed(e):
                raise TimestampUnavailable(f"The timestamp authority did not answer: {e}") from e
            if embed_validation and self.validation is not None and _path_problem(e):
                log.warning("validation material left out of a PDF: %s", type(e).__name__)
                return self.sign(
                    pdf,
                    reason=reason,
                    signer_name=signer_name,
                    box=box,
                    page=page,
                    location=location,
                    text_on_page=text_on_page,
                    certify=certify,
                    timestamp=timestamp,
                    embed_validation=False,
                )
            if isinstance(e, SigningError):
                raise PdfSigningError(f"Cannot sign the PDF: {e}") from e
            raise
        return out.getvalue()


def _validation_meta(material: ValidationMaterial | None) -> dict:
    """PdfSignatureMetadata's arguments for B-LT: the validation material to embed."""
    if material is None:
        return {}
    return {"embed_validation_info": True, "validation_context": material.context()}


def _path_problem(error: BaseException) -> bool:
    """A certificate path could not be built or validated while collecting the material."""
    from pyhanko_certvalidator.errors import PathError, ValidationError

    return isinstance(error, PathError | ValidationError)


def _timestamp_failed(error: BaseException) -> bool:
    from pyhanko.sign.timestamps import TimestampRequestError

    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, TimestampRequestError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _page_count(writer: IncrementalPdfFileWriter) -> int:
    return int(writer.root["/Pages"]["/Count"])


def _page_index(writer: IncrementalPdfFileWriter, page: int) -> int:
    count = _page_count(writer)
    index = page + count if page < 0 else page
    if not 0 <= index < count:
        raise PdfSigningError(f"No page {page}: the document has {count} page(s)")
    return index


def _default_box(
    writer: IncrementalPdfFileWriter, page_index: int
) -> tuple[float, float, float, float]:
    page_ref, _ = writer.find_page_for_modification(page_index)
    page_obj = page_ref.get_object()
    media_box: Sequence = page_obj.get("/MediaBox") or (0, 0, 595.28, 841.89)  # A4
    right = float(media_box[2])
    bottom = float(media_box[1])
    width, height = DEFAULT_BOX_SIZE
    return (right - 36 - width, bottom + 36, right - 36, bottom + 36 + height)


def _certification(writer: IncrementalPdfFileWriter, certify: bool) -> dict:
    """The signature metadata that makes it a certification allowing no change, or none for
    an approval signature. A certified file cannot be signed again, nor a signed one
    certified: both are refused here, in words."""
    from pyhanko.sign import fields
    from pyhanko.sign.fields import MDPPerm
    from pyhanko.sign.validation import read_certification_data

    certified = read_certification_data(writer.prev)
    if certified is not None and certified.permission == MDPPerm.NO_CHANGES:
        raise PdfSigningError("This PDF is certified against any change: it cannot be signed again")
    if not certify:
        return {}
    if any(True for _ in fields.enumerate_sig_fields(writer, filled_status=True)):
        raise PdfSigningError("This PDF is already signed: only an unsigned PDF can be certified")
    return {"certify": True, "docmdp_permissions": MDPPerm.NO_CHANGES}


def _new_field_name(writer: IncrementalPdfFileWriter) -> str:
    from pyhanko.sign import fields

    taken = {name for name, _, _ in fields.enumerate_sig_fields(writer)}
    n = len(taken) + 1
    while f"Signature{n}" in taken:
        n += 1
    return f"Signature{n}"


def sign_pdf(
    pdf: bytes,
    *,
    key,
    certificate: x509.Certificate,
    chain: Iterable[x509.Certificate],
    reason: str,
    signer_name: str,
    box: tuple[float, float, float, float] | None = None,
    page: int = -1,
    location: str | None = None,
    certify: bool = True,
) -> bytes:
    """Sign one PDF (PAdES B-B, SHA-256, visible box; certified unless `certify` is False).
    For many PDFs use `PdfSigner`."""
    return PdfSigner(key, certificate, chain).sign(
        pdf,
        reason=reason,
        signer_name=signer_name,
        box=box,
        page=page,
        location=location,
        certify=certify,
    )
