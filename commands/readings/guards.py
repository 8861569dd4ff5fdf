"""The guards a figure passes before it is stored, the same on every path (thread, command,
form, command line, CSV): each path decides only how to ask, and what to type instead.

- Refused outright (`RefusedError`, naming the box it is about): a figure the unit cannot have, a
  period at or before the outcome's baseline, a lead's figure for a locked (published) period,
  and a figure with no period when the period due already has one.
- Asked about first (`Checked.doubts`): a figure far from the one before it (`domain.
  plausibility`), and one replacing an approved figure or someone else's. An administrator
  revising a locked period is asked for the reason (`Checked.needs_reason`).
- Asked for after (`Checked.needs_commentary`): a line on what is being done about a figure at
  risk or off track.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from commands.context import CommandContext
from commands.domain.periods import Cadence, Period
from commands.domain.plausibility import ratio_words, unusual_ratio
from commands.domain.rules import Polarity, Status, assess, parse_tolerance
from commands.domain.status import NEEDS_COMMENTARY, path_of, period_of
from commands.errors import UserError
from commands.presentation.formatting import (
    STATUS_WORDS,
    day,
    expected_words,
    places_for,
    with_unit,
)
from commands.presentation.replies import mention
from commands.readings.recording import (
    Approval,
    Recorded,
    Via,
    check_plausible,
    count_once_stored,
    record_reading,
)
from storage.models import Outcome, Reading
from storage.publication_models import PeriodLock, ReadingState
from storage.repositories import LockRepository, ReadingRepository, ReadingsAround, is_held


class Box(StrEnum):
    """Which of a form's boxes (or a file's columns) a problem is about."""

    VALUE = "value"
    PERIOD = "period"
    NOTE = "note"
    CONFIRM = "confirm"


class RefusedError(UserError):
    """A figure that cannot be stored as given; `box` says which part is wrong."""

    def __init__(self, message: str, box: Box, *, mentions: tuple[str, ...] = ()) -> None:
        super().__init__(message, mentions=mentions)
        self.box = box


@dataclass(frozen=True)
class Submission:
    """A figure someone gave, as they gave it."""

    outcome: Outcome
    value: float
    period: Period
    by: str
    via: Via
    note: str = ""
    reason: str = ""  # why a published (locked) period is revised
    confirmed: bool = False  # they keep the figure whatever waymark doubts
    period_given: bool = True  # False: it is for the period due, as nothing else was said
    source_key: str | None = None
    submitted_at: datetime | None = None


@dataclass(frozen=True)
class Checked:
    """A submission that passed the refusals, with what is left to ask."""

    submission: Submission
    unusual: str | None  # "You wrote 21,840 — ten times the last reading, 2,184 (2024)."
    replacing: str | None  # "2025/26 already has 41.2% from …, approved …"
    lock: PeriodLock | None  # the lock on the period, which only an administrator may pass
    status: Status  # the status the figure would be given
    expected: float
    # The readings around it as checked, for storing it in the same unit of work: None unless
    # the outcome was held before they were read (see `standing.hold`).
    around: ReadingsAround | None = None

    @property
    def doubts(self) -> tuple[str, ...]:
        return tuple(d for d in (self.unusual, self.replacing) if d)

    @property
    def asks_first(self) -> bool:
        """Whether the submitter must keep the figure before it is stored (an administrator
        giving the reason to revise a published figure means it)."""
        meant = self.submission.confirmed or (self.lock is not None and not self.needs_reason)
        return bool(self.doubts) and not meant

    @property
    def needs_reason(self) -> bool:
        return self.lock is not None and not self.submission.reason.strip()

    @property
    def needs_commentary(self) -> bool:
        return self.status in NEEDS_COMMENTARY and not self.submission.note.strip()

    def lock_words(self, tz: tzinfo) -> str:
        assert self.lock is not None
        return locked_words(self.lock, self.submission.period, tz)

    def keep_words(self) -> str:
        """What keeping it means: replacing someone's figure, or keeping an unusual one."""
        return "replace it" if self.replacing and not self.unusual else "keep it"

    def commentary_words(self) -> str:
        """Why a line of commentary is needed."""
        s = self.submission
        a = assess(
            s.value,
            self.expected,
            Polarity(s.outcome.polarity),
            parse_tolerance(s.outcome.tolerance),
        )
        figure = with_unit(s.value, s.outcome.unit, places_for(a))
        expected = expected_words(a, s.outcome.unit)
        return (
            f"{figure} for {self.submission.period.label} is {STATUS_WORDS[self.status].lower()}"
            f" (the path expects {expected})"
        )


async def check_submission(
    session: AsyncSession,
    submission: Submission,
    *,
    admins: Iterable[str],
    tz: tzinfo,
    may_revise_published: bool | None = None,
) -> Checked:
    """Refuse what cannot be stored, and find what must be asked. `may_revise_published`:
    whether the submitter may revise a locked period (default: whether they are an
    administrator)."""
    outcome, period = submission.outcome, submission.period
    try:
        check_plausible(submission.value, outcome)
    except UserError as error:
        raise RefusedError(str(error), Box.VALUE) from None
    check_after_baseline(outcome, period)
    lock = await LockRepository(session).covering(period.end, outcome.id)
    allowed = submission.by in admins if may_revise_published is None else may_revise_published
    if lock is not None and not allowed:
        raise RefusedError(
            f"{locked_words(lock, period, tz)} Only an administrator can revise it now, giving "
            "a reason: ask one of them:",
            Box.PERIOD,
            mentions=tuple(sorted(admins)),
        )
    held = is_held(session, outcome.id)
    around = await ReadingRepository(session).around(
        outcome.id, period.start, submission.source_key
    )
    current = around.current
    if current is not None and not submission.period_given:
        raise RefusedError(
            f"Which period is {with_unit(submission.value, outcome.unit)} for? The period due, "
            f"{period.label}, already has {_given(current, outcome, tz)}. Give the figure again "
            f"with its period; to replace {period.label}'s figure, with {period.label}.",
            Box.PERIOD,
        )
    replacing = None
    if current is not None and (
        current.submitted_by != submission.by or current.state == ReadingState.APPROVED
    ):
        replacing = f"{period.label} already has {_given(current, outcome, tz)}."
    expected = path_of(outcome).expected_at(period.end)
    status = assess(
        submission.value, expected, Polarity(outcome.polarity), parse_tolerance(outcome.tolerance)
    ).status
    before = around.before
    return Checked(
        submission=submission,
        unusual=None
        if before is None
        else unusual_words(submission.value, before.value, before.period, outcome),
        replacing=replacing,
        lock=lock,
        status=status,
        expected=expected,
        # What was read is what storing it looks at only while the outcome is held.
        around=around if held else None,
    )


def check_after_baseline(outcome: Outcome, period: Period) -> None:
    baseline = period_of(outcome.baseline_period, Cadence(outcome.cadence))
    if period.start > baseline.start:
        return
    was = with_unit(outcome.baseline_value, outcome.unit)
    first = baseline.next().label
    if period.start == baseline.start:
        raise RefusedError(
            f"{period.label} is outcome {outcome.number}'s baseline period ({was}), not a "
            f"reading: readings start from {first}. Check the period.",
            Box.PERIOD,
        )
    raise RefusedError(
        f"{period.label} is before outcome {outcome.number}'s baseline, {was} in "
        f"{baseline.label}: readings start from {first}. Check the period.",
        Box.PERIOD,
    )


def unusual_words(value: float, last: float, last_period: str, outcome: Outcome) -> str | None:
    """The doubt about `value` given `last`, the reading of the nearest earlier period."""
    ratio = unusual_ratio(value, last)
    if ratio is None:
        return None
    return (
        f"You wrote {with_unit(value, outcome.unit)} — {ratio_words(ratio)} the last reading, "
        f"{with_unit(last, outcome.unit)} ({last_period})."
    )


def _given(reading: Reading, outcome: Outcome, tz: tzinfo) -> str:
    words = f"{with_unit(reading.value, outcome.unit)} from {mention(reading.submitted_by)}"
    if reading.state == ReadingState.APPROVED and reading.approved_by and reading.approved_at:
        when = day(reading.approved_at.astimezone(tz).date())
        words += f", approved by {mention(reading.approved_by)} on {when}"
    elif reading.state == ReadingState.APPROVED:
        words += ", approved"
    return words


def locked_words(lock: PeriodLock, period: Period, tz: tzinfo) -> str:
    """Why a period cannot be changed freely: when, by whom and why it was locked."""
    when = day(lock.locked_at.astimezone(tz).date())
    which = "every period" if lock.outcomes is None else "this outcome's periods"
    return (
        f"{period.label} is locked: {mention(lock.locked_by)} locked {which} ending on or "
        f"before {day(lock.through)} on {when} ({lock.reason})."
    )


async def record_checked(
    session: AsyncSession,
    checked: Checked,
    *,
    now: datetime,
    tz: tzinfo,
    approval: Approval | None = None,
) -> Recorded:
    """Store a checked submission: kept, if it was doubted; revised after publication, if its
    period is locked. An imported row is stored as the file says (it round-trips)."""
    s = checked.submission
    as_given = s.via == Via.IMPORT
    confirmed = s.confirmed if as_given else s.confirmed and bool(checked.doubts)
    revised = s.reason.strip() if as_given or checked.lock is not None else ""
    return await record_reading(
        session,
        outcome=s.outcome,
        value=s.value,
        period=s.period,
        by=s.by,
        via=s.via,
        now=now,
        tz=tz,
        note=s.note,
        source_key=s.source_key,
        submitted_at=s.submitted_at,
        approval=approval,
        confirmed=confirmed,
        revision_reason=revised or None,
        around=checked.around,
    )


async def record_as_caller(ctx: CommandContext, checked: Checked) -> Recorded:
    """Store a checked submission the person asking gave in chat, now, and count it."""
    recorded = await record_checked(ctx.session, checked, now=ctx.now, tz=ctx.tz)
    count_once_stored(ctx, recorded)
    return recorded


def split_extras(note: str, *, typed: bool = False) -> tuple[str, str, bool]:
    """`provisional reason: ONS revised it confirm` -> ("provisional", "ONS revised it", True):
    the note, the reason for revising a published period (after `reason:`), and whether the
    figure is kept whatever waymark doubts (a last word `confirm`). Only in a `typed` command,
    as the question says to type it: in a thread reply (kept with `yes`) or the form (its own
    box), "UKHSA yet to confirm" is the note's own words, and keeps nothing unasked."""
    words = note.split()
    confirmed = typed and bool(words) and words[-1].lower().strip(".!") == "confirm"
    if confirmed:
        words = words[:-1]
    text = " ".join(words)
    at = text.lower().find("reason:")
    if at < 0:
        return text, "", confirmed
    return text[:at].strip(), text[at + len("reason:") :].strip(), confirmed
