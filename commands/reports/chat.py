"""`/outcome report [AREA]`: the latest published progress report, in figures, where its PDF
was posted, and a fresh draft's figures as of today beside it, with what to type for the
files."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from commands.context import Args, CommandContext
from commands.domain.rules import Status
from commands.outcomes.statuses import find_area, whole_roadmap
from commands.people.directory import names_for
from commands.presentation.charts import status_by_area_chart
from commands.presentation.formatting import counted, moment, status_counts
from commands.presentation.replies import Context, Header, Reply, Section
from commands.reports.announcing import again
from commands.reports.building import render_filename
from commands.reports.content import ReportContent, report_content
from commands.reports.publishing import file_address
from commands.reports.snapshot import take_snapshot
from storage.models import OutboxState
from storage.report_models import PublishedReport
from storage.repositories import OutboxRepository, PublishedReportRepository

ORDER = (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.NO_DATA)


def _figures(content: ReportContent) -> str:
    totals = content.totals
    counts = status_counts(totals)
    return (
        f"Of {sum(totals.values())} outcomes: {counts}. "
        f"{counted(len(content.successes), 'success', 'successes')}; "
        f"{counted(len(content.more_work), 'outcome')} "
        f"{'needs' if len(content.more_work) == 1 else 'need'} more work."
    )


def _day(content: ReportContent) -> str:
    return f"{content.as_of.day} {content.as_of:%B %Y}"


async def _latest(session: AsyncSession, scope: str) -> PublishedReport | None:
    reports = PublishedReportRepository(session)
    return await reports.latest(scope) or (await reports.latest("") if scope else None)


async def _where_the_pdf_is(ctx: CommandContext, published: PublishedReport) -> str:
    """Where the published PDF was posted (the outbox row that shared it), and, where waymark
    has a public address, a link that opens it (the one a Teams card gives)."""
    row = await OutboxRepository(ctx.session).by_key(
        f"report-file:{published.as_of.isoformat()}:{published.scope}"
    )
    if row is None:
        # No programme channel then, or no PDF extra: the command below writes the file.
        said = "Its PDF was not posted in chat."
    elif row.state != OutboxState.SENT or row.sent_at is None:
        said = "Its PDF is on its way to the programme channel."
    else:
        said = f"Its PDF was posted in the programme channel on {moment(row.sent_at, ctx.tz)}."
    if ctx.public_url and published.file_token:
        name = render_filename(published.snapshot)
        said += f" Open it: {file_address(ctx.public_url, published.file_token, name)}"
    return said


async def show_report(ctx: CommandContext, args: Args) -> Reply:
    """/outcome report [AREA] — the latest published progress report, and a fresh draft"""
    area_text = " ".join(args.words)
    async with whole_roadmap():
        area = await find_area(ctx.session, area_text) if area_text else None
        published = await _latest(ctx.session, area.slug if area else "")
        snapshot = await take_snapshot(
            ctx.session, as_of=ctx.today, tz=ctx.tz, area=area_text or None, with_actions=False
        )
        draft = report_content(snapshot)
    blocks: list[Header | Section | Context] = [Header("Progress report")]
    chart = None
    if published is None:
        said = "No progress report has been published yet."
    else:
        content = report_content(published.snapshot)
        names = await names_for(ctx.session, {published.published_by})
        # Sentences, not one run of colons: who published what and when, its figures, its PDF.
        said = (
            f"Latest published: {published.title}. {names.of(published.published_by)} "
            f"published it on {moment(published.published_at, ctx.tz)}.\n{_figures(content)}\n"
            + await _where_the_pdf_is(ctx, published)
        )
        rows = [
            (a.name, a.counts[Status.ON_TRACK], a.counts[Status.AT_RISK],
             a.counts[Status.OFF_TRACK], a.counts[Status.NO_DATA])
            for a in content.areas
        ]  # fmt: skip
        chart = status_by_area_chart(rows, "", when=f"as of {_day(content)}")
    fresh = f"A fresh draft as of {_day(draft)} ({draft.scope_name}):\n{_figures(draft)}"
    blocks += [Section(text=said), Section(text=fresh)]
    republish = (
        again(published, "ADMIN")
        if published
        else f"waymark report publish --as-of {draft.as_of.isoformat()} --by ADMIN"
    )
    blocks.append(
        Context(
            (
                f"The files (HTML and PDF): `waymark report --as-of {draft.as_of.isoformat()}"
                f"{f' --area {area.slug}' if area else ''} --out DIR` for the draft; `{republish}` "
                "makes a published one again, byte for byte.",
            )
        )
    )
    reply_blocks = (*blocks[:2], chart, *blocks[2:]) if chart else tuple(blocks)
    return Reply(f"{said} {fresh}", reply_blocks, shared=args.shared)
