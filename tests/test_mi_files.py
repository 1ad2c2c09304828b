"""lcc_apr.mi.charts, .files and .pack: only released figures are drawn or written.

Tables are built by hand. A hidden cell holds no number (Cell.value None), so what is
checked is that nothing downstream invents one: no bar, no point, no digits beside it,
and the text ("<10", "withheld") where the figure would be.
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy
import pytest
from matplotlib.container import BarContainer
from matplotlib.text import Text
from openpyxl import load_workbook

from lcc_apr.mi import charts, files
from lcc_apr.mi.pack import Cancelled, write_pack, year_text
from lcc_apr.mi.table import Cell, Chart, ChartKind, Dashboard, Filters, Row, Table
from tests.pdf_tools import require_tool

DISCLOSURE = "Counts 1-9 shown as <10; a rate under 10 is withheld."
FORMULA = '=HYPERLINK("http://x","y")'
MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<?xml", "pdf": b"%PDF-"}


def released(text: str, value: float) -> Cell:
    return Cell(text, value)


def bar_table() -> Table:
    return Table(
        key="apr_completion",
        title="APR completion by department",
        stub="Department",
        columns=("Eligible", "Completed", "Completed (%)"),
        rows=(
            Row("Adults and Communities", (released("120", 120), released("90", 90),
                                           released("75.0%", 75.0))),
            Row("Chief Executive's", (Cell("<10"), Cell("<10"), Cell("withheld"))),
            Row(FORMULA, (released("40", 40), released("35", 35), released("87.5%", 87.5))),
            Row("Corporate Resources", (released("200", 200), released("198", 198),
                                        released("99.0%", 99.0))),
            Row("Public Health", (released("12", 12), Cell("-"), Cell("-"))),
            Row("Leicestershire County Council", (released("372", 372), released("331", 331),
                                                  released("89.0%", 89.0)), total=True),
        ),
        chart=Chart(ChartKind.BAR, 1, "Completed APRs"),
        definition="Eligible staff with an APR signed by both by 31 July.",
        disclosure=DISCLOSURE,
        notes=("Source: LCC APR records, 5 December 2026.",),
    )  # fmt: skip


def line_table() -> Table:
    years = [("2021/22", 61.0), ("2022/23", None), ("2023/24", 70.5), ("2024/25", 74.1),
             ("2025/26", 81.2)]  # fmt: skip
    return Table(
        key="apr_trend",
        title="APR completion, five years",
        stub="Year",
        columns=("Completed (%)",),
        rows=tuple(
            Row(year, (Cell("withheld") if v is None else released(f"{v:.1f}%", v),))
            for year, v in years
        ),
        chart=Chart(ChartKind.LINE, 0, "Completed (%)", percent=True),
        definition="Completion in each APR year.",
        disclosure=DISCLOSURE,
    )


def empty_table() -> Table:
    return Table(
        key="capability",
        title="Capability cases by stage",
        stub="Stage",
        columns=("Cases",),
        rows=(),
        chart=Chart(ChartKind.BAR, 0, "Cases"),
        definition="Capability cases open at any time in the year.",
        disclosure=DISCLOSURE,
        message="No staff in this area for 2025/26.",
    )


def likelihood_table() -> Table:
    return Table(
        key="rating_ethnicity",
        title="Relative likelihood of a top rating, by ethnicity",
        stub="Ethnicity",
        columns=("Staff", "Relative likelihood"),
        rows=(
            Row("White British", (released("900", 900), released("1.05", 1.05))),
            Row("Asian or Asian British", (released("210", 210), released("0.62", 0.62)),
                flagged=True),
            Row("Black or Black British", (Cell("<10"), Cell("withheld"))),
            Row("Mixed", (released("35", 35), released("0.91", 0.91))),
            Row("All staff", (released("1,155", 1155), released("1.00", 1.0)), total=True),
        ),
        chart=Chart(ChartKind.BAR, 1, "Relative likelihood", band=(0.8, 1.25)),
        definition="Staff rated 'exceeds' against everyone else.",
        disclosure=DISCLOSURE,
    )  # fmt: skip


def texts(figure) -> list[str]:  # type: ignore[no-untyped-def]
    """Every string the figure shows, tick labels included (they exist once drawn)."""
    figure.canvas.draw()
    return [t.get_text() for t in figure.findobj(Text) if t.get_visible() and t.get_text()]


def numbers(strings: list[str]) -> set[float]:
    return {float(n.replace(",", "")) for s in strings for n in re.findall(r"\d[\d,]*\.?\d*", s)}


def bar_widths(figure) -> list[float]:  # type: ignore[no-untyped-def]
    axes = figure.axes[0]
    return sorted(p.get_width() for c in axes.containers if isinstance(c, BarContainer) for p in c)


# --- charts --------------------------------------------------------------------------------


def test_bar_chart_draws_only_released_values() -> None:
    table = bar_table()
    figure = charts.new_figure(table)
    # one bar per released, non-total row: 90, 35, 198 (not the hidden row, not the total)
    assert bar_widths(figure) == [35, 90, 198]
    shown = texts(figure)
    assert "<10" in shown  # the reader sees why Chief Executive's has no bar
    assert "-" in shown
    assert not any("331" in s or "372" in s for s in shown)  # the count total is left out
    # every number in the figure is a released value, a tick, or part of the title
    ticks = {float(t) for t in figure.axes[0].get_xticks()}
    assert numbers(shown) <= {90, 35, 198, 10} | ticks


def test_line_chart_leaves_a_gap_for_a_withheld_year() -> None:
    figure = charts.new_figure(line_table())
    axes = figure.axes[0]
    y: list[float] = numpy.asarray(axes.lines[0].get_ydata(), dtype=float).tolist()
    assert math.isnan(y[1]) and [v for v in y if not math.isnan(v)] == [61.0, 70.5, 74.1, 81.2]
    shown = texts(figure)
    assert "withheld" in shown
    assert {"2021/22", "2025/26"} <= set(shown)
    assert [t.get_text() for t in axes.get_yticklabels()][-1] == "100%"  # a 0-100 axis
    assert axes.get_ylim()[0] == 0


def test_band_chart_marks_flagged_rows_without_colour_alone() -> None:
    figure = charts.new_figure(likelihood_table())
    axes = figure.axes[0]
    bars = [p for c in axes.containers for p in c]
    assert sorted(p.get_width() for p in bars) == [0.62, 0.91, 1.05]
    flagged = [p for p in bars if p.get_width() == 0.62]
    assert flagged[0].get_hatch() and not any(p.get_hatch() for p in bars if p not in flagged)
    shown = texts(figure)
    assert f"0.62 {charts.FLAG}" in shown and "withheld" in shown
    assert charts.FLAG_WORDS in shown  # the key says what the mark means
    assert "Band 0.8–1.25" in shown and "All staff: 1.00" in shown  # the key
    band = [p for p in axes.patches if p not in bars]
    assert band, "the band is shaded"


def test_empty_table_shows_its_message_and_no_axes() -> None:
    figure = charts.new_figure(empty_table())
    assert figure.axes == []
    assert "No staff in this area for 2025/26." in texts(figure)


def test_scale_makes_the_text_larger() -> None:
    small = charts.new_figure(bar_table())
    large = charts.new_figure(bar_table(), scale=2.0)

    def size(figure) -> float:  # type: ignore[no-untyped-def]
        [name] = [t for t in figure.findobj(Text) if t.get_text() == "Adults and Communities"]
        return float(name.get_fontsize())

    assert size(large) == 2 * size(small)
    assert large.get_figheight() == 2 * small.get_figheight()


def test_draw_reuses_a_figure() -> None:
    figure = charts.new_figure(bar_table())
    charts.draw(empty_table(), figure)
    assert figure.axes == []
    charts.draw(line_table(), figure)
    assert len(figure.axes) == 1 and not figure.legends


# --- files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", files.CHART_FORMATS)
def test_chart_files_are_whole_and_reproducible(tmp_path: Path, fmt: str) -> None:
    first = files.write_chart(bar_table(), tmp_path / f"a.{fmt}", fmt)
    second = files.write_chart(bar_table(), tmp_path / f"b.{fmt}", fmt)
    data = (tmp_path / f"a.{fmt}").read_bytes()
    assert data.startswith(MAGIC[fmt])
    assert first == hashlib.sha256(data).hexdigest()
    assert first == second  # the same table, the same bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"a.{fmt}", f"b.{fmt}"]  # no temp


def test_unknown_formats_write_nothing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="png, svg, pdf"):
        files.write_chart(bar_table(), tmp_path / "a.jpg", "jpg")
    with pytest.raises(ValueError, match="csv, xlsx"):
        files.write_table(bar_table(), tmp_path / "a.ods", "ods")
    assert list(tmp_path.iterdir()) == []


def test_csv_holds_the_text_the_definition_and_no_formula(tmp_path: Path) -> None:
    sha = files.write_table(bar_table(), tmp_path / "t.csv", "csv")
    data = (tmp_path / "t.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and sha == hashlib.sha256(data).hexdigest()
    rows = list(csv.reader(data.decode("utf-8-sig").splitlines()))
    assert rows[0] == ["Department", "Eligible", "Completed", "Completed (%)"]
    assert rows[2] == ["Chief Executive's", "<10", "<10", "withheld"]
    assert rows[3][0] == "'" + FORMULA
    assert rows[5] == ["Public Health", "12", "-", "-"]  # a lone dash is not a formula
    assert ["Definition:", "Eligible staff with an APR signed by both by 31 July."] in rows
    assert ["Disclosure:", DISCLOSURE] in rows
    assert ["Note:", "Source: LCC APR records, 5 December 2026."] in rows
    assert [] in rows  # the blank line before the words


def test_xlsx_holds_the_text_and_no_formula(tmp_path: Path) -> None:
    files.write_table(bar_table(), tmp_path / "t.xlsx", "xlsx")
    sheet = load_workbook(tmp_path / "t.xlsx").active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[2][:4] == ["Chief Executive's", "<10", "<10", "withheld"]
    assert rows[3][0] == "'" + FORMULA and sheet.cell(4, 1).data_type == "s"
    assert all(c.data_type == "s" for row in sheet.iter_rows() for c in row if c.value)
    assert any(r[:2] == ["Definition:", "Eligible staff with an APR signed by both by 31 July."]
               for r in rows)  # fmt: skip
    assert sheet.cell(7, 1).font.b  # the total row is bold


def test_band_table_says_which_rows_are_outside(tmp_path: Path) -> None:
    rows = files.table_rows(likelihood_table())
    assert rows[0][-1] == files.FLAG_COLUMN
    assert rows[2] == ["Asian or Asian British", "210", "0.62", "yes"]
    assert rows[3] == ["Black or Black British", "<10", "withheld", ""]


# --- the pack ------------------------------------------------------------------------------


def dashboard() -> Dashboard:
    tables = (bar_table(), line_table(), empty_table(), likelihood_table())
    return Dashboard(Filters(year=2025), "Corporate Resources", tables)


def pdf_pages(path: Path) -> list[str]:
    tool = require_tool("pdftotext")
    out = subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode().split("\f")


def test_pack_has_cover_contents_and_every_view(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    path = tmp_path / "pack.pdf"
    sha = write_pack(
        dashboard(), path, made_by="Asha Patel (HR)", made_on=date(2026, 12, 5),
        progress=lambda done, total: calls.append((done, total)),
    )  # fmt: skip
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and sha == hashlib.sha256(data).hexdigest()
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    pages = pdf_pages(path)
    cover, contents = pages[0], pages[1]
    for words in ("Management information", "Leicestershire County Council",
                  "Corporate Resources", "2025/26", "5 December 2026", "Asha Patel (HR)",
                  "OFFICIAL-SENSITIVE", DISCLOSURE):  # fmt: skip
        assert words in cover, words
    whole = "\n".join(pages)
    for table in dashboard().tables:
        number = re.search(re.escape(table.title) + r"[ .]*?(\d+)\s*$", contents, re.M)
        assert number, f"{table.title} is in the contents with its page"
        assert table.title in pages[int(number.group(1)) - 1]  # and on that page
        assert table.definition in " ".join(whole.split())
    assert "No staff in this area for 2025/26." in whole
    assert "OFFICIAL-SENSITIVE" in pages[-2]  # every page is marked (pages[-1]: after the end)
    assert re.search(r"Page \d+ of \d+", pages[2])


def test_pack_shows_no_number_for_a_hidden_cell(tmp_path: Path) -> None:
    path = tmp_path / "pack.pdf"
    write_pack(dashboard(), path, made_by="HR", made_on=date(2026, 12, 5))
    lines = "\n".join(pdf_pages(path)).splitlines()
    hidden = ("Chief Executive's", "2022/23", "Black or Black British")
    for label in hidden:
        found = [line for line in lines if label in line and ("<10" in line or "withheld" in line)]
        assert found, label
        for line in found:
            rest = line.replace(label, "").replace("<10", "")
            assert not re.search(r"\d", rest), line
    flagged = [line for line in lines if "Asian or Asian British" in line]
    assert flagged and all(charts.FLAG in line for line in flagged)  # a symbol, not colour


def test_pack_is_reproducible(tmp_path: Path) -> None:
    one = write_pack(dashboard(), tmp_path / "a.pdf", made_by="HR", made_on=date(2026, 12, 5))
    two = write_pack(dashboard(), tmp_path / "b.pdf", made_by="HR", made_on=date(2026, 12, 5))
    assert one == two


def test_cancelled_pack_leaves_no_file(tmp_path: Path) -> None:
    asked: list[int] = []
    calls: list[tuple[int, int]] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 2  # stop before the third view

    path = tmp_path / "pack.pdf"
    with pytest.raises(Cancelled):
        write_pack(
            dashboard(), path, made_by="HR", cancelled=cancelled,
            progress=lambda done, total: calls.append((done, total)),
        )  # fmt: skip
    assert calls == [(1, 4), (2, 4)]
    assert list(tmp_path.iterdir()) == []


def test_year_text() -> None:
    assert year_text(2025) == "2025/26" and year_text(2099) == "2099/00"


def test_a_total_hidden_on_a_rate_chart_draws_no_line() -> None:
    table = likelihood_table()
    rows = (*table.rows[:-1], replace(table.rows[-1], cells=(Cell("<10"), Cell("withheld"))))
    figure = charts.new_figure(replace(table, rows=rows))
    assert "All staff" not in " ".join(texts(figure))
    assert not [line for line in figure.axes[0].lines if line.get_linestyle() == "--"]


@pytest.mark.parametrize("make", [bar_table, line_table])
def test_every_cell_hidden_draws_no_figure(make) -> None:  # type: ignore[no-untyped-def]
    table = make()
    rows = tuple(replace(r, cells=tuple(Cell("<10") for _ in r.cells)) for r in table.rows)
    figure = charts.new_figure(replace(table, rows=rows))
    shown = texts(figure)
    assert shown.count("<10") == sum(not r.total for r in rows)
    assert not [p for c in figure.axes[0].containers for p in c]
    for line in figure.axes[0].lines[:1]:  # the trend line, when there is one
        assert numpy.isnan(numpy.asarray(line.get_ydata(), dtype=float)).all()
