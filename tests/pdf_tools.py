"""Helpers for the signed-PDF tests: throwaway certificates, small PDFs, poppler's pdfsig.

Nothing here is product code. The certificates are made with `cryptography` alone (EC P-256),
shaped like the ones the server issues: a CA with basicConstraints CA:TRUE and keyCertSign,
and users with digitalSignature + nonRepudiation.

pdfsig checks a signature independently of pyHanko, against an NSS database that holds our
CA as a trusted issuer (made with NSS's certutil). Both tools come from Debian packages
(poppler-utils, libnss3-tools, listed in installer/debian-packages.txt); when one is missing
the tests that need it fail with a message saying so, never skip.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

MISSING_TOOL = (
    "{tool} is not installed: install poppler-utils and libnss3-tools "
    "(apt-get install poppler-utils libnss3-tools; both are in installer/debian-packages.txt)"
)


def require_tool(tool: str) -> str:
    """The tool's path, or an AssertionError (a failure, not a skip) saying what to install."""
    path = shutil.which(tool)
    assert path, MISSING_TOOL.format(tool=tool)
    return path


# ---------------------------------------------------------------- certificates


@dataclass
class Identity:
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    certificate: x509.Certificate
    chain: list[x509.Certificate] = field(default_factory=list)

    @property
    def serial(self) -> int:
        return self.certificate.serial_number


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Leicestershire County Council (test)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_ca(common_name: str = "LCC APR test CA") -> Identity:
    """A self-signed EC P-256 CA: basicConstraints CA:TRUE, keyCertSign and cRLSign."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    name = _name(common_name)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Identity(key, cert, [])


def make_user(
    ca: Identity,
    common_name: str = "Ryan Robinson",
    *,
    rsa_key: bool = False,
    serial: int | None = None,
) -> Identity:
    """A user certificate issued by `ca`, for signing documents (EC P-256, or RSA-2048)."""
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if rsa_key
        else ec.generate_private_key(ec.SECP256R1())
    )
    now = datetime.now(UTC)
    ca_ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=730))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    return Identity(key, cert, [ca.certificate, *ca.chain])


def make_tsa(ca: Identity, common_name: str = "LCC APR test timestamps") -> Identity:
    """A timestamp authority certificate from `ca` (critical EKU timeStamping), for showing
    that B-T is one line away in sign.py. RSA: pyHanko's test TSA signs with RSA only."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca.key, hashes.SHA256())
    )
    return Identity(key, cert, [ca.certificate, *ca.chain])


def dummy_timestamper(tsa: Identity):
    """pyHanko's in-process TSA (for tests) signing with `tsa`'s key."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    def asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    key_der = tsa.key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return DummyTimeStamper(
        tsa_cert=asn1(tsa.certificate),
        tsa_key=asn1_keys.PrivateKeyInfo.load(key_der),
        certs_to_embed=[asn1(c) for c in tsa.chain],
    )


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


# ---------------------------------------------------------------- PDFs


PAGE_TEXT_MARKER = b"Appraisal page"


def make_pdf(pages: int = 2, title: str = "Annual Performance Review") -> bytes:
    """A small A4 reportlab PDF with plain (uncompressed) page content, so tests can find
    and change a byte of it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, pageCompression=0)
    c.setTitle(title)
    for n in range(1, pages + 1):
        c.setFont("Helvetica-Bold", 16)
        c.drawString(72, 770, title)
        c.setFont("Helvetica", 11)
        c.drawString(72, 740, f"{PAGE_TEXT_MARKER.decode()} {n} of {pages}")
        c.drawString(72, 720, "Objectives met: yes. Comments: a good year.")
        c.showPage()
    c.save()
    return out.getvalue()


def flip_content_byte(pdf: bytes, marker: bytes = PAGE_TEXT_MARKER) -> bytes:
    """The same file with one byte of the first page's text changed ('A' -> 'B'): a byte
    inside the signed range, not in the signature."""
    at = pdf.index(marker)
    assert pdf[at : at + 1] == b"A"
    return pdf[:at] + b"B" + pdf[at + 1 :]


_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def byte_ranges(pdf: bytes) -> list[tuple[int, int, int, int]]:
    """Every signature's /ByteRange [start1 len1 start2 len2], in file order."""
    return [tuple(int(g) for g in m.groups()) for m in _BYTE_RANGE.finditer(pdf)]  # type: ignore[misc]


def in_signed_range(offset: int, byte_range: tuple[int, int, int, int]) -> bool:
    a, la, b, lb = byte_range
    return a <= offset < a + la or b <= offset < b + lb


# ---------------------------------------------------------------- pdfsig


@dataclass
class PdfsigSignature:
    number: int
    signer: str = ""
    signature_validation: str = ""  # e.g. "Signature is Valid."
    certificate_validation: str = ""  # e.g. "Certificate is Trusted."
    total_document_signed: bool = False
    lines: list[str] = field(default_factory=list)

    @property
    def signature_valid(self) -> bool:
        return self.signature_validation == "Signature is Valid."

    @property
    def certificate_trusted(self) -> bool:
        return self.certificate_validation == "Certificate is Trusted."


@dataclass
class PdfsigReport:
    returncode: int
    output: str
    signatures: list[PdfsigSignature]


def make_nss_db(directory: Path, trusted_cas: list[x509.Certificate]) -> Path:
    """An NSS database in `directory` holding each CA as a trusted issuer ("C,,")."""
    certutil = require_tool("certutil")
    directory.mkdir(parents=True, exist_ok=True)
    db = f"sql:{directory}"
    subprocess.run([certutil, "-N", "--empty-password", "-d", db], check=True, capture_output=True)
    for n, ca in enumerate(trusted_cas):
        ca_file = directory / f"ca{n}.pem"
        ca_file.write_bytes(pem(ca))
        subprocess.run(
            [certutil, "-A", "-n", f"lcc-ca-{n}", "-t", "C,C,", "-i", str(ca_file), "-d", db],
            check=True,
            capture_output=True,
        )
    return directory


_SIG_HEADER = re.compile(r"^Signature #(\d+):\s*$")


def parse_pdfsig(output: str) -> list[PdfsigSignature]:
    """pdfsig's report, one entry per "Signature #N:" block."""
    signatures: list[PdfsigSignature] = []
    current: PdfsigSignature | None = None
    for raw in output.splitlines():
        header = _SIG_HEADER.match(raw.strip())
        if header:
            current = PdfsigSignature(int(header.group(1)))
            signatures.append(current)
            continue
        if current is None:
            continue
        line = raw.strip().lstrip("- ").strip()
        current.lines.append(line)
        key, _, value = line.partition(":")
        value = value.strip()
        if key == "Signer Certificate Common Name":
            current.signer = value
        elif key == "Signature Validation":
            current.signature_validation = value
        elif key == "Certificate Validation":
            current.certificate_validation = value
        elif line == "Total document signed":
            current.total_document_signed = True
    return signatures


def run_pdfsig(pdf: bytes | Path, nss_dir: Path, work_dir: Path) -> PdfsigReport:
    """pdfsig on the file (bytes are written into work_dir first), trusting nss_dir's CAs."""
    pdfsig = require_tool("pdfsig")
    if isinstance(pdf, bytes):
        path = work_dir / "pdfsig-input.pdf"
        path.write_bytes(pdf)
    else:
        path = pdf
    done = subprocess.run(
        [pdfsig, "-nssdir", f"sql:{nss_dir}", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = done.stdout + done.stderr
    return PdfsigReport(done.returncode, output, parse_pdfsig(output))


def render_page_png(pdf: bytes | Path, work_dir: Path, *, page: int, dpi: int = 70) -> Path:
    """pdftoppm one page (1-based) to a PNG in work_dir; returns its path."""
    pdftoppm = require_tool("pdftoppm")
    if isinstance(pdf, bytes):
        path = work_dir / "render-input.pdf"
        path.write_bytes(pdf)
    else:
        path = pdf
    prefix = work_dir / f"page{page}"
    subprocess.run(
        [
            pdftoppm,
            "-r",
            str(dpi),
            "-png",
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(path),
            str(prefix),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return prefix.with_suffix(".png")


def render_page_gray(
    pdf: bytes, work_dir: Path, *, page: int, dpi: int = 70
) -> tuple[int, int, bytes]:
    """pdftoppm one page (1-based) to 8-bit grey: (width, height, one byte per pixel)."""
    pdftoppm = require_tool("pdftoppm")
    path = work_dir / "render-gray-input.pdf"
    path.write_bytes(pdf)
    prefix = work_dir / f"gray{page}"
    subprocess.run(
        [pdftoppm, "-r", str(dpi), "-gray", "-f", str(page), "-l", str(page), "-singlefile"]
        + [str(path), str(prefix)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    data = prefix.with_suffix(".pgm").read_bytes()
    # P5 header: magic, width, height, maxval, each followed by whitespace
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert header, "pdftoppm -gray did not write a binary PGM"
    width, height = int(header.group(1)), int(header.group(2))
    pixels = data[header.end() :]
    assert len(pixels) == width * height
    return width, height, pixels


def dark_pixels(
    image: tuple[int, int, bytes],
    box: tuple[float, float, float, float],
    *,
    page_height: float,
    dpi: int = 70,
    threshold: int = 160,
) -> int:
    """How many pixels darker than `threshold` lie inside `box` (PDF points, origin bottom
    left) of a page rendered at `dpi`."""
    width, height, pixels = image
    scale = dpi / 72
    x1, y1, x2, y2 = box
    left, right = int(x1 * scale), min(width, int(x2 * scale) + 1)
    top, bottom = int((page_height - y2) * scale), min(height, int((page_height - y1) * scale) + 1)
    return sum(
        1
        for row in range(max(0, top), bottom)
        for value in pixels[row * width + max(0, left) : row * width + right]
        if value < threshold
    )


_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


def text_boxes(pdf: bytes, work_dir: Path, *, page: int) -> list[tuple[str, float, float]]:
    """pdftotext -bbox of one page: (text, width, height) of each word poppler reports."""
    import html

    pdftotext = require_tool("pdftotext")
    path = work_dir / "text-input.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        [pdftotext, "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return [
        (
            html.unescape(m.group(5)),
            float(m.group(3)) - float(m.group(1)),
            float(m.group(4)) - float(m.group(2)),
        )
        for m in _WORD.finditer(done.stdout)
    ]
