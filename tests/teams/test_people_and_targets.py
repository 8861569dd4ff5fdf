"""People by name and targets with their history in Teams: a Teams user's id is a long Entra
object id, never shown where waymark knows their name, which every activity they send gives."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from commands.people.directory import names_for
from commands.roadmap_files.importing import import_roadmap
from storage.db import Database
from tests.teams.activities import (
    ADMIN,
    LEAD,
    OUTSIDER,
    Person,
    personal_chat_id,
    personal_message,
)
from tests.teams.harness import TeamsHarness, write_mixed_roadmap


async def _ask(teams: TeamsHarness, text: str, person: Person = OUTSIDER) -> str:
    """What `person` reads in their chat with waymark after asking."""
    before = len(teams.connector.to(personal_chat_id(person)))
    await teams.send(personal_message(teams.service_url, text, person=person))
    return "\n".join(m.words for m in teams.connector.to(personal_chat_id(person))[before:])


async def test_a_teams_users_name_replaces_their_entra_id_once_known(teams: TeamsHarness) -> None:
    # Outcome 13's readings were imported as the lead's: nobody has named them yet, so chat
    # shows the end of their Entra id rather than all 32 characters of it.
    unnamed = await _ask(teams, "outcome 13 history")
    assert "someone not yet named (id …0001)" in unnamed
    assert LEAD.aad not in unnamed
    await teams.send(personal_message(teams.service_url, "outcome 12", person=LEAD))
    history = await _ask(teams, "outcome 13 history")
    assert "Priya Shah" in history
    assert LEAD.aad not in history
    card = await _ask(teams, "outcome 13")
    assert "Latest reading submitted by Priya Shah on" in card
    assert LEAD.aad not in card


async def test_a_name_from_people_csv_is_kept_over_the_one_teams_gives(
    teams: TeamsHarness, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    directory = write_mixed_roadmap(tmp_path / "with-people")
    (directory / "people.csv").write_text(
        f"platform,user_id,name,organisation\nteams,{LEAD.aad},Dr Priya Shah,Luton Council\n"
    )
    async with teams.db.transaction() as session:
        await import_roadmap(session, directory, actor="tests", now=now, tz=tz)
    await teams.send(personal_message(teams.service_url, "outcome 12", person=LEAD))
    assert "Dr Priya Shah" in await _ask(teams, "outcome 13 history")


async def test_names_need_no_lookup_for_someone_never_seen(db: Database) -> None:
    """A reading by someone no platform has named is shown by their id, never an error."""
    async with db.reading() as session:
        names = await names_for(session, ["U0SOMEONE"])
    assert names.of("U0SOMEONE") == "U0SOMEONE"


async def test_targets_and_their_revisions_in_teams(
    teams: TeamsHarness, tmp_path: Path, tz: ZoneInfo
) -> None:
    directory = write_mixed_roadmap(tmp_path / "revised")
    outcomes = directory / "outcomes.csv"
    outcomes.write_text(outcomes.read_text().replace("2025/26:30;2040:10", "2025/26:34;2040:10"))
    revised_at = datetime(2027, 1, 5, 12, 0, tzinfo=UTC)
    async with teams.db.transaction() as session:
        await import_roadmap(
            session, directory, actor=ADMIN.aad, now=revised_at, tz=tz, reason="A slower path"
        )
    await teams.send(personal_message(teams.service_url, "hello", person=ADMIN))
    words = await _ask(teams, "outcome 12 targets")
    assert "Revised on 5 Jan 2027 by Joanne Clarke" in words
    assert "Why: A slower path" in words
    assert ADMIN.aad not in words
    history = await _ask(teams, "outcome 12 history")
    assert "At risk (rated against the targets before 5 Jan 2027)" in history
