"""A view's chart drawn with matplotlib onto a Figure, without Qt: the dashboards pass the
Figure of their FigureCanvasQTAgg, the exports and the committee pack an Agg one
(new_figure). Any thread, one Figure per thread; never pyplot.

Only released figures are drawn: a bar or a point for each `Cell.value`, its `Cell.text`
beside it. A hidden cell (value None) gets no bar, no point and no number, only its text
("<10", "withheld") at the axis, so the reader sees why it is missing.

Total rows (the council margin) are never bars or points: a count total dwarfs the rest.
On a rate chart (percent or a band) a released total is a dashed reference line, named
with its text in the key below the chart; on a count chart it is left to the table.

Colours are Okabe-Ito (safe for colour-blind readers) and never the only sign: flagged
rows (outside the band) are also hatched and marked ▲, which the key explains.
"""

from __future__ import annotations

import textwrap

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter
from matplotlib.transforms import ScaledTranslation

from .table import ChartKind, Row, Table

BLUE, VERMILLION, BLACK, GREY = "#0072B2", "#D55E00", "#000000", "#595959"
BAND_FILL = "#E8E8E8"
WHITE_GROUND = {"facecolor": "white", "edgecolor": "none", "pad": 0.5}  # costly: used sparingly
FLAG = "▲"
FLAG_WORDS = f"{FLAG} outside band"
TITLE_PT, LABEL_PT, TICK_PT, VALUE_PT = 13.0, 10.0, 9.0, 9.0
ROW_IN = 0.26  # height per bar at scale 1
LINE_HEIGHT_IN = 4.2
WRAP = 30  # row labels wrap at this many characters, when there are at most WRAP_ROWS
WRAP_ROWS = 15
CUT = 42  # else they are cut short at this many


def height_in(table: Table, scale: float = 1.0, *, title: bool = True) -> float:
    """How tall a figure the table needs so labels never overlap (inches)."""
    if table.empty:
        return 2.0 * scale
    rate = table.chart.percent or table.chart.band is not None
    keyed = any(r.flagged or (r.total and rate) for r in table.rows) or table.chart.band
    extra = (0.45 if title else 0.0) + (0.5 if keyed else 0.0)
    if table.chart.kind is ChartKind.LINE:
        return (LINE_HEIGHT_IN + extra) * scale
    bars = sum(not row.total for row in table.rows)
    return (1.0 + extra + ROW_IN * max(bars, 3)) * scale


def new_figure(
    table: Table, *, width_in: float = 8, scale: float = 1.0, title: bool = True
) -> Figure:
    """An Agg Figure sized for the table, with its chart drawn."""
    figure = Figure(figsize=(width_in, height_in(table, scale, title=title)))
    FigureCanvasAgg(figure)
    draw(table, figure, scale=scale, title=title)
    return figure


def draw(table: Table, figure: Figure, *, scale: float = 1.0, title: bool = True) -> None:
    """Clear `figure` and draw the table's chart on it (fonts times `scale`); `title`
    False leaves the title to the page around it (the pack)."""
    figure.clear()
    figure.set_layout_engine("constrained")
    if table.empty:
        figure.suptitle(
            _wrap(table.title, _chars(figure.get_figwidth(), TITLE_PT * scale)),
            fontsize=TITLE_PT * scale,
        )
        figure.text(
            0.5,
            0.45,
            _wrap(table.message or "No figures to show.", 60),
            ha="center",
            va="center",
            fontsize=LABEL_PT * 1.1 * scale,
            color=GREY,
        )
        return
    if title:
        figure.suptitle(
            _wrap(table.title, _chars(figure.get_figwidth(), TITLE_PT * scale)),
            x=0.01, ha="left", fontsize=TITLE_PT * scale,
        )  # fmt: skip
    axes = figure.add_subplot()
    axes.tick_params(labelsize=TICK_PT * scale)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if table.chart.kind is ChartKind.LINE:
        _line(table, axes, scale, figure)
    else:
        _bars(table, axes, scale, figure)


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _row_label(label: str, rows: int) -> str:
    """Wrapped on two lines when there is room, else one line cut short (the table
    beside the chart has it whole)."""
    if rows <= WRAP_ROWS:
        return _wrap(label, WRAP)
    return label if len(label) <= CUT else label[: CUT - 1].rstrip() + "…"


def _chars(width_in: float, points: float) -> int:
    """About how many characters of `points` size fit in `width_in` inches."""
    return max(12, int(width_in * 72 / (points * 0.6)))


def _ticks(top: float, *, percent: bool, integer: bool, room_in: float) -> list[float]:
    """Axis ticks from 0 to at least `top`, one per `room_in` inches at most, so their
    labels never touch."""
    nbins = max(2, min(6, int(room_in)))
    if percent:
        return [t for t in (0, 25, 50, 75, 100) if nbins >= 4 or t % 50 == 0]
    ticks = MaxNLocator(nbins=nbins, integer=integer, min_n_ticks=2).tick_values(0, top)
    return [float(t) for t in ticks if t >= 0]


def _value(table: Table, row: Row) -> tuple[float | None, str]:
    cell = row.cells[table.chart.column]
    return cell.value, cell.text


def _bars(table: Table, axes: Axes, scale: float, figure: Figure) -> None:
    chart = table.chart
    rows = [row for row in table.rows if not row.total]
    released = [v for v in (_value(table, r)[0] for r in rows) if v is not None]
    highest = max([*released, *(chart.band or ()), 0.0]) or 1.0
    names = [_row_label(r.label, len(rows)) for r in rows]
    longest = max((len(line) for name in names for line in name.splitlines()), default=8)
    axes_in = figure.get_figwidth() - (longest * 0.58 * TICK_PT + 30) * scale / 72  # about
    ticks = _ticks(
        highest, percent=chart.percent, integer=chart.band is None,
        room_in=axes_in * 0.8 / (0.7 * scale),
    )  # fmt: skip
    top = ticks[-1]
    # room right of each bar for its label (the label's share of the axes' width)
    right = top
    for row in rows:
        value, text = _value(table, row)
        if value is not None:
            words = len(_label(text, value, row.flagged)) * VALUE_PT * scale * 0.55 / 72
            right = max(right, value / (1 - min(0.6, words / axes_in + 0.02)))
    axes.set_xlim(0, right)
    lines = _total_values(table)  # a label these cross gets a white ground
    band = _band(axes, chart.band, vertical=True) if chart.band else None
    bars: dict[bool, tuple[list[int], list[float]]] = {False: ([], []), True: ([], [])}
    for y, row in enumerate(rows):
        value, text = _value(table, row)
        if value is None:  # hidden: no bar, only why
            axes.text(
                top * 0.01, y, text, va="center", ha="left", in_layout=False,
                fontsize=VALUE_PT * scale, color=GREY, style="italic",
            )  # fmt: skip
            continue
        bars[row.flagged][0].append(y)
        bars[row.flagged][1].append(value)
        label = _label(text, value, row.flagged)
        end = value + len(label) * VALUE_PT * scale * 0.6 / 72 / axes_in * right
        crossed = any(value < line < end + top * 0.01 for line in lines)
        axes.text(  # inside the axes (room made above): the layout need not measure it
            value + top * 0.01, y, label, va="center", ha="left", in_layout=False,
            fontsize=VALUE_PT * scale, bbox=WHITE_GROUND if crossed else None,
        )  # fmt: skip
    for flagged, (ys, values) in bars.items():
        if ys:  # one call for each kind of bar: a call per bar costs more than drawing
            axes.barh(
                ys, values, height=0.7, linewidth=0.6,
                color=VERMILLION if flagged else BLUE, hatch="///" if flagged else None,
                edgecolor=BLACK if flagged else BLUE,
            )  # fmt: skip
    _row_names(axes, names, scale, figure)
    axes.set_ylim(len(rows) - 0.5, -0.5)  # first row at the top
    axes.set_xlabel(chart.axis_label, fontsize=LABEL_PT * scale)
    axes.set_xticks(ticks)
    if chart.percent:
        axes.xaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
    axes.grid(axis="x", color=BAND_FILL, linewidth=0.8)
    axes.set_axisbelow(True)
    _key(table, axes, figure, band, scale)


def _row_names(axes: Axes, names: list[str], scale: float, figure: Figure) -> None:
    """Each row's name left of the axes, as plain text rather than 40 tick objects (a
    tick costs more to make than to draw). The layout measures one stand-in, the
    longest name a little wider, not each of them."""
    axes.set_yticks([])
    place = axes.get_yaxis_transform() + ScaledTranslation(-4 / 72, 0, figure.dpi_scale_trans)
    for y, name in enumerate(names):
        axes.text(
            0, y, name, transform=place, ha="right", va="center", in_layout=False,
            fontsize=TICK_PT * scale, linespacing=1.1,
        )  # fmt: skip
    lines = [line for name in names for line in name.splitlines()]
    axes.text(
        0, 0.5, max(lines, key=len, default="") + "MM", ha="right", va="center",
        transform=axes.transAxes + ScaledTranslation(-4 / 72, 0, figure.dpi_scale_trans),
        fontsize=TICK_PT * scale, color="none",
    )  # fmt: skip


def _label(text: str, value: float | None, flagged: bool) -> str:
    return f"{text} {FLAG}" if flagged and value is not None else text  # the key says what ▲ is


def _line(table: Table, axes: Axes, scale: float, figure: Figure) -> None:
    chart = table.chart
    rows = [row for row in table.rows if not row.total]
    xs = list(range(len(rows)))
    ys = [_value(table, r)[0] for r in rows]
    highest = max([*(v for v in ys if v is not None), *(chart.band or ()), 0.0]) or 1.0
    ticks = _ticks(
        highest, percent=chart.percent, integer=chart.band is None,
        room_in=figure.get_figheight() * 0.6 / (0.4 * scale),
    )  # fmt: skip
    top = ticks[-1]
    axes.set_ylim(0, top * 1.12)
    band = _band(axes, chart.band, vertical=False) if chart.band else None
    plotted = [float("nan") if v is None else v for v in ys]  # NaN: a gap in the line
    axes.plot(xs, plotted, color=BLUE, linewidth=2, marker="o", markersize=5 * scale)
    for x, row, value in zip(xs, rows, ys, strict=True):
        text = _value(table, row)[1]
        if value is None:
            axes.text(
                x, top * 0.03, text, ha="center", va="bottom",
                fontsize=VALUE_PT * scale, color=GREY, style="italic",
            )  # fmt: skip
            continue
        if row.flagged:
            axes.plot([x], [value], marker="^", color=VERMILLION, markersize=9 * scale)
        axes.annotate(
            _label(text, value, row.flagged), (x, value), xytext=(0, 7 * scale),
            textcoords="offset points", ha="center", fontsize=VALUE_PT * scale,
        )  # fmt: skip
    axes.set_xticks(xs, [r.label for r in rows])
    axes.set_xlim(-0.5, len(rows) - 0.5)
    axes.set_ylabel(chart.axis_label, fontsize=LABEL_PT * scale)
    axes.set_yticks(ticks)
    if chart.percent:
        axes.yaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
    axes.grid(axis="y", color=BAND_FILL, linewidth=0.8)
    axes.set_axisbelow(True)
    _key(table, axes, figure, band, scale)


def _band(axes: Axes, band: tuple[float, float], *, vertical: bool) -> Artist:
    low, high = band
    span = axes.axvspan if vertical else axes.axhspan
    line = axes.axvline if vertical else axes.axhline
    line(1.0, color=GREY, linewidth=0.8, linestyle=":", zorder=1)
    return span(low, high, color=BAND_FILL, zorder=0, label=f"Band {low:g}–{high:g}")


def _total_values(table: Table) -> list[float]:
    """The released totals drawn as lines: on rate charts only."""
    if not (table.chart.percent or table.chart.band is not None):
        return []
    values = (_value(table, row)[0] for row in table.rows if row.total)
    return [v for v in values if v is not None]


def _key(table: Table, axes: Axes, figure: Figure, band: Artist | None, scale: float) -> None:
    """A key below the chart: the band, a released total (rate charts only: a count
    total dwarfs the rest) as a dashed line, and what the hatching means."""
    handles: list[Artist] = [band] if band is not None else []
    vertical = table.chart.kind is ChartKind.BAR
    for row in table.rows:
        value, text = _value(table, row)
        if row.total and value is not None and value in _total_values(table):
            line = axes.axvline if vertical else axes.axhline
            handles.append(
                line(
                    value,
                    color=GREY,
                    linestyle="--",
                    linewidth=1,
                    zorder=1.5,
                    label=f"{row.label}: {text}",
                )
            )
    if any(row.flagged for row in table.rows):
        handles.append(Patch(facecolor=VERMILLION, edgecolor=BLACK, hatch="///", label=FLAG_WORDS))
    if handles:
        words = sum(len(str(h.get_label())) + 6 for h in handles)
        one_line = words <= _chars(figure.get_figwidth(), TICK_PT * scale)
        figure.legend(
            handles=handles, loc="outside lower center", ncols=len(handles) if one_line else 1,
            fontsize=TICK_PT * scale, frameon=False,
        )  # fmt: skip
