"""Charts as PNG bytes. matplotlib is imported only when a chart is drawn: most requests never
need it, and it costs a quarter of a second and tens of megabytes to load."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, timedelta

from commands.domain.periods import Cadence, parse_period
from commands.domain.rules import parse_tolerance
from commands.status import path_of
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
