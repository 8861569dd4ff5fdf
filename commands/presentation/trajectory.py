"""The trajectory chart: an outcome's readings against its path to 2040, with the milestones,
the tolerance band on the side that counts, and comparator areas' figures. The same drawing
serves `/outcome N history` (PNG) and the progress report (SVG, inline in its HTML).

It is drawn from plain figures (`trajectory_figures`), not from the database, so that a
published report's charts can be drawn again from its stored snapshot, byte for byte: the SVG
carries no date, and its element ids come from a fixed salt. Every series has its own line
style and marker, so that it reads in greyscale print as well as in colour."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from commands.domain.comparators import Comparison
from commands.domain.periods import Cadence, parse_period
from commands.domain.rules import Polarity, parse_tolerance
from commands.domain.status import OutcomeFacts, path_of
from commands.presentation.formatting import difference

INK = {"reading": "#1d4e89", "path": "#4b5563", "band": "#f59e0b", "milestone": "#111827"}
# Comparator areas in greys and markers of their own: England first.
COMPARATOR_STYLES = (("#6b7280", "s", ":"), ("#9ca3af", "^", "-."), ("#374151", "v", ":"))
SAMPLE_DAYS = 30


def trajectory_figures(
    outcome: OutcomeFacts,
    readings: Sequence[tuple[str, float]],
    comparators: Sequence[Comparison] = (),
) -> dict[str, Any]:
    """What the chart shows, as JSON-ready figures: `readings` are (period, value), oldest
    first; dates are ordinals."""
    cadence = Cadence(outcome.cadence)
    path = path_of(outcome)
    tolerance = parse_tolerance(outcome.tolerance)
    start, end = path.anchors[0].on, path.anchors[-1].on
    days = [start + timedelta(days=d) for d in range(0, (end - start).days + 1, SAMPLE_DAYS)]
    days.append(end)
    expected = [path.expected_at(d) for d in days]
    series: dict[str, list[list[float]]] = {}
    for figure in comparators:
        series.setdefault(figure.area, []).append([figure.period_end.toordinal(), figure.value])
    return {
        "title": f"{outcome.number}. {outcome.measure}",
        "unit": outcome.unit,
        "polarity": outcome.polarity,
        "tolerance": str(tolerance),
        # The legend's words: "5%" alone on a chart of percentages reads as 5 points.
        "band": (
            f"{tolerance} of the path"
            if tolerance.relative
            else difference(tolerance.amount, outcome.unit)
        ),
        "path": [[d.toordinal(), v] for d, v in zip(days, expected, strict=True)],
        "allowance": [tolerance.allowance(v) for v in expected],
        "milestones": [[m.on.toordinal(), m.value] for m in path.milestones],
        "readings": [
            [parse_period(period, cadence).end.toordinal(), value] for period, value in readings
        ],
        "comparators": [[area, points] for area, points in series.items()],
    }


def draw_trajectory(
    figures: dict[str, Any], *, image_format: str = "png", salt: str = "", height: float = 3.6
) -> bytes:
    """The chart as PNG or SVG bytes; the same figures and salt give the same bytes."""
    # The Figure API on an Agg canvas, not pyplot: charts are drawn in worker threads, and
    # pyplot's global state is not thread-safe.
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with rc_context({"svg.hashsalt": f"waymark-{salt}", "svg.fonttype": "none", "font.size": 9}):
        figure = Figure(figsize=(8, height), dpi=100)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        _plot(axes, figures)
        figure.tight_layout()
        buffer = io.BytesIO()
        if image_format == "svg":
            figure.savefig(buffer, format="svg", metadata={"Date": None})
        else:
            figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _plot(axes: Any, figures: dict[str, Any]) -> None:
    x = [p[0] for p in figures["path"]]
    expected = [p[1] for p in figures["path"]]
    allowance = figures["allowance"]
    # The band is drawn on the side that counts: below the path when higher is better.
    sign = -1 if figures["polarity"] == Polarity.HIGHER_IS_BETTER.value else 1
    # Dark enough to see in greyscale print: at 0.22 the band all but vanished.
    edge = [v + sign * a for v, a in zip(expected, allowance, strict=True)]
    axes.fill_between(
        x, expected, edge, facecolor=INK["band"], edgecolor=INK["band"], alpha=0.35, hatch="///",
        linewidth=0,
        label=f"at risk (within {figures.get('band', figures['tolerance'])})",
    )  # fmt: skip
    axes.plot(x, expected, color=INK["path"], linestyle="--", label="expected path")
    if figures["milestones"]:
        axes.scatter(
            [m[0] for m in figures["milestones"]], [m[1] for m in figures["milestones"]],
            marker="D", color=INK["milestone"], label="milestones", zorder=3,
        )  # fmt: skip
    for (area, points), (colour, marker, line) in zip(
        figures["comparators"], COMPARATOR_STYLES, strict=False
    ):
        axes.plot(
            [p[0] for p in points], [p[1] for p in points], color=colour, marker=marker,
            linestyle=line, markersize=5, label=area, zorder=3,
        )  # fmt: skip
    if figures["readings"]:
        axes.plot(
            [r[0] for r in figures["readings"]], [r[1] for r in figures["readings"]],
            marker="o", color=INK["reading"], linewidth=2, label="readings", zorder=4,
        )  # fmt: skip
    first, last = date.fromordinal(int(min(x))), date.fromordinal(int(max(x)))
    step = max(1, (last.year - first.year) // 8)
    years = range(first.year + 1, last.year + 1, step)
    axes.set_xticks([date(y, 1, 1).toordinal() for y in years], labels=[str(y) for y in years])
    axes.set_title(figures["title"], fontsize=10)
    axes.set_ylabel(figures["unit"])
    axes.grid(alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    # Beside the plot, not on it: inside, it covered the path and the milestones to 2040.
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)


def inline_svg(svg: bytes, title: str, description: str, element_id: str) -> str:
    """The SVG for an HTML page: no XML prolog, announced as an image with its title and a
    description a screen reader reads out."""
    text = svg.decode("utf-8")
    text = text[text.index("<svg") :]
    # matplotlib names its elements the same way in every chart (`line2d_1`): prefixed, so that
    # each id names one element of the page.
    text = _IDS.sub(lambda m: f"{m.group(1)}{element_id}-{m.group(2)}", text)
    opening = re.match(r"<svg[^>]*>", text)
    assert opening is not None
    tag = opening.group(0)[:-1]
    tag += f' role="img" aria-labelledby="{element_id}-title {element_id}-desc">'
    body = (
        f'<title id="{element_id}-title">{_escape(title)}</title>'
        f'<desc id="{element_id}-desc">{_escape(description)}</desc>'
    )
    return tag + body + text[opening.end() :]


_IDS = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
