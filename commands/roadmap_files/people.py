"""people.csv, the road map's people directory: `platform,user_id,name,organisation`.

It names the chat users the road map refers to (group leads, administrators, whoever submitted
a reading), so that history, the card, the digest and the command line show "Helen Marsh"
where the files and the audit log keep `U0HWBLEAD01`. A name given here is kept over the one
the chat platform gives; people it does not list are named by their platform when they first
use waymark (Slack's users.info, the sender of a Teams activity).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from commands.roadmap_files.rows import Problems, _platform, _required
from storage.models import ChatPerson
from storage.repositories import AuditRepository, PeopleRepository

PEOPLE_FILE = "people.csv"
PEOPLE_COLUMNS = ["platform", "user_id", "name", "organisation"]

T = TypeVar("T")


@dataclass(frozen=True)
class PersonRow:
    platform: str
    user_id: str
    name: str
    organisation: str


def parse_people(rows: list[dict[str, str]], problems: Problems) -> list[PersonRow]:
    found: list[PersonRow] = []
    seen: set[tuple[str, str]] = set()
    for index, row in enumerate(rows, start=2):
        person = _parse_person(row, index, problems)
        if person is None:
            continue
        if (person.platform, person.user_id) in seen:
            problems.add(PEOPLE_FILE, index, "user_id", f"'{person.user_id}' appears twice")
            continue
        seen.add((person.platform, person.user_id))
        found.append(person)
    return found


def _parse_person(row: dict[str, str], index: int, problems: Problems) -> PersonRow | None:
    def cell(column: str, parse: Callable[[str], T]) -> T | None:
        return problems.cell(PEOPLE_FILE, index, row, column, parse)

    platform, user_id = cell("platform", _platform), cell("user_id", _required)
    name = cell("name", _required)
    if platform is None or user_id is None or name is None:
        return None
    return PersonRow(platform, user_id, name, row.get("organisation", ""))


async def apply_people(
    session: AsyncSession,
    rows: list[PersonRow],
    count: Callable[[str, str], None],
    *,
    actor: str,
    now: datetime,
) -> None:
    """Put every person in the directory as the file names them; `count(kind, "people")`
    says what became of each."""
    people, audit = PeopleRepository(session), AuditRepository(session)
    for row in rows:
        wanted = {"name": row.name, "organisation": row.organisation}
        person = await people.person(row.platform, row.user_id)
        subject = f"person:{row.platform}:{row.user_id}"
        if person is None:
            people.add(
                ChatPerson(
                    platform=row.platform,
                    user_id=row.user_id,
                    name=row.name,
                    organisation=row.organisation,
                    from_roadmap=True,
                    updated_at=now,
                )
            )
            count("created", "people")
            audit.record(at=now, actor=actor, action="person.imported", subject=subject,
                         after=wanted)  # fmt: skip
            continue
        before = {"name": person.name, "organisation": person.organisation}
        if before == wanted and person.from_roadmap:
            count("unchanged", "people")
            continue
        person.name, person.organisation = row.name, row.organisation
        person.from_roadmap, person.updated_at = True, now
        count("updated", "people")
        audit.record(at=now, actor=actor, action="person.imported", subject=subject,
                     before=before, after=wanted)  # fmt: skip


async def people_rows(session: AsyncSession) -> list[list[str]]:
    """Everyone in the directory, as people.csv writes them."""
    return [
        [p.platform, p.user_id, p.name, p.organisation]
        for p in await PeopleRepository(session).everyone()
    ]
