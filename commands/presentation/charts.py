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
from typing import Any

from commands.domain.comparators import Comparison
from commands.domain.periods import Cadence, parse_period
from commands.presentation.replies import Chart
from commands.presentation.trajectory import draw_trajectory, trajectory_figures
from storage.models import Outcome, Reading


def history_chart(
    outcome: Outcome, readings: Sequence[Reading], comparators: Sequence[Comparison] = ()
) -> bytes:
    """Readings, the expected path, the milestones, the tolerance band and comparators, to 2040."""
    current = [(r.period, r.value) for r in readings if r.is_current]
    current.sort(key=lambda r: parse_period(r[0], Cadence(outcome.cadence)).start)
    return draw_trajectory(trajectory_figures(outcome, current, comparators))


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


def status_by_area_chart(
    rows: Sequence[tuple[str, int, int, int, int]], week: str, *, when: str | None = None
) -> Chart:
    """`rows` are (area, on track, at risk, off track, no data), in road-map order. The title
    says `week of {week}`, or `when` for a moment that is not a week (a report's date)."""
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
    title = f"Status by priority area, {when or f'week of {week}'}"
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
