"""Charts as PNG bytes: matplotlib ``Figure`` on the Agg canvas (never pyplot).

Every text is DejaVu Sans (matplotlib ships it, so it is there on any machine) at
``LABEL_PT`` or more: at the 8 pt the unit labels had, the stacked marks of Vietnamese
(ồ, ấ, ệ) merge and "Hà Hồi" reads "Hà Hối". Each ``*_figure`` builds the figure (what the
tests read); each ``*_chart`` is its PNG."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, DateFormatter, MonthLocator
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from ..errors import _l
from ..money import group_digits

BRAND, GREY, BAD, INK = "#0b6e4f", "#9aa5b1", "#b3261e", "#1d2733"
#: the font every chart text is drawn in, and the smallest size (points; 100 dpi: 14 px)
FONT, LABEL_PT, TITLE_PT, DPI = "DejaVu Sans", 10, 12, 100
#: what an empty chart says instead of a bare axis
NO_SPENDING, NO_CHILDREN = _l("Chưa có khoản chi"), _l("Chưa có trẻ em được hỗ trợ")


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Translate:
    """The reader's language: ``gettext`` translates a msgid (``flask_babel.gettext`` at the
    edge), ``lang`` picks the digit grouping and the millions suffix. Every builder takes one
    as ``t`` and draws Vietnamese without it."""

    gettext: Callable[[str], str] = _same
    lang: str = "vi"

    def __call__(self, text: str) -> str:
        return self.gettext(text)


VI = Translate()


def millions(value: float, decimal: str = ",", *, lang: str = "vi") -> str:
    """An axis tick in millions of đồng: ``2_500_000`` → ``2,5 tr``, ``1_200_000_000`` →
    ``1.200 tr`` (``decimal``: the decimal mark, "," in Vietnamese; in English ``2.5 M``,
    ``1,200 M``)."""
    tenths = round(value / 100_000)
    whole, rest = divmod(abs(tenths), 10)
    sign = "-" if tenths < 0 else ""
    if lang == "en":
        decimal = "."
    text = group_digits(whole, lang=lang) + (f"{decimal}{rest}" if rest else "")
    return f"{sign}{text} {'M' if lang == 'en' else 'tr'}"


def _millions(t: Translate) -> FuncFormatter:
    return FuncFormatter(lambda value, _pos: millions(value, lang=t.lang))


def _label(text: object) -> str:
    """A label drawn as typed: ``$`` would start matplotlib's mathtext (``$x^$`` fails)."""
    return str(text).replace("$", r"\$")


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _axes(figure: Figure, title: str) -> Any:
    """The figure's axes, titled, every tick label in ``FONT`` at ``LABEL_PT``."""
    axes = figure.add_subplot()
    axes.set_title(_label(title), fontfamily=FONT, fontsize=TITLE_PT)
    axes.tick_params(labelsize=LABEL_PT, labelfontfamily=FONT)
    return axes


def _legend(axes: Any, handles: list[Any] | None = None, **where: Any) -> None:
    axes.legend(handles=handles, prop={"family": FONT, "size": LABEL_PT}, **where)


def _empty(axes: Any, message: str) -> None:
    """No bare 0–1 axis: the axes hidden and ``message`` in their middle."""
    axes.set_axis_off()
    axes.text(
        0.5,
        0.5,
        message,
        ha="center",
        va="center",
        transform=axes.transAxes,
        fontfamily=FONT,
        fontsize=TITLE_PT,
        color=INK,
    )


def png(figure: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def progress_figure(rows: list[tuple[str, int, int]], *, title: str, t: Translate = VI) -> Figure:
    """Horizontal bars: collected per unit against its quota (a tick); a unit short of its
    quota in red, and the legend says which colour is which."""
    rows = rows[:60]
    figure = _figure(9, max(3.0, 0.34 * len(rows) + 1.4))
    axes = _axes(figure, t(title))
    if not rows:
        _empty(axes, t(_l("Chưa có đơn vị trực thuộc")))
        return figure
    names = [_label(r[0]) for r in rows][::-1]
    collected = [r[2] for r in rows][::-1]
    quotas = [r[1] for r in rows][::-1]
    colours = [BRAND if c >= q else BAD for c, q in zip(collected, quotas, strict=True)]
    axes.barh(names, collected, color=colours)
    axes.scatter(quotas, names, marker="|", s=200, color=INK, zorder=3)
    axes.xaxis.set_major_formatter(_millions(t))
    handles: list[Any] = [
        Patch(color=colour, label=text)
        for colour, text in (
            (BRAND, t(_l("Đã vận động (đạt chỉ tiêu)"))),
            (BAD, t(_l("Đã vận động (chưa đạt)"))),
        )
        if colour in colours
    ]
    handles.append(
        Line2D([], [], color=INK, marker="|", linestyle="", markersize=14, label=t(_l("Chỉ tiêu")))
    )
    _legend(axes, handles, loc="lower right")
    return figure


def progress_chart(rows: list[tuple[str, int, int]], *, title: str) -> bytes:
    return png(progress_figure(rows, title=title))


def _cumulated(start: date, days: list[tuple[date, int]]) -> tuple[list[Any], list[int]]:
    """The running total of ``days`` from 0 on ``start``: (days, totals). Dates go on the x
    axis through matplotlib's units registry, while its stubs only name numbers, hence Any."""
    xs: list[Any] = [start]
    running, ys = 0, [0]
    for day, amount in days:
        running += amount
        xs.append(day)
        ys.append(running)
    return xs, ys


def _dates(axes: Any, figure: Figure, start: date, end: date, t: Translate) -> None:
    """Amounts up the side, the campaign's span along the bottom: a tick a month (mm/yyyy),
    or for a drive of three months or less a few days apart (dd/mm)."""
    axes.yaxis.set_major_formatter(_millions(t))
    axes.set_xlim(start, end)
    if (end - start).days > 92:
        axes.xaxis.set_major_locator(MonthLocator())  # type: ignore[no-untyped-call]
        axes.xaxis.set_major_formatter(DateFormatter("%m/%Y"))  # type: ignore[no-untyped-call]
    else:
        axes.xaxis.set_major_locator(AutoDateLocator(maxticks=10))  # type: ignore[no-untyped-call]
        axes.xaxis.set_major_formatter(DateFormatter("%d/%m"))  # type: ignore[no-untyped-call]
    figure.autofmt_xdate()


def cumulative_figure(
    days: list[tuple[date, int]],
    *,
    target: int,
    start: date,
    end: date,
    projected_end: int,
    title: str,
    t: Translate = VI,
) -> Figure:
    """Cumulative collected over the year, the target line and the run-rate projection."""
    figure = _figure(9, 4)
    axes = _axes(figure, t(title))
    xs, ys = _cumulated(start, days)
    axes.step(xs, ys, where="post", color=BRAND, label=t(_l("Đã vận động (cộng dồn)")))
    axes.axhline(target, color=GREY, linestyle="--", label=t(_l("Chỉ tiêu được giao")))
    if xs[-1] < end:
        axes.plot(
            [xs[-1], end],
            [ys[-1], projected_end],
            color=BAD,
            linestyle=":",
            label=t(_l("Dự báo theo tốc độ hiện tại")),
        )
    _dates(axes, figure, start, end, t)
    _legend(axes, loc="upper left")
    return figure


def cumulative_chart(days: list[tuple[date, int]], **kwargs: Any) -> bytes:
    return png(cumulative_figure(days, **kwargs))


def period_targets_figure(
    days: list[tuple[date, int]],
    *,
    steps: list[tuple[str, date, int]],
    target: int,
    start: date,
    end: date,
    title: str,
    t: Translate = VI,
) -> Figure:
    """Cumulative collected against what each report period asks by its cut-off: a step
    ``(name, cut-off, amount)`` per period, the whole target at the campaign's end."""
    figure = _figure(9, 4.2)
    axes = _axes(figure, t(title))
    xs, ys = _cumulated(start, days)
    axes.step(xs, ys, where="post", color=BRAND, linewidth=2, label=t(_l("Đã vận động (cộng dồn)")))
    cuts: list[Any] = [start, *(s[1] for s in steps)]
    levels = [steps[0][2] if steps else target, *(s[2] for s in steps)]
    if cuts[-1] < end:
        cuts.append(end)
        levels.append(target)
    axes.step(cuts, levels, where="pre", color=INK, linestyle="--", label=t(_l("Chỉ tiêu theo kỳ")))
    for name, cutoff, amount in steps:
        axes.plot([cutoff], [amount], marker="o", color=INK)
        axes.annotate(
            _label(name),
            (cutoff, amount),
            xytext=(-6, 5),
            textcoords="offset points",
            ha="right",
            fontfamily=FONT,
            fontsize=LABEL_PT,
        )
    axes.set_ylim(0, max(*ys, *levels, 1) * 1.12)  # room for the periods' names
    _dates(axes, figure, start, end, t)
    _legend(axes, loc="upper left")
    return figure


def period_targets_chart(days: list[tuple[date, int]], **kwargs: Any) -> bytes:
    return png(period_targets_figure(days, **kwargs))


def category_figure(rows: list[tuple[str, int]], *, title: str, t: Translate = VI) -> Figure:
    """Spending by category; "Chưa có khoản chi" when nothing was spent."""
    figure = _figure(8, max(2.5, 0.45 * len(rows) + 1.2))
    axes = _axes(figure, t(title))
    if not rows:
        _empty(axes, t(NO_SPENDING))
        return figure
    axes.barh([_label(r[0]) for r in rows][::-1], [r[1] for r in rows][::-1], color=BRAND)
    axes.xaxis.set_major_formatter(_millions(t))
    return figure


def category_chart(rows: list[tuple[str, int]], *, title: str) -> bytes:
    return png(category_figure(rows, title=title))


def children_figure(rows: list[tuple[str, int, int]], *, title: str, t: Translate = VI) -> Figure:
    """Children helped per category: ``(category, named children, children of group gifts)``,
    stacked; "Chưa có trẻ em được hỗ trợ" when none."""
    figure = _figure(8, max(2.5, 0.45 * len(rows) + 1.4))
    axes = _axes(figure, t(title))
    if not rows:
        _empty(axes, t(NO_CHILDREN))
        return figure
    names = [_label(r[0]) for r in rows][::-1]
    named, grouped = [r[1] for r in rows][::-1], [r[2] for r in rows][::-1]
    if any(named):
        axes.barh(names, named, color=BRAND, label=t(_l("Trẻ có hồ sơ")))
    if any(grouped):
        axes.barh(names, grouped, left=named, color=GREY, label=t(_l("Trẻ nhận quà theo nhóm")))
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_xlabel(t(_l("Số trẻ em")), fontfamily=FONT, fontsize=LABEL_PT)
    _legend(axes, loc="best")
    return figure


def children_chart(rows: list[tuple[str, int, int]], *, title: str) -> bytes:
    return png(children_figure(rows, title=title))


def year_over_year_figure(
    rows: list[tuple[str, int, int]], *, title: str, this_year: int, t: Translate = VI
) -> Figure:
    """Paired bars: each report period this year against the same period last year."""
    figure = _figure(8, 3.5)
    axes = _axes(figure, t(title))
    positions = range(len(rows))
    axes.bar(
        [p - 0.2 for p in positions],
        [r[2] for r in rows],
        width=0.4,
        color=GREY,
        label=t(_l("Năm %(year)s")) % {"year": this_year - 1},
    )
    axes.bar(
        [p + 0.2 for p in positions],
        [r[1] for r in rows],
        width=0.4,
        color=BRAND,
        label=t(_l("Năm %(year)s")) % {"year": this_year},
    )
    axes.set_xticks(list(positions), [_label(r[0]) for r in rows])
    axes.yaxis.set_major_formatter(_millions(t))
    _legend(axes)
    return figure


def year_over_year_chart(rows: list[tuple[str, int, int]], *, title: str, this_year: int) -> bytes:
    return png(year_over_year_figure(rows, title=title, this_year=this_year))


def figure_of(chart: Any, t: Translate = VI) -> Figure:
    """The figure of chart data from ``services.charts`` (its ``kind`` names the builder), its
    words in the language ``t`` translates into (the title is a msgid with ``%(day)s``)."""
    title = t(chart.title) % {"day": f"{chart.as_of:%d/%m/%Y}"} if chart.as_of else t(chart.title)
    if chart.kind == "progress":
        return progress_figure(chart.rows, title=title, t=t)
    if chart.kind == "cumulative":
        return cumulative_figure(
            chart.days,
            target=chart.target,
            start=chart.start,
            end=chart.end,
            projected_end=chart.projected_end,
            title=title,
            t=t,
        )
    if chart.kind == "periods":
        return period_targets_figure(
            chart.days,
            steps=chart.steps,
            target=chart.target,
            start=chart.start,
            end=chart.end,
            title=title,
            t=t,
        )
    if chart.kind == "categories":
        return category_figure(chart.rows, title=title, t=t)
    if chart.kind == "children":
        return children_figure(chart.rows, title=title, t=t)
    if chart.kind == "yoy":
        return year_over_year_figure(chart.rows, title=title, t=t, this_year=chart.this_year)
    raise ValueError(f"no chart of kind {chart.kind!r}")


def draw(chart: Any, t: Translate = VI) -> bytes:
    """The PNG of chart data from ``services.charts``, in the language ``t`` translates into."""
    return png(figure_of(chart, t))
