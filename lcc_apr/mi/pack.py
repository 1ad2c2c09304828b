"""The committee pack: every view of a dashboard in one PDF (reportlab), with a cover, a
contents page, and per view its chart, its table, its definition, disclosure rule and
notes. Any worker thread; no Qt. Pages and fonts as every LCC APR PDF (lcc_apr.pdf.pages).

One layout pass: the contents lines are laid out first and their page numbers written
when the last page is known (PackCanvas.save), so nothing is built twice. Charts are
drawn with lcc_apr.mi.charts (Agg) straight into an image, 150 dpi, without a PNG file
in between. The PDF is made in memory and written whole at the end, so a cancelled pack
leaves no file. Same dashboard, day and maker: the same bytes (reportlab's invariant).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image as PilImage
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer, Table, TableStyle

from lcc_apr.pdf import pages
from lcc_apr.pdf.export import write_whole
from lcc_apr.pdf.pages import (
    BOLD,
    FONT,
    FRAME_WIDTH,
    INK,
    MUTED,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RULE,
    SHADE,
    Styles,
    markup,
)

from . import charts
from .table import Dashboard
from .table import Table as View

MARKING = "OFFICIAL-SENSITIVE"
DPI = 150
CHART_MAX_IN = 7.6  # a chart's height at most: it leaves room for its heading
SMALLEST_SCALE = 0.7
Progress = Callable[[int, int], None]


class Cancelled(Exception):
    """The pack was stopped between views: no file was written."""


def write_pack(
    dashboard: Dashboard,
    path: Path | str,
    *,
    title: str = "Management information",
    organisation: str = "Leicestershire County Council",
    made_by: str,
    made_on: date | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> str:
    """Write the pack to `path` whole; its SHA-256 hex. progress(done, total) after each
    view; Cancelled when cancelled() says so between views (nothing written)."""
    s = pages.styles()
    day = made_on or date.today()
    story: list[Flowable] = _cover(dashboard, s, title, organisation, made_by, day)
    story += [PageBreak(), Paragraph("Contents", s.h1)]
    story += [_ContentsLine(i, view.title) for i, view in enumerate(dashboard.tables)]
    total = len(dashboard.tables)
    for number, view in enumerate(dashboard.tables):
        if cancelled is not None and cancelled():
            raise Cancelled
        story += _view(number, view, s)
        if progress is not None:
            progress(number + 1, total)
    if cancelled is not None and cancelled():
        raise Cancelled
    data = _build(story, organisation, title, dashboard.area_title)
    write_whole(Path(path), data)
    return hashlib.sha256(data).hexdigest()


def year_text(year: int) -> str:
    """2025 -> '2025/26' (the APR year starts on 1 April)."""
    return f"{year}/{(year + 1) % 100:02d}"


def _cover(
    dashboard: Dashboard, s: Styles, title: str, organisation: str, made_by: str, day: date
) -> list[Flowable]:
    filters = dashboard.filters
    rules = list(dict.fromkeys(t.disclosure for t in dashboard.tables if t.disclosure != "None"))
    facts = [
        ("Organisation", organisation),
        ("Area", dashboard.area_title),
        ("Year", year_text(filters.year)),
        ("Views", f"{len(dashboard.tables)}" + (f" ({filters.kind})" if filters.kind else "")),
        ("Made on", f"{day.day} {day:%B %Y}"),
        ("Made by", made_by),
    ]
    grid = Table(
        [[Paragraph(markup(k), s.cell_bold), Paragraph(markup(v), s.cell)] for k, v in facts],
        colWidths=[0.25 * FRAME_WIDTH, 0.75 * FRAME_WIDTH],
        hAlign="LEFT",
    )
    grid.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE)]))
    story: list[Flowable] = [
        Spacer(0, 60),
        Paragraph(markup(MARKING), s.label),
        Paragraph(markup(title), ParagraphStyle("h1", parent=s.h1, fontSize=26, leading=32)),
        Paragraph(
            markup(f"{dashboard.area_title}, {year_text(filters.year)}"),
            ParagraphStyle("cover_area", parent=s.h2),
        ),
        Spacer(0, 12),
        grid,
        Paragraph("Disclosure control", s.h3),
    ]
    if not rules:
        story.append(Paragraph("No view in this pack needed disclosure control.", s.body))
    story += [Paragraph(markup(rule), s.body) for rule in rules]
    story.append(
        Paragraph(
            "Every figure in this pack was worked out from the signed records, never typed. "
            f"Handle it as {MARKING}: it describes small groups of staff.",
            s.muted,
        )
    )
    return story


def _view(number: int, view: View, s: Styles) -> list[Flowable]:
    heading = Paragraph(markup(view.title), ParagraphStyle("h1", parent=s.h2))  # outline: top
    heading.view_number = number  # type: ignore[attr-defined]  # read by _PackDocument
    story: list[Flowable] = [PageBreak(), heading]
    if view.empty:
        story.append(Paragraph(markup(view.message or "No figures to show."), s.body))
    else:
        story += [_chart(view), Spacer(0, 8), _table(view, s)]
        if view.chart.band and any(row.flagged for row in view.rows):
            low, high = view.chart.band
            words = f"{charts.FLAG} outside the band {low:g}–{high:g}"
            story.append(Paragraph(markup(words), s.small))
    for label, text in (("Definition", view.definition), ("Disclosure", view.disclosure)):
        story += [Paragraph(label, s.label), Paragraph(markup(text), s.body)]
    if view.notes:
        story.append(Paragraph("Notes", s.label))
        story += [Paragraph(markup(note), s.body) for note in view.notes]
    return story


def _chart(view: View) -> Flowable:
    width_in = FRAME_WIDTH / 72
    scale = max(SMALLEST_SCALE, min(1.0, CHART_MAX_IN / charts.height_in(view, title=False)))
    figure = charts.new_figure(view, width_in=width_in, scale=scale, title=False)
    figure.set_dpi(DPI)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    image = PilImage.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
    return _Picture(image.convert("RGB"), width_in * 72, figure.get_figheight() * 72)


def _table(view: View, s: Styles) -> Table:
    small = ParagraphStyle("mi_cell", parent=s.cell, fontSize=9, leading=11.5)
    bold = ParagraphStyle("mi_bold", parent=small, fontName=BOLD)
    right = ParagraphStyle("mi_head", parent=bold, alignment=TA_RIGHT)
    heading = [
        Paragraph(markup(view.stub), bold),
        *(Paragraph(markup(c), right) for c in view.columns),
    ]
    data: list[list[Any]] = [heading]
    for row in view.rows:
        label = f"{charts.FLAG} {row.label}" if row.flagged else row.label
        data.append(
            [Paragraph(markup(label), bold if row.total else small), *(c.text for c in row.cells)]
        )
    stub = 0.4 if view.columns else 1.0
    rest = (1 - stub) * FRAME_WIDTH / max(1, len(view.columns))
    table = Table(data, colWidths=[stub * FRAME_WIDTH, *[rest] * len(view.columns)], repeatRows=1)
    style: list[Any] = [
        ("FONT", (0, 0), (-1, -1), FONT, 9),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("LINEBELOW", (0, 0), (-1, 0), 1, INK),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for i, row in enumerate(view.rows, start=1):
        if row.total:
            style += [("FONT", (1, i), (-1, i), BOLD, 9), ("BACKGROUND", (0, i), (-1, i), SHADE)]
            style.append(("LINEABOVE", (0, i), (-1, i), 1, INK))
    table.setStyle(TableStyle(style))
    return table


class _Picture(Flowable):
    """A chart image drawn at a set size (points)."""

    def __init__(self, image: PilImage.Image, width: float, height: float) -> None:
        super().__init__()
        self.image, self.width, self.height = ImageReader(image), width, height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.drawImage(self.image, 0, 0, self.width, self.height)


class _ContentsLine(Flowable):
    """One line of the contents: the view's title and dots; its page number is written
    by PackCanvas.save once every page is laid out."""

    def __init__(self, number: int, title: str) -> None:
        super().__init__()
        self.number, self.title = number, title

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, 20

    def draw(self) -> None:
        canvas = self.canv
        text = pages.fit(self.title, FONT, 11, self.width - 60)
        canvas.setFont(FONT, 11)
        canvas.setFillColor(INK)
        canvas.drawString(0, 6, text)
        start = stringWidth(text, FONT, 11) + 6
        canvas.setFillColor(MUTED)
        dots = int((self.width - 36 - start) / stringWidth(" .", FONT, 11))
        canvas.drawString(start, 6, " ." * dots)
        x, y = canvas.absolutePosition(self.width, 6)
        canvas.later.append((canvas.getPageNumber(), x, y, self.number))  # type: ignore[attr-defined]


class _PackCanvas(pages.NumberedCanvas):
    """Every page kept until the end (pages.NumberedCanvas); then the contents' page
    numbers, the marking at the top and bottom, and "Page x of y" are written."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.later: list[tuple[int, float, float, int]] = []  # (page, x, y, view)
        self.view_pages: dict[int, int] = {}  # view -> its first page

    def save(self) -> None:
        later, view_pages = self.later, self.view_pages
        for page in self._pages:
            number = page["_pageNumber"]
            self.__dict__.update(page)
            for _, x, y, view in (item for item in later if item[0] == number):
                self.setFont(FONT, 11)
                self.setFillColor(INK)
                self.drawRightString(x, y, str(view_pages.get(view, "")))
            self.setFont(BOLD, 9)
            self.setFillColor(INK)
            self.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 24, MARKING)
            self.drawCentredString(PAGE_WIDTH / 2, 24, MARKING)
        self.__dict__.update({"later": later, "view_pages": view_pages})
        super().save()


class _PackDocument(pages.Document):
    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 (reportlab's name)
        super().afterFlowable(flowable)
        number = getattr(flowable, "view_number", None)
        if number is not None:
            self.canv.view_pages.setdefault(number, self.canv.getPageNumber())  # type: ignore[attr-defined]


def _build(story: list[Flowable], organisation: str, title: str, area: str) -> bytes:
    def decorate(canvas: Canvas) -> None:
        canvas.saveState()
        pages.header(canvas, organisation, f"{title}: {area}")
        pages.footer_rule(canvas)
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = _PackDocument(
        buffer, decorate=decorate, title=f"{title}: {area}", author=organisation,
        subject=MARKING, invariant=1,
    )  # fmt: skip
    doc.build(story, canvasmaker=_PackCanvas)
    return buffer.getvalue()
