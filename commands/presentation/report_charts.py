"""The progress report's summary chart: outcomes by status in each priority area, as SVG for
the report's HTML. Each status has its colour and its own fill pattern, so that the bars read in
greyscale print too, and the legend names them in words."""

from __future__ import annotations

import io
from collections.abc import Sequence

from commands.presentation.charts import SERIES

# A pattern per status, in the order of `SERIES`: on track, at risk, off track, no data.
HATCHES = ("", "///", "xxx", "...")


def status_bars_svg(rows: Sequence[tuple[str, Sequence[int]]], title: str) -> bytes:
    """`rows` are (area, [on track, at risk, off track, no data]), in road-map order."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with rc_context({"svg.hashsalt": "waymark-summary", "svg.fonttype": "none", "font.size": 9}):
        figure = Figure(figsize=(8, 1.4 + 0.45 * max(len(rows), 1)), dpi=100)
        FigureCanvasAgg(figure)
        axes = figure.subplots()
        areas = [area for area, _ in rows][::-1]
        counts = [list(c) for _, c in rows][::-1]
        left = [0] * len(areas)
        for index, ((word, colour), hatch) in enumerate(zip(SERIES, HATCHES, strict=True)):
            widths = [c[index] for c in counts]
            axes.barh(
                areas, widths, left=left, color=colour, hatch=hatch, edgecolor="#111827",
                linewidth=0.5, label=word,
            )  # fmt: skip
            left = [a + b for a, b in zip(left, widths, strict=True)]
        axes.set_title(title, pad=26)
        axes.set_xlabel("Outcomes")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, frameon=False)
        axes.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
