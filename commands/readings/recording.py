"""Recording readings: validation, supersession and the audit trail, the same for every channel
(slash command, thread reply, modal, CLI, import)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from commands.context import CommandContext
from commands.delivery.refreshes import queue_refreshes
from commands.domain.periods import Period
from commands.domain.ratings import rating_at
from commands.domain.rules import format_number
from commands.domain.status import OutcomeStatus, local_today, path_status, status_of
from commands.domain.targets import Revision, Targets
from commands.errors import UserError
from commands.presentation.formatting import STATUS_WORDS, explanation, with_unit
from commands.presentation.replies import Action, Button, Reply, Section
from commands.readings.standing import hold, keep_after_reading
from storage.commit_hooks import after_commit
from storage.models import Outcome, Reading
from storage.publication_models import ReadingState
from storage.repositories import (
    AuditRepository,
    ReadingRepository,
    ReadingsAround,
    TargetRevisionRepository,
)


@dataclass(frozen=True)
class _Given:
    period: str
    value: float
    submitted_at: datetime


class Via(StrEnum):
    SLASH = "slash"
    THREAD = "thread"
    MODAL = "modal"
    IMPORT = "import"
    CLI = "cli"


# Units whose readings cannot be negative; a percentage must also be at most 100.
_NON_NEGATIVE_UNITS = {"%", "count", "years", "kg", "days", "GBP", "£", "ktCO2e", "points"}


def check_plausible(value: float, outcome: Outcome) -> None:
    if not math.isfinite(value):
        raise UserError(f"'{value}' is not a number. Type the value like 23.4.")
    unit = outcome.unit
    if unit == "%" and not 0 <= value <= 100:
        raise UserError(
            f"{format_number(value)} is not a percentage: outcome {outcome.number} "
            f"({outcome.measure}) is measured in %, between 0 and 100."
        )
    if unit in _NON_NEGATIVE_UNITS and value < 0:
        raise UserError(
            f"{format_number(value)} cannot be right: {outcome.measure} is never negative."
        )


@dataclass(frozen=True)
class Approval:
    """Who approved a reading, and when: given for readings approved as they are stored (the
    council's own record, imported)."""

    by: str
    at: datetime


@dataclass(frozen=True)
class Recorded:
    """What was stored, what it replaced, and the outcome's standing afterwards."""

    outcome: Outcome
    reading: Reading
    superseded: Reading | None
    status: OutcomeStatus
    duplicate: bool  # the same message or request was already recorded; nothing new stored
    # The period's current reading already says this (an edit that kept the value, a
    # second submission of it): nothing new stored, rather than a correction of 89% by 89%.
    unchanged: bool = False

    def summary(self) -> str:
        unit = self.outcome.unit
        what = (
            f"outcome {self.outcome.number} ({self.outcome.measure}), {self.reading.period}: "
            f"{with_unit(self.reading.value, unit)}"
        )
        if self.unchanged:
            return f"Already recorded {what}: nothing changed."
        if self.duplicate:
            return f"Already recorded {what}."
        if self.superseded is not None:
            return (
                f"Recorded {what}, correcting {with_unit(self.superseded.value, unit)} "
                "(the earlier value stays in the history)."
            )
        return f"Recorded {what}."


async def record_reading(
    session: AsyncSession,
    *,
    outcome: Outcome,
    value: float,
    period: Period,
    by: str,
    via: Via,
    now: datetime,
    tz: tzinfo,
    note: str = "",
    source_key: str | None = None,
    submitted_at: datetime | None = None,
    approval: Approval | None = None,
    confirmed: bool = False,
    revision_reason: str | None = None,
    around: ReadingsAround | None = None,
) -> Recorded:
    """Store a reading, superseding the period's current one; both stay in the history. It is
    provisional unless `approval` says who approved it; it keeps the status and expected value
    it is given now, against the targets in force when it was given (`submitted_at`).
    `around`: what `ReadingRepository.around` gave for it since the outcome was held, if it
    was read already."""
    readings = ReadingRepository(session)
    held = await hold(session, outcome)
    if around is None:
        around = await readings.around(outcome.id, period.start, source_key)
    if around.same_source is not None:
        return _recorded(outcome, around.same_source, None, around.newest, now, tz, duplicate=True)
    check_plausible(value, outcome)
    at = submitted_at or now
    current = around.current
    if current is not None and _says_the_same(current, value, note, at, approval, revision_reason):
        recorded = _recorded(outcome, current, None, around.newest, now, tz, duplicate=True)
        return replace(recorded, unchanged=True)
    # Targets revised since a backdated (imported) reading was given do not rate it.
    revisions = await _revisions(session, outcome) if at < now else []
    given = rating_at(_Given(period.label, value, at), outcome, revisions)
    values = {
        "outcome_id": outcome.id,
        "period": period.label,
        "period_start": period.start,
        "value": value,
        "submitted_by": by,
        "submitted_at": at,
        "via": via.value,
        "note": note.strip(),
        "source_key": source_key,
        "is_current": True,
        "superseded_at": None,
        "supersedes_id": None,
        "state": ReadingState.APPROVED if approval else ReadingState.PROVISIONAL,
        "approved_by": approval.by if approval else None,
        "approved_at": approval.at if approval else None,
        "confirmed": confirmed,
        "revision_reason": revision_reason or None,
        "status": given.status.value,
        "expected": given.expected,
        "path_status": path_status(outcome, period.start, value).value,
    }
    if current is not None and current.submitted_at > at:
        # An import of an older entry: it joins the history without displacing the newer one.
        values["is_current"] = False
        values["superseded_at"] = at
        current = None
    elif current is not None:
        await readings.supersede(current, at)
        values["supersedes_id"] = current.id
    reading = await readings.insert(values)
    await AuditRepository(session).insert(
        at=now,
        actor=by,
        action="reading.corrected" if current is not None else "reading.recorded",
        subject=f"outcome:{outcome.number}:{period.label}",
        before=_audit_values(current),
        after=_audit_values(reading),
    )
    if via != Via.IMPORT:
        # Cards in chat showing the outcome say so too. Not for the road map's files: their
        # readings are history, often hundreds at once; a card catches up at the next reading.
        await queue_refreshes(session, outcome, reading, now=now, tz=tz)
    # The outcome's latest readings now: those it had, less the one superseded, plus the new one.
    newest = [r for r in around.newest if r is not current]
    if reading.is_current:
        newest.append(reading)
    newest.sort(key=lambda r: r.period_start, reverse=True)
    await keep_after_reading(session, outcome, held, newest)
    return _recorded(outcome, reading, current, newest, now, tz, duplicate=False)


def _says_the_same(
    current: Reading,
    value: float,
    note: str,
    at: datetime,
    approval: Approval | None,
    revision_reason: str | None,
) -> bool:
    """Whether a new reading would only repeat the period's current one: same value, no new
    note, nothing to approve or revise, and not an older entry being imported."""
    return (
        current.value == value
        and note.strip() in {"", current.note}
        and approval is None
        and not revision_reason
        and current.submitted_at <= at
    )


async def _revisions(session: AsyncSession, outcome: Outcome) -> list[Revision]:
    """The outcome's target revisions, oldest first (as `commands.outcomes.targets` gives them:
    readings cannot import outcomes, which imports plans, which imports readings)."""
    return [
        Revision(r.at, r.by, r.reason, Targets.from_json(r.before), Targets.from_json(r.after))
        for r in await TargetRevisionRepository(session).of_outcome(outcome.id)
    ]


def _audit_values(reading: Reading | None) -> dict[str, object] | None:
    if reading is None:
        return None
    return {
        "value": reading.value,
        "period": reading.period,
        "submitted_by": reading.submitted_by,
        "submitted_at": reading.submitted_at.isoformat(),
        "via": reading.via,
        "note": reading.note,
        "state": reading.state,
        "approved_by": reading.approved_by,
        "confirmed": reading.confirmed,
        "revision_reason": reading.revision_reason,
    }


def _recorded(
    outcome: Outcome,
    reading: Reading,
    superseded: Reading | None,
    newest: Sequence[Reading],
    now: datetime,
    tz: tzinfo,
    *,
    duplicate: bool,
) -> Recorded:
    status = status_of(outcome, newest[:2], local_today(now, tz))
    return Recorded(outcome, reading, superseded, status, duplicate)


def confirmation(recorded: Recorded) -> str:
    """What the bot says back: exactly what it understood, and the new status."""
    status = recorded.status
    words = f"{recorded.summary()} Status now: {STATUS_WORDS[status.status]}. {explanation(status)}"
    reading = recorded.reading
    if reading.revision_reason:
        words += f" Marked as revised after publication: {reading.revision_reason}."
    if reading.state == ReadingState.PROVISIONAL:
        words += " It is provisional until an approver approves it."
    return words


def confirmation_reply(
    recorded: Recorded, *, approve_button: bool, shared: bool = False, then: str = ""
) -> Reply:
    """The confirmation as a message, followed by `then`; people who see it with the button and
    may approve the reading can approve it there."""
    words = " ".join(w for w in (confirmation(recorded), then) if w)
    reading = recorded.reading
    button = None
    if approve_button and reading.state == ReadingState.PROVISIONAL and not recorded.duplicate:
        button = Button("Approve", Action.APPROVE_READING, str(reading.id))
    return Reply(
        words,
        (Section(text=words, button=button),),
        shared=shared,
        about=(recorded.outcome.number,),
    )


def count_once_stored(ctx: CommandContext, recorded: Recorded) -> None:
    """Tell the observer a reading was recorded in chat, once it is stored for good: a unit of
    work that fails later records nothing, and a duplicate is nothing new."""
    if recorded.duplicate:
        return
    platform, via, observer = ctx.caller.platform, recorded.reading.via, ctx.observer
    after_commit(ctx.session, lambda: observer.reading_recorded(platform, via))
