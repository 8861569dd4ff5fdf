"""Repositories: the queries waymark needs, by intent. They never commit; the unit of work does."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    case,
    false,
    func,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.sql.dml import Update

from storage.models import (
    Area,
    AuditEntry,
    ChatPerson,
    ConversationRef,
    DigestRun,
    EventReceipt,
    Group,
    GroupLead,
    OutboxMessage,
    Outcome,
    Post,
    Reading,
    Reminder,
    SentCard,
    UnreachableChannel,
)


@dataclass(frozen=True, slots=True)
class AreaRow:
    name: str


@dataclass(frozen=True, slots=True)
class OwnerRow:
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    """An outcome's columns as plain values, for work over the whole road map: a fraction of
    the time and memory of an ORM `Outcome` (no identity map, no change tracking)."""

    id: int
    number: int
    title: str
    measure: str
    unit: str
    polarity: str
    cadence: str
    tolerance: str
    lag_days: int
    baseline_period: str
    baseline_value: float
    milestones: list[Any]
    paused_reason: str | None
    snoozed_until: date | None
    area: AreaRow
    owner: OwnerRow | None


@dataclass(frozen=True, slots=True)
class ReadingRow:
    """A reading's columns as plain values."""

    id: int
    outcome_id: int
    period: str
    period_start: date
    value: float
    submitted_by: str
    submitted_at: datetime
    via: str
    note: str
    superseded_at: datetime | None
    supersedes_id: int | None


_OUTCOME_COLUMNS = (
    Outcome.id,
    Outcome.number,
    Outcome.title,
    Outcome.measure,
    Outcome.unit,
    Outcome.polarity,
    Outcome.cadence,
    Outcome.tolerance,
    Outcome.lag_days,
    Outcome.baseline_period,
    Outcome.baseline_value,
    Outcome.milestones,
    Outcome.paused_reason,
    Outcome.snoozed_until,
    Area.name.label("area_name"),
    Group.slug.label("owner_slug"),
    Group.name.label("owner_name"),
)

_READING_COLUMNS = (
    Reading.id,
    Reading.outcome_id,
    Reading.period,
    Reading.period_start,
    Reading.value,
    Reading.submitted_by,
    Reading.submitted_at,
    Reading.via,
    Reading.note,
    Reading.superseded_at,
    Reading.supersedes_id,
)


def _reading_rows(rows: Iterable[Any]) -> list[ReadingRow]:
    # Positional, in `_READING_COLUMNS` order: a row of thousands is built per query.
    return [ReadingRow(*row) for row in rows]


def _newest_id(
    outcome_id: Any, n: int, conditions: Callable[[Any], Sequence[Any]] = lambda _: ()
) -> Any:
    """The id of the outcome's (n+1)th newest current reading meeting `conditions(reading)`:
    one walk down `ix_readings_latest` from its newest period. (`= true`, not `IS true`:
    PostgreSQL uses an index only for the former.)"""
    newer = aliased(Reading)
    return (
        select(newer.id)
        .where(newer.outcome_id == outcome_id, newer.is_current == true(), *conditions(newer))
        .order_by(newer.period_start.desc())
        .limit(1)
        .offset(n)
        .scalar_subquery()
    )


def _latest_two(columns: Sequence[Any], ids: list[int] | None) -> Any:
    """`columns` of the latest and the previous current reading of each outcome (of all, or of
    `ids`), as a subquery. Each reading is joined by the id its walk found, so the database
    fetches 2 rows per outcome by primary key (joined to a list of ids instead, PostgreSQL
    merges it with all the readings)."""

    def nth(n: int) -> Any:
        query = (
            select(*columns)
            .select_from(Outcome)
            .join(Reading, Reading.id == _newest_id(Outcome.id, n))
        )
        return query if ids is None else query.where(Outcome.id.in_(ids))

    return union_all(nth(0), nth(1)).subquery()


# Statements every thread reply runs, built once: building a query's expression costs more
# than the compiled-statement cache saves, and a reply runs several.
_OUTCOME_BY_NUMBER = (
    select(Outcome)
    .where(Outcome.number == bindparam("number"))
    .options(joinedload(Outcome.owner).joinedload(Group.leads))
)


class RoadmapRepository:
    """Priority areas, partnership groups and outcomes."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def areas(self) -> Sequence[Area]:
        return (await self.session.scalars(select(Area).order_by(Area.position))).all()

    async def groups(self) -> Sequence[Group]:
        return (await self.session.scalars(select(Group).order_by(Group.slug))).all()

    async def group(self, slug: str) -> Group | None:
        return await self.session.scalar(select(Group).where(Group.slug == slug))

    async def groups_led_by(self, user_id: str) -> Sequence[Group]:
        query = (
            select(Group)
            .join(GroupLead, GroupLead.group_id == Group.id)
            .where(GroupLead.user_id == user_id)
            .order_by(Group.slug)
        )
        return (await self.session.scalars(query)).all()

    async def outcome(self, number: int) -> Outcome | None:
        """One outcome with its area, owner and the owner's leads, in one query."""
        found = await self.session.scalars(_OUTCOME_BY_NUMBER, {"number": number})
        return found.unique().one_or_none()

    async def outcomes(
        self,
        *,
        area_id: int | None = None,
        owner_ids: Iterable[int] | None = None,
        numbers: Iterable[int] | None = None,
    ) -> Sequence[Outcome]:
        """Outcomes in road-map order, with their area and owner loaded in the same query."""
        query = select(Outcome).join(Outcome.area).order_by(Area.position, Outcome.number)
        if area_id is not None:
            query = query.where(Outcome.area_id == area_id)
        if owner_ids is not None:
            query = query.where(Outcome.owner_id.in_(list(owner_ids)))
        if numbers is not None:
            query = query.where(Outcome.number.in_(list(numbers)))
        return (await self.session.scalars(query)).unique().all()

    async def outcome_rows(
        self,
        *,
        area_id: int | None = None,
        owner_ids: Iterable[int] | None = None,
        numbers: Iterable[int] | None = None,
    ) -> list[OutcomeRow]:
        """Like `outcomes()`, as plain rows: for listing and counting the whole road map."""
        query = (
            select(*_OUTCOME_COLUMNS)
            .join(Area, Area.id == Outcome.area_id)
            .outerjoin(Group, Group.id == Outcome.owner_id)
            .order_by(Area.position, Outcome.number)
        )
        if area_id is not None:
            query = query.where(Outcome.area_id == area_id)
        if owner_ids is not None:
            query = query.where(Outcome.owner_id.in_(list(owner_ids)))
        if numbers is not None:
            query = query.where(Outcome.number.in_(list(numbers)))
        areas: dict[str, AreaRow] = {}
        owners: dict[tuple[str, str], OwnerRow] = {}
        found = []
        for r in await self.session.execute(query):
            owner = None
            if r.owner_slug is not None:
                key = (r.owner_slug, r.owner_name)
                owner = owners.get(key) or owners.setdefault(key, OwnerRow(*key))
            area = areas.get(r.area_name) or areas.setdefault(r.area_name, AreaRow(r.area_name))
            found.append(
                OutcomeRow(
                    id=r.id,
                    number=r.number,
                    title=r.title,
                    measure=r.measure,
                    unit=r.unit,
                    polarity=r.polarity,
                    cadence=r.cadence,
                    tolerance=r.tolerance,
                    lag_days=r.lag_days,
                    baseline_period=r.baseline_period,
                    baseline_value=r.baseline_value,
                    milestones=r.milestones,
                    paused_reason=r.paused_reason,
                    snoozed_until=r.snoozed_until,
                    area=area,
                    owner=owner,
                )
            )
        return found

    async def outcome_number_range(self) -> tuple[int, int] | None:
        low, high = (
            await self.session.execute(select(func.min(Outcome.number), func.max(Outcome.number)))
        ).one()
        return None if low is None else (int(low), int(high))

    async def is_empty(self) -> bool:
        return await self.session.scalar(select(func.count()).select_from(Outcome)) == 0

    def add(self, row: Area | Group | Outcome) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()


# The newest current readings `ReadingRepository.around` gives: one more than a status shows,
# so that the latest two are still known after one of them is superseded.
AROUND_NEWEST = 3


@dataclass(frozen=True)
class ReadingsAround:
    """The readings that storing one reading of an outcome and period looks at."""

    same_source: Reading | None  # already stored from the same message or request
    current: Reading | None  # the period's current reading
    newest: list[Reading]  # the outcome's newest current readings, newest first


def _readings_around() -> Any:
    newest = (
        select(Reading.id)
        .where(Reading.outcome_id == bindparam("outcome_id"), Reading.is_current == true())
        .order_by(Reading.period_start.desc())
        .limit(AROUND_NEWEST)
        .subquery()
    )
    ids = union_all(
        select(Reading.id).where(Reading.source_key == bindparam("source_key")),
        select(Reading.id).where(
            Reading.outcome_id == bindparam("outcome_id"),
            Reading.period_start == bindparam("period_start"),
            Reading.is_current == true(),
        ),
        select(newest.c.id),
    )
    return select(Reading).where(Reading.id.in_(ids))


_AROUND = _readings_around()


class ReadingRepository:
    """Every reading ever recorded; the current one per (outcome, period) is `is_current`."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def latest(self, outcome_id: int, count: int = 2) -> Sequence[Reading]:
        """The newest current readings of one outcome, newest first (one index range scan)."""
        query = (
            select(Reading)
            .where(Reading.outcome_id == outcome_id, Reading.is_current == true())
            .order_by(Reading.period_start.desc())
            .limit(count)
        )
        return (await self.session.scalars(query)).all()

    async def latest_for_all(
        self, outcome_ids: Iterable[int] | None = None
    ) -> dict[int, list[Reading]]:
        """The latest and previous current readings of every outcome, in one query.

        Each is found by its own walk down `ix_readings_latest` from the outcome's newest
        period, so the cost grows with the number of outcomes, not of readings. (`= true`, not
        `IS true`: PostgreSQL uses an index only for the former.)"""
        picked = aliased(
            Reading, _latest_two([Reading], None if outcome_ids is None else list(outcome_ids))
        )
        query = select(picked).order_by(picked.outcome_id, picked.period_start.desc())
        found: dict[int, list[Reading]] = {}
        for reading in await self.session.scalars(query):
            found.setdefault(reading.outcome_id, []).append(reading)
        return found

    async def latest_rows(
        self, outcome_ids: Iterable[int] | None = None
    ) -> dict[int, list[ReadingRow]]:
        """`latest_for_all()` as plain rows: the latest and previous current readings of every
        outcome (or of those given), newest first, in one query."""
        picked = _latest_two(_READING_COLUMNS, None if outcome_ids is None else list(outcome_ids))
        query = select(*picked.c).order_by(picked.c.outcome_id, picked.c.period_start.desc())
        found: dict[int, list[ReadingRow]] = {}
        for reading in _reading_rows(await self.session.execute(query)):
            found.setdefault(reading.outcome_id, []).append(reading)
        return found

    async def around(
        self, outcome_id: int, period_start: date, source_key: str | None
    ) -> ReadingsAround:
        """What storing a reading of this outcome and period needs, in one query: the reading
        already stored from `source_key`, the period's current reading, and the outcome's
        newest current readings."""
        found = await self.session.scalars(
            _AROUND,
            {"outcome_id": outcome_id, "period_start": period_start, "source_key": source_key},
        )
        same_source: Reading | None = None
        current: Reading | None = None
        newest: dict[int, Reading] = {}
        for reading in found:
            if source_key is not None and reading.source_key == source_key:
                same_source = reading
            if reading.outcome_id != outcome_id or not reading.is_current:
                continue
            if reading.period_start == period_start:
                current = reading
            newest[reading.id] = reading
        ordered = sorted(newest.values(), key=lambda r: r.period_start, reverse=True)
        return ReadingsAround(same_source, current, ordered[:AROUND_NEWEST])

    async def history(self, outcome_id: int) -> Sequence[Reading]:
        """Every reading of one outcome, superseded ones included, in period then entry order."""
        query = (
            select(Reading)
            .where(Reading.outcome_id == outcome_id)
            .order_by(Reading.period_start, Reading.submitted_at, Reading.id)
        )
        return (await self.session.scalars(query)).all()

    async def everything(self) -> Sequence[tuple[int, Reading]]:
        """(outcome number, reading) for every reading, for export."""
        query = (
            select(Outcome.number, Reading)
            .join(Outcome, Outcome.id == Reading.outcome_id)
            .order_by(Outcome.number, Reading.period_start, Reading.submitted_at, Reading.id)
        )
        return [(number, reading) for number, reading in (await self.session.execute(query))]

    async def submitted_between(self, start: datetime, end: datetime) -> Sequence[Reading]:
        query = (
            select(Reading)
            .where(Reading.submitted_at >= start, Reading.submitted_at < end)
            .order_by(Reading.submitted_at, Reading.id)
        )
        return (await self.session.scalars(query)).all()

    async def superseded_of(self, reading_ids: Iterable[int]) -> dict[int, Reading]:
        """For each given reading that corrected another, the reading it replaced."""
        older = aliased(Reading)
        query = (
            select(Reading.id, older)
            .join(older, older.id == Reading.supersedes_id)
            .where(Reading.id.in_(list(reading_ids)))
        )
        return dict((await self.session.execute(query)).tuples().all())

    def add(self, reading: Reading) -> None:
        self.session.add(reading)

    async def flush(self) -> None:
        await self.session.flush()


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def record(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        subject: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self.session.add(
            AuditEntry(
                at=at, actor=actor, action=action, subject=subject, before=before, after=after
            )
        )

    async def for_subject(self, subject: str) -> Sequence[AuditEntry]:
        query = select(AuditEntry).where(AuditEntry.subject == subject).order_by(AuditEntry.id)
        return (await self.session.scalars(query)).all()

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


class PostRepository:
    """Messages waymark posted about outcomes, so that replies in their threads can be read."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self,
        *,
        platform: str,
        channel_id: str,
        message_id: str,
        kind: str,
        outcomes: Sequence[int],
        posted_at: datetime,
        group_id: int | None = None,
    ) -> Post:
        existing = await self.find(platform, channel_id, message_id)
        if existing is not None:
            return existing
        post = Post(
            platform=platform,
            channel_id=channel_id,
            message_id=message_id,
            kind=kind,
            outcomes=list(outcomes),
            group_id=group_id,
            posted_at=posted_at,
        )
        self.session.add(post)
        await self.session.flush()
        return post

    async def find(self, platform: str, channel_id: str, message_id: str) -> Post | None:
        return await self.session.scalar(
            _POST_BY_MESSAGE,
            {"platform": platform, "channel_id": channel_id, "message_id": message_id},
        )


_POST_BY_MESSAGE = select(Post).where(
    Post.platform == bindparam("platform"),
    Post.channel_id == bindparam("channel_id"),
    Post.message_id == bindparam("message_id"),
)


class ReceiptRepository:
    """Inbound events already handled, so that a retried delivery is recognised."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def first_time(self, event_id: str, platform: str, at: datetime) -> bool:
        """Record the event; False if it was already recorded (by this or another replica).
        One statement: the insert that finds the event there already inserts nothing."""
        statement = _RECEIPTS[self.session.get_bind().dialect.name]
        values = {"event_id": event_id, "platform": platform, "received_at": at}
        return await self.session.scalar(statement, values) is not None


def _receipt_insert(insert: Any) -> Any:
    return (
        insert(EventReceipt)
        .values(
            event_id=bindparam("event_id"),
            platform=bindparam("platform"),
            received_at=bindparam("received_at"),
        )
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(EventReceipt.event_id)
    )


_RECEIPTS = {
    "postgresql": _receipt_insert(postgresql.insert),
    "sqlite": _receipt_insert(sqlite.insert),
}


# Any number below 2**63 that no other part of waymark uses for an advisory lock.
_PLANNING_LOCK = 7305127


def _insert_or_ignore(session: AsyncSession, model: Any) -> Any:
    """INSERT … ON CONFLICT DO NOTHING for the session's database; with RETURNING, only the
    rows this transaction inserted come back, so two replicas never both think they did."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model)


class OutboxRepository:
    """Messages to post, each claimed by one sender at a time and marked once it is posted."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_planning(self) -> None:
        """Let one replica plan at a time, so that a run's reminders for a group arrive as one
        message. Only an efficiency: the unique keys stop duplicates without it. The lock ends
        with the transaction (safe behind a transaction-pooling proxy). SQLite needs nothing:
        a writing transaction already holds its write lock from BEGIN."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PLANNING_LOCK}
            )

    async def add(
        self,
        *,
        key: str,
        kind: str,
        platform: str,
        channel_id: str,
        summary: str,
        payload: dict[str, Any],
        not_before: datetime,
        created_at: datetime,
        group_id: int | None = None,
        thread_id: str | None = None,
    ) -> OutboxMessage | None:
        """The new row, or None when a row with this key already exists."""
        statement = (
            _insert_or_ignore(self.session, OutboxMessage)
            .values(
                key=key,
                kind=kind,
                platform=platform,
                channel_id=channel_id,
                thread_id=thread_id,
                group_id=group_id,
                summary=summary,
                payload=payload,
                state="pending",
                not_before=not_before,
                attempts=0,
                created_at=created_at,
            )
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(OutboxMessage.id)
        )
        new_id = await self.session.scalar(statement)
        if new_id is None:
            return None
        return await self.session.get(OutboxMessage, new_id)

    async def claim(
        self,
        *,
        now: datetime,
        lease: timedelta,
        token: str,
        limit: int,
        kinds: Sequence[str] | None = None,
        except_kinds: Sequence[str] = (),
    ) -> Sequence[OutboxMessage]:
        """Take up to `limit` rows that are due, or whose sender's lease ran out, for this
        sender (`token`) until `now + lease`. Rows another sender is claiming are skipped."""
        due = or_(
            (OutboxMessage.state == "pending") & (OutboxMessage.not_before <= now),
            (OutboxMessage.state == "sending") & (OutboxMessage.lease_until <= now),
        )
        candidates = select(OutboxMessage.id).where(due)
        if kinds is not None:
            candidates = candidates.where(OutboxMessage.kind.in_(list(kinds)))
        if except_kinds:
            candidates = candidates.where(OutboxMessage.kind.not_in(list(except_kinds)))
        candidates = (
            candidates.order_by(OutboxMessage.not_before, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        statement = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(candidates.scalar_subquery()))
            .values(
                # SET sees the row as it was (SQLite and PostgreSQL; not MySQL, which waymark
                # does not support): a row still `sending` whose sender had begun to post may
                # have been posted, so this sender looks for it first.
                look_first=and_(OutboxMessage.state == "sending", OutboxMessage.posting),
                state="sending",
                attempts=OutboxMessage.attempts + 1,
                claim_token=token,
                lease_until=now + lease,
                first_attempt_at=func.coalesce(OutboxMessage.first_attempt_at, now),
            )
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False)
        )
        claimed = (await self.session.scalars(statement)).all()
        return sorted(claimed, key=lambda row: (row.not_before, row.id))

    async def start_posting(self, row_id: int, token: str, lease_until: datetime) -> bool:
        """Record, before posting, that this row may be posted from now on, and hold it until
        `lease_until`. False when this sender's claim was lost: another sender has it."""
        return await self._update_claimed(row_id, token, posting=True, lease_until=lease_until)

    async def mark_sent(self, row_id: int, token: str, message_id: str, at: datetime) -> bool:
        """False when this sender's claim was lost (its lease ran out and another took over)."""
        return await self._update_claimed(
            row_id,
            token,
            state="sent",
            message_id=message_id,
            sent_at=at,
            lease_until=None,
            last_error=None,
        )

    async def retry_later(self, row_id: int, token: str, at: datetime, error: str) -> bool:
        """Slack refused it, so it was not posted: try again from `at`."""
        return await self._update_claimed(
            row_id,
            token,
            state="pending",
            posting=False,
            not_before=at,
            lease_until=None,
            last_error=error,
        )

    async def check_later(self, row_id: int, token: str, at: datetime, error: str) -> bool:
        """It may have been posted: stay claimed until `at`, then look before posting again."""
        return await self._update_claimed(
            row_id, token, state="sending", lease_until=at, last_error=error
        )

    async def give_up(self, row_id: int, token: str, error: str) -> bool:
        """Refused every time: not posted, left for an operator to retry."""
        return await self._update_claimed(
            row_id, token, state="failed", lease_until=None, last_error=error
        )

    async def park(self, row_id: int, token: str, error: str) -> str | None:
        """Leave the row for an operator; returns its state then (None: the claim was lost).
        `unconfirmed` when posting it had begun, so that it may have been posted and waymark
        cannot find out: an operator looks in the channel, then retries it or marks it posted,
        as posting again blindly might post twice. `failed` when it never was."""
        state: str | None = await self.session.scalar(
            self._claimed(row_id, token)
            .values(
                state=case((OutboxMessage.posting, "unconfirmed"), else_="failed"),
                lease_until=None,
                last_error=error,
            )
            .returning(OutboxMessage.state)
        )
        return state

    async def _update_claimed(self, row_id: int, token: str, **values: Any) -> bool:
        statement = self._claimed(row_id, token).values(**values).returning(OutboxMessage.id)
        return await self.session.scalar(statement) is not None

    @staticmethod
    def _claimed(row_id: int, token: str) -> Update:
        """An update of the row while this sender (`token`) still holds its claim."""
        return (
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.claim_token == token)
            .where(OutboxMessage.state == "sending")
            .execution_options(synchronize_session=False)
        )

    async def requeue(self, row_id: int, now: datetime) -> OutboxMessage | None:
        """Put a failed or unconfirmed row back in the queue: an operator fixed the cause, or
        looked in the channel and did not find it. It is posted without looking again."""
        row = await self.session.get(OutboxMessage, row_id)
        if row is None or row.state not in ("failed", "unconfirmed"):
            return row
        row.state, row.not_before, row.claim_token = "pending", now, None
        # A fresh start: its full share of tries, and no earlier attempt to look for.
        row.attempts, row.first_attempt_at, row.posting = 0, None, False
        await self.session.flush()
        return row

    async def release(self, row_ids: Sequence[int], token: str) -> None:
        """Give back rows this sender claimed and never tried: due again, as they were. A row
        an earlier sender may have posted keeps its claim until the lease runs out, and is
        looked for then."""
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(row_ids)), OutboxMessage.claim_token == token)
            .where(OutboxMessage.state == "sending", OutboxMessage.posting == false())
            .values(
                state="pending",
                attempts=OutboxMessage.attempts - 1,
                lease_until=None,
                claim_token=None,
            )
            .execution_options(synchronize_session=False)
        )

    async def mark_posted(
        self, row_id: int, now: datetime, message_id: str | None = None
    ) -> OutboxMessage | None:
        """An operator found an unconfirmed row's message (`message_id`, when they gave it) in
        its channel: stop trying."""
        row = await self.session.get(OutboxMessage, row_id)
        if row is None or row.state != "unconfirmed":
            return row
        row.state, row.sent_at, row.claim_token = "sent", now, None
        row.message_id, row.last_error = message_id, None
        await self.session.flush()
        return row

    async def get(self, row_id: int) -> OutboxMessage | None:
        return await self.session.get(OutboxMessage, row_id)

    async def by_key(self, key: str) -> OutboxMessage | None:
        return await self.session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))

    async def unsent(self) -> Sequence[OutboxMessage]:
        """Pending, sending, failed and unconfirmed rows, oldest first."""
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.state != "sent")
            .order_by(OutboxMessage.not_before, OutboxMessage.id)
        )
        return (await self.session.scalars(query)).all()

    async def recently_sent(self, limit: int) -> Sequence[OutboxMessage]:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.state == "sent")
            .order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()

    async def everything(self) -> Sequence[OutboxMessage]:
        return (await self.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()


class ReminderRepository:
    """The reminder ladder's rungs already posted or passed over, per (outcome, period, level)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def recorded(self, outcome_ids: Iterable[int]) -> dict[int, set[tuple[str, int]]]:
        """For each outcome, the (period, level) pairs already recorded."""
        query = select(Reminder.outcome_id, Reminder.period, Reminder.level).where(
            Reminder.outcome_id.in_(list(outcome_ids))
        )
        found: dict[int, set[tuple[str, int]]] = {}
        for outcome_id, period, level in await self.session.execute(query):
            found.setdefault(outcome_id, set()).add((period, level))
        return found

    async def add(
        self, rungs: Sequence[tuple[int, str, int]], *, state: str, at: datetime
    ) -> list[Reminder]:
        """Record (outcome id, period, level) rungs; returns only those not recorded before.
        Rows go in key order, so two replicas inserting overlapping sets cannot deadlock."""
        added: list[Reminder] = []
        for outcome_id, period, level in sorted(rungs):
            statement = (
                _insert_or_ignore(self.session, Reminder)
                .values(
                    outcome_id=outcome_id, period=period, level=level, state=state, planned_at=at
                )
                .on_conflict_do_nothing(index_elements=["outcome_id", "period", "level"])
                .returning(Reminder.id)
            )
            new_id = await self.session.scalar(statement)
            if new_id is not None:
                reminder = await self.session.get(Reminder, new_id)
                assert reminder is not None
                added.append(reminder)
        return added

    async def attach(self, reminder_ids: Iterable[int], outbox_id: int) -> None:
        await self.session.execute(
            update(Reminder)
            .where(Reminder.id.in_(list(reminder_ids)))
            .values(outbox_id=outbox_id)
            .execution_options(synchronize_session=False)
        )

    async def everything(self) -> Sequence[Reminder]:
        query = select(Reminder).order_by(Reminder.outcome_id, Reminder.period, Reminder.level)
        return (await self.session.scalars(query)).all()


class DigestRepository:
    """Weekly digests per channel and week, and the readings a digest reports on."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self, channel_id: str, week_start: date, *, state: str, at: datetime
    ) -> DigestRun | None:
        """The new run, or None when this channel's week is already recorded."""
        statement = (
            _insert_or_ignore(self.session, DigestRun)
            .values(channel_id=channel_id, week_start=week_start, state=state, planned_at=at)
            .on_conflict_do_nothing(index_elements=["channel_id", "week_start"])
            .returning(DigestRun.id)
        )
        new_id = await self.session.scalar(statement)
        return None if new_id is None else await self.session.get(DigestRun, new_id)

    async def for_week(self, channel_id: str, week_start: date) -> DigestRun | None:
        query = select(DigestRun).where(
            DigestRun.channel_id == channel_id, DigestRun.week_start == week_start
        )
        return await self.session.scalar(query)

    async def latest_week(self, channel_id: str) -> date | None:
        query = select(func.max(DigestRun.week_start)).where(DigestRun.channel_id == channel_id)
        return await self.session.scalar(query)

    async def attach(self, run_id: int, outbox_id: int) -> None:
        run = await self.session.get(DigestRun, run_id)
        assert run is not None
        run.outbox_id = outbox_id
        await self.session.flush()

    async def everything(self) -> Sequence[DigestRun]:
        query = select(DigestRun).order_by(DigestRun.channel_id, DigestRun.week_start)
        return (await self.session.scalars(query)).all()

    async def received(self, start: datetime, end: datetime) -> list[ReadingRow]:
        """Readings submitted in [start, end), in the order they came in."""
        query = (
            select(*_READING_COLUMNS)
            .where(Reading.submitted_at >= start, Reading.submitted_at < end)
            .order_by(Reading.submitted_at, Reading.id)
        )
        return _reading_rows(await self.session.execute(query))

    async def around(self, start: datetime, end: datetime) -> dict[int, list[ReadingRow]]:
        """For each outcome with a reading submitted in [start, end), enough of its readings to
        tell which were current at `start` and at `end`, newest two periods of each, and which
        came just before each period received; in one query, a bounded walk per outcome.

        With `floor` the earliest period received for the outcome: the readings superseded since
        `start` (few), the current ones from `floor` on (the periods received and any newer),
        and the two newest current ones before `floor` submitted before `start`. (Nothing
        below `floor` came in during the week, so no other reading can be among the newest two
        current at either end, or just before a period received.)"""
        touched = (
            select(Reading.outcome_id, func.min(Reading.period_start).label("floor"))
            .where(Reading.submitted_at >= start, Reading.submitted_at < end)
            .group_by(Reading.outcome_id)
            .subquery()
        )
        superseded = (
            select(*_READING_COLUMNS)
            .join(touched, touched.c.outcome_id == Reading.outcome_id)
            .where(Reading.is_current == false(), Reading.superseded_at >= start)
        )
        from_floor = (
            select(*_READING_COLUMNS)
            .join(touched, touched.c.outcome_id == Reading.outcome_id)
            .where(Reading.is_current == true(), Reading.period_start >= touched.c.floor)
        )

        def below_floor(n: int) -> Any:
            newest = _newest_id(
                touched.c.outcome_id,
                n,
                lambda older: (older.period_start < touched.c.floor, older.submitted_at < start),
            )
            return (
                select(*_READING_COLUMNS).select_from(touched).join(Reading, Reading.id == newest)
            )

        picked = union_all(superseded, from_floor, below_floor(0), below_floor(1)).subquery()
        query = select(*picked.c).order_by(
            picked.c.outcome_id, picked.c.period_start, picked.c.submitted_at, picked.c.id
        )
        found: dict[int, list[ReadingRow]] = {}
        for reading in _reading_rows(await self.session.execute(query)):
            found.setdefault(reading.outcome_id, []).append(reading)
        return found


class ConversationRefRepository:
    """Conversations waymark may post to unprompted, as the platform described them last."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def remember(
        self,
        *,
        platform: str,
        conversation_id: str,
        kind: str,
        service_url: str,
        bot_id: str,
        at: datetime,
        tenant_id: str | None = None,
        team_id: str | None = None,
        user_id: str | None = None,
        name: str | None = None,
    ) -> ConversationRef:
        """Insert or refresh the reference; values not given keep what was known."""
        given = {"tenant_id": tenant_id, "team_id": team_id, "user_id": user_id, "name": name}
        ref = await self.get(platform, conversation_id)
        if ref is None:
            ref = ConversationRef(platform=platform, conversation_id=conversation_id)
            try:
                async with self.session.begin_nested():
                    _fill(ref, kind=kind, service_url=service_url, bot_id=bot_id, updated_at=at)
                    _fill(ref, **given)
                    self.session.add(ref)
                return ref
            except IntegrityError:
                # Another replica stored it first: refresh theirs instead.
                ref = await self.get(platform, conversation_id)
                assert ref is not None
        _fill(ref, kind=kind, service_url=service_url, bot_id=bot_id, updated_at=at)
        _fill(ref, **given)
        await self.session.flush()
        return ref

    async def get(self, platform: str, conversation_id: str) -> ConversationRef | None:
        query = select(ConversationRef).where(
            ConversationRef.platform == platform,
            ConversationRef.conversation_id == conversation_id,
        )
        return await self.session.scalar(query)

    async def personal_chats(
        self, platform: str, user_ids: Iterable[str]
    ) -> Sequence[ConversationRef]:
        """The one-to-one chats waymark has with these people."""
        query = (
            select(ConversationRef)
            .where(
                ConversationRef.platform == platform,
                ConversationRef.kind == "personal",
                ConversationRef.user_id.in_(list(user_ids)),
            )
            .order_by(ConversationRef.user_id)
        )
        return (await self.session.scalars(query)).all()

    async def of_team(self, platform: str, team_id: str) -> Sequence[ConversationRef]:
        query = select(ConversationRef).where(
            ConversationRef.platform == platform, ConversationRef.team_id == team_id
        )
        return (await self.session.scalars(query)).all()

    async def forget_team(self, platform: str, team_id: str) -> int:
        """waymark was removed from a team: its channels can no longer be posted to."""
        refs = await self.of_team(platform, team_id)
        for ref in refs:
            await self.session.delete(ref)
        await self.session.flush()
        return len(refs)

    async def everything(self, platform: str) -> Sequence[ConversationRef]:
        query = (
            select(ConversationRef)
            .where(ConversationRef.platform == platform)
            .order_by(ConversationRef.conversation_id)
        )
        return (await self.session.scalars(query)).all()


def _fill(ref: ConversationRef, **values: Any) -> None:
    for name, value in values.items():
        if value is not None:
            setattr(ref, name, value)


class PeopleRepository:
    """Display names of chat users, as their platform last gave them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def remember(self, platform: str, user_id: str, name: str, at: datetime) -> None:
        person = await self.session.get(ChatPerson, (platform, user_id))
        if person is None:
            try:
                async with self.session.begin_nested():
                    self.session.add(
                        ChatPerson(platform=platform, user_id=user_id, name=name, updated_at=at)
                    )
                return
            except IntegrityError:
                person = await self.session.get(ChatPerson, (platform, user_id))
                assert person is not None
        if person.name != name:
            person.name, person.updated_at = name, at
            await self.session.flush()

    async def names(self, platform: str, user_ids: Iterable[str]) -> dict[str, str]:
        query = select(ChatPerson).where(
            ChatPerson.platform == platform, ChatPerson.user_id.in_(list(user_ids))
        )
        return {p.user_id: p.name for p in await self.session.scalars(query)}


class SentCardRepository:
    """Posted messages with inputs, kept to show them again after a submission."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self,
        *,
        platform: str,
        conversation_id: str,
        message_id: str,
        payload: dict[str, Any],
        posted_at: datetime,
    ) -> None:
        if await self.find(platform, conversation_id, message_id) is not None:
            return
        self.session.add(
            SentCard(
                platform=platform,
                conversation_id=conversation_id,
                message_id=message_id,
                payload=payload,
                posted_at=posted_at,
            )
        )
        await self.session.flush()

    async def find(self, platform: str, conversation_id: str, message_id: str) -> SentCard | None:
        query = select(SentCard).where(
            SentCard.platform == platform,
            SentCard.conversation_id == conversation_id,
            SentCard.message_id == message_id,
        )
        return await self.session.scalar(query)


class UnreachableRepository:
    """Channels waymark could not post to because it is not there yet."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def failed(
        self, platform: str, channel_id: str, reason: str, at: datetime, *, tell_every: timedelta
    ) -> bool:
        """Record a failure; True when admins have not been told about this channel within
        `tell_every` (the caller tells them and the time is recorded)."""
        row = await self.session.get(UnreachableChannel, (platform, channel_id))
        if row is None:
            try:
                async with self.session.begin_nested():
                    self.session.add(
                        UnreachableChannel(
                            platform=platform,
                            channel_id=channel_id,
                            reason=reason,
                            first_failed_at=at,
                            last_failed_at=at,
                            admins_told_at=at,
                        )
                    )
                return True
            except IntegrityError:
                row = await self.session.get(UnreachableChannel, (platform, channel_id))
                assert row is not None
        row.reason, row.last_failed_at = reason, at
        tell = row.admins_told_at is None or at - row.admins_told_at >= tell_every
        if tell:
            row.admins_told_at = at
        await self.session.flush()
        return tell

    async def reached(self, platform: str, channel_ids: Iterable[str]) -> list[str]:
        """These channels can be reached now; returns those that could not be before."""
        query = select(UnreachableChannel).where(
            UnreachableChannel.platform == platform,
            UnreachableChannel.channel_id.in_(list(channel_ids)),
        )
        rows = (await self.session.scalars(query)).all()
        for row in rows:
            await self.session.delete(row)
        await self.session.flush()
        return [r.channel_id for r in rows]

    async def everything(self) -> Sequence[UnreachableChannel]:
        query = select(UnreachableChannel).order_by(
            UnreachableChannel.platform, UnreachableChannel.channel_id
        )
        return (await self.session.scalars(query)).all()

    async def bring_forward(self, platform: str, channel_ids: Iterable[str], now: datetime) -> int:
        """Messages waiting for these channels may be tried now rather than after their
        backoff: waymark has just been added there."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.platform == platform,
                OutboxMessage.channel_id.in_(list(channel_ids)),
                OutboxMessage.state == "pending",
                OutboxMessage.not_before > now,
            )
            .values(not_before=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)
