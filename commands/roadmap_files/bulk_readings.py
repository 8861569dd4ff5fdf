"""Readings from a file at the database's speed (`readings import`, and `roadmap import`'s
readings.csv), in memory that does not grow with the file.

One streaming pass checks each row as it is read and stages the good ones in the database
(`storage.repositories.reading_import`). Then the staged rows are read back a few outcomes at a
time and checked against the readings stored and each other, in the file's order, as any figure
is checked (`commands.readings.guards`: a file has no one to ask, so a doubt is a problem
unless the row is marked `confirmed`), and written in batches with their audit rows. Every
problem is reported; nothing is written unless all rows are good (the caller's transaction is
rolled back)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from itertools import groupby
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from commands.domain.periods import Cadence, Period
from commands.domain.targets import Revision, Targets
from commands.errors import UserError
from commands.presentation.replies import plain_mentions
from commands.readings.guards import check_after_baseline, locked_words, unusual_words
from commands.readings.recording import Via, check_plausible
from commands.roadmap_files.reading_history import History, Known, Rater, audit_values
from commands.roadmap_files.rows import (
    CONFIRMED_COLUMN,
    READING_COLUMNS,
    REVISION_COLUMN,
    Problems,
    iter_rows,
    parse_reading,
)
from storage.models import Outcome
from storage.publication_models import PeriodLock, ReadingState
from storage.repositories import (
    STAGED_BATCH,
    LockRepository,
    ReadingImport,
    RoadmapRepository,
    StagedRow,
    StandingRepository,
    TargetRevisionRepository,
)

Progress = Callable[[str, int, int], None]
# An enum's .value costs a Python call: looked up once, not for each row.
_VIA = Via.IMPORT.value
_PROVISIONAL, _APPROVED = ReadingState.PROVISIONAL.value, ReadingState.APPROVED.value
Count = Callable[[str, str], None]  # ("created", "readings")

# Staged rows read back at once: a few outcomes' worth, a few megabytes.
_CHUNK_ROWS = 20_000
_CHUNK_OUTCOMES = 500
# Rows worked out between turns given to the write running beside them: often enough that the
# database is never kept waiting for long, seldom enough to cost nothing.
_TURN_ROWS = 1_000


def no_progress(_what: str, _done: int, _total: int) -> None:
    return None


async def stage_file(
    staging: ReadingImport,
    path: Path,
    cadences: dict[int, Cadence],
    has_ended: Callable[[Period], bool],
    problems: Problems,
    progress: Progress = no_progress,
) -> None:
    """Check each row of `path` as it is read; stage the good ones while no row has a problem
    (after one, the rest are only checked, so that every problem is reported)."""
    total = max(_lines(path) - 1, 0)
    batch: list[tuple[Any, ...]] = []
    # Worked out once a period, not once a row: a million rows name a few hundred periods.
    ended: dict[Period, bool] = {}
    labels: dict[Period, str] = {}

    def ended_once(period: Period) -> bool:
        found = ended.get(period)
        if found is None:
            found = ended[period] = has_ended(period)
        return found

    async with _Behind(staging.writes_beside) as behind:
        for index, raw in enumerate(iter_rows(path, READING_COLUMNS, problems), start=2):
            if index % _TURN_ROWS == 0:
                await behind.turn()
            row = parse_reading(raw, index, cadences, ended_once, problems, path.name)
            if row is None or problems.lines:
                continue
            period = row.period
            label = labels.get(period)
            if label is None:
                label = labels[period] = period.label
            batch.append((
                index, row.outcome, label, period.start, row.value, row.submitted_by,
                row.submitted_at, row.note, row.state, row.approved_by, row.approved_at,
                row.confirmed, row.revision_reason,
            ))  # fmt: skip
            if len(batch) >= STAGED_BATCH:
                await behind.start(staging.stage(batch))
                batch = []
                progress(f"Checking {path.name}", min(index - 1, total), total)
        if not problems.lines:
            await behind.start(staging.stage(batch))
    progress(f"Checking {path.name}", total, total)


class _Behind:
    """A database write left to run while the Python goes on to the next batch, so that the
    database's work on a batch (on PostgreSQL about as long as the Python's) runs beside it,
    not after it. One at a time, as a connection does one thing at a time: starting the next
    waits for the one before, and so does leaving the `async with` (an error included, so that
    nothing is left running on the connection when the transaction is rolled back)."""

    def __init__(self, beside: bool) -> None:
        self.beside = beside  # False: each write is done as it is started
        self._running: asyncio.Future[None] | None = None

    async def start(self, write: Coroutine[Any, Any, None]) -> None:
        try:
            await self.wait()
        except BaseException:
            write.close()  # never to run, as the write before it failed: not left unawaited
            raise
        if self.beside:
            self._running = asyncio.ensure_future(write)
        else:
            await write

    async def wait(self) -> None:
        running, self._running = self._running, None
        if running is not None:
            await running

    async def turn(self) -> None:
        """Let the write take its next step (it moves only while the event loop does)."""
        if self._running is not None:
            await asyncio.sleep(0)

    async def __aenter__(self) -> _Behind:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.wait()


def _lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


@dataclass
class _Writes:
    readings: list[dict[str, Any]] = field(default_factory=list)
    superseded: list[tuple[int, datetime]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class BulkImport:
    """What checking and writing staged rows needs besides the rows."""

    staging: ReadingImport
    problems: Problems
    count: Count
    actor: str
    now: datetime
    tz: tzinfo
    file: str
    progress: Progress = no_progress
    # (row, column, message) of each problem, found an outcome at a time, reported in row order
    found: list[tuple[int, str, str]] = field(default_factory=list)


async def apply_staged(session: AsyncSession, job: BulkImport) -> None:
    """Check the staged rows against what is stored and each other, and write them: a chunk of
    outcomes is worked out while the chunk before it is written (the chunks share no outcome,
    so neither needs the other)."""
    counts = await job.staging.counts()
    if not counts:
        return
    numbers = {number for number, _ in counts}
    outcomes = {o.number: o for o in await RoadmapRepository(session).outcomes(numbers=numbers)}
    revisions: dict[int, list[Revision]] = {}
    for number, r in await TargetRevisionRepository(session).everything():
        if number in numbers:
            revision = Revision(r.at, r.by, r.reason, Targets.from_json(r.before),
                                Targets.from_json(r.after))  # fmt: skip
            revisions.setdefault(number, []).append(revision)
    locks = list(await LockRepository(session).everything())
    stored = await job.staging.with_readings(o.id for o in outcomes.values())
    standing = StandingRepository(session)
    total, done = sum(c for _, c in counts), 0
    ends: dict[Cadence, dict[date, date]] = {}

    async def write(chunk: list[int], writes: _Writes) -> None:
        if not job.found and not job.problems.lines:
            await job.staging.write(writes.readings, writes.superseded, writes.audit)
            await standing.refresh(outcomes[n].id for n in chunk)

    written: list[int] = []  # the chunk worked out last, written while the next one is
    writes = _Writes()
    async with _Behind(job.staging.writes_beside) as behind:
        for chunk, rows_staged in _chunks(counts):
            # Read while the connection is free: the chunk before is written only after.
            staged = await job.staging.staged(chunk, rows_staged)
            known: dict[int, list[Any]] = {}
            looked_up = [outcomes[n].id for n in chunk if outcomes[n].id in stored]
            for row in await job.staging.known(looked_up) if looked_up else ():
                known.setdefault(row.outcome_id, []).append(row)
            await job.staging.reserve_ids(len(staged))
            if written:
                await behind.start(write(written, writes))
            writes = _Writes()
            rows_done = 0
            for number, rows in groupby(staged, key=lambda r: r.outcome):
                outcome = outcomes[number]
                history = History(known.get(outcome.id, []), Rater(outcome, ends))
                earlier = revisions.get(number, [])
                for row in rows:
                    _import_row(job, outcome, history, row, earlier, locks, writes)
                    rows_done += 1
                    if rows_done % _TURN_ROWS == 0:
                        await behind.turn()
            await behind.wait()
            written = chunk
            done += len(staged)
            job.progress(f"Writing {job.file}", done, total)
        if written:
            await write(written, writes)
    for row_no, column, message in sorted(job.found):
        job.problems.add(job.file, row_no, column, message)


def _chunks(counts: list[tuple[int, int]]) -> Iterable[tuple[list[int], int]]:
    """Outcome numbers a few at a time, in order, and the rows staged for them."""
    chunk: list[int] = []
    rows = 0
    for number, count in counts:
        if chunk and (rows + count > _CHUNK_ROWS or len(chunk) >= _CHUNK_OUTCOMES):
            yield chunk, rows
            chunk, rows = [], 0
        chunk.append(number)
        rows += count
    if chunk:
        yield chunk, rows


def _import_row(
    job: BulkImport,
    outcome: Outcome,
    history: History,
    row: StagedRow,
    revisions: list[Revision],
    locks: list[PeriodLock],
    writes: _Writes,
) -> None:
    same_period = history.by_period.get(row.period_start)
    if same_period and any(_same(row, k) for k in same_period):
        job.count("unchanged", "readings")
        return
    problem = _problem(job, outcome, history, row, locks)
    if problem is not None:
        job.found.append((row.row_no, *problem))
        return
    at = row.submitted_at or job.now
    earlier_targets = revisions if at < job.now else []
    status, expected = history.rater.rate(row, at, earlier_targets)
    # Against the targets as they stand (the same rating unless earlier targets rated it).
    path_status = history.rater.rate(row, at, [])[0] if earlier_targets else status
    state, approved_by, approved_at = _approval(row, job.actor, job.now)
    new: dict[str, Any] = {
        "id": job.staging.next_id(), "outcome_id": outcome.id, "period": row.period,
        "period_start": row.period_start, "value": row.value, "submitted_by": row.submitted_by,
        "submitted_at": at, "via": _VIA, "note": row.note.strip(), "source_key": None,
        "is_current": True, "superseded_at": None, "supersedes_id": None, "state": state,
        "approved_by": approved_by, "approved_at": approved_at, "confirmed": row.confirmed,
        "revision_reason": row.revision_reason.strip() or None,
        "status": status.value, "expected": expected, "path_status": path_status.value,
    }  # fmt: skip
    current = history.current.get(row.period_start)
    if current is not None and current.submitted_at > at:
        # An older entry: it joins the history without displacing the newer one.
        new["is_current"], new["superseded_at"] = False, at
        current = None
    elif current is not None:
        current.is_current = False
        new["supersedes_id"] = current.id
        if current.new is not None:
            current.new["is_current"], current.new["superseded_at"] = False, at
        else:
            writes.superseded.append((current.id, at))
    after = audit_values(new)
    history.add(Known(new["id"], row.period, row.period_start, row.value, row.submitted_by, at,
                       new["note"], new["is_current"], after, new))  # fmt: skip
    writes.readings.append(new)
    writes.audit.append({
        "at": job.now, "actor": row.submitted_by,
        "action": "reading.corrected" if current is not None else "reading.recorded",
        "subject": f"outcome:{outcome.number}:{row.period}",
        "before": current.audit if current is not None else None, "after": after,
    })  # fmt: skip
    job.count("created", "readings")


def _problem(
    job: BulkImport, outcome: Outcome, history: History, row: StagedRow, locks: list[PeriodLock]
) -> tuple[str, str] | None:
    """(column, message) of what is wrong with the row, as `guards.check_submission` finds it
    for someone allowed to revise published periods."""
    rater = history.rater
    try:
        check_plausible(row.value, outcome)
    except UserError as error:
        return "value", plain_mentions(str(error))
    if row.period_start <= rater.baseline_start:  # the check only refuses these
        try:
            check_after_baseline(outcome, Period(row.period_start, rater.cadence))
        except UserError as error:
            return "period", plain_mentions(str(error))
    end = rater.end(row.period_start)
    lock = next((lock for lock in locks if lock.covers(end, outcome.id)), None) if locks else None
    if lock is not None and not row.revision_reason.strip():
        period = Period(row.period_start, rater.cadence)
        words = plain_mentions(locked_words(lock, period, job.tz))
        return "period", f"{words} To revise it, give the reason in a {REVISION_COLUMN} column."
    before = history.before(row.period_start)
    unusual = before and unusual_words(row.value, before.value, before.period, outcome)
    if unusual and not row.confirmed:
        return "value", (
            f"{plain_mentions(unusual)} If it is right, write yes in a {CONFIRMED_COLUMN} column."
        )
    return None


def _approval(row: StagedRow, actor: str, now: datetime) -> tuple[str, str | None, datetime | None]:
    """Approved as the row says; a row that does not say is the council's record so far,
    approved by whoever imports it."""
    if row.state == _PROVISIONAL:
        return _PROVISIONAL, None, None
    if row.state == _APPROVED and row.approved_by:
        return _APPROVED, row.approved_by, row.approved_at or now
    return _APPROVED, actor, now


def _same(row: StagedRow, reading: Known) -> bool:
    if (row.value, row.submitted_by, row.note) != (
        reading.value,
        reading.submitted_by,
        reading.note,
    ):
        return False
    # Without a timestamp the row can only mean the period's current value.
    return reading.submitted_at == row.submitted_at if row.submitted_at else reading.is_current
