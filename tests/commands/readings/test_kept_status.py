"""The status kept with each outcome and reading is always the one worked out afresh, whatever
sequence of writes came before: readings from chat, corrections, older entries imported, bulk
imports, approvals, and the road map's targets changed (milestones, tolerance, polarity)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from commands.domain.periods import Cadence, Period, parse_period
from commands.domain.status import local_today, path_status, status_of
from commands.readings.approval import approve
from commands.readings.recording import Approval, Via, record_reading
from commands.readings.standing import keep_statuses_once_migrated
from commands.roadmap_files.importing import import_readings, import_roadmap
from storage.db import Database
from storage.models import Outcome, Reading
from storage.repositories import ReadingRepository
from tests.factories import GROUPS, OUTCOMES, READINGS

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
LEAD = "U0CHILDLEAD"
OTHER_LEAD = "U0CHILDLEA2"
ADMIN = "U0ADMIN"
# Outcome number -> (values it takes, steps past the baseline a reading may be for).
FIGURES = {12: ((20.0, 45.0), 2), 13: ((80.0, 95.0), 8), 20: ((85_000.0, 105_000.0), 2)}
# Targets an import may change an outcome to: milestones, tolerance and polarity.
TARGETS = {
    12: ["2025/26:30;2040:10", "2025/26:33;2040:12", "2026/27:28;2040:10"],
    13: ["2026-Q1:89;2040:95", "2026-Q1:87;2040:96"],
    20: ["2030:100000;2040:110000", "2030:98000;2040:115000"],
}
TOLERANCES = ["5%", "2%", "1", "10%"]


async def check_every_status(db: Database) -> None:
    """Kept equals fresh: each outcome's status and latest period, each reading's rating."""
    today = local_today(NOW, LONDON)
    async with db.reading() as session:
        for outcome in (await session.scalars(select(Outcome))).all():
            latest = await ReadingRepository(session).latest(outcome.id)
            fresh = status_of(outcome, latest, today).status
            assert outcome.status == fresh.value, f"outcome {outcome.number}"
            start = latest[0].period_start if latest else None
            assert outcome.latest_period_start == start, f"outcome {outcome.number}"
            for r in await ReadingRepository(session).history(outcome.id):
                rated = path_status(outcome, r.period_start, r.value).value
                assert r.path_status == rated, f"outcome {outcome.number} {r.period}"


def outcomes_csv(chosen: dict[int, tuple[str, str, str]]) -> str:
    """OUTCOMES with each outcome's (polarity, milestones, tolerance) as `chosen`."""
    lines = OUTCOMES.strip().splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        number = int(cells[0])
        if number in chosen:
            cells[5], cells[10], cells[11] = chosen[number]
        out.append(",".join(cells))
    return "\n".join(out) + "\n"


class Writer:
    def __init__(self, db: Database, folder: Path, rng: random.Random) -> None:
        self.db, self.folder, self.rng = db, folder, rng
        self.clock = NOW - timedelta(days=60)
        self.files = 0
        self.targets = {
            12: ("lower_is_better", TARGETS[12][0], "5%"),
            13: ("higher_is_better", TARGETS[13][0], "1"),
            20: ("higher_is_better", TARGETS[20][0], "5%"),
        }

    def tick(self) -> datetime:
        self.clock += timedelta(hours=self.rng.randint(1, 30))
        return self.clock

    def period(self, outcome: Outcome) -> Period:
        period = parse_period(outcome.baseline_period, Cadence(outcome.cadence))
        for _ in range(self.rng.randint(1, FIGURES[outcome.number][1])):
            period = period.next()
        return period

    def value(self, number: int) -> float:
        low, high = FIGURES[number][0]
        return round(self.rng.uniform(low, high), 1)

    async def outcome(self, session: AsyncSession) -> Outcome:
        number = self.rng.choice(list(FIGURES))
        found = await session.scalar(select(Outcome).where(Outcome.number == number))
        assert found is not None
        return found

    async def chat_reading(self) -> None:
        """A reading as chat stores it: a new period or a correction, now or entered earlier
        (an older entry joins the history without displacing the newer one)."""
        now = self.tick()
        older = self.rng.random() < 0.2
        async with self.db.transaction() as session:
            outcome = await self.outcome(session)
            await record_reading(
                session,
                outcome=outcome,
                value=self.value(outcome.number),
                period=self.period(outcome),
                by=self.rng.choice([LEAD, OTHER_LEAD]),
                via=Via.THREAD,
                now=now,
                tz=LONDON,
                note="What is being done about it",  # so that it can be approved
                submitted_at=now - timedelta(days=400) if older else None,
                approval=Approval(ADMIN, now) if self.rng.random() < 0.3 else None,
            )

    async def approval(self) -> None:
        now = self.tick()
        async with self.db.transaction() as session:
            query = select(Reading).where(Reading.state == "provisional", Reading.is_current)
            waiting = (await session.scalars(query)).all()
            if not waiting:
                return
            reading = self.rng.choice(waiting)
            outcome = await session.get(Outcome, reading.outcome_id)
            assert outcome is not None
            await approve(session, outcome, reading, by=ADMIN, admins={ADMIN}, now=now, tz=LONDON)

    def _file(self, name: str) -> Path:
        self.files += 1
        folder = self.folder / f"import-{self.files}"
        folder.mkdir()
        return folder / name

    async def bulk_readings(self) -> None:
        """`waymark readings import` of a few rows, some correcting others."""
        now = self.tick()
        rows = ["outcome,period,value,submitted_by,submitted_at,note,confirmed"]
        async with self.db.reading() as session:
            for _ in range(self.rng.randint(1, 5)):
                outcome = await self.outcome(session)
                at = now - timedelta(days=self.rng.randint(0, 500), hours=self.rng.randint(1, 9))
                rows.append(
                    f"{outcome.number},{self.period(outcome).label},{self.value(outcome.number)},"
                    f"{LEAD},{at.isoformat().replace('+00:00', 'Z')},,yes"
                )
        file = self._file("readings.csv")
        file.write_text("\n".join(rows) + "\n")
        async with self.db.transaction() as session:
            await import_readings(session, file, now=now, tz=LONDON, actor=ADMIN)

    async def new_targets(self) -> None:
        """`waymark roadmap import` with one outcome's milestones, tolerance or polarity changed."""
        number = self.rng.choice(list(FIGURES))
        polarity, milestones, tolerance = self.targets[number]
        match self.rng.choice(["milestones", "tolerance", "polarity"]):
            case "milestones":
                milestones = self.rng.choice(TARGETS[number])
            case "tolerance":
                tolerance = self.rng.choice(TOLERANCES)
            case _:
                polarity = (
                    "higher_is_better" if polarity == "lower_is_better" else "lower_is_better"
                )
        self.targets[number] = (polarity, milestones, tolerance)
        file = self._file("outcomes.csv")
        file.write_text(outcomes_csv(self.targets))
        (file.parent / "groups.csv").write_text(GROUPS)
        async with self.db.transaction() as session:
            await import_roadmap(
                session, file.parent, actor=ADMIN, now=self.tick(), tz=LONDON, reason="revised"
            )


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_kept_statuses_match_fresh_ones_after_any_writes(
    db: Database, tmp_path: Path, seed: int
) -> None:
    folder = tmp_path / "map"
    folder.mkdir()
    (folder / "groups.csv").write_text(GROUPS)
    (folder / "outcomes.csv").write_text(OUTCOMES)
    (folder / "readings.csv").write_text(READINGS)
    async with db.transaction() as session:
        await import_roadmap(
            session, folder, actor="tests", now=NOW - timedelta(days=90), tz=LONDON
        )
    await check_every_status(db)
    rng = random.Random(seed)
    writer = Writer(db, tmp_path, rng)
    steps = (
        [writer.chat_reading] * 5
        + [writer.bulk_readings] * 2
        + [
            writer.new_targets,
            writer.approval,
        ]
    )
    for _ in range(25):
        await rng.choice(steps)()
        await check_every_status(db)


async def test_a_database_from_before_statuses_were_kept_is_filled_in_at_start(
    db: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "map"
    folder.mkdir()
    (folder / "groups.csv").write_text(GROUPS)
    (folder / "outcomes.csv").write_text(OUTCOMES)
    (folder / "readings.csv").write_text(READINGS)
    async with db.transaction() as session:
        await import_roadmap(session, folder, actor="tests", now=NOW, tz=LONDON)
    # As migration 0013 leaves a database: nothing kept yet.
    async with db.transaction() as session:
        for outcome in (await session.scalars(select(Outcome))).all():
            outcome.status, outcome.latest_period_start = None, None
        for reading in (await session.scalars(select(Reading))).all():
            reading.path_status = None

    assert await keep_statuses_once_migrated(db) == 3
    await check_every_status(db)
    assert await keep_statuses_once_migrated(db) == 0
