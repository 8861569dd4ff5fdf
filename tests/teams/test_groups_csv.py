"""groups.csv's optional `platform` column: where each group's channel is."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from commands.errors import UserError
from commands.roadmap_files.exporting import export_roadmap
from commands.roadmap_files.importing import import_roadmap
from storage.db import Database
from storage.repositories import RoadmapRepository
from tests.factories import GROUPS, write_roadmap
from tests.teams.activities import CHILDREN, LEAD
from tests.teams.harness import write_mixed_roadmap


async def test_a_group_can_meet_in_teams_and_its_leads_are_teams_users(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    directory = write_mixed_roadmap(tmp_path / "in")
    async with db.transaction() as session:
        await import_roadmap(session, directory, actor="tests", now=now, tz=tz)
    async with db.reading() as session:
        groups = {g.slug: g for g in await RoadmapRepository(session).groups()}
    assert (groups["children"].platform, groups["children"].channel_id) == ("teams", CHILDREN)
    assert groups["children"].lead_ids == [LEAD.aad]
    assert groups["economy"].platform == "slack"  # an empty cell means Slack

    async with db.reading() as session:
        await export_roadmap(session, tmp_path / "out")
    exported = (tmp_path / "out" / "groups.csv").read_text().splitlines()
    assert exported[0] == "slug,name,channel,leads,platform"
    assert exported[1].endswith(",teams")
    assert exported[2].endswith(",slack")


async def test_files_without_the_column_round_trip_unchanged(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    directory = write_roadmap(tmp_path / "in")
    async with db.transaction() as session:
        await import_roadmap(session, directory, actor="tests", now=now, tz=tz)
    async with db.reading() as session:
        await export_roadmap(session, tmp_path / "out")
    assert (tmp_path / "out" / "groups.csv").read_text().replace("\r\n", "\n") == GROUPS


async def test_an_unknown_platform_is_named_with_what_to_write(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    directory = write_roadmap(tmp_path / "in")
    (directory / "groups.csv").write_text(
        "slug,name,channel,leads,platform\nchildren,Children's Trust Board,C1,U1,zoom\n"
        "economy,Inclusive Economy Board,C2,U2,\n"
    )
    with pytest.raises(UserError) as raised:
        async with db.transaction() as session:
            await import_roadmap(session, directory, actor="tests", now=now, tz=tz)
    assert (
        "groups.csv, row 2, column platform: 'zoom' is not a chat platform: write slack or "
        "teams, or leave it empty for slack" in str(raised.value)
    )
