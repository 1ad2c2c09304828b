"""Benchmark: signed PDFs. Reports, measured in the same run:

1. milliseconds per signed APR PDF (read, render with reportlab, PAdES-sign with EC P-256);
2. HR's batch rate: a department of 500 completed APRs exported to a folder;
3. the same APR through HTML and WeasyPrint (the common alternative), rendered only and
   rendered + signed, as ratios to our route. Goal: < 100 ms per signed PDF and at
   least 3x faster than the HTML route.
Writes bench/out/pdf.json. Run: `make bench` (installs WeasyPrint) or
`.venv/bin/python bench/pdf.py` once `pip install -e '.[bench]'` has run.
"""

from __future__ import annotations

import html
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.orm import sessionmaker  # noqa: E402

from lcc_apr.forms import Catalogue  # noqa: E402
from lcc_apr.pdf.document import GroupText, RecordDocument, record_document  # noqa: E402
from lcc_apr.pdf.export import Selection, export_records  # noqa: E402
from lcc_apr.pdf.pages import register_fonts  # noqa: E402
from lcc_apr.pdf.records import record_pdf  # noqa: E402
from lcc_apr.pdf.render import render_record_layout  # noqa: E402
from lcc_apr.pdf.sign import PdfSigner  # noqa: E402
from lcc_apr.policy import load_policy  # noqa: E402
from tests.pdf_tools import make_ca, make_user  # noqa: E402
from tests.test_pdf_render import add_record, new_session  # noqa: E402

FONTS = Path(__file__).resolve().parents[1] / "resources" / "fonts"
RUNS = 30
BATCH = 500


def median_ms(action, runs: int = RUNS) -> float:
    action()  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(1000 * (time.perf_counter() - started))
    return round(statistics.median(times), 1)


def html_of(doc: RecordDocument) -> str:
    """The same content as our PDF, as a council web page would print it."""
    e = html.escape
    rows = [
        ("Name", doc.employee.name),
        ("Employee number", doc.employee.employee_number),
        ("Job title", doc.employee.job_title),
        ("Line manager", doc.employee.line_manager or ""),
        ("Department", doc.employee.department),
        ("Status", doc.status_label),
        ("Record date", doc.record_date),
        ("Form", doc.version_label),
    ]
    out = [
        "<html lang='en-GB'><head><meta charset='utf-8'><title>",
        e(doc.title),
        "</title><style>",
        f"@font-face {{ font-family: DejaVu; src: url('{(FONTS / 'DejaVuSans.ttf').as_uri()}'); }}",
        f"@font-face {{ font-family: DejaVu; font-weight: bold; "
        f"src: url('{(FONTS / 'DejaVuSans-Bold.ttf').as_uri()}'); }}",
        "@page { size: A4; margin: 25mm 20mm 22mm;"
        " @top-left { content: 'Leicestershire County Council'; font: bold 8pt DejaVu; }"
        " @bottom-right { content: 'Page ' counter(page) ' of ' counter(pages); font: 8pt DejaVu; }"
        " @bottom-left { content: 'Content hash (SHA-256) " + doc.content_hash + "';"
        " font: 7pt DejaVu; } }",
        "body { font: 11pt DejaVu; color: #1a1a1a; } h1 { color: #14375e; font-size: 20pt; }",
        "h2 { color: #14375e; font-size: 14pt; } table { width: 100%; border-collapse: collapse; }",
        "td, th { border-bottom: 0.5pt solid #9a9a9a; padding: 3pt; vertical-align: top; }",
        "th { text-align: left; width: 35%; }",
        "</style></head><body>",
        f"<h1>{e(doc.title)}</h1><p>{e(doc.employee.name)}</p><h2>About this record</h2><table>",
        *(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows),
        "</table>",
    ]
    for section in doc.sections:
        out.append(f"<h2>{e(section.title)}</h2>")
        for entry in section.entries:
            if isinstance(entry, GroupText):
                out.append(f"<h3>{e(entry.label)}</h3>")
                for item in entry.items:
                    out.append(f"<h4>Item {item.number}</h4><table>")
                    out += [
                        f"<tr><th>{e(f.label)}</th><td>{e(f.text)}</td></tr>" for f in item.fields
                    ]
                    out.append("</table>")
            else:
                out.append(
                    f"<table><tr><th>{e(entry.label)}</th><td>{e(entry.text)}</td></tr></table>"
                )
    out.append("<h2>Sign-off history</h2><table>")
    out += [
        f"<tr><td>{e(s.name)}</td><td>{e(s.role)}</td><td>{e(s.decision)}</td>"
        f"<td>{e(s.when)}</td><td>{e(s.state)}</td></tr>"
        for s in doc.sign_offs
    ]
    out.append(
        "</table><h2>Signatures</h2><div style='height: 80pt; border: 1pt solid #999'></div>"
    )
    out.append("</body></html>")
    return "".join(out)


def main() -> None:
    from weasyprint import HTML

    register_fonts()
    catalogue = Catalogue.load()
    session = new_session()
    record = add_record(session, "apr")
    ca = make_ca()
    user = make_user(ca, "Thị Mai Trần")
    signer = PdfSigner(user.key, user.certificate, user.chain)
    result: dict = {}

    def ours_signed() -> bytes:
        return record_pdf(
            session, record.id, catalogue, signer=signer, signer_name="Thị Mai Trần", role="manager"
        )

    def ours_render() -> bytes:
        return render_record_layout(record_document(session, record.id, catalogue)).pdf

    doc = record_document(session, record.id, catalogue)

    def weasy_render() -> bytes:
        return HTML(string=html_of(doc)).write_pdf()

    def weasy_signed() -> bytes:
        # signed as ours is: the box's words are page text, the signature draws its frame
        return signer.sign(
            weasy_render(), reason="Copy", signer_name="Thị Mai Trần", text_on_page=True
        )

    pages = render_record_layout(doc).page_count
    result["apr_pages"] = pages
    result["signed_pdf_ms"] = median_ms(ours_signed)
    result["render_only_ms"] = median_ms(ours_render)
    result["weasyprint_render_ms"] = median_ms(weasy_render, runs=10)
    result["weasyprint_signed_ms"] = median_ms(weasy_signed, runs=10)
    result["ratio_render"] = round(result["weasyprint_render_ms"] / result["render_only_ms"], 1)
    result["ratio_signed"] = round(result["weasyprint_signed_ms"] / result["signed_pdf_ms"], 1)

    for _ in range(BATCH):
        add_record(session, "apr")
    session.commit()
    factory = sessionmaker(bind=session.get_bind())
    hr = make_user(ca, "Σοφία Петрова (HR)")
    hr_signer = PdfSigner(hr.key, hr.certificate, hr.chain)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        exported = export_records(
            factory,
            selection=Selection(frozenset({1})),
            policy=load_policy(),
            folder=Path(folder),
            make_pdf=lambda s, rid: record_pdf(
                s, rid, catalogue, signer=hr_signer, signer_name="Σοφία Петрова (HR)", role="hr"
            ),
        )
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in exported.written)
    result["batch"] = {
        "records": len(exported.written),
        "failed": len(exported.failed),
        "seconds": round(seconds, 1),
        "records_per_second": round(len(exported.written) / seconds, 1),
        "mean_file_kib": round(size / max(1, len(exported.written)) / 1024, 1),
    }
    out = Path(__file__).with_name("out")
    out.mkdir(exist_ok=True)
    (out / "pdf.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
