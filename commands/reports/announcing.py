"""Telling the programme channel that a progress report was published: a message through the
outbox (so it survives a crash and is posted once), with the summary by priority area as a
chart, then the PDF itself, as published, as a message of its own (Slack shares it as a file;
Teams shows a card that opens it, see `bot/teams/render.py`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from commands.delivery.reply_codec import encode
from commands.domain.rules import Status
from commands.presentation.charts import status_by_area_chart
from commands.presentation.formatting import counted, status_counts
from commands.presentation.replies import Context, Document, Header, Reply, Section, mention
from commands.reports.content import report_content
from config.targets import Target
from storage.report_models import PublishedReport
from storage.repositories import OutboxRepository

KIND = "report"
FILE_KIND = "report_file"
PDF = "application/pdf"
ORDER = (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.NO_DATA)


def locked_sentence(record: PublishedReport) -> str:
    """What publishing locked: a report for one area or group locks only its outcomes."""
    if record.scope == "":
        return "Readings for periods ending by then are now locked."
    return "The readings it reports, for periods ending by then, are now locked."


def announcement(record: PublishedReport) -> Reply:
    content = report_content(record.snapshot)
    totals = content.totals
    counts = status_counts(totals)
    text = (
        f"{mention(record.published_by)} published the progress report as of "
        f"{content.as_of.day} {content.as_of:%B %Y}: of {sum(totals.values())} outcomes, "
        f"{counts}. {counted(len(content.successes), 'success', 'successes')}; "
        f"{counted(len(content.more_work), 'outcome')} "
        f"{'needs' if len(content.more_work) == 1 else 'need'} more work. "
        f"{locked_sentence(record)}"
    )
    rows = [
        (a.name, a.counts[Status.ON_TRACK], a.counts[Status.AT_RISK], a.counts[Status.OFF_TRACK],
         a.counts[Status.NO_DATA])
        for a in content.areas
    ]  # fmt: skip
    return Reply(
        text,
        (
            Header(record.title),
            Section(text=text),
            status_by_area_chart(rows, "", when=f"as of {content.as_of.day} {content.as_of:%B %Y}"),
            Context(
                (
                    f"The PDF follows. `{again(record)}` makes it again, byte for byte, from "
                    "what it showed.",
                )
            ),
        ),
        shared=True,
    )


def again(record: PublishedReport, by: str = "") -> str:
    """The command that makes this published report again: its date, and its area or group."""
    scope = record.snapshot["scope"]
    narrowed = f" --{scope['kind']} {scope['slug']}" if scope["kind"] in ("area", "group") else ""
    return f"waymark report publish --as-of {record.as_of.isoformat()}{narrowed}" + (
        f" --by {by}" if by else ""
    )


def report_file(record: PublishedReport, filename: str, pdf: bytes, link: str | None) -> Reply:
    """The published PDF, for the channel to open or pass on to the town's partners."""
    # Slack shows the file's size with it, and the Teams card with its name: said once.
    words = "The PDF, as published: to open, or to pass on to the town's partners."
    document = Document(record.title, f"{filename}.pdf", PDF, pdf, link)
    return Reply(words, (Section(text=words), document), shared=True)


async def announce(
    session: AsyncSession,
    record: PublishedReport,
    target: Target,
    now: datetime,
    *,
    filename: str,
    pdf: bytes | None,
    link: str | None = None,
) -> None:
    """Queue the announcement, then the PDF (when there is one: the PDF extra is installed).
    Both keys name the report, so that each is looked for, not posted again, after a crash."""
    outbox = OutboxRepository(session)
    where = f"{record.as_of.isoformat()}:{record.scope}"
    await outbox.add(
        key=f"report:{where}",
        kind=KIND,
        platform=target.platform,
        channel_id=target.channel,
        summary=f"{record.title}, published",
        payload=encode(announcement(record)),
        not_before=now,
        created_at=now,
    )
    if pdf is None:
        return
    # Queued second, due at the same moment: it follows the announcement (claimed in order).
    await outbox.add(
        key=f"report-file:{where}",
        kind=FILE_KIND,
        platform=target.platform,
        channel_id=target.channel,
        summary=f"{record.title}, the PDF",
        payload=encode(report_file(record, filename, pdf, link)),
        not_before=now,
        created_at=now,
    )
