"""Teams cannot carry the published PDF: its card opens the PDF from waymark's own server, at
an address only the card gives."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.pdf import weasyprint_pdf
from bot.report_files import report_files_route
from bot.teams import render
from commands.delivery.reply_codec import decode
from commands.reports.publishing import publish_report
from config.targets import Target
from storage.db import Database
from storage.models import OutboxMessage
from tests.factories import load_roadmap

PUBLIC = "https://waymark.luton.example"


async def test_the_teams_card_opens_the_published_pdf_from_waymarks_server(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    make_pdf = weasyprint_pdf()
    if make_pdf is None:
        pytest.skip("the reports extra (WeasyPrint and Pango) is not installed")
    await load_roadmap(db, tmp_path / "map", now, tz)
    async with db.transaction() as session:
        published = await publish_report(
            session, as_of=date(2026, 9, 30), by="U0ADMIN", now=now, tz=tz, make_pdf=make_pdf,
            admins={"U0ADMIN"}, announce_to=Target("teams", "19:programme@thread.tacv2"),
            public_url=PUBLIC,
        )  # fmt: skip
    async with db.reading() as session:
        row = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.key == "report-file:2026-09-30:")
        )
    assert row is not None
    activity = render.message(decode(row.payload), key=row.key)
    content = activity["attachments"][0]["content"]
    [open_it] = [
        action
        for block in content["body"]
        if block["type"] == "ActionSet"
        for action in block["actions"]
    ]
    assert open_it["type"] == "Action.OpenUrl"
    assert open_it["title"] == "Open the report"
    link = re.fullmatch(
        rf"{PUBLIC}/reports/([A-Za-z0-9_-]{{32}})/progress-report-2026-09-30\.pdf", open_it["url"]
    )
    assert link is not None

    app = web.Application()
    report_files_route(app, db)
    async with TestClient(TestServer(app)) as client:
        path = open_it["url"].removeprefix(PUBLIC)
        answer = await client.get(path)
        assert answer.status == 200
        assert await answer.read() == published.made.pdf
        assert answer.headers["Content-Type"] == "application/pdf"
        assert answer.headers["Content-Disposition"] == (
            'inline; filename="progress-report-2026-09-30.pdf"'
        )
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        # A guessed token, or the right token with another name, finds nothing.
        guessed = path.replace(link.group(1), "A" * 32)
        assert (await client.get(guessed)).status == 404
        assert (await client.get(path.replace("2026-09-30.pdf", "2026-10-31.pdf"))).status == 404
