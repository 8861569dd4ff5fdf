"""Publishing in the core, on a small road map: a new report is announced in the programme
channel through the outbox once; the same date again is made from its snapshot and announced
no more."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from commands.delivery.reply_codec import decode
from commands.presentation.replies import Chart, Section
from commands.reports.publishing import publish_report
from config.targets import Target
from storage.db import Database
from storage.models import OutboxMessage
from tests.factories import load_roadmap, load_roadmap_with_plans

PROGRAMME = Target("slack", "C0PROGRAMME")


async def test_a_new_report_is_announced_once_in_the_programme_channel(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await load_roadmap(db, tmp_path / "map", now, tz)

    for _ in range(2):
        async with db.transaction() as session:
            published = await publish_report(
                session, as_of=date(2026, 9, 30), by="U0ADMIN", now=now, tz=tz, make_pdf=None,
                admins={"U0ADMIN"}, announce_to=PROGRAMME,
            )  # fmt: skip
        assert published.made.pdf is None  # no PDF maker given: the HTML is all there is
        assert "Road map progress report, 30 September 2026" in published.made.html

    async with db.reading() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    assert [(r.kind, r.platform, r.channel_id) for r in rows] == [
        ("report", "slack", "C0PROGRAMME")
    ]
    reply = decode(rows[0].payload)
    assert reply.shared
    words = " ".join(b.text for b in reply.blocks if isinstance(b, Section))
    # The test road map: 12 at risk (36% where 35% is expected, lower is better, within 5%),
    # 13 at risk (85.5 against 86.0), and 20 with no reading.
    assert "published the progress report as of 30 September 2026: of 3 outcomes" in words
    assert "0 on track, 2 at risk, 0 off track, 1 with no data" in words
    [chart] = [c for c in reply.blocks if isinstance(c, Chart)]
    assert chart.filename == "status-by-area.png"
    assert chart.title == "Status by priority area, as of 30 September 2026"  # not a week


async def test_what_is_published_names_no_one(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    """`waymark people forget` rewrites people's ids where they are kept: a snapshot that kept
    them would make a different file after. The report names no one, so the snapshot keeps
    no one: not who submitted or approved a reading, nor who owns or updated an action."""
    await load_roadmap_with_plans(db, tmp_path / "map", now, tz)
    async with db.transaction() as session:
        published = await publish_report(
            session, as_of=date(2026, 9, 30), by="U0ADMIN", now=now, tz=tz, make_pdf=None,
            admins={"U0ADMIN"},
        )  # fmt: skip
    stored = json.dumps(published.record.snapshot)
    assert "Pay care workers the Real Living Wage" in stored  # the actions are there
    assert re.findall(r"U0[A-Z0-9]+", stored) == []
    assert "Pay care workers the Real Living Wage" in published.made.html
