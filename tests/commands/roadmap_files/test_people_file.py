"""people.csv, the road map's people directory, in the same checked round trip as the rest."""

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from commands.errors import UserError
from commands.people.directory import names_for
from commands.roadmap_files.exporting import export_roadmap
from commands.roadmap_files.importing import import_roadmap
from storage.db import Database
from storage.repositories import AuditRepository, PeopleRepository, RoadmapRepository
from tests.factories import write_roadmap

PEOPLE = """platform,user_id,name,organisation
slack,U0CHILDLEAD,Priya Shah,Luton Council
slack,U0ECONLEAD1,Tom Reed,
teams,aad-sam,Sam Okafor,"NHS Bedfordshire, Luton and Milton Keynes"
"""


async def _import(db: Database, directory: Path, now: datetime, tz: ZoneInfo) -> str:
    async with db.transaction() as session:
        report = await import_roadmap(session, directory, actor="tests", now=now, tz=tz)
    return report.summary()


async def test_people_round_trip_byte_for_byte(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    directory = write_roadmap(tmp_path / "map")
    (directory / "people.csv").write_text(PEOPLE)
    assert "3 people" in await _import(db, directory, now, tz)
    async with db.reading() as session:
        await export_roadmap(session, tmp_path / "out")
        names = await names_for(session, ["U0CHILDLEAD", "aad-sam", "U0NOBODY"])
        audit = await AuditRepository(session).for_subject("person:slack:U0CHILDLEAD")
    assert (tmp_path / "out" / "people.csv").read_text() == PEOPLE
    assert [names.of(u) for u in ("U0CHILDLEAD", "aad-sam", "U0NOBODY")] == [
        "Priya Shah",
        "Sam Okafor",
        "U0NOBODY",
    ]
    assert [a.action for a in audit] == ["person.imported"]
    assert "unchanged 2 groups, 3 outcomes, 3 people" in await _import(
        db, tmp_path / "out", now, tz
    )


async def test_every_bad_person_row_is_reported_and_nothing_is_imported(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    directory = write_roadmap(tmp_path / "map")
    (directory / "people.csv").write_text(
        "platform,user_id,name,organisation\n"
        "slack,U1,Ann,\n"
        "skype,U2,Bob,\n"
        "slack,,Cat,\n"
        "slack,U1,Ann again,\n"
        "slack,U4,,\n"
    )
    with pytest.raises(UserError) as raised:
        await _import(db, directory, now, tz)
    message = str(raised.value)
    for line in [
        "Nothing was imported: 4 problems to fix.",
        "people.csv, row 3, column platform: 'skype' is not a chat platform",
        "people.csv, row 4, column user_id: is empty",
        "people.csv, row 5, column user_id: 'U1' appears twice",
        "people.csv, row 6, column name: is empty",
    ]:
        assert line in message, line
    async with db.reading() as session:
        assert await RoadmapRepository(session).is_empty()
        assert await PeopleRepository(session).everyone() == []


async def test_a_name_from_the_road_map_is_kept_over_the_chat_platforms(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    async with db.transaction() as session:
        await PeopleRepository(session).remember("slack", "U0CHILDLEAD", "priya.s", now)
        await PeopleRepository(session).remember("slack", "U0ECONLEAD1", "tom", now)
    directory = write_roadmap(tmp_path / "map")
    (directory / "people.csv").write_text(PEOPLE)
    await _import(db, directory, now, tz)
    later = now + timedelta(days=1)
    async with db.transaction() as session:
        await PeopleRepository(session).remember("slack", "U0CHILDLEAD", "P Shah", later)
        await PeopleRepository(session).remember("slack", "U0NEWLEAD1", "Ada Lovelace", later)
    async with db.reading() as session:
        names = await names_for(session, ["U0CHILDLEAD", "U0ECONLEAD1", "U0NEWLEAD1"])
    assert names.known == {
        "U0CHILDLEAD": "Priya Shah",
        "U0ECONLEAD1": "Tom Reed",
        "U0NEWLEAD1": "Ada Lovelace",
    }
