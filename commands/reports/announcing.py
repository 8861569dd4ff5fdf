"""Telling the programme channel that a progress report was published: a message through the
outbox (so it survives a crash and is posted once), with the summary by priority area as a
chart and where to get the file."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from commands.delivery.reply_codec import encode
from commands.domain.rules import Status
from commands.presentation.charts import status_by_area_chart
from commands.presentation.formatting import STATUS_WORDS
from commands.presentation.replies import Context, Header, Reply, Section, mention
from commands.reports.content import report_content
from config.targets import Target
from storage.report_models import PublishedReport
from storage.repositories import OutboxRepository

KIND = "report"
ORDER = (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.NO_DATA)


def announcement(record: PublishedReport) -> Reply:
    content = report_content(record.snapshot)
    totals = content.totals
    counts = ", ".join(f"{totals[s]} {STATUS_WORDS[s].lower()}" for s in ORDER)
    text = (
        f"{mention(record.published_by)} published the progress report as of "
        f"{content.as_of.day} {content.as_of:%B %Y}: of {sum(totals.values())} outcomes, "
        f"{counts}. {len(content.successes)} successes; "
        f"{len(content.more_work)} outcomes need more work. Readings for periods ending by then "
        "are now locked."
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
            status_by_area_chart(rows, f"{content.as_of.day} {content.as_of:%B %Y}"),
            Context(
                (
                    f"The file: `waymark report publish --as-of {content.as_of.isoformat()}` "
                    "makes it again, byte for byte, from what it showed.",
                )
            ),
        ),
        shared=True,
    )


async def announce(
    session: AsyncSession, record: PublishedReport, target: Target, now: datetime
) -> None:
    await OutboxRepository(session).add(
        key=f"report:{record.as_of.isoformat()}:{record.scope}",
        kind=KIND,
        platform=target.platform,
        channel_id=target.channel,
        summary=f"{record.title}, published",
        payload=encode(announcement(record)),
        not_before=now,
        created_at=now,
    )
