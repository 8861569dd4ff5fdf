"""Making the progress report: the snapshot of the figures, then the HTML page, then the PDF
(by the `PdfMaker` the composition root gives, when the PDF extra is installed)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from commands.reports.content import report_content
from commands.reports.page import report_html, report_title
from commands.reports.snapshot import take_snapshot


class PdfMaker(Protocol):
    """Turns the report's HTML into a tagged, accessible A4 PDF; the same HTML gives the same
    bytes."""

    def __call__(self, html: str) -> bytes: ...


class PdfUnavailableError(Exception):
    """The PDF extra is not installed: the HTML is all there is."""


@dataclass(frozen=True)
class MadeReport:
    title: str
    filename: str  # without its extension: `progress-report-2026-11-26`
    html: str
    pdf: bytes | None
    snapshot: dict[str, Any]


def render(snapshot: dict[str, Any], make_pdf: PdfMaker | None) -> MadeReport:
    """The report from its snapshot alone: the same snapshot gives the same bytes."""
    content = report_content(snapshot)
    html = report_html(content)
    pdf = None
    if make_pdf is not None:
        pdf = make_pdf(html)
    return MadeReport(report_title(content), render_filename(snapshot), html, pdf, snapshot)


def render_filename(snapshot: dict[str, Any]) -> str:
    """`progress-report-2026-11-26`, or `…-net-zero` for one area: without its extension."""
    scope = snapshot["scope"]["slug"]
    filename = f"progress-report-{snapshot['as_of']}" + (f"-{scope}" if scope else "")
    return _safe(filename)


async def draft_report(
    session: AsyncSession,
    *,
    as_of: date,
    tz: tzinfo,
    make_pdf: PdfMaker | None,
    area: str | None = None,
    group: str | None = None,
    include_provisional: bool = False,
) -> MadeReport:
    snapshot = await take_snapshot(
        session, as_of=as_of, tz=tz, area=area, group=group,
        include_provisional=include_provisional,
    )  # fmt: skip
    return render(snapshot, make_pdf)


def _safe(name: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", name.lower())
