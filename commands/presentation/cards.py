"""Replies about outcomes: the status card, lists and history, built from their statuses."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import tzinfo

from commands.domain.comparators import Comparison
from commands.domain.ratings import rating_when_recorded
from commands.domain.rules import Polarity, Status, direction_for, parse_tolerance
from commands.domain.standing import Standing
from commands.domain.status import NEEDS_COMMENTARY, OutcomeStatus, ReadingView
from commands.domain.targets import Revision
from commands.errors import UserError
from commands.people.directory import NO_NAMES, Names
from commands.presentation.charts import history_chart
from commands.presentation.formatting import (
    DIRECTION_WORDS,
    POLARITY_WORDS,
    STATUS_WORDS,
    counted,
    day,
    expected_words,
    explanation,
    moment,
    path_summary,
    tolerance_rule,
    with_unit,
)
from commands.presentation.replies import (
    STATUS_TONES,
    Action,
    Badge,
    Button,
    Chart,
    Context,
    Fact,
    Header,
    Reply,
    Section,
    Table,
)
from commands.presentation.targets import rated_earlier, short_day
from storage.models import Outcome, Reading

PAGE_SIZE = 40
# `Reply.card` of an outcome's status card, and the kind of post it is once shared: one
# outcome's standing now, which waymark redraws in place when a reading arrives.
STATUS_CARD = "status"


def badge(status: Status) -> Badge:
    return Badge(STATUS_WORDS[status], STATUS_TONES[status])


def submit_button(number: int) -> Button:
    return Button("Submit reading", Action.SUBMIT_READING, str(number), primary=True)


def status_card(
    s: OutcomeStatus,
    tz: tzinfo,
    *,
    shared: bool = False,
    names: Names = NO_NAMES,
    comparators: Sequence[Comparison] = (),
) -> Reply:
    unit = s.unit
    facts = [
        Fact("Area", s.area),
        Fact("Owner", s.owner_name or "No group assigned"),
        Fact("Measure", f"{s.measure} ({unit}, {POLARITY_WORDS[s.polarity]})"),
        Fact(
            "Latest reading",
            f"{with_unit(s.latest.value, unit)} for {s.latest.period}{_state_words(s.latest)}"
            if s.latest
            else "None yet",
        ),
        Fact(
            "Expected",
            f"{_expected(s)} for {s.expected_for}" if s.expected is not None else "-",
        ),
        Fact(
            "Direction",
            f"{DIRECTION_WORDS[s.direction]} since {s.previous.period}"
            if s.direction and s.previous
            else "Not known until there are two readings",
        ),
        Fact(
            "Next milestone",
            f"{with_unit(s.next_milestone.value, unit)} by {s.next_milestone.label}"
            if s.next_milestone
            else "All milestones passed",
        ),
        Fact("Due", _due_words(s)),
    ]
    if comparators:
        facts.append(Fact("Compared with", comparison_words(comparators, unit)))
    if s.latest and (s.latest.note or s.latest.commentary_missing):
        facts.append(Fact("Commentary", s.latest.note or _missing(s.number)))
    if s.paused_reason:
        facts.append(Fact("Reminders paused", s.paused_reason))
    elif s.snoozed_until:
        facts.append(Fact("Reminders snoozed", f"until {day(s.snoozed_until)}"))
    small_print = [f"Path: {path_summary(s)}; tolerance {tolerance_rule(s.tolerance, unit)}."]
    if s.latest:
        small_print.insert(0, _provenance(s, s.latest, tz, names))
    status_word = STATUS_WORDS[s.status].lower()
    return Reply(
        fallback=f"Outcome {s.number}: {s.title} — {status_word}. {explanation(s)}",
        blocks=(
            Header(f"{s.number}. {s.title}"),
            Section(text=explanation(s), badge=badge(s.status), button=submit_button(s.number)),
            Section(facts=tuple(facts)),
            Context(tuple(small_print)),
        ),
        shared=shared,
        about=(s.number,),
        card=STATUS_CARD,
    )


def _expected(s: OutcomeStatus) -> str:
    """As the explanation writes it: to the places that show a reading misses it."""
    assert s.expected is not None
    return expected_words(s.assessment, s.unit) if s.assessment else with_unit(s.expected, s.unit)


def comparison_words(comparators: Sequence[Comparison], unit: str) -> str:
    """`England 78.9 years (2020-22); East of England 79.8 years (2020-22)`."""
    return "; ".join(f"{c.area} {with_unit(c.value, unit)} ({c.period})" for c in comparators)


def _state_words(reading: ReadingView) -> str:
    if reading.revision_reason:
        return " (revised after publication)"
    return " (provisional)" if reading.provisional else ""


def _missing(number: int) -> str:
    return f"Commentary missing: `/outcome {number} comment TEXT` adds it."


# How a reading was given, in words that mean something on every platform.
VIA_WORDS = {
    "slash": "by command",
    "thread": "in a thread reply",
    "modal": "on the reading form",
    "import": "from the road map's files",
    "cli": "from the command line",
}


def _provenance(s: OutcomeStatus, latest: ReadingView, tz: tzinfo, names: Names) -> str:
    """Who gave the latest reading, and whether it may be published yet."""
    words = (
        f"Latest reading submitted by {names.in_chat(latest.submitted_by)} on "
        f"{moment(latest.submitted_at, tz)} ({VIA_WORDS.get(latest.via, latest.via)})."
    )
    if latest.provisional:
        words += f" Provisional: waiting for approval (`/outcome {s.number} approve`)."
    elif latest.approved_by:
        words += f" Approved by {names.in_chat(latest.approved_by)}."
    if latest.revision_reason:
        words += f" Revised after publication: {latest.revision_reason}."
    return words


def _due_words(s: OutcomeStatus) -> str:
    if s.due is None and s.first_due is not None:
        return f"Nothing due yet: {s.first_due.period} is due {day(s.first_due.due_date)}"
    if s.due is None:
        return "Nothing due yet"
    when = day(s.due.due_date)
    if s.due.overdue:
        return f"OVERDUE: {s.due.period}, due {when}"
    return f"{s.due.period} received (was due {when})"


def status_table(found: Sequence[Standing]) -> Table:
    rows = tuple(
        (
            str(s.number),
            _clip(s.title, 44),
            f"{with_unit(s.latest.value, s.unit)} ({s.latest.period})" if s.latest else "-",
            STATUS_WORDS[s.status],
            ("OVERDUE " + s.due.period) if s.due and s.due.overdue else "",
        )
        for s in found
    )
    return Table(("#", "Outcome", "Latest", "Status", "Overdue"), rows)


def status_counts(found: Sequence[Standing], counts: Counter[Status] | None = None) -> str:
    """How many of `found` have each status (`counts`, when they were counted already)."""
    counts = Counter(s.status for s in found) if counts is None else counts
    return ", ".join(f"{counts.get(status, 0)} {STATUS_WORDS[status].lower()}" for status in Status)


def outcome_list(
    title: str,
    found: Sequence[Standing],
    *,
    page: int = 1,
    next_command: str | None = None,
    empty: str = "No outcomes match.",
    shared: bool = False,
    whole: tuple[int, Counter[Status]] | None = None,
) -> Reply:
    """A page of outcomes with their status; long lists say how to see the next page. With
    `whole` (how many in all, and with each status), `found` is the page asked for alone."""
    total, counts = whole if whole is not None else (len(found), None)
    if not total:
        return Reply(empty, (Header(title), Section(text=empty)), shared=shared)
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    if page > pages:
        # Showing page 1 for `page 2` reads as if the command was not understood.
        which = "page 1" if pages == 1 else f"pages 1 to {pages}"
        raise UserError(
            f"There is no page {page}: the {_outcomes(total)} fit on {which}. "
            f"`{next_command or '/outcome list'}` shows {'it' if pages == 1 else 'the first'}."
        )
    page = max(page, 1)
    shown = found if whole is not None else found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    first = (page - 1) * PAGE_SIZE + 1
    blocks: list[Header | Section | Table | Context] = [
        Header(title),
        Section(text=f"{_outcomes(total)}: {status_counts(found, counts)}."),
        status_table(shown),
    ]
    if pages > 1:
        more = f" Next: `{next_command} page {page + 1}`." if next_command and page < pages else ""
        blocks.append(
            Context(
                (
                    f"Showing {first}–{first + len(shown) - 1} of {total} (page {page} of "
                    f"{pages}).{more} Type `/outcome N` for any outcome's card.",
                )
            )
        )
    else:
        blocks.append(Context(("Type `/outcome N` for any outcome's card.",)))
    return Reply(
        f"{title}: {_outcomes(total)}: {status_counts(found, counts)}.",
        tuple(blocks),
        shared=shared,
    )


def history_reply(
    outcome: Outcome,
    readings: Sequence[Reading],
    tz: tzinfo,
    *,
    shared: bool = False,
    revisions: Sequence[Revision] = (),
    names: Names = NO_NAMES,
    comparators: Sequence[Comparison] = (),
) -> Reply:
    """Every reading, corrections included, against the expected path: each with the status it
    was given when recorded, marked when that was under targets revised since."""
    polarity, tolerance = Polarity(outcome.polarity), parse_tolerance(outcome.tolerance)
    rows: list[tuple[str, ...]] = []
    previous: Reading | None = None
    for r in readings:
        rating = rating_when_recorded(r, outcome, revisions)
        expected = rating.expected
        if r.is_current:
            status = STATUS_WORDS[rating.status]
            if rating.replaced_by is not None:
                status += f" ({rated_earlier(rating.replaced_by, tz)})"
            direction = (
                DIRECTION_WORDS[direction_for(r.value, previous.value, polarity)]
                if previous
                else "-"
            )
            previous = r
        else:
            status, direction = "corrected later", ""
        rows.append(
            (
                r.period,
                with_unit(r.value, outcome.unit) + _state_words(ReadingView.of(r)),
                with_unit(expected, outcome.unit),
                status,
                direction,
                names.in_chat(r.submitted_by),
                f"{r.submitted_at.astimezone(tz):%d %b %Y}",
                _history_note(r, rating.status),
            )
        )
    title = f"{outcome.number}. {outcome.title}: history"
    baseline = (
        f"Baseline {with_unit(outcome.baseline_value, outcome.unit)} in {outcome.baseline_period}"
    )
    milestones = "; ".join(
        f"{with_unit(float(t), outcome.unit)} by {k}" for k, t in outcome.milestones
    )
    if not rows:
        text = f"No readings yet. {baseline}; milestones: {milestones}."
        return Reply(
            text, (Header(title), Section(text=text)), shared=shared, about=(outcome.number,)
        )
    revised = ""
    if revisions:
        when = ", ".join(short_day(r.at, tz) for r in revisions)
        revised = (
            f" Targets revised on {when}: each reading shows the status it was given when "
            f"recorded; `/outcome {outcome.number} targets` says what changed and why."
        )
    table = Table(
        ("Period", "Reading", "Expected", "Status", "Direction", "By", "Entered", "Commentary"),
        tuple(rows),
        caption=f"{baseline}; milestones: {milestones}. "
        f"Tolerance: {tolerance_rule(tolerance, outcome.unit)}.{revised}",
    )
    chart = Chart(
        title=f"Outcome {outcome.number}: readings against the path",
        alt_text=(
            f"Chart of outcome {outcome.number}'s {len(rows)} readings against the expected path "
            f"from {outcome.baseline_period} to 2040, with its milestones and tolerance band"
            + (
                f", beside {', '.join(sorted({c.area for c in comparators}))}."
                if comparators
                else "."
            )
        ),
        filename=f"outcome-{outcome.number}-history.png",
        draw=lambda: history_chart(outcome, readings, comparators),
    )
    return Reply(
        f"{title}: {counted(len(rows), 'reading')}.",
        (
            Header(title),
            Section(text=f"{outcome.measure} ({outcome.unit}), {POLARITY_WORDS[polarity]}."),
            table,
            chart,
        ),
        shared=shared,
        about=(outcome.number,),
    )


def _history_note(reading: Reading, given: str) -> str:
    words = reading.note or ("commentary missing" if given in NEEDS_COMMENTARY else "")
    if reading.revision_reason:
        words = f"revised after publication: {reading.revision_reason}. {words}".strip()
    return words


def _outcomes(count: int) -> str:
    return counted(count, "outcome")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
