"""Who is asking, where, and when: what every chat command is given, and what every handler
of a chat event is given to find it out (`Services`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from commands.answer_cache import AnswerCache
from commands.domain.status import local_today
from commands.errors import UserError
from commands.ports import Observer, Unobserved
from storage.db import Database
from storage.models import Outcome
from storage.repositories import RoadmapRepository


@dataclass(frozen=True)
class Caller:
    user_id: str
    channel_id: str
    platform: str
    is_admin: bool


@dataclass(frozen=True)
class Args:
    """What followed the sub-command. `number` is the outcome for per-outcome commands."""

    number: int | None = None
    words: tuple[str, ...] = ()
    shared: bool = False
    page: int = 1
    raw: str = field(default="", compare=False)
    # Outcome `number`, when the registry has loaded it already (to check it exists).
    outcome: Outcome | None = field(default=None, compare=False)


@dataclass
class CommandContext:
    session: AsyncSession
    caller: Caller
    now: datetime
    tz: ZoneInfo
    observer: Observer = field(default_factory=Unobserved)
    admins: frozenset[str] = frozenset()
    # Where people reach waymark's own server (WAYMARK_PUBLIC_URL), for links to what it serves.
    public_url: str | None = None

    @property
    def today(self) -> date:
        return local_today(self.now, self.tz)


@dataclass(frozen=True)
class Services:
    """What every event handler is given, built once by the composition root: the database,
    the clock, the road map's time zone, who the administrators are, and who is watching."""

    db: Database
    clock: Callable[[], datetime]
    tz: ZoneInfo
    admins: frozenset[str]
    observer: Observer = field(default_factory=Unobserved)
    # Answers kept in memory (`commands.answer_cache`); None: every answer is worked out.
    answers: AnswerCache | None = None
    public_url: str | None = None  # where people reach waymark's own server

    def context(
        self, session: AsyncSession, platform: str, user_id: str, channel_id: str
    ) -> CommandContext:
        caller = Caller(user_id, channel_id, platform, is_admin=user_id in self.admins)
        return CommandContext(
            session, caller, self.clock(), self.tz, self.observer, admins=self.admins,
            public_url=self.public_url,
        )  # fmt: skip


async def get_outcome(session: AsyncSession, number: int, *, hold: bool = False) -> Outcome:
    """`hold`: to store a reading of it in this unit of work (`RoadmapRepository.outcome`)."""
    outcome = await RoadmapRepository(session).outcome(number, hold=hold)
    if outcome is None:
        raise UserError(await unknown_outcome_message(session, number))
    return outcome


async def unknown_outcome_message(session: AsyncSession, number: int) -> str:
    span = await RoadmapRepository(session).outcome_number_range()
    if span is None:
        return "The road map is empty: load one with `waymark roadmap import DIR` first."
    return (
        f"There is no outcome {number}: outcomes are numbered {span[0]} to {span[1]} "
        "(`/outcome list` in chat, or `waymark list`, shows them all)."
    )


async def outcome_named(ctx: CommandContext, args: Args) -> Outcome:
    """The outcome a per-outcome command names, loaded once."""
    assert args.number is not None
    return args.outcome or await get_outcome(ctx.session, args.number)


async def may_submit(ctx: CommandContext, outcome: Outcome) -> bool:
    """Leads of the owning group and admins may submit readings for an outcome."""
    if ctx.caller.is_admin:
        return True
    return outcome.owner is not None and ctx.caller.user_id in outcome.owner.lead_ids


async def require_submitter(
    ctx: CommandContext, outcome: Outcome, action: str = "submit readings for"
) -> None:
    """Refuse anyone but the owning group's leads and admins; `action` says what was refused,
    so the refusal names what the person tried (`snooze reminders about`)."""
    if not await may_submit(ctx, outcome):
        raise who_can_submit(outcome, action)


def who_can_submit(outcome: Outcome, action: str = "submit readings for") -> UserError:
    if outcome.owner is None or not outcome.owner.lead_ids:
        return UserError(
            f"Only administrators can {action} outcome {outcome.number}: "
            "no partnership group leads it yet."
        )
    ask = "Ask a lead to post it:" if action == "submit readings for" else "Ask a lead:"
    return UserError(
        f"Only the leads of the {outcome.owner.name} and administrators can {action} "
        f"outcome {outcome.number}. {ask}",
        mentions=tuple(outcome.owner.lead_ids),
    )


def require_admin(ctx: CommandContext, what: str) -> None:
    if not ctx.caller.is_admin:
        raise UserError(f"Only administrators can {what}. Ask your performance team.")


async def led_group_ids(ctx: CommandContext) -> list[int]:
    groups = await RoadmapRepository(ctx.session).groups_led_by(ctx.caller.user_id)
    return [g.id for g in groups]
