"""Publishing the progress report: its snapshot is stored, so that the same file can be made
again byte for byte whatever changes later, and the periods it reports are locked.

Publishing the same date (and scope) again changes nothing: it makes the stored report again,
from its snapshot, and says when and by whom it was published."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from commands.readings.locks import lock_through
from commands.reports.announcing import announce
from commands.reports.building import MadeReport, PdfMaker, render, render_filename
from commands.reports.snapshot import take_snapshot
from config.targets import Target
from storage.publication_models import PeriodLock
from storage.report_models import PublishedReport
from storage.repositories import (
    AuditRepository,
    PublishedReportRepository,
    RoadmapRepository,
)


@dataclass(frozen=True)
class Publication:
    made: MadeReport
    record: PublishedReport
    new: bool  # False: it had been published before, and is made again from its snapshot
    lock: PeriodLock | None = None  # what publishing it locked (None: it was published before)


async def publish_report(
    session: AsyncSession,
    *,
    as_of: date,
    by: str,
    now: datetime,
    tz: tzinfo,
    make_pdf: PdfMaker | None,
    admins: Iterable[str] | None = None,
    area: str | None = None,
    group: str | None = None,
    announce_to: Target | None = None,
    public_url: str | None = None,
) -> Publication:
    """Publish the report as of `as_of`; a new one is announced in `announce_to` (the
    programme channel), when there is one. With `public_url` (where people reach waymark's
    server), the announcement links to the PDF there, for Teams, which cannot carry the file."""
    snapshot = await take_snapshot(session, as_of=as_of, tz=tz, area=area, group=group)
    reports = PublishedReportRepository(session)
    earlier = await reports.find(as_of, snapshot["scope"]["slug"])
    if earlier is not None:
        return Publication(again(earlier, make_pdf), earlier, new=False)
    # Locking checks that `by` may publish: before the slow part, so that a refusal is quick.
    # A report for one area or group locks only the outcomes it reports (issue 14).
    scope = snapshot["scope"]
    scoped = scope["kind"] != "roadmap"
    ids, of = None, f" for {scope['name']}" if scoped else ""
    if scoped:
        numbers = [o["number"] for o in snapshot["outcomes"]]
        ids = [o.id for o in await RoadmapRepository(session).outcomes(numbers=numbers)]
    lock = await lock_through(
        session, through=as_of, by=by, now=now, admins=admins,
        reason=f"Published in the progress report{of} as of {as_of.isoformat()}",
        outcomes=ids,
    )  # fmt: skip
    # What is stored is what is rendered: the snapshot as it reads back from the database.
    stored = json.loads(json.dumps(snapshot))
    made = render(stored, make_pdf)
    record = PublishedReport(
        as_of=as_of,
        scope=snapshot["scope"]["slug"],
        title=made.title,
        snapshot=stored,
        sha256=hashlib.sha256(made.pdf if made.pdf is not None else made.html.encode()).hexdigest(),
        published_by=by,
        published_at=now,
        pdf=made.pdf,
        file_token=secrets.token_urlsafe(24) if made.pdf is not None else None,
    )
    reports.add(record)
    await session.flush()
    AuditRepository(session).record(
        at=now,
        actor=by,
        action="report.published",
        subject=f"report:{record.id}",
        after={"as_of": as_of.isoformat(), "scope": record.scope, "lock": lock.id},
    )
    if announce_to is not None:
        link = None
        if public_url and record.file_token:
            link = file_address(public_url, record.file_token, made.filename)
        await announce(
            session, record, announce_to, now, filename=made.filename, pdf=made.pdf, link=link,
        )  # fmt: skip
    return Publication(made, record, new=True, lock=lock)


def again(record: PublishedReport, make_pdf: PdfMaker | None) -> MadeReport:
    """A published report made again: the PDF that was published, as it was stored, whatever
    has changed since (waymark's own drawing of reports included); the HTML from its snapshot.
    A report published before PDFs were kept is drawn again from its snapshot."""
    if record.pdf is None:
        return render(record.snapshot, make_pdf)
    return replace(render(record.snapshot, None), pdf=record.pdf)


def file_address(public_url: str, token: str, filename: str) -> str:
    """Where waymark's own server gives the published PDF (see `published_pdf`)."""
    return f"{public_url.rstrip('/')}/reports/{token}/{filename}.pdf"


async def published_pdf(session: AsyncSession, token: str, name: str) -> tuple[str, bytes] | None:
    """The published PDF at `/reports/{token}/{name}`: its file name and bytes, or None when
    no report has that token (a wrong or made-up address) or the name is not its own."""
    record = await PublishedReportRepository(session).by_file_token(token)
    if record is None or record.pdf is None:
        return None
    filename = render_filename(record.snapshot)
    return (filename + ".pdf", record.pdf) if name == filename + ".pdf" else None


async def published_reports(session: AsyncSession) -> list[PublishedReport]:
    return list(await PublishedReportRepository(session).everything())


def report_locked(record: PublishedReport) -> str:
    """What publishing the report locked, as `report list` says it."""
    scope = record.snapshot["scope"]
    if scope["kind"] == "roadmap":
        return "locked every reading"
    count = len(record.snapshot["outcomes"])
    outcomes = "the outcome" if count == 1 else f"the {count} outcomes"
    return f"locked the readings of {outcomes} of {scope['name']}"
