"""Charts as PNG bytes: an outcome's history, and the digest's status by priority area.

matplotlib (its Agg canvas, not pyplot) is imported only when a chart is drawn: most requests
never need it, and it costs a quarter of a second and tens of megabytes to load. A chart that
must wait in the outbox travels as a `ChartDrawing` (its kind and its figures), so that it can
be drawn again when the message is sent.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from commands.domain.periods import Cadence, parse_period
from commands.domain.rules import parse_tolerance
from commands.domain.status import path_of
from commands.presentation.replies import Chart
from storage.models import Outcome, Reading

COLOURS = {"reading": "#1d4e89", "path": "#6b7280", "band": "#f59e0b", "milestone": "#111827"}


def history_chart(outcome: Outcome, readings: Sequence[Reading]) -> bytes:
    """Readings, the expected path, the milestones and the tolerance band, to 2040."""
    # The Figure API with the Agg canvas, not pyplot: charts are drawn in worker threads, and
    # pyplot's global state is not thread-safe.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    cadence = Cadence(outcome.cadence)
    path = path_of(outcome)
    tolerance = parse_tolerance(outcome.tolerance)
    current = [r for r in readings if r.is_current]
    start = path.anchors[0].on
    end = path.anchors[-1].on
    days = [start + timedelta(days=d) for d in range(0, (end - start).days + 1, 30)] + [end]
    expected = [path.expected_at(d) for d in days]
    x = [d.toordinal() for d in days]
    allowance = [tolerance.allowance(v) for v in expected]

    figure = Figure(figsize=(8, 4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.fill_between(
        x,
        [v - a for v, a in zip(expected, allowance, strict=True)],
        [v + a for v, a in zip(expected, allowance, strict=True)],
        color=COLOURS["band"],
        alpha=0.18,
        label=f"tolerance ({tolerance})",
    )
    axes.plot(x, expected, color=COLOURS["path"], linestyle="--", label="expected path")
    milestone_days: list[date] = [m.on for m in path.milestones]
    axes.scatter(
        [d.toordinal() for d in milestone_days],
        [m.value for m in path.milestones],
        marker="D",
        color=COLOURS["milestone"],
        label="milestones",
        zorder=3,
    )
    if current:
        ends = [parse_period(r.period, cadence).end for r in current]
        axes.plot(
            [d.toordinal() for d in ends],
            [r.value for r in current],
            marker="o",
            color=COLOURS["reading"],
            label="readings",
            zorder=4,
        )
    # Whole-year ticks: a 16-year path needs years, not months, to be readable.
    step = max(1, (end.year - start.year) // 8)
    years = range(start.year + 1, end.year + 1, step)
    axes.set_xticks([date(y, 1, 1).toordinal() for y in years], labels=[str(y) for y in years])
    axes.set_title(f"{outcome.number}. {outcome.measure}", fontsize=11)
    axes.set_ylabel(outcome.unit)
    axes.grid(alpha=0.3)
    axes.legend(loc="best", fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


STATUS_BY_AREA = "status_by_area"


# Words with the colours: a colour alone tells a colour-blind reader nothing.
SERIES = (
    ("On track", "#2e7d32"),
    ("At risk", "#ef8f00"),
    ("Off track", "#c62828"),
    ("No data", "#9e9e9e"),
)


MAX_BARS = 20


MAX_ALT_TEXT = 1000


@dataclass(frozen=True)
class ChartDrawing:
    """Draws a chart of `kind` from `params` (JSON-ready figures) as PNG bytes."""

    kind: str
    params: dict[str, Any] = field(hash=False)

    def __call__(self) -> bytes:
        drawer = _DRAWERS.get(self.kind)
        if drawer is None:
            raise ValueError(f"no chart called {self.kind!r}")
        return drawer(self.params)


def status_by_area_chart(rows: Sequence[tuple[str, int, int, int, int]], week: str) -> Chart:
    """`rows` are (area, on track, at risk, off track, no data), in road-map order."""
    shown: list[tuple[str, list[int]]] = [(r[0], list(r[1:])) for r in rows[:MAX_BARS]]
    rest = rows[MAX_BARS:]
    if rest:
        totals = [sum(column) for column in zip(*(r[1:] for r in rest), strict=True)]
        shown.append((f"{len(rest)} more areas", totals))
    description = "; ".join(
        f"{area}: "
        + ", ".join(f"{n} {word.lower()}" for (word, _), n in zip(SERIES, counts, strict=True))
        for area, counts in shown
    )
    alt = f"Bar chart of outcome status by priority area. {description}"
    title = f"Status by priority area, week of {week}"
    return Chart(
        title=title,
        alt_text=alt if len(alt) <= MAX_ALT_TEXT else alt[: MAX_ALT_TEXT - 1] + "…",
        filename="status-by-area.png",
        draw=ChartDrawing(
            STATUS_BY_AREA,
            {"title": title, "rows": [[area, *counts] for area, counts in shown]},
        ),
    )


def _draw_status_by_area(params: dict[str, Any]) -> bytes:
    # The object API on an Agg canvas, not pyplot: pyplot's global state is not thread-safe,
    # and charts are drawn in worker threads, possibly two at once in one process.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    rows = params["rows"]
    areas = [str(r[0]) for r in rows][::-1]  # top to bottom in road-map order
    counts = [[int(n) for n in r[1:]] for r in rows][::-1]
    figure = Figure(figsize=(8, 1.2 + 0.45 * max(len(rows), 1)), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    left = [0] * len(areas)
    for index, (word, colour) in enumerate(SERIES):
        widths = [c[index] for c in counts]
        axes.barh(areas, widths, left=left, color=colour, label=word)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    axes.set_title(str(params["title"]), pad=26)  # room for the legend below it
    axes.set_xlabel("Outcomes")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


_DRAWERS: dict[str, Callable[[dict[str, Any]], bytes]] = {
    STATUS_BY_AREA: _draw_status_by_area,
}
