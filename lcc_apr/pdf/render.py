"""A RecordDocument or a LetterDocument as an A4 PDF, with reportlab's platypus.

A record: the council's name and the title in the header of every page; the status,
form version, record id and content hash in the footer of every page with "Page x of
y"; the employee's details, every section in template order, the sign-off history, how
to check the copy, and at the foot of the last page a band of empty boxes where the
signing code (lcc_apr/pdf/sign.py, pyHanko) draws visible signatures: SIGNATURE_BOXES
says where, and render_record_layout says on which page. Long answers never go in table
cells (a row cannot split across pages), so any length of text prints.

A letter: letterhead, recipient, date, subject, body, signature; the last paragraph is
kept with the signature. Fonts, styles and page furniture: lcc_apr.pdf.pages.

Pure functions: safe from any thread, one document per call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from .document import FieldText, GroupText, LetterDocument, RecordDocument, SectionText
from .pages import (
    BOLD,
    FONT,
    FRAME_WIDTH,
    INK,
    MARGIN_BOTTOM,
    MARGIN_X,
    MUTED,
    OBLIQUE,
    RULE,
    SHADE,
    Styles,
    build,
    fit,
    footer_rule,
    header,
    markup,
    paragraphs,
    styles,
)

# The signature band at the foot of the last page: one box per role, side by side.
SIGNATURE_ROLES = ("employee", "manager", "hr")
_BOX_GAP = 14.0
_BOX_WIDTH = (FRAME_WIDTH - 2 * _BOX_GAP) / 3
_BOX_BOTTOM = MARGIN_BOTTOM + 26.0  # room for the caption under each box
_BOX_HEIGHT = 66.0
_BAND_HEIGHT = _BOX_BOTTOM - MARGIN_BOTTOM + _BOX_HEIGHT + 52.0  # + heading and note
Box = tuple[float, float, float, float]
SIGNATURE_BOXES: dict[str, Box] = {
    role: (
        round(MARGIN_X + i * (_BOX_WIDTH + _BOX_GAP), 1),
        round(_BOX_BOTTOM, 1),
        round(MARGIN_X + i * (_BOX_WIDTH + _BOX_GAP) + _BOX_WIDTH, 1),
        round(_BOX_BOTTOM + _BOX_HEIGHT, 1),
    )
    for i, role in enumerate(SIGNATURE_ROLES)
}
"""Where a visible signature goes on the last page, by sign-off role: (x1, y1, x2, y2) in
points from the bottom-left corner of the page (pyHanko's SigFieldSpec box)."""
ROLES_SIGNING: dict[str, tuple[str, ...]] = {
    "apr": ("employee", "manager"),
    "supervision": ("employee", "manager"),
    "probation": ("employee", "manager", "hr"),
    "capability": ("employee", "manager", "hr"),
    "return_to_work": ("employee", "manager"),
    "attendance": ("employee", "manager", "hr"),
    "welfare_contact": ("employee", "manager"),
}
_ROLE_CAPTIONS = {"employee": "Employee", "manager": "Line manager", "hr": "HR"}


@dataclass(frozen=True)
class SignatureBox:
    """Where the signer draws one visible signature: page (0-based) and box in points."""

    page_index: int
    box: Box


@dataclass(frozen=True)
class RenderedRecord:
    pdf: bytes
    page_count: int
    signature_boxes: dict[str, SignatureBox]  # by sign-off role: "employee", "manager", "hr"


# --- records ---------------------------------------------------------------------------


def render_record(doc: RecordDocument, *, invariant: bool = False) -> bytes:
    """The record as PDF bytes. `invariant=True` gives identical bytes for identical input."""
    return render_record_layout(doc, invariant=invariant).pdf


def render_record_layout(
    doc: RecordDocument, *, invariant: bool = False, stamp: tuple[str, str] | None = None
) -> RenderedRecord:
    """The PDF, its page count, and where each role's visible signature goes.

    stamp: (role, text) to write the PDF signature's words into that role's box now (the
    signature itself is added afterwards, over the same box: lcc_apr.pdf.records)."""
    s = styles()
    band = _SignatureBand(doc, stamp)

    def decorate(canvas: Canvas) -> None:
        canvas.saveState()
        header(canvas, doc.organisation, f"{doc.title}: {doc.employee.name}")
        footer_rule(canvas)
        canvas.setFillColor(MUTED)
        canvas.setFont(FONT, 8)
        canvas.drawString(MARGIN_X, 36, f"{doc.status_label}  ·  {doc.version_label}")
        canvas.drawString(MARGIN_X, 26, f"Record {doc.record_id}")
        canvas.drawString(MARGIN_X, 16, f"Content hash (SHA-256) {doc.content_hash}")
        canvas.restoreState()

    story = [*_record_story(doc, s), band]
    pdf, pages = build(
        story,
        decorate,
        title=f"{doc.title}: {doc.employee.name}",
        author=doc.organisation,
        subject=f"{doc.title} for {doc.employee.name} ({doc.status_label})",
        keywords=[doc.kind, doc.record_id],
        invariant=1 if invariant else 0,
    )
    page_index = band.page - 1
    return RenderedRecord(
        pdf,
        pages,
        {role: SignatureBox(page_index, SIGNATURE_BOXES[role]) for role in band.roles},
    )


def _record_story(doc: RecordDocument, s: Styles) -> list[Flowable]:
    e = doc.employee
    story: list[Flowable] = [
        Paragraph(markup(doc.title), s.h1),
        Paragraph(
            markup(e.name), style=ParagraphStyle("name", parent=s.body, fontSize=13, leading=17)
        ),
        Spacer(0, 4),
        Paragraph("About this record", s.h2),
        _grid(_about(doc) if doc.header else _about_v1(doc), s),
    ]
    for section in doc.sections:
        story += _section(section, s)
    story += _sign_offs(doc, s)
    story += [
        Paragraph("Checking this record", s.h2),
        Paragraph(
            "This copy was made from record "
            f"<b>{markup(doc.record_id)}</b> with content hash (SHA-256)",
            s.body,
        ),
        Paragraph(
            f"<b>{doc.content_hash}</b>", ParagraphStyle("hash", parent=s.body, fontSize=9.5)
        ),
        Paragraph(
            "The hash covers everything agreed in the record: its answers, form version, "
            "employee and date. To check this copy, open the record in LCC APR and compare "
            "the hash shown there with this one, or ask HR to do so; if they differ, the "
            "record has changed since this copy was made. A digitally signed copy can also "
            "be checked in any PDF reader that shows signatures.",
            s.muted,
        ),
    ]
    return story


def _about_v1(doc: RecordDocument) -> list[tuple[str, str, str, str]]:
    """'About this record' for templates without print_header (as they always printed)."""
    e = doc.employee
    return [
        ("Name", e.name, "Employee number", e.employee_number),
        ("Job title", e.post, "Line manager", e.line_manager or "None recorded"),
        ("Department", e.department, "Section", e.section or "None"),
        ("Record date", doc.record_date or "Not set", "Status", doc.status_label),
        ("Form", doc.version_label, "Record", doc.record_id),
    ]


def _about(doc: RecordDocument) -> list[tuple[str, str, str, str]]:
    """'About this record' with the template's header details (grade, post, date in post,
    period covered), two to a row after the name."""
    e = doc.employee
    items = list(doc.header)
    if "Post" not in dict(items):
        items.insert(0, ("Job title", e.post))
    if len(items) % 2:
        items.append(("", ""))
    pairs = [(a, b, c, d) for (a, b), (c, d) in zip(items[::2], items[1::2], strict=True)]
    return [
        ("Name", e.name, "Employee number", e.employee_number),
        *pairs,
        ("Department", e.department, "Line manager", e.line_manager or "None recorded"),
        ("Section", e.section or "None", "Status", doc.status_label),
        ("Record date", doc.record_date or "Not set", "Record", doc.record_id),
        ("Form", doc.version_label, "", ""),
    ]


def _grid(rows: list[tuple[str, str, str, str]], s: Styles) -> Table:
    data = [
        [Paragraph(markup(a), s.cell_bold), Paragraph(markup(b), s.cell),
         Paragraph(markup(c), s.cell_bold), Paragraph(markup(d), s.cell)]
        for a, b, c, d in rows
    ]  # fmt: skip
    widths = [0.17, 0.31, 0.24, 0.28]
    table = Table(data, colWidths=[w * FRAME_WIDTH for w in widths], hAlign="LEFT")
    table.setStyle(_TABLE)
    return table


_TABLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), FONT, 10.5),  # for plain-string cells: never Helvetica
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
        ("LINEABOVE", (0, 0), (-1, 0), 0.5, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
)


def _section(section: SectionText, s: Styles) -> list[Flowable]:
    out: list[Flowable] = [Paragraph(markup(section.title), s.h2)]
    if not section.answered:
        return [*out, Paragraph("Nothing recorded in this section.", s.muted)]
    for run in _runs(section.entries):
        if isinstance(run, GroupText):
            out.append(Paragraph(markup(run.label), s.h3))
            if not run.items:
                out.append(Paragraph("None recorded.", s.muted))
            for item in run.items:
                out.append(Paragraph(f"Entry {item.number} of {len(run.items)}", s.h4))
                for sub in _runs(item.fields):
                    out += _fields(sub, s)  # type: ignore[arg-type]
        else:
            out += _fields(run, s)
    return out


def _runs(entries: Iterable[Any]) -> list[Any]:
    """Consecutive short fields grouped into one list (printed as one table).

    Long text never goes in a table: a table row cannot split across pages.
    """
    runs: list[Any] = []
    for entry in entries:
        short = isinstance(entry, FieldText) and not entry.long
        if short and runs and isinstance(runs[-1], list) and not runs[-1][0].long:
            runs[-1].append(entry)
        elif isinstance(entry, FieldText):
            runs.append([entry])
        else:
            runs.append(entry)
    return runs


def _fields(run: list[FieldText], s: Styles) -> list[Flowable]:
    if len(run) == 1 and run[0].long:
        field = run[0]
        if field.guidance:
            return paragraphs(field.text, s.guidance)
        body = paragraphs(field.text, s.body) or [Paragraph("Not answered", s.muted)]
        return [Paragraph(markup(field.label), s.label), *body]
    rows = [
        [
            Paragraph(markup(f.label), s.cell_bold),
            Paragraph(markup(f.text), s.cell) if f.text else Paragraph("Not answered", s.muted),
        ]
        for f in run
    ]
    table = Table(
        rows,
        colWidths=[0.42 * FRAME_WIDTH, 0.58 * FRAME_WIDTH],
        hAlign="LEFT",
        spaceBefore=3,  # not a Spacer: a heading kept with its next flowable keeps the table
        spaceAfter=4,
    )
    table.setStyle(_TABLE)
    return [table]


def _sign_offs(doc: RecordDocument, s: Styles) -> list[Flowable]:
    out: list[Flowable] = [Paragraph("Sign-off history", s.h2)]
    if not doc.sign_offs:
        return [*out, Paragraph("Nobody has signed this record yet.", s.muted)]
    head = ["Who", "Role", "Decision", "When", "State"]
    rows: list[list[Any]] = [[Paragraph(h, s.cell_bold) for h in head]]
    spans = []
    for line in doc.sign_offs:
        rows.append(
            [Paragraph(markup(v), s.cell) for v in
             (line.name, line.role, line.decision, line.when, line.state)]
        )  # fmt: skip
        if line.reason:
            spans.append(len(rows))
            rows.append(
                [Paragraph(f"<b>Reason:</b> {markup(line.reason)}", s.cell), "", "", "", ""]
            )
    widths = [0.23, 0.15, 0.15, 0.24, 0.23]
    table = Table(rows, colWidths=[w * FRAME_WIDTH for w in widths], repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                *_TABLE.getCommands(),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                *[("SPAN", (0, r), (-1, r)) for r in spans],
            ]
        )
    )
    return [*out, table]


class _SignatureBand(Flowable):
    """Takes the rest of the last page (or a new page) and draws the signature boxes.

    It always ends at the bottom of the frame, so the boxes sit at SIGNATURE_BOXES.
    """

    def __init__(self, doc: RecordDocument, stamp: tuple[str, str] | None = None) -> None:
        super().__init__()
        self.stamp = stamp  # (role, lines): the PDF signature's words, drawn as page text
        self.roles = ROLES_SIGNING.get(doc.kind, SIGNATURE_ROLES)
        if stamp and stamp[0] in SIGNATURE_BOXES and stamp[0] not in self.roles:
            self.roles = (*self.roles, stamp[0])  # e.g. HR printing an APR: its own box
        self.names = {
            "employee": doc.employee.name,
            "manager": doc.employee.line_manager or "",
            "hr": "",
        }
        self.page = 0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        self.height = available_height if available_height >= _BAND_HEIGHT else _BAND_HEIGHT
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        return []

    def draw(self) -> None:
        canvas = self.canv
        self.page = canvas.getPageNumber()
        s = styles()
        origin_x, origin_y = canvas.absolutePosition(0, 0)
        canvas.saveState()
        canvas.translate(-origin_x, -origin_y)  # draw in page coordinates
        top = _BOX_BOTTOM + _BOX_HEIGHT
        heading = Paragraph("Signatures", s.h2)
        heading.wrapOn(canvas, FRAME_WIDTH, 30)
        heading.drawOn(canvas, MARGIN_X, top + 28)
        note = Paragraph(
            "Digital signatures appear in these boxes when the record is signed; the "
            "sign-off history lists every sign-off.",
            s.small,
        )
        _, note_height = note.wrapOn(canvas, FRAME_WIDTH, 30)
        note.drawOn(canvas, MARGIN_X, top + 6)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.75)
        for role in self.roles:
            x1, y1, x2, y2 = SIGNATURE_BOXES[role]
            canvas.rect(x1, y1, x2 - x1, y2 - y1)
            caption = _ROLE_CAPTIONS[role]
            name = self.names.get(role)
            canvas.setFillColor(INK)
            canvas.setFont(BOLD, 9)
            canvas.drawString(x1, y1 - 12, caption)
            if name:
                canvas.setFont(FONT, 9)
                canvas.drawString(x1, y1 - 23, fit(name, FONT, 9, x2 - x1))
            if self.stamp and self.stamp[0] == role:
                self._draw_stamp(canvas, (x1, y1, x2, y2), self.stamp[1])
        canvas.restoreState()

    @staticmethod
    def _draw_stamp(canvas: Canvas, box: Box, text: str) -> None:
        """The signature's words inside its box, as page text: every reader (and Qt's
        preview, which leaves signature widgets undrawn) shows them, and the signature
        covers them."""
        from reportlab.lib.utils import simpleSplit

        x1, y1, x2, y2 = box
        size = 7.0
        lines = [
            part
            for line in text.splitlines()
            for part in simpleSplit(line, FONT, size, x2 - x1 - 12)
        ]
        leading = size + 2.5
        top = (y1 + y2) / 2 + (len(lines) * leading) / 2 - size
        canvas.setFillColor(INK)
        canvas.setFont(FONT, size)
        for number, line in enumerate(lines):
            canvas.drawString(x1 + 6, top - number * leading, fit(line, FONT, size, x2 - x1 - 12))


# --- letters ---------------------------------------------------------------------------


def render_letter_document(letter: LetterDocument, *, invariant: bool = False) -> bytes:
    """A letter as PDF bytes: letterhead, recipient, date, body, signature, Page x of y."""
    s = styles()

    def decorate(canvas: Canvas) -> None:
        canvas.saveState()
        header(canvas, letter.organisation, letter.department)
        footer_rule(canvas)
        canvas.setFillColor(MUTED)
        canvas.setFont(FONT, 8)
        canvas.drawString(MARGIN_X, 36, fit(letter.footer, FONT, 8, FRAME_WIDTH - 70))
        if letter.draft_note:
            canvas.setFont(OBLIQUE, 7.5)
            canvas.drawString(MARGIN_X, 25, fit(letter.draft_note, OBLIQUE, 7.5, FRAME_WIDTH))
        canvas.restoreState()

    line = ParagraphStyle("line", parent=s.body, spaceAfter=0)
    subject = ParagraphStyle("subject", parent=s.h1, fontSize=13, leading=17, spaceBefore=4)
    story: list[Flowable] = [
        Paragraph("Private and confidential", ParagraphStyle("pc", parent=line, fontName=BOLD)),
        *[Paragraph(markup(text), line) for text in letter.recipient],
        Spacer(0, 10),
        Paragraph(markup(f"Date: {letter.date}"), s.body),
        *[Paragraph(markup(text), s.small) for text in letter.references],
        Spacer(0, 6),
        Paragraph(markup(letter.salutation), s.body),
        Paragraph(markup(letter.title), subject),
    ]
    bullet = ParagraphStyle("bullet", parent=s.body, leftIndent=14, bulletIndent=2)
    heading = ParagraphStyle("h3", parent=s.h3, spaceBefore=5, spaceAfter=2)
    body: list[list[Flowable]] = []
    for block in letter.blocks:
        part: list[Flowable] = []
        if block.heading:
            part.append(Paragraph(markup(block.heading), heading))
        part += [Paragraph(markup(item), bullet, bulletText="•") for item in block.bullets]
        part += paragraphs(block.text, s.body)
        body.append(part)
    for part in body[:-1]:
        story += part
    closing = [
        *(body[-1] if body else []),  # the last paragraph stays with the signature
        Spacer(0, 4),
        Paragraph(markup(letter.closing), s.body),
        Spacer(0, 26),
        *[Paragraph(markup(text), line) for text in letter.signature],
    ]
    if letter.copies:
        closing += [Spacer(0, 6), Paragraph(markup("Copy: " + "; ".join(letter.copies)), s.small)]
    story.append(KeepTogether(closing))
    pdf, _ = build(
        story,
        decorate,
        title=f"{letter.title}: {letter.recipient[0] if letter.recipient else ''}",
        author=letter.organisation,
        subject=letter.title,
        keywords=["letter", letter.name],
        bottom=MARGIN_BOTTOM - 8,  # a letter's footer is a line shorter
        invariant=1 if invariant else 0,
    )
    return pdf
