"""Charts as PNG bytes: matplotlib ``Figure`` on the Agg canvas (never pyplot), DejaVu Sans."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter, MonthLocator
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..money import group_digits

_MILLIONS = FuncFormatter(lambda value, _pos: f"{group_digits(int(value / 1_000_000))} tr")
BRAND, GREY, BAD = "#0b6e4f", "#9aa5b1", "#b3261e"


def _label(text: object) -> str:
    """A label drawn as typed: ``$`` would start matplotlib's mathtext (``$x^$`` fails)."""
    return str(text).replace("$", r"\$")


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def progress_chart(rows: list[tuple[str, int, int]], *, title: str) -> bytes:
    """Horizontal bars: collected per unit against its quota (a tick), behind ones in red."""
    rows = rows[:60]
    figure = _figure(9, max(3.0, 0.28 * len(rows) + 1.2))
    axes = figure.add_subplot()
    names = [_label(r[0]) for r in rows][::-1]
    collected = [r[2] for r in rows][::-1]
    quotas = [r[1] for r in rows][::-1]
    colours = [BRAND if c >= q else BAD for c, q in zip(collected, quotas, strict=False)]
    axes.barh(names, collected, color=colours, label="Đã vận động")
    axes.scatter(quotas, names, marker="|", s=200, color="#1d2733", label="Chỉ tiêu", zorder=3)
    axes.xaxis.set_major_formatter(_MILLIONS)
    axes.set_title(_label(title))
    axes.legend(loc="lower right")
    axes.tick_params(axis="y", labelsize=8)
    return _png(figure)


def cumulative_chart(
    days: list[tuple[date, int]],
    *,
    target: int,
    start: date,
    end: date,
    projected_end: int,
    title: str,
) -> bytes:
    """Cumulative collected over the year, the target line and the run-rate projection."""
    figure = _figure(9, 4)
    axes = figure.add_subplot()
    # Dates on the x axis: matplotlib converts them through its units registry, while its
    # stubs only name numbers, hence Any.
    xs: list[Any] = [start]
    running, ys = 0, [0]
    for day, amount in days:
        running += amount
        xs.append(day)
        ys.append(running)
    axes.step(xs, ys, where="post", color=BRAND, label="Đã vận động (cộng dồn)")
    axes.axhline(target, color=GREY, linestyle="--", label="Chỉ tiêu được giao")
    if xs[-1] < end:
        axes.plot(
            [xs[-1], end],
            [ys[-1], projected_end],
            color=BAD,
            linestyle=":",
            label="Dự báo theo tốc độ hiện tại",
        )
    axes.yaxis.set_major_formatter(_MILLIONS)
    axes.set_xlim(start, end)  # type: ignore[arg-type]
    axes.xaxis.set_major_locator(MonthLocator())  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_formatter(DateFormatter("%m/%Y"))  # type: ignore[no-untyped-call]
    axes.set_title(_label(title))
    axes.legend(loc="upper left")
    figure.autofmt_xdate()
    return _png(figure)


def category_chart(rows: list[tuple[str, int]], *, title: str) -> bytes:
    """Spending by category."""
    figure = _figure(8, max(2.5, 0.4 * len(rows) + 1))
    axes = figure.add_subplot()
    if rows:
        axes.barh([_label(r[0]) for r in rows][::-1], [r[1] for r in rows][::-1], color=BRAND)
    else:
        axes.text(0.5, 0.5, "Chưa có khoản chi", ha="center", va="center", transform=axes.transAxes)
    axes.xaxis.set_major_formatter(_MILLIONS)
    axes.set_title(_label(title))
    return _png(figure)


def year_over_year_chart(rows: list[tuple[str, int, int]], *, title: str, this_year: int) -> bytes:
    """Paired bars: each report period this year against the same period last year."""
    figure = _figure(8, 3.5)
    axes = figure.add_subplot()
    positions = range(len(rows))
    axes.bar(
        [p - 0.2 for p in positions],
        [r[2] for r in rows],
        width=0.4,
        color=GREY,
        label=f"Năm {this_year - 1}",
    )
    axes.bar(
        [p + 0.2 for p in positions],
        [r[1] for r in rows],
        width=0.4,
        color=BRAND,
        label=f"Năm {this_year}",
    )
    axes.set_xticks(list(positions), [_label(r[0]) for r in rows])
    axes.yaxis.set_major_formatter(_MILLIONS)
    axes.set_title(_label(title))
    axes.legend()
    return _png(figure)


def draw(chart: Any) -> bytes:
    """The PNG of chart data from ``services.charts`` (its ``kind`` names the builder)."""
    if chart.kind == "progress":
        return progress_chart(chart.rows, title=chart.title)
    if chart.kind == "cumulative":
        return cumulative_chart(
            chart.days,
            target=chart.target,
            start=chart.start,
            end=chart.end,
            projected_end=chart.projected_end,
            title=chart.title,
        )
    if chart.kind == "categories":
        return category_chart(chart.rows, title=chart.title)
    if chart.kind == "yoy":
        return year_over_year_chart(chart.rows, title=chart.title, this_year=chart.this_year)
    raise ValueError(f"no chart of kind {chart.kind!r}")
