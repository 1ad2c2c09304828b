"""Pages for every PDF LCC APR prints: fonts, styles, header and footer, "Page x of y".

Fonts: DejaVu Sans from resources/fonts/, embedded as subsets, so names such as
Nguyễn, Adébáyọ̀ or Łukasiewicz and Greek or Cyrillic text print as written. No base-14
font (Helvetica) is used anywhere, not even for empty table cells. reportlab does not
shape text (that needs uharfbuzz): combining marks print as DejaVu's zero-width marks
over the letter before them, which suits Latin names.

Accessibility: real heading levels (H1, H2, H3, H4; H1 and H2 also as PDF bookmarks),
11 pt body text, dark text on white (contrast at least 7:1), the document title shown in
the viewer's title bar and the language set to en-GB. reportlab cannot write a tagged PDF
(no structure tree), so screen readers get the text in reading order but no tags; a
tagged PDF would need another library.

Fonts are registered once per process (register_fonts); everything else is per call and
safe from any thread, one document per call.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph

from lcc_apr.paths import resources_dir

FONT, BOLD, OBLIQUE, BOLD_OBLIQUE = (
    "DejaVuSans",
    "DejaVuSans-Bold",
    "DejaVuSans-Oblique",
    "DejaVuSans-BoldOblique",
)
LANGUAGE = "en-GB"
CREATOR = "LCC APR"

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 56.7  # 20 mm
MARGIN_TOP = 72.0
MARGIN_BOTTOM = 62.0
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN_X

INK = colors.HexColor("#1a1a1a")  # body text: contrast about 17:1 on white
MUTED = colors.HexColor("#4d4d4d")  # secondary text: about 8.5:1
HEADING = colors.HexColor("#14375e")  # headings: about 11:1
RULE = colors.HexColor("#9a9a9a")
SHADE = colors.HexColor("#eef2f7")

# --- fonts and styles ----------------------------------------------------------------


@functools.cache
def register_fonts() -> None:
    """Register DejaVu Sans (regular, bold, oblique, bold oblique) with reportlab, once.

    Also turns off reportlab's ASCII85 stream encoding for the process.
    """
    # Binary streams rather than ASCII85 text: a quarter smaller and faster to write.
    rl_config.useA85 = 0
    folder = resources_dir() / "fonts"
    for name in (FONT, BOLD, OBLIQUE, BOLD_OBLIQUE):
        pdfmetrics.registerFont(TTFont(name, str(folder / f"{name}.ttf")))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=BOLD, italic=OBLIQUE, boldItalic=BOLD_OBLIQUE
    )


@dataclass(frozen=True)
class Styles:
    h1: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    h4: ParagraphStyle
    body: ParagraphStyle
    label: ParagraphStyle
    muted: ParagraphStyle
    guidance: ParagraphStyle
    small: ParagraphStyle
    small_right: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle


@functools.cache
def styles() -> Styles:
    register_fonts()

    def style(name: str, **kw: Any) -> ParagraphStyle:
        base = {"fontName": FONT, "fontSize": 11, "leading": 15, "textColor": INK}
        return ParagraphStyle(name, **{**base, **kw})

    heading = {"fontName": BOLD, "textColor": HEADING, "keepWithNext": 1}
    return Styles(
        h1=style("h1", fontSize=19, leading=24, spaceAfter=4, **heading),
        h2=style("h2", fontSize=14, leading=18, spaceBefore=14, spaceAfter=6, **heading),
        h3=style("h3", fontSize=12, leading=16, spaceBefore=8, spaceAfter=3, **heading),
        h4=style("h4", fontSize=11, leading=15, spaceBefore=6, spaceAfter=2, **heading),
        body=style("body", spaceAfter=5),
        label=style("label", fontName=BOLD, spaceBefore=4, spaceAfter=1, keepWithNext=1),
        muted=style("muted", textColor=MUTED, spaceAfter=5),
        guidance=style("guidance", fontName=OBLIQUE, textColor=MUTED, spaceAfter=5),
        small=style("small", fontSize=8, leading=10, textColor=MUTED),
        small_right=style(
            "small_right", fontSize=8, leading=10, textColor=MUTED, alignment=TA_RIGHT
        ),
        cell=style("cell", fontSize=10.5, leading=14),
        cell_bold=style("cell_bold", fontName=BOLD, fontSize=10.5, leading=14),
    )


def markup(value: str) -> str:
    """Plain text as Paragraph markup: escaped, line breaks kept."""
    return escape(value).replace("\n", "<br/>")


def paragraphs(value: str, style: ParagraphStyle) -> list[Flowable]:
    """Text with blank lines between paragraphs as separate Paragraphs (they split better)."""
    parts = [p.strip() for p in value.replace("\r\n", "\n").split("\n\n")]
    return [Paragraph(markup(p), style) for p in parts if p]


# --- pages: header, footer, "Page x of y" ------------------------------------------------


class NumberedCanvas(Canvas):
    """Keeps each page until the end so every footer can say "Page x of y"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self.page_label: Callable[[int, int], str] = lambda n, total: f"Page {n} of {total}"

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # reportlab's own, private: not in its stubs

    def save(self) -> None:
        total = len(self._pages)
        for page in self._pages:
            self.__dict__.update(page)
            self.saveState()
            self.setFont(FONT, 9)
            self.setFillColor(INK)
            self.drawRightString(
                PAGE_WIDTH - MARGIN_X, 36, f"Page {self.getPageNumber()} of {total}"
            )
            self.restoreState()
            Canvas.showPage(self)
        self.page_count = total
        Canvas.save(self)


class Document(BaseDocTemplate):
    """One frame per page; headings become PDF bookmarks (the viewer's outline)."""

    def __init__(
        self,
        buffer: io.BytesIO,
        *,
        decorate: Callable[[Canvas], None],
        bottom: float = MARGIN_BOTTOM,
        **kw: Any,
    ):
        super().__init__(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=bottom,
            lang=LANGUAGE,
            displayDocTitle=1,
            initialFontName=FONT,
            initialFontSize=11,
            creator=CREATOR,
            **kw,
        )
        frame = Frame(
            MARGIN_X,
            bottom,
            FRAME_WIDTH,
            PAGE_HEIGHT - MARGIN_TOP - bottom,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id="body",
        )
        self.addPageTemplates([PageTemplate("page", [frame], onPage=lambda c, d: decorate(c))])
        self._outline = 0

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 (reportlab's name)
        if isinstance(flowable, Paragraph) and flowable.style.name in ("h1", "h2"):
            level = 0 if flowable.style.name == "h1" else 1
            self._outline += 1
            key = f"h{self._outline}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.getPlainText(), key, level=level)


def build(
    story: list[Flowable],
    decorate: Callable[[Canvas], None],
    *,
    bottom: float = MARGIN_BOTTOM,
    **meta: Any,
) -> tuple[bytes, int]:
    """The PDF bytes and page count; `decorate` draws each page's header and footer."""
    buffer = io.BytesIO()
    doc = Document(buffer, decorate=decorate, bottom=bottom, **meta)
    canvases: list[NumberedCanvas] = []

    def make(*args: Any, **kw: Any) -> NumberedCanvas:
        canvas = NumberedCanvas(*args, **kw)
        canvases.append(canvas)
        return canvas

    doc.build(story, canvasmaker=make)
    return buffer.getvalue(), canvases[-1].page_count


def footer_rule(canvas: Canvas) -> None:
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN_X, 47, PAGE_WIDTH - MARGIN_X, 47)


def header(canvas: Canvas, organisation: str, title: str) -> None:
    canvas.setFillColor(HEADING)
    canvas.setFont(BOLD, 10)
    canvas.drawString(MARGIN_X, PAGE_HEIGHT - 38, organisation)
    canvas.setFillColor(MUTED)
    canvas.setFont(FONT, 9)
    canvas.drawRightString(PAGE_WIDTH - MARGIN_X, PAGE_HEIGHT - 38, title)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN_X, PAGE_HEIGHT - 46, PAGE_WIDTH - MARGIN_X, PAGE_HEIGHT - 46)


def fit(value: str, font: str, size: float, width: float) -> str:
    """`value`, cut short with an ellipsis to fit `width` points."""
    if pdfmetrics.stringWidth(value, font, size) <= width:
        return value
    while value and pdfmetrics.stringWidth(value + "…", font, size) > width:
        value = value[:-1]
    return value + "…"
