"""`/outcome report` in Slack: the latest published progress report and a fresh draft."""

from datetime import date, datetime

from commands.reports.publishing import publish_report
from storage.db import Database
from tests.conftest import LONDON
from tests.slack.harness import ADMIN, GENERAL, OUTSIDER, SlackHarness
from tests.slack.test_outcome_command import text_of


async def test_report_gives_the_latest_published_and_a_fresh_draft(
    slack: SlackHarness, db: Database, now: datetime
) -> None:
    words = text_of(await slack.command(OUTSIDER, GENERAL, "report"))
    assert "No progress report has been published yet." in words
    assert "A fresh draft as of 26 November 2026 (the whole road map):\nOf 3 outcomes" in words

    async with db.transaction() as session:
        await publish_report(
            session, as_of=date(2026, 9, 30), by=ADMIN.id, now=now, tz=LONDON,
            make_pdf=None,
        )  # fmt: skip
    words = text_of(await slack.command(OUTSIDER, GENERAL, "report"))
    assert "Latest published: Road map progress report, 30 September 2026. " in words
    assert " published it on " in words
    assert "Of 3 outcomes: 0 on track, 2 at risk, 0 off track, 1 with no data." in words
    assert "Its PDF was not posted in chat." in words  # no programme channel was given
    assert "`waymark report publish --as-of 2026-09-30 --by ADMIN`" in words
