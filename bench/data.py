"""The road map a run measures, generated straight into a migrated schema.

Outcomes have a mix of cadences (`scales.CADENCES`); each has readings over the same years as a
monthly one's `readings_per_outcome`, ending at its period that is due today, so nothing is
overdue while `waymark serve` runs (its scheduler finds nothing to post and stays out of the
measurements). Thread replies go to the monthly outcomes: only a monthly outcome always has a
period that has ended and is not yet due, to give a new reading for. Each outcome has a shared
card in its group's channel (a row in `posts`), so a lead's reply in that thread is a reading,
as in production.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bench.scales import Scale, cadence_of, periods_of
from commands.domain.periods import Cadence, Period, period_containing
from commands.readings.standing import keep_statuses_once_migrated
from storage.db import Database
from storage.models import Area, Group, GroupLead, Outcome, Post, Reading

LAG_DAYS = 30
# Relative and absolute (in percentage points), as road maps write them.
TOLERANCES = ("5%", "2%", "10%", "1.5", "0.5")
CHUNK = 20_000
AREAS = (
    "Child friendly town",
    "Inclusive economy",
    "Net zero",
    "Healthy lives",
    "Proud and safe town",
)


@dataclass(frozen=True)
class Thread:
    """Where an outcome's card was shared, and who may reply to it with a reading."""

    channel_id: str
    ts: str
    leads: tuple[str, ...]


@dataclass(frozen=True)
class Roadmap:
    numbers: tuple[int, ...]
    monthly: tuple[int, ...]  # the outcomes thread replies are for
    threads: dict[int, Thread]
    readings: int
    due: Period  # a monthly outcome's latest period with a reading: the one due today
    free: Period  # the month after it: ended, not yet due, no readings
    # Each outcome's latest generated figure (the period due, for a monthly one).
    latest: dict[int, float] = field(default_factory=dict)
    kept_seconds: float = 0.0  # working out every kept status once generated (the backfill)


class Replies:
    """What the leads of the monthly outcomes reply in their threads, as waymark stores at
    once: each a figure for the outcome's free period, by its first lead, within a quarter of
    its latest reading (waymark questions a figure three times or a third of the period
    before's, and one replacing an approved figure or someone else's; it stores neither until
    the lead says `yes`). An outcome's first reply is a new reading; each later one corrects
    that lead's own provisional figure. The third decimal counts the outcome's replies, so no
    two figures for a period are the same (one equal to the figure it corrects is not stored
    again)."""

    def __init__(self, roadmap: Roadmap, rng: random.Random) -> None:
        self.roadmap = roadmap
        self.rng = rng
        self.given: dict[int, int] = {}  # outcome: replies so far

    def text(self, number: int) -> str:
        """The words of the next reply about `number`."""
        replies = self.given[number] = self.given.get(number, 0) + 1
        near = self.roadmap.latest[number] * self.rng.uniform(0.8, 1.25)
        figure = round(min(max(near, 1.0), 99.0), 1) + replies / 1000
        return f"{figure:.3f} {self.roadmap.free.label}"

    def lead(self, number: int) -> str:
        return self.roadmap.threads[number].leads[0]

    def corrected(self) -> list[int]:
        """The outcomes with a figure for the free period already, which a reply corrects."""
        return list(self.given)


def due_period(today: date, cadence: Cadence = Cadence.MONTHLY) -> Period:
    """The latest period of `cadence` whose reading was due (LAG_DAYS after its end) before
    today."""
    period = period_containing(today, cadence)
    while period.end + timedelta(days=LAG_DAYS) >= today:
        period = period.previous()
    return period


def chunks(rows: Sequence[dict[str, Any]], size: int = CHUNK) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def generate_scale(
    db: Database, scale: Scale, *, today: date, seed: int, readings_csv: Path | None = None
) -> Roadmap:
    """`generate` at one of the bench's scales."""
    return await generate(
        db, outcomes=scale.outcomes, readings_per_outcome=scale.readings_per_outcome,
        groups=scale.groups, today=today, seed=seed, readings_csv=readings_csv,
    )  # fmt: skip


async def generate(
    db: Database,
    *,
    outcomes: int,
    readings_per_outcome: int,
    groups: int,
    today: date,
    seed: int,
    readings_csv: Path | None = None,
) -> Roadmap:
    """The road map in `db`; its readings too, or instead written to `readings_csv` (as
    `waymark readings export` writes them) for an import to load."""
    rng = random.Random(seed)
    due = due_period(today)
    firsts = {}
    for cadence in set(map(cadence_of, range(1, outcomes + 1))):
        first = due_period(today, cadence)
        for _ in range(periods_of(cadence, readings_per_outcome) - 1):
            first = first.previous()
        firsts[cadence] = first
    now = datetime.combine(today, time(8, 0), tzinfo=UTC)
    per_group = max(1, -(-outcomes // groups))

    group_rows = []
    lead_rows = []
    for g in range(1, groups + 1):
        group_rows.append(
            {
                "id": g,
                "slug": f"group-{g:03d}",
                "name": f"Partnership group {g}",
                "platform": "slack",
                "channel_id": f"C0BENCH{g:04d}",
            }
        )
        for position, suffix in enumerate("AB"):
            lead_rows.append(
                {"group_id": g, "user_id": f"U0LEAD{g:04d}{suffix}", "position": position}
            )
    leads = {g["id"]: (f"U0LEAD{g['id']:04d}A", f"U0LEAD{g['id']:04d}B") for g in group_rows}

    outcome_rows = []
    reading_rows = []
    post_rows = []
    threads: dict[int, Thread] = {}
    latest: dict[int, float] = {}
    for n in range(1, outcomes + 1):
        group = (n - 1) // per_group + 1
        cadence = cadence_of(n)
        first = firsts[cadence]
        higher = n % 2 == 0
        # Varied, so that statuses vary: baselines, how far the path goes, tolerances.
        start = rng.uniform(30, 60)
        change = rng.uniform(0.1, 0.5)
        outcome_rows.append(
            {
                "id": n,
                "number": n,
                "title": f"Outcome {n} of the road map to 2040",
                "area_id": (n - 1) % len(AREAS) + 1,
                "measure": f"Measure {n}",
                "unit": "%",
                "polarity": "higher_is_better" if higher else "lower_is_better",
                "cadence": cadence.value,
                "lag_days": LAG_DAYS,
                "baseline_period": first.previous().label,
                "baseline_value": round(start, 1),
                "milestones": [
                    ["2030", round(start * (1 + change / 2 if higher else 1 - change / 2), 1)],
                    ["2040", round(start * (1 + change if higher else 1 - change), 1)],
                ],
                "tolerance": rng.choice(TOLERANCES),
                "source": "bench",
                "owner_id": group,
                # Not kept yet: `keep_every_status` rates its readings once they are in.
                "status": None,
            }
        )
        value = start
        period = first
        for _ in range(periods_of(cadence, readings_per_outcome)):
            value = min(99.0, max(1.0, value + rng.uniform(-1.5, 1.5)))
            submitted = datetime.combine(
                period.end + timedelta(days=rng.randint(1, LAG_DAYS)), time(10, 0), tzinfo=UTC
            )
            reading_rows.append(
                {
                    "outcome_id": n,
                    "period": period.label,
                    "period_start": period.start,
                    "value": round(value, 1),
                    "submitted_by": leads[group][0],
                    "submitted_at": submitted,
                    "via": "import",
                    "note": "",
                    "source_key": None,
                    "is_current": True,
                    "superseded_at": None,
                    "supersedes_id": None,
                    # The council's record so far (a few would be waiting for approval).
                    "state": "approved",
                }
            )
            period = period.next()
        latest[n] = round(value, 1)
        ts = f"1760000000.{n:06d}"
        channel = str(group_rows[group - 1]["channel_id"])
        post_rows.append(
            {
                "platform": "slack",
                "channel_id": channel,
                "message_id": ts,
                "kind": "card",
                "outcomes": [n],
                "group_id": group,
                "posted_at": now,
            }
        )
        threads[n] = Thread(channel, ts, leads[group])

    async with db.engine.begin() as conn:
        await conn.execute(
            insert(Area),
            [{"id": i, "slug": _slug(name), "name": name, "position": i}
             for i, name in enumerate(AREAS, start=1)],
        )  # fmt: skip
        await conn.execute(insert(Group), group_rows)
        await conn.execute(insert(GroupLead), lead_rows)
        for rows in chunks(outcome_rows):
            await conn.execute(insert(Outcome), rows)
        for rows in chunks(post_rows):
            await conn.execute(insert(Post), rows)
        for rows in chunks(reading_rows if readings_csv is None else []):
            await conn.execute(insert(Reading), rows)
        if db.is_postgresql:
            await _advance_sequences(conn)
    # What `waymark serve` would do at start (the backfill of migration 0013), timed apart.
    began = perf_counter()
    await keep_statuses_once_migrated(db)
    kept = perf_counter() - began
    if db.is_postgresql:
        # What autovacuum does soon after a load this size; a long-running server has stats.
        async with db.engine.connect() as conn:
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql("VACUUM ANALYZE")
    if readings_csv is not None:
        _write_csv(readings_csv, reading_rows, leads)
    return Roadmap(
        numbers=tuple(range(1, outcomes + 1)),
        monthly=tuple(n for n in range(1, outcomes + 1) if cadence_of(n) == Cadence.MONTHLY),
        threads=threads,
        readings=len(reading_rows),
        due=due,
        free=due.next(),
        latest=latest,
        kept_seconds=kept,
    )


async def _advance_sequences(conn: AsyncConnection) -> None:
    """Rows were given their ids: move each sequence past them, as inserts would have."""
    for table in ("areas", "groups", "outcomes"):
        await conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        )


def _write_csv(
    path: Path, rows: Sequence[dict[str, Any]], leads: dict[Any, tuple[str, str]]
) -> None:
    """Readings as readings.csv, approved by the other lead of the submitter's group."""
    other = dict(leads.values())
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow([*READINGS_HEADER])
        for r in rows:
            by = r["submitted_by"]
            at = r["submitted_at"]
            out.writerow([r["outcome_id"], r["period"], r["value"], by, at.isoformat(), "",
                          "approved", other[by], (at + timedelta(days=1)).isoformat()])  # fmt: skip


READINGS_HEADER = (
    "outcome", "period", "value", "submitted_by", "submitted_at", "note", "state",
    "approved_by", "approved_at",
)  # fmt: skip


def _slug(name: str) -> str:
    return "-".join(name.lower().split())
