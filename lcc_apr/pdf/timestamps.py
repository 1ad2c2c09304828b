"""Trusted time on signed PDFs: RFC 3161 timestamps (PAdES B-T), embedded validation
material (B-LT) and archive document timestamps (B-LTA).

- `timestamper_for(url)`: a pyHanko TimeStamper over httpx for the configured timestamp
  authority (TSA); None when none is configured.
- `ValidationMaterial`: what a PDF carries so that it verifies offline years later: the
  organisation CA's certificates, its CRL (DER, signed by the CA key, fetched from the
  server at sync) and the TSA's root certificate(s). pyHanko writes them into the PDF's
  Document Security Store (DSS).
- `last_timestamp(pdf)`: the newest timestamp in a PDF (signature or document timestamp),
  when it was made and when its TSA certificate expires.
- `refresh_pdf` / `refresh_folder`: HR's job: a document timestamp (B-LTA) added to every
  PDF whose newest timestamp's TSA certificate expires within N days, or that has no
  timestamp at all (a print made while the TSA was down).

Without a TSA, or with one that does not answer, a print is still signed (PAdES B-B) and
its signature box says so (`NO_TRUSTED_TIME`, `TSA_DID_NOT_ANSWER`).
"""

from __future__ import annotations

import asyncio
import io
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

if TYPE_CHECKING:
    from pyhanko.sign.timestamps import TimeStamper
    from pyhanko_certvalidator import ValidationContext

__all__ = [
    "NO_TRUSTED_TIME",
    "TRUSTED_TIME",
    "TSA_DID_NOT_ANSWER",
    "Refreshed",
    "TimestampFound",
    "ValidationMaterial",
    "last_timestamp",
    "refresh_folder",
    "refresh_pdf",
    "timestamper_for",
]

log = logging.getLogger(__name__)


class _NoFetchingNote(logging.Filter):
    """pyHanko warns at every B-LT signature that fetching is off: here it always is (the
    CRL comes from our server at sync), so the warning says nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_NoFetchingNote())

# The line a signature box carries about its time (product wording).
# Short enough for one line of the box.
TRUSTED_TIME = "Time certified by a timestamp service"
NO_TRUSTED_TIME = "No trusted time: no timestamp service set up"
TSA_DID_NOT_ANSWER = "No trusted time: timestamp service down"

TSA_TIMEOUT = 10.0  # seconds; a TSA that takes longer is taken as down
DEFAULT_REFRESH_DAYS = 90  # HR configuration: product default, room for a missed quarter


def timestamper_for(url: str | None, *, timeout: float = TSA_TIMEOUT) -> TimeStamper | None:
    """A TimeStamper asking the TSA at `url` (http or https); None when url is empty."""
    if not url or not url.strip():
        return None
    return _http_timestamper_class()(url.strip(), timeout)


def _http_timestamper_class():
    from pyhanko.sign.timestamps import TimeStamper, TimestampRequestError

    class HttpxTimeStamper(TimeStamper):
        """RFC 3161 over HTTP POST (application/timestamp-query), with httpx."""

        def __init__(self, url: str, timeout: float) -> None:
            super().__init__()
            self.url = url
            self.timeout = timeout
            self._client: Any = None  # one httpx.Client, made on first use (~50 ms)
            self._lock = threading.Lock()

        def _http(self) -> Any:
            import httpx

            with self._lock:
                if self._client is None:
                    self._client = httpx.Client(timeout=self.timeout)
                return self._client

        async def async_request_tsa_response(self, req):
            from asn1crypto import tsp

            def ask() -> Any:
                import httpx

                try:
                    reply = self._http().post(
                        self.url,
                        content=req.dump(),
                        headers={"Content-Type": "application/timestamp-query"},
                    )
                except httpx.HTTPError as e:
                    raise TimestampRequestError(
                        f"The timestamp authority did not answer: {e}"
                    ) from e
                kind = reply.headers.get("content-type", "").split(";")[0].strip()
                if reply.status_code != 200 or kind != "application/timestamp-reply":
                    raise TimestampRequestError(
                        f"The timestamp authority answered HTTP {reply.status_code} ({kind})"
                    )
                try:
                    return tsp.TimeStampResp.load(reply.content)
                except ValueError as e:
                    raise TimestampRequestError(f"Unreadable timestamp reply: {e}") from e

            return await asyncio.to_thread(ask)

        def __repr__(self) -> str:
            return f"HttpxTimeStamper({self.url!r})"

    return HttpxTimeStamper


def _asn1_cert(cert: x509.Certificate):
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@dataclass(frozen=True)
class ValidationMaterial:
    """Validation material to embed: trust roots (the organisation CA(s), the TSA's roots)
    and the CA's CRLs (DER). Only used to collect and embed, never to judge."""

    trust_roots: tuple[x509.Certificate, ...] = ()
    crls: tuple[bytes, ...] = ()
    other_certs: tuple[x509.Certificate, ...] = field(default=())

    def context(self, moment: datetime | None = None) -> ValidationContext:
        from asn1crypto import crl as asn1_crl
        from pyhanko_certvalidator import ValidationContext

        return ValidationContext(
            trust_roots=[_asn1_cert(c) for c in self.trust_roots],
            other_certs=[_asn1_cert(c) for c in self.other_certs],
            crls=[asn1_crl.CertificateList.load(c) for c in self.crls],
            allow_fetching=False,
            revocation_mode="soft-fail",
            moment=moment,
        )


# -- reading the timestamps in a PDF ---------------------------------------------------


@dataclass(frozen=True)
class TimestampFound:
    at: datetime  # the TSA's time
    tsa_expires: datetime  # its certificate's notAfter
    kind: str  # "signature" (B-T) or "document" (B-LTA)
    tsa_name: str


def _token_facts(signed_data, kind: str) -> TimestampFound | None:
    """The time and the TSA certificate's expiry of one RFC 3161 token (a SignedData)."""
    try:
        tst_info = signed_data["encap_content_info"]["content"].parsed
        at = tst_info["gen_time"].native
        sid = signed_data["signer_infos"][0]["sid"]
        certs = [c.chosen for c in signed_data["certificates"] if c.name == "certificate"]
        tsa = next(
            (
                c
                for c in certs
                if (sid.name == "issuer_and_serial_number" and c.issuer_serial == _sid_key(sid))
                or (sid.name == "subject_key_identifier" and c.key_identifier == sid.chosen.native)
            ),
            None,
        )
        if tsa is None:
            return None
        name = tsa.subject.native.get("common_name") or "the timestamp authority"
        return TimestampFound(
            at, tsa["tbs_certificate"]["validity"]["not_after"].native, kind, name
        )
    except Exception as e:  # noqa: BLE001 - an unreadable token is no timestamp
        log.info("unreadable timestamp token: %r", e)
        return None


def _sid_key(sid) -> bytes:
    issuer_serial = sid.chosen
    serial = str(issuer_serial["serial_number"].native).encode("ascii")
    return issuer_serial["issuer"].sha256 + b":" + serial


def timestamps_in(pdf: bytes) -> list[TimestampFound]:
    """Every readable timestamp in the PDF, in file order (signature tokens and document
    timestamps). Raises ValueError for a file that is not a readable PDF."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as e:  # noqa: BLE001
        raise ValueError(f"not a readable PDF ({type(e).__name__})") from e
    found: list[TimestampFound] = []
    for emb in embedded:
        if emb.sig_object_type == "/DocTimeStamp":
            facts = _token_facts(emb.signed_data, "document")
        else:
            facts = None
            attrs = emb.signer_info["unsigned_attrs"]
            for attr in attrs if attrs.native is not None else []:
                if attr["type"].native == "signature_time_stamp_token":
                    facts = _token_facts(attr["values"][0]["content"], "signature")
        if facts is not None:
            found.append(facts)
    return found


def last_timestamp(pdf: bytes) -> TimestampFound | None:
    """The newest timestamp in the PDF, or None (a B-B print, or no signature)."""
    found = timestamps_in(pdf)
    return max(found, key=lambda t: t.at) if found else None


# -- the archive timestamp job -----------------------------------------------------------


@dataclass(frozen=True)
class Refreshed:
    path: Path | None
    outcome: str  # "timestamped", "not due", "unsigned", "failed"
    detail: str = ""


def _is_signed(pdf: bytes) -> bool:
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        return bool(list(PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures))
    except Exception as e:  # noqa: BLE001
        raise ValueError(f"not a readable PDF ({type(e).__name__})") from e


def due_for_refresh(pdf: bytes, *, within_days: int, now: datetime | None = None) -> str | None:
    """Why the PDF needs an archive timestamp now (None: it does not). Raises ValueError for
    an unreadable file."""
    now = now or datetime.now(UTC)
    newest = last_timestamp(pdf)
    if newest is None:
        return "no trusted time yet"
    if newest.tsa_expires <= now + timedelta(days=within_days):
        return f"the timestamp authority's certificate expires on {newest.tsa_expires:%Y-%m-%d}"
    return None


def add_document_timestamp(
    pdf: bytes, timestamper: TimeStamper, material: ValidationMaterial | None = None
) -> bytes:
    """The PDF with the validation material (CRLs, certificates) in its DSS and an archive
    document timestamp over everything (PAdES B-LTA), as one incremental update.
    Raises pyHanko's TimestampRequestError when the TSA does not answer."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    context = material.context() if material is not None else None
    if material is not None:
        DocumentSecurityStore.supply_dss_in_writer(
            writer,
            None,
            certs=[_asn1_cert(c) for c in (*material.trust_roots, *material.other_certs)],
            crls=context.crls if context is not None else None,
        )
    out = io.BytesIO()
    PdfTimeStamper(timestamper).timestamp_pdf(
        writer, "sha256", validation_context=context, output=out
    )
    return out.getvalue()


def refresh_pdf(
    pdf: bytes,
    timestamper: TimeStamper,
    material: ValidationMaterial | None = None,
    *,
    within_days: int = DEFAULT_REFRESH_DAYS,
    now: datetime | None = None,
) -> tuple[bytes | None, Refreshed]:
    """(new bytes or None, what happened) for one PDF. Never raises for a bad file."""
    from pyhanko.sign.timestamps import TimestampRequestError

    try:
        if not _is_signed(pdf):
            return None, Refreshed(None, "unsigned", "the file has no signature")
        why = due_for_refresh(pdf, within_days=within_days, now=now)
    except ValueError as e:
        return None, Refreshed(None, "failed", str(e))
    if why is None:
        return None, Refreshed(None, "not due")
    try:
        return add_document_timestamp(pdf, timestamper, material), Refreshed(
            None, "timestamped", why
        )
    except TimestampRequestError as e:
        return None, Refreshed(None, "failed", str(e))
    except Exception as e:  # noqa: BLE001 - one odd file never stops the job
        log.info("archive timestamp failed: %r", e)
        return None, Refreshed(None, "failed", f"{type(e).__name__}: {e}")


def refresh_folder(
    folder: Path,
    timestamper: TimeStamper,
    material: ValidationMaterial | None = None,
    *,
    within_days: int = DEFAULT_REFRESH_DAYS,
    now: datetime | None = None,
) -> list[Refreshed]:
    """refresh_pdf for every *.pdf under `folder`; each changed file replaced whole (written
    beside it, then renamed), so an interrupted job loses nothing."""
    from lcc_apr.pdf.export import write_whole

    done: list[Refreshed] = []
    for path in sorted(Path(folder).rglob("*.pdf")):
        try:
            data = path.read_bytes()
        except OSError as e:
            done.append(Refreshed(path, "failed", f"cannot be read ({e.strerror or e})"))
            continue
        new, result = refresh_pdf(data, timestamper, material, within_days=within_days, now=now)
        if new is not None:
            try:
                write_whole(path, new)
            except OSError as e:
                done.append(Refreshed(path, "failed", f"cannot be written ({e.strerror or e})"))
                continue
        done.append(Refreshed(path, result.outcome, result.detail))
    return done


def roots_of(certificates: Iterable[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    """The self-signed certificates among these (trust roots to add for embedding)."""
    return tuple(c for c in certificates if c.issuer == c.subject)


def material_from(
    authorities: Sequence[x509.Certificate],
    crls: Sequence[bytes] = (),
    tsa_roots: Sequence[x509.Certificate] = (),
) -> ValidationMaterial:
    return ValidationMaterial(tuple(authorities) + tuple(tsa_roots), tuple(crls))
