"""Benchmark: what trusted time costs a signed PDF. Measured side by side in one run
(interleaved, medians), on a two-page PDF with a real RFC 3161 TSA on 127.0.0.1
(tests/tsa_server.py, so the network time is a loopback's; a council's TSA adds its
round trip, typically 50-300 ms):

1. B-B: the signature alone (before this change, every print);
2. B-T: with the TSA's token;
3. B-LT: with the token and the CA's certificates and CRL in the DSS (what prints do now);
4. the refresh job's archive timestamp (B-LTA) on one B-LT file.
Prints milliseconds per PDF and the file sizes; writes bench/out/pdf_timestamps.json.
Run: `.venv/bin/python bench/pdf_timestamps.py`.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402

from lcc_apr.pdf.sign import PdfSigner  # noqa: E402
from lcc_apr.pdf.timestamps import (  # noqa: E402
    ValidationMaterial,
    add_document_timestamp,
    timestamper_for,
)
from tests.pdf_tools import make_ca, make_pdf, make_tsa, make_user  # noqa: E402
from tests.tsa_server import LocalTsa  # noqa: E402

ROUNDS = 21


def main() -> None:
    ca = make_ca()
    user = make_user(ca)
    tsa = LocalTsa(make_tsa(ca)).start()
    now = datetime.now(UTC)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(now)
        .next_update(now + timedelta(days=7))
        .sign(ca.key, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )
    material = ValidationMaterial((ca.certificate,), (crl,))
    stamper = timestamper_for(tsa.url)
    kits = {
        "B-B": PdfSigner(user.key, user.certificate, user.chain),
        "B-T": PdfSigner(user.key, user.certificate, user.chain, timestamper=stamper),
        "B-LT": PdfSigner(
            user.key, user.certificate, user.chain, timestamper=stamper, validation=material
        ),
    }
    pdf = make_pdf()
    times: dict[str, list[float]] = {name: [] for name in [*kits, "B-LTA refresh"]}
    sizes: dict[str, int] = {}
    for kit in kits.values():  # warm up: fonts, imports
        kit.sign(pdf, reason="warm", signer_name="R")
    for _ in range(ROUNDS):
        for name, kit in kits.items():
            start = time.perf_counter()
            signed = kit.sign(pdf, reason="Approval", signer_name="Ryan Robinson")
            times[name].append(time.perf_counter() - start)
            sizes[name] = len(signed)
        start = time.perf_counter()
        archived = add_document_timestamp(signed, stamper, material)
        times["B-LTA refresh"].append(time.perf_counter() - start)
        sizes["B-LTA refresh"] = len(archived)
    tsa.stop()
    result = {
        name: {"median_ms": round(statistics.median(t) * 1000, 1), "bytes": sizes[name]}
        for name, t in times.items()
    }
    for name, row in result.items():
        print(f"{name:14} {row['median_ms']:7.1f} ms  {row['bytes']:7,} bytes")
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "pdf_timestamps.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
