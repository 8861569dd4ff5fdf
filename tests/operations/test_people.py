"""A person's data: forgetting them leaves their id nowhere and every figure where it was;
exporting gives them every row that is about them or names them. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import JSON, String, Text, cast, select

from commands.errors import UserError
from commands.people.forgetting import forget_person, person_record, pseudonym_for
from storage.db import Database
from storage.models import AuditEntry, Base, Reading
from tests.operations.history import ADMIN, LEAD, LEAVER, LEAVER_NAME, NOW, build_history

KEY = "a-secret-only-this-installation-has"


async def places_holding(db: Database, words: str) -> list[str]:
    """Every text or JSON column, of every table, that holds `words` anywhere."""
    found = []
    async with db.reading() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, String | Text | JSON):
                    continue
                query = select(column).where(cast(column, Text).contains(words, autoescape=True))
                if (await session.execute(query.limit(1))).first() is not None:
                    found.append(f"{table.name}.{column.name}")
    return found


async def readings(db: Database) -> list[tuple[Any, ...]]:
    async with db.reading() as session:
        rows = await session.execute(
            select(
                Reading.id, Reading.outcome_id, Reading.period, Reading.value,
                Reading.submitted_by, Reading.submitted_at, Reading.via, Reading.is_current,
                Reading.supersedes_id,
            ).order_by(Reading.id)
        )  # fmt: skip
        return [tuple(r) for r in rows]


async def forget(db: Database, user_id: str = LEAVER, **given: Any) -> Any:
    options: dict[str, Any] = {
        "by": ADMIN, "reason": f"erasure request from {LEAVER}", "key": KEY, "now": NOW,
    }  # fmt: skip
    async with db.transaction() as session:
        return await forget_person(session, user_id, **{**options, **given})


async def test_after_forgetting_a_person_their_id_is_nowhere_and_every_reading_stays(
    db: Database,
) -> None:
    await build_history(db)
    before = await readings(db)
    assert set(await places_holding(db, LEAVER)) >= {
        "readings.submitted_by", "audit_log.actor", "audit_log.after", "group_leads.user_id",
        "chat_people.user_id", "conversation_refs.user_id", "outbox.payload",
    }  # fmt: skip

    forgotten = await forget(db)

    assert await places_holding(db, LEAVER) == []
    assert await places_holding(db, LEAVER_NAME) == []
    pseudonym = pseudonym_for(LEAVER, KEY)
    assert forgotten.pseudonym == pseudonym
    assert pseudonym.startswith("forgotten-")
    assert len(pseudonym) == len("forgotten-") + 12
    after = await readings(db)
    # Every reading, with its value, period, time and place in the history; only who changed.
    assert [r[:4] + r[5:] for r in after] == [r[:4] + r[5:] for r in before]
    assert [r[4] for r in after] == [pseudonym if r[4] == LEAVER else r[4] for r in before]
    assert pseudonym in [r[4] for r in after]
    assert LEAD in [r[4] for r in after]  # nobody else is touched
    assert forgotten.changed["readings"] == sum(r[4] == LEAVER for r in before)

    async with db.reading() as session:
        erasure = await session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert erasure is not None
    assert (erasure.actor, erasure.action, erasure.subject) == (
        ADMIN, "person.forgotten", f"person:{pseudonym}",
    )  # fmt: skip
    assert erasure.after == {
        "reason": f"erasure request from {pseudonym}",
        "rows_changed": forgotten.changed,
    }

    with pytest.raises(UserError, match=f"waymark holds nothing about {LEAVER}"):
        await forget(db)


async def test_forgetting_is_refused_plainly_when_something_is_missing(db: Database) -> None:
    await build_history(db)
    refusals: dict[str, dict[str, Any]] = {
        "WAYMARK_PSEUDONYM_KEY is not set": {"key": None},
        "Say why, for the audit log": {"reason": "  "},
        "cannot be the person forgotten": {"by": LEAVER},
    }
    for message, given in refusals.items():
        with pytest.raises(UserError, match=message):
            await forget(db, **given)
    with pytest.raises(UserError, match="is not a chat user id"):
        await forget(db, pseudonym_for(LEAD, KEY))
    assert "readings.submitted_by" in await places_holding(db, LEAVER)


async def test_a_person_is_given_every_row_that_is_about_them(db: Database) -> None:
    await build_history(db)
    async with db.reading() as session:
        record = await person_record(session, LEAVER, NOW)
        theirs = await session.scalars(select(Reading.id).where(Reading.submitted_by == LEAVER))
        their_readings = sorted(theirs)
    json.dumps(record)  # it is JSON as it is
    tables = record["tables"]
    assert {"readings", "audit_log", "group_leads", "chat_people", "conversation_refs"} <= set(
        tables
    )
    assert [r["id"] for r in tables["readings"]] == their_readings
    assert tables["chat_people"] == [
        {
            "platform": "slack",
            "user_id": LEAVER,
            "name": LEAVER_NAME,
            "updated_at": NOW.isoformat(),
            "organisation": "Luton Council",
            "from_roadmap": True,
        }
    ]
    # Every row given is about them: it holds their id or their name.
    assert all(
        LEAVER in json.dumps(row) or LEAVER_NAME in json.dumps(row)
        for rows in tables.values()
        for row in rows
    )
    assert record["rows"] == sum(len(rows) for rows in tables.values())

    # Whole ids only: someone whose id begins the same way is someone else.
    async with db.reading() as session:
        assert (await person_record(session, LEAVER[:-1], NOW))["tables"] == {}
