"""One outcome's block in the progress report, and the sentences it and the summary share: a
success a councillor could repeat, and the reasons more work is required."""

from __future__ import annotations

from datetime import date
from html import escape

from commands.domain.rules import Polarity, Status
from commands.presentation.cards import comparison_words
from commands.presentation.formatting import (
    DIRECTION_WORDS,
    POLARITY_WORDS,
    STATUS_WORDS,
    explanation,
    with_unit,
)
from commands.presentation.trajectory import draw_trajectory, inline_svg, trajectory_figures
from commands.reports.content import OutcomeReport

STATUS_CLASSES = {
    Status.ON_TRACK: "on-track",
    Status.AT_RISK: "at-risk",
    Status.OFF_TRACK: "off-track",
    Status.NO_DATA: "no-data",
}
MORE_WORK_WORDS = {
    "off_track": "off track",
    "worsening_twice": "worse in each of its last two readings",
}
ACTION_STATES = {
    "not_started": "not started",
    "on_track": "on track",
    "delayed": "delayed",
    "complete": "complete",
    "cancelled": "cancelled",
}


def long_day(value: date) -> str:
    """`26 November 2026`: how a report writes a date."""
    return f"{value.day} {value:%B %Y}"


def status_badge(status: Status) -> str:
    """The status in words, coloured: the words carry it for a reader who cannot see colour."""
    return f'<span class="status {STATUS_CLASSES[status]}">{STATUS_WORDS[status]}</span>'


def success_sentence(o: OutcomeReport) -> str:
    """`Fewer Luton households live in destitution. Households below the minimum income
    standard: 9.9% in 2024 (lower is better), at or better than the 11.2% expected, and better
    than 12.1% in 2023.`"""
    s, unit = o.status, o.status.unit
    assert s.latest is not None
    clauses = []
    if "beat" in o.successes and s.expected is not None:
        clauses.append(f"at or better than the {figure(s.expected, unit)} expected")
    if "improved" in o.successes and s.previous is not None:
        clauses.append(f"better than {with_unit(s.previous.value, unit)} in {s.previous.period}")
    for reason in o.successes:
        if reason.startswith("milestone:"):
            label = reason.split(":", 1)[1]
            target = {str(k): float(t) for k, t in o.facts.milestones}[label]
            clauses.append(f"reaching its {label} milestone of {with_unit(target, unit)}")
    joined = ", and ".join([", ".join(clauses[:-1]), clauses[-1]] if len(clauses) > 1 else clauses)
    # An outcome that improved can still be behind its path: the sentence must not let a reader
    # repeat it as a success without that.
    words = STATUS_WORDS[s.status].lower()
    still = "" if s.status is Status.ON_TRACK else f", though still {words}"
    # The measure, and which way is better when it is lower: "8.6%, better than 9.1%" reads
    # wrong under "residents are satisfied with their lives" unless the reader is told both.
    lower = " (lower is better)" if s.polarity is Polarity.LOWER_IS_BETTER else ""
    return (
        f"{s.title}. {o.facts.measure}: {with_unit(s.latest.value, unit)} in "
        f"{s.latest.period}{lower}, {joined}{still}."
    )


def figure(value: float, unit: str) -> str:
    """A figure worked out on the path, to two places as the status sentence gives it: the
    table once said "Expected 9,040" under a sentence that said "an expected 9,040.07"."""
    return with_unit(value, unit)


def more_work_words(o: OutcomeReport) -> str:
    """Why the outcome needs more work, with the working a councillor can check."""
    why = "; ".join(MORE_WORK_WORDS[r] for r in o.more_work)
    return f"{why}. {explanation(o.status)}" if o.status.latest is not None else f"{why}."


def commentary(o: OutcomeReport) -> str:
    latest = o.status.latest
    if latest is None:
        return "No reading yet."
    note = latest.note.strip()
    if not note:
        return "No commentary has been given on the latest reading."
    # A sentence, as leads write a note in a hurry ("wide confidence interval. NHS Health…").
    note = note[0].upper() + note[1:]
    return note if note.endswith((".", "!", "?")) else note + "."


def anchor(o: OutcomeReport) -> str:
    return f"outcome-{o.status.number}"


def outcome_block(o: OutcomeReport) -> str:
    s, unit = o.status, o.status.unit
    latest = (
        f"{with_unit(s.latest.value, unit)} for {s.latest.period}"
        + (" (provisional)" if s.latest.provisional else "")
        if s.latest
        else "No reading yet"
    )
    facts = [
        ("Measure", f"{s.measure} ({unit}, {POLARITY_WORDS[s.polarity]})"),
        ("Owner group", s.owner_name or "No group assigned"),
        ("Latest reading", latest),
        ("Expected", f"{figure(s.expected, unit)} for {s.expected_for}" if s.expected else "-"),
        (
            "Direction",
            f"{DIRECTION_WORDS[s.direction]} since {s.previous.period}"
            if s.direction and s.previous
            # Lower case, as the other directions: one reading has nothing to compare with.
            else "not known until there are two readings",
        ),
        (
            "Next milestone",
            f"{with_unit(s.next_milestone.value, unit)} by {s.next_milestone.label}"
            if s.next_milestone
            else "All milestones passed",
        ),
    ]
    if o.latest_comparators:
        facts.append(("Compared with", comparison_words(o.latest_comparators, unit)))
    rows = "".join(
        f'<tr><th scope="row">{escape(k)}</th><td>{escape(v)}</td></tr>' for k, v in facts
    )
    parts = [
        f'<section class="outcome" id="{anchor(o)}" aria-labelledby="{anchor(o)}-h">',
        # The heading, its figures and its chart on one page.
        '<div class="keep">',
        f'<h3 id="{anchor(o)}-h">{s.number}. {escape(s.title)} {status_badge(s.status)}</h3>',
        f'<p class="sentence">{escape(explanation(s))}</p>',
        f'<table class="facts">{rows}</table>',
        _chart(o),
        "</div>",
        f"<h4>Commentary</h4><p>{escape(commentary(o))}</p>",
    ]
    if o.actions:
        parts.append(
            "<h4>Delivery plan</h4><ul>" + "".join(_action(a) for a in o.actions) + "</ul>"
        )
    parts.append('<h4>Data notes</h4><ul class="notes">' + _notes(o) + "</ul>")
    parts.append("</section>")
    return "\n".join(parts)


def _chart(o: OutcomeReport) -> str:
    s = o.status
    figures = trajectory_figures(o.facts, [(p.period, p.value) for p in o.points], o.comparators)
    svg = draw_trajectory(figures, image_format="svg", salt=str(s.number), height=2.3)
    readings = "; ".join(f"{p.period}: {with_unit(p.value, s.unit)}" for p in o.points)
    beside = f" Beside them: {comparison_words(o.comparators, s.unit)}." if o.comparators else ""
    # What a sighted reader gets from the chart, in words: the milestones and the band too.
    milestones = ", ".join(
        f"{with_unit(float(target), s.unit)} by {label}" for label, target in o.facts.milestones
    )
    side = "below" if s.polarity is Polarity.HIGHER_IS_BETTER else "above"
    description = (
        f"Readings against the expected path from {s.baseline.label} "
        f"({with_unit(s.baseline.value, s.unit)}) through its milestones ({milestones}); the band "
        f"{side} the path is where a reading is at risk (within {figures['band']}). "
        f"Readings: {readings or 'none yet'}.{beside}"
    )
    title = f"Outcome {s.number}: readings against the path"
    return (
        f'<figure class="chart">{inline_svg(svg, title, description, anchor(o) + "-chart")}'
        f"<figcaption>{escape(title)}.</figcaption></figure>"
    )


def _action(action: dict[str, object]) -> str:
    state = ACTION_STATES.get(str(action["state"]), str(action["state"]).replace("_", " "))
    due = f", due {long_day(date.fromisoformat(str(action['due'])))}" if action.get("due") else ""
    return (
        f"<li>{escape(str(action['number']))}: {escape(str(action['title']))} ({state}{due})</li>"
    )


def _notes(o: OutcomeReport) -> str:
    notes = []
    if o.provisional_periods:
        periods = ", ".join(o.provisional_periods)
        notes.append(f"Provisional, not yet approved: {escape(periods)}.")
    for period, why in o.revised:
        notes.append(f"{escape(period)} was revised after publication: {escape(why)}.")
    notes.append(f"Source: {escape(o.source or 'not recorded')}.")
    sources = sorted({(c.area, c.source) for c in o.comparators if c.source})
    for area, source in sources:
        # "East of England: Illustrative." did not say what was illustrative.
        notes.append(f"{escape(area)}'s figures: {_linked(source)}.")
    return "".join(f"<li>{note}</li>" for note in notes)


def _linked(text: str) -> str:
    """A source with its link made a link (the text after `: https://`)."""
    words, found, url = text.rpartition(": http")
    if not found:
        return escape(text)
    link = "http" + url
    return f'{escape(words)}: <a href="{escape(link)}">{escape(link)}</a>'
