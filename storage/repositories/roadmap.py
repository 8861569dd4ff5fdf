"""The road map: priority areas, partnership groups and outcomes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from storage.models import Area, Group, GroupLead, Outcome
from storage.repositories.rows import AreaRow, OutcomeRow, OwnerRow, storable
from storage.repositories.standing import loaded_held

# Any number below 2**63 that no other part of waymark uses for an advisory lock.
_LOADING_LOCK = 7305128

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
    Outcome.status,
    Outcome.latest_period_start,
    Area.name.label("area_name"),
    Group.slug.label("owner_slug"),
    Group.name.label("owner_name"),
)


# Statements every thread reply runs, built once: building a query's expression costs more
# than the compiled-statement cache saves, and a reply runs several.
_OUTCOME_BY_NUMBER = (
    select(Outcome)
    .where(Outcome.number == bindparam("number"))
    .options(joinedload(Outcome.owner).joinedload(Group.leads))
)
# `of`: the outcome's row only (its owner's, joined beside it, may be missing).
_OUTCOME_HELD = _OUTCOME_BY_NUMBER.with_for_update(of=Outcome).execution_options(
    populate_existing=True
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

    async def outcome(self, number: int, *, hold: bool = False) -> Outcome | None:
        """One outcome with its area, owner and the owner's leads, in one query. `hold`: its
        row held until the transaction ends on PostgreSQL, as `StandingRepository.hold` holds
        it, so that what is read of it and its readings after is what a reading is stored
        against (SQLite needs no hold: a writing transaction has the whole database)."""
        if not storable(number):
            return None
        query = _OUTCOME_BY_NUMBER
        if hold and self.session.get_bind().dialect.name == "postgresql":
            query = _OUTCOME_HELD
        found = (await self.session.scalars(query, {"number": number})).unique().one_or_none()
        if hold and found is not None:
            loaded_held(self.session, found.id)
        return found

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
            query = query.where(Outcome.number.in_([n for n in numbers if storable(n)]))
        return (await self.session.scalars(query)).unique().all()

    async def outcome_rows(
        self,
        *,
        area_id: int | None = None,
        owner_ids: Iterable[int] | None = None,
        numbers: Iterable[int] | None = None,
        ids: Iterable[int] | None = None,
    ) -> list[OutcomeRow]:
        """Like `outcomes()`, as plain rows: for working statuses out over the road map."""
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
            query = query.where(Outcome.number.in_([n for n in numbers if storable(n)]))
        if ids is not None:
            query = query.where(Outcome.id.in_(list(ids)))
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
                    status=r.status,
                    latest_period_start=r.latest_period_start,
                )
            )
        return found

    async def outcome_number_range(self) -> tuple[int, int] | None:
        low, high = (
            await self.session.execute(select(func.min(Outcome.number), func.max(Outcome.number)))
        ).one()
        return None if low is None else (int(low), int(high))

    async def lock_for_loading(self) -> None:
        """Let one process at a time look whether the road map is empty and load it, so that
        several `waymark init` at once load it once and the others find it loaded. Ends with
        the transaction. SQLite needs nothing: a writing transaction holds its write lock from
        BEGIN."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOADING_LOCK}
            )

    async def is_empty(self) -> bool:
        return await self.session.scalar(select(func.count()).select_from(Outcome)) == 0

    def add(self, row: Area | Group | Outcome) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()
