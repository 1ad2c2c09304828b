"""Check the signatures on a PDF: who signed, when, and whether it can be relied on.

`check_pdf()` runs pyHanko's validator with the organisation CA as the only trust root and
no network access (no OCSP, no CRL fetching). For each signature it reports:

- intact: the signed bytes hash to what was signed (a changed byte makes this False);
- valid: the signature over that hash verifies with the signer's public key;
- trusted: the signer's certificate chains to one of `trust_roots` and is fit for signing
  (keyUsage digitalSignature or nonRepudiation);
- revoked: the certificate's serial is in `revoked` (the server's list: serial -> when);
- covers_whole_document: nothing at all was added to the file after this signature.
  When something was, `later_changes` says what (`LATER_CHANGES`): only further signatures
  that draw nothing ("signatures"), only timestamps and revocation data for long-term
  validation ("timestamps", PAdES B-LT/B-LTA), a later signature whose box draws on a
  page ("signature box"), notes or marks on a page ("annotations"), or anything else
  ("other", e.g. new page content). Only the first three keep the signature good, and
  after a certification allowing no change (sign.py certifies every printed copy) only
  timestamps do. Who made the later signature does not matter: any enrolled user holds a
  certificate from the organisation CA, so a second good signature may still paint new
  words over the page.
  The verdict is pyHanko's difference analysis (modification level, DocMDP); the kind is
  found by comparing each page's content and annotations with the signed revision.

A signature with a valid, trusted RFC 3161 timestamp (PAdES B-T, see timestamps.py) was
made at the timestamp's time: that is its `signed_at`, and its certificate counts as
revoked only if it was revoked at or before that time. Without one (B-B), the only signing
time is the signer's own clock: the certificate is checked as of that time, so an old
appraisal does not turn "untrusted" the day its certificate expires, but a certificate in
the revoked list is reported as revoked whatever the date, since a B-B signature cannot
prove it was made before the revocation.

A file that cannot be read (damaged, truncated, not a PDF) gives a PdfCheck that says so;
this module never raises on bad input.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from lcc_apr.uk_time import uk_time

__all__ = ["PdfCheck", "SignatureCheck", "check_pdf"]

log = logging.getLogger(__name__)
# pyHanko's own warnings quote certificate subjects, i.e. people's names: personal data
# never reaches the logs, so only its errors (which carry none) are let through.
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).setLevel(logging.ERROR)

LATER_CHANGES = ("none", "signatures", "timestamps", "signature box", "annotations", "other")
BENIGN = LATER_CHANGES[:3]
"""What was added after a signature; only BENIGN leaves it good."""

DAMAGED = "The file is damaged or is not a PDF, so its signatures cannot be checked."
UNSIGNED = "The document is not signed."


@dataclass(frozen=True)
class SignatureCheck:
    """What one signature says and whether it holds."""

    field_name: str
    signer_name: str  # the certificate's common name (else the name the PDF gives)
    signed_at: datetime | None  # the signer's clock, or the timestamp's when there is one
    reason: str | None
    intact: bool
    valid: bool
    trusted: bool
    revoked: bool
    revoked_at: datetime | None
    covers_whole_document: bool
    later_changes: str  # one of LATER_CHANGES
    certificate_serial: int | None
    timestamped: bool
    problem: str | None  # a technical note when something failed, for logs and support
    summary: str
    certified: bool = False  # a certification (DocMDP) signature, not just an approval

    @property
    def ok(self) -> bool:
        """Intact, valid, trusted, not revoked, and nothing but signatures added since."""
        return (
            self.intact
            and self.valid
            and self.trusted
            and not self.revoked
            and self.later_changes in BENIGN
        )


@dataclass(frozen=True)
class PdfCheck:
    """The signatures of one file, in signing order, and a plain-English summary."""

    signatures: tuple[SignatureCheck, ...] = ()
    damaged: bool = False
    problem: str | None = None
    summary: str = UNSIGNED
    signers: tuple[str, ...] = field(default=())

    @property
    def signed(self) -> bool:
        return bool(self.signatures)

    @property
    def ok(self) -> bool:
        """Signed, and every signature holds."""
        return not self.damaged and self.signed and all(s.ok for s in self.signatures)


def _refuse_running_loop() -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError("check_pdf() blocks: call it from a worker thread, not an event loop")


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _day(moment: datetime | None) -> str:
    if moment is None:
        return "an unknown date"
    local = uk_time(moment)[0]
    return f"{local.day} {local:%B %Y}"


def _signer_name(cert: asn1_x509.Certificate | None, sig_object) -> str:
    if cert is not None:
        try:
            name = cert.subject.native.get("common_name")
            if isinstance(name, list):
                name = name[0] if name else None
            if name:
                return str(name)
        except Exception:  # noqa: BLE001 - an odd subject is not worth failing over
            pass
    try:
        name = sig_object.get("/Name")
        if name:
            return str(name)
    except Exception:  # noqa: BLE001
        pass
    return "an unknown signer"


def _pdf_text(sig_object, key: str) -> str | None:
    try:
        value = sig_object.get(key)
        return str(value) if value is not None else None
    except Exception:  # noqa: BLE001
        return None


def _summary(
    name: str,
    signed_at: datetime | None,
    *,
    intact: bool,
    valid: bool,
    trusted: bool,
    revoked_at: datetime | None,
    revoked: bool,
    later_changes: str,
) -> str:
    who = f"Signed by {name} on {_day(signed_at)}"
    if not intact:
        return (
            f"The signature by {name} no longer matches the document: "
            "it has been changed since it was signed."
        )
    if not valid:
        return f"The signature by {name} is damaged or forged and cannot be relied on."
    if revoked:
        when = f" on {_day(revoked_at)}" if revoked_at else ""
        return f"{who}, but the certificate it was made with was revoked{when}."
    if not trusted:
        return (
            f"{who}, but with a certificate the organisation did not issue, "
            "so the signature cannot be trusted."
        )
    if later_changes == "none":
        return f"{who}; the document has not been changed since."
    if later_changes == "signatures":
        return f"{who}; since then only further signatures have been added."
    if later_changes == "timestamps":
        return (  # B-LT/B-LTA: the DSS and document timestamps follow the signature
            f"{who}; the document has not been changed since "
            "(only data for checking it in years to come has been added)."
        )
    if later_changes == "signature box":
        return (
            f"{who}, but a later signature added a box that draws on the page, "
            "so the page may not show what was signed."
        )
    if later_changes == "annotations":
        return f"{who}, but notes or marks were added to the page after it was signed."
    return f"{who}, but the document was changed after it was signed."


def _failed(emb, name: str, problem: str) -> SignatureCheck:
    sig_object = getattr(emb, "sig_object", {}) or {}
    return SignatureCheck(
        field_name=str(getattr(emb, "field_name", "") or ""),
        signer_name=name,
        signed_at=None,
        reason=_pdf_text(sig_object, "/Reason"),
        intact=False,
        valid=False,
        trusted=False,
        revoked=False,
        revoked_at=None,
        covers_whole_document=False,
        later_changes="other",
        certificate_serial=None,
        timestamped=False,
        problem=problem,
        summary=f"The signature by {name} is damaged and cannot be checked.",
    )


def _time_context(roots: list[asn1_x509.Certificate], time_roots):
    """Timestamps are trusted when their TSA chains to the organisation CA or to one of
    `time_roots` (an outside timestamp service's roots); None: pyHanko's default (the
    signer's context)."""
    if not time_roots:
        return None
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(trust_roots=[*roots, *time_roots], allow_fetching=False)


def _revoked_when_signed(revoked_at: datetime | None, trusted_time: datetime | None) -> bool:
    """Revoked for this signature: always when there is no trusted time (B-B); with a
    timestamp only if the revocation came at or before it."""
    if revoked_at is None:
        return False
    if trusted_time is None:
        return True
    if revoked_at.tzinfo is None:  # the store keeps UTC
        revoked_at = revoked_at.replace(tzinfo=UTC)
    return revoked_at <= trusted_time


def _check_one(
    emb,
    *,
    roots: list[asn1_x509.Certificate],
    root_subjects: set[bytes],
    revoked: Mapping[int, datetime],
    later_fields: frozenset[str],
    time_roots: list[asn1_x509.Certificate] | None = None,
) -> SignatureCheck:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        cert = emb.signer_cert
    except Exception:  # noqa: BLE001
        cert = None
    name = _signer_name(cert, emb.sig_object)
    try:
        claimed = emb.self_reported_timestamp
    except Exception:  # noqa: BLE001
        claimed = None
    context = ValidationContext(
        trust_roots=roots,
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=claimed,  # None means now
    )
    try:
        status = validate_pdf_signature(
            emb,
            signer_validation_context=context,
            ts_validation_context=_time_context(roots, time_roots),
            key_usage_settings=KeyUsageConstraints(
                key_usage={"digital_signature", "non_repudiation"},
                match_all_key_usages=False,
            ),
        )
    except Exception as e:  # noqa: BLE001 - a damaged signature must not crash the check
        log.info("signature %s could not be validated: %r", getattr(emb, "field_name", "?"), e)
        return _failed(emb, name, f"{type(e).__name__}: {e}")

    timestamp = status.timestamp_validity
    trusted_time = (
        timestamp.timestamp if timestamp and timestamp.valid and timestamp.trusted else None
    )
    timestamped = trusted_time is not None
    signed_at = trusted_time or status.signer_reported_dt or claimed

    serial = int(status.signing_cert.serial_number)
    issued_by_root = status.signing_cert.issuer.dump() in root_subjects
    # Serials are unique per issuer: only look up certificates our CA(s) stand behind.
    revoked_at = revoked.get(serial) if (issued_by_root or status.trusted) else None
    is_revoked = _revoked_when_signed(revoked_at, trusted_time) or bool(status.revoked)

    coverage = status.coverage
    whole = coverage == SignatureCoverageLevel.ENTIRE_FILE
    later = "none" if whole else _later_changes(emb, status, later_fields)

    problems = []
    if not status.intact:
        problems.append("digest mismatch")
    if not status.valid:
        problems.append("signature does not verify")
    if not status.trusted and status.trust_problem_indic is not None:
        problems.append(f"trust: {status.trust_problem_indic}")
    if later not in BENIGN:
        problems.append(f"coverage {coverage}, modification level {status.modification_level}")

    return SignatureCheck(
        field_name=str(emb.field_name),
        signer_name=name,
        signed_at=signed_at,
        reason=_pdf_text(emb.sig_object, "/Reason"),
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        revoked=bool(is_revoked),
        revoked_at=revoked_at,
        covers_whole_document=whole,
        later_changes=later,
        certificate_serial=serial,
        timestamped=timestamped,
        problem="; ".join(problems) or None,
        summary=_summary(
            name,
            signed_at,
            intact=bool(status.intact),
            valid=bool(status.valid),
            trusted=bool(status.trusted),
            revoked=bool(is_revoked),
            revoked_at=revoked_at,
            later_changes=later,
        ),
        certified=_certified(emb),
    )


def _certified(emb) -> bool:
    """This signature is the one the catalogue names as certifying the document."""
    try:
        named = emb.reader.root["/Perms"].raw_get("/DocMDP")
        return bool(named.reference == emb.sig_field.raw_get("/V").reference)
    except Exception:  # noqa: BLE001 - no /Perms, or a direct object: not a certification
        return False


def _later_changes(emb, status, later_fields: frozenset[str]) -> str:
    """What the revisions after this signature added (one of LATER_CHANGES but "none").

    "timestamps" when pyHanko finds only long-term validation updates. "signatures" only
    when pyHanko's difference analysis finds nothing beyond form
    filling, the signature's DocMDP allows it, every changed field was signed later, and no
    page gained content or anything visible."""
    from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    try:
        drawn = _drawn_since(emb)
    except Exception as e:  # noqa: BLE001 - an unreadable revision is a change
        log.info("later revisions could not be compared: %r", e)
        return "other"
    if drawn is not None:
        return drawn
    diff = status.diff_result
    if (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and isinstance(diff, DiffResult)
        and diff.modification_level <= ModificationLevel.LTA_UPDATES
        and status.docmdp_ok is not False
        and not later_fields
    ):
        return "timestamps"  # document timestamps and the DSS: nothing a page shows
    benign = (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and isinstance(diff, DiffResult)
        and diff.modification_level <= ModificationLevel.FORM_FILLING
        and status.docmdp_ok is not False
        and bool(later_fields)
        and diff.changed_form_fields <= later_fields
    )
    return "signatures" if benign else "other"


def _pages(node, depth: int = 0):
    """The leaf pages under a /Pages node, in order."""
    if depth > 32:
        raise ValueError("page tree too deep")
    kids = node.get("/Kids")
    if kids is None:
        yield node
        return
    for kid in kids:
        yield from _pages(kid.get_object(), depth + 1)


def _refs(page, key: str) -> list:
    """The entries of a page's array (or single) value: references where indirect."""
    from pyhanko.pdf_utils import generic

    raw = page.raw_get(key) if key in page else None
    if raw is None:
        return []
    value = raw.get_object()
    if isinstance(value, generic.ArrayObject):
        items = [value.raw_get(i) for i in range(len(value))]
    else:
        items = [raw]
    return [i.reference if isinstance(i, generic.IndirectObject) else i for i in items]


def _drawn_since(emb) -> str | None:
    """What the pages show that the signed revision did not: "other" for changed page
    content, "annotations" for a new annotation that is not a signature's, "signature box"
    for a new visible signature widget; None for nothing new. Changes to existing objects
    (a widget's appearance redrawn) are left to pyHanko's analysis, which calls them OTHER."""
    from pyhanko.pdf_utils import generic
    from pyhanko.sign.diff_analysis.rules.form_field_rules import is_annot_visible

    reader = emb.reader
    signed = emb.signed_revision
    old_pages = list(_pages(reader.get_historical_resolver(signed).root["/Pages"]))
    new_pages = list(_pages(reader.root["/Pages"]))
    if len(old_pages) != len(new_pages):
        return "other"
    found: set[str] = set()
    for old, new in zip(old_pages, new_pages, strict=True):
        contents = _refs(new, "/Contents")
        if contents != _refs(old, "/Contents") or any(
            isinstance(c, generic.Reference) and reader.xrefs.get_last_change(c) > signed
            for c in contents
        ):
            return "other"
        before = _refs(old, "/Annots")
        for item in _refs(new, "/Annots"):
            if item in before:
                continue
            annot = reader.get_object(item) if isinstance(item, generic.Reference) else item
            if annot.get("/Subtype") == "/Widget" and _field_type(annot) == "/Sig":
                if is_annot_visible(annot):
                    found.add("signature box")
            else:
                found.add("annotations")
    for kind in ("annotations", "signature box"):
        if kind in found:
            return kind
    return None


def _field_type(annot) -> str | None:
    node, depth = annot, 0
    while node is not None and depth < 32:
        if "/FT" in node:
            return str(node["/FT"])
        node = node.get("/Parent")
        node = node.get_object() if node is not None else None
        depth += 1
    return None


def check_pdf(
    pdf: bytes,
    *,
    trust_roots: Iterable[x509.Certificate],
    revoked: Mapping[int, datetime] | None = None,
    timestamp_roots: Iterable[x509.Certificate] = (),
) -> PdfCheck:
    """Check every signature in `pdf` against the organisation CA(s) in `trust_roots`.

    revoked: certificate serial -> when it was revoked, for certificates the CA issued.
    timestamp_roots: roots of an outside timestamp service, trusted for timestamps only.
    Never raises for a bad file: a damaged one gives PdfCheck(damaged=True).

    Blocking (pyHanko runs its own event loop): from async code, call it in a worker thread.
    Called inside a running loop it raises RuntimeError at once, rather than let every
    signature look damaged.
    """
    _refuse_running_loop()
    roots = [_asn1(c) for c in trust_roots]
    time_roots = [_asn1(c) for c in timestamp_roots]
    root_subjects = {r.subject.dump() for r in roots}
    revoked = dict(revoked or {})
    try:
        from pyhanko.pdf_utils.reader import PdfFileReader

        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_regular_signatures)
    except Exception as e:  # noqa: BLE001 - anything unreadable is "damaged"
        log.info("PDF could not be read for checking: %r", e)
        return PdfCheck(damaged=True, problem=f"{type(e).__name__}: {e}", summary=DAMAGED)
    if not embedded:
        return PdfCheck(summary=UNSIGNED)

    checks: list[SignatureCheck] = []
    revisions = []
    for emb in embedded:
        try:
            revisions.append(int(emb.signed_revision))
        except Exception:  # noqa: BLE001
            revisions.append(-1)
    names = [str(getattr(emb, "field_name", "") or "") for emb in embedded]
    for emb, revision in zip(embedded, revisions, strict=True):
        later = frozenset(n for n, r in zip(names, revisions, strict=True) if r > revision >= 0)
        try:
            checks.append(
                _check_one(
                    emb,
                    roots=roots,
                    root_subjects=root_subjects,
                    revoked=revoked,
                    later_fields=later,
                    time_roots=time_roots,
                )
            )
        except Exception as e:  # noqa: BLE001 - belt and braces: never crash on a bad file
            log.info("signature check failed: %r", e)
            checks.append(_failed(emb, "an unknown signer", f"{type(e).__name__}: {e}"))
    return PdfCheck(
        signatures=tuple(checks),
        summary=" ".join(c.summary for c in checks),
        signers=tuple(c.signer_name for c in checks),
    )
