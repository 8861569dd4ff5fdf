"""The published PDF posted in the programme channel, through the outbox and waymark's own
SlackMessenger against the playground's Web API: shared once as a file message people can
download, whatever fails between the three steps of files upload v2."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.request import urlopen
from zoneinfo import ZoneInfo

import pytest

from bot.pdf import weasyprint_pdf
from bot.slack.messenger import SlackMessenger, posting_client
from commands.context import Args, Caller, CommandContext
from commands.delivery.outbox import drain
from commands.reports.building import PdfMaker
from commands.reports.chat import show_report
from commands.reports.publishing import Publication, publish_report
from config.targets import Target
from playground.standin import BOT_TOKEN, StandIn, running_standin
from storage.db import Database
from storage.repositories import OutboxRepository
from tests.factories import load_roadmap

PROGRAMME = "C0PROGRAMME"
NAME = "progress-report-2026-09-30.pdf"


@pytest.fixture
def slack() -> Iterator[StandIn]:
    with running_standin() as fake:
        yield fake


@pytest.fixture(scope="module")
def make_pdf() -> PdfMaker:
    found = weasyprint_pdf()
    if found is None:
        pytest.skip("the reports extra (WeasyPrint and Pango) is not installed")
    return found


async def publish(db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo, make_pdf: PdfMaker
                  ) -> Publication:  # fmt: skip
    await load_roadmap(db, tmp_path / "map", now, tz)
    async with db.transaction() as session:
        return await publish_report(
            session, as_of=date(2026, 9, 30), by="U0ADMIN", now=now, tz=tz, make_pdf=make_pdf,
            admins={"U0ADMIN"}, announce_to=Target("slack", PROGRAMME),
        )  # fmt: skip


async def send(db: Database, slack: StandIn, at: datetime, kind: str | None = None) -> None:
    # A new messenger each pass, as a restarted process would have; no pacing wait in tests.
    messenger = SlackMessenger(posting_client(BOT_TOKEN, slack.api_url), interval=0)
    await drain(db, {"slack": messenger}, at, kinds=[kind] if kind else None)


def download(slack: StandIn, file_id: str) -> tuple[bytes, str]:
    """What a person gets clicking the file in the channel: its bytes, and how it is offered."""
    [stored] = [f for f in slack.charts() if f.file_id == file_id]
    url = f"{slack.url}/files/{file_id}/{stored.filename}?download=1"
    with urlopen(url) as answer:  # noqa: S310 (the stand-in, on loopback)
        return answer.read(), answer.headers["Content-Disposition"]


async def states(db: Database) -> dict[str, str]:
    async with db.reading() as session:
        return {r.key: r.state for r in await OutboxRepository(session).everything()}


async def test_the_published_pdf_follows_the_announcement_as_a_file_to_download(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo, slack: StandIn, make_pdf: PdfMaker
) -> None:
    published = await publish(db, tmp_path, now, tz, make_pdf)
    await send(db, slack, now)

    announcement, shared = slack.in_channel(PROGRAMME)
    assert "published the progress report as of 30 September 2026" in announcement.words
    assert "The PDF follows." in announcement.words
    assert shared.text == "The PDF, as published: to open, or to pass on to the town's partners."
    [file_id] = shared.files
    content, offered = await asyncio.to_thread(download, slack, file_id)
    assert content == published.made.pdf  # the very bytes published
    assert offered == f'attachment; filename="{NAME}"'
    assert await states(db) == {
        "report:2026-09-30:": "sent", "report-file:2026-09-30:": "sent"
    }  # fmt: skip

    await send(db, slack, now + timedelta(hours=1))
    assert len(slack.in_channel(PROGRAMME)) == 2

    # `/outcome report` says where the PDF is, and links to it where waymark has an address.
    async with db.reading() as session:
        ctx = CommandContext(
            session, Caller("U0ANYONE", "C0GENERAL", "slack", is_admin=False), now, tz,
            public_url="https://waymark.luton.example",
        )  # fmt: skip
        said = (await show_report(ctx, Args())).fallback
    assert "Its PDF was posted in the programme channel on Thu 26 Nov 2026, 12:00." in said
    assert re.search(r"Open it: https://waymark\.luton\.example/reports/\S+/" + NAME, said)


async def test_an_unclear_failure_sharing_the_file_is_looked_for_not_shared_twice(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo, slack: StandIn, make_pdf: PdfMaker
) -> None:
    await publish(db, tmp_path, now, tz, make_pdf)
    await send(db, slack, now, "report")  # the announcement, its chart uploaded
    # Slack shares the file, then answers 503: waymark cannot know it was shared.
    slack.faults(lambda f: f.error_after("files.completeUploadExternal"))
    await send(db, slack, now)
    assert len(slack.in_channel(PROGRAMME)) == 2
    assert (await states(db))["report-file:2026-09-30:"] == "sending"

    await send(db, slack, now + timedelta(minutes=2))
    # Found by its name among the bot's own messages, not uploaded and shared again.
    assert [len(p.files) for p in slack.in_channel(PROGRAMME)] == [0, 1]
    assert slack.calls.count("files.getUploadURLExternal") == 2  # the chart's, the PDF's
    assert slack.calls.count("conversations.history") == 1
    assert (await states(db))["report-file:2026-09-30:"] == "sent"


async def test_a_refused_upload_shows_nothing_and_is_tried_again_without_looking(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo, slack: StandIn, make_pdf: PdfMaker
) -> None:
    await publish(db, tmp_path, now, tz, make_pdf)
    await send(db, slack, now, "report")
    slack.faults(lambda f: f.fail_next("files.getUploadURLExternal", "ratelimited"))
    await send(db, slack, now)
    assert [len(p.files) for p in slack.in_channel(PROGRAMME)] == [0]

    await send(db, slack, now + timedelta(minutes=1))
    assert [len(p.files) for p in slack.in_channel(PROGRAMME)] == [0, 1]
    assert slack.calls.count("conversations.history") == 0
