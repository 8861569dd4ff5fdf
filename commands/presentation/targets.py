"""Replies about an outcome's targets and their revisions, and how a reading rated under
earlier targets is marked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from commands.domain.rules import parse_tolerance
from commands.domain.targets import Revision, Targets, target_changes
from commands.people.directory import Names
from commands.presentation.formatting import tolerance_rule, with_unit
from commands.presentation.replies import Context, Header, Reply, Section
from storage.models import Outcome


def short_day(moment: datetime, tz: tzinfo) -> str:
    """`3 Nov 2026`."""
    local = moment.astimezone(tz)
    return f"{local.day} {local:%b %Y}"


def rated_earlier(revision: Revision, tz: tzinfo) -> str:
    """How a reading rated under targets that `revision` replaced is marked."""
    return f"rated against the targets before {short_day(revision.at, tz)}"


def targets_words(targets: Targets, unit: str) -> str:
    """`baseline 85.7% in 2024-Q1; milestones 89% by 2027-Q4, 95% by 2040; tolerance 1
    percentage point`."""
    milestones = ", ".join(f"{with_unit(t, unit)} by {k}" for k, t in targets.milestones)
    tolerance = tolerance_rule(parse_tolerance(targets.tolerance), unit)
    return (
        f"baseline {with_unit(targets.baseline_value, unit)} in {targets.baseline_period}; "
        f"milestones {milestones}; tolerance {tolerance}"
    )


def targets_reply(
    outcome: Outcome,
    revisions: Sequence[Revision],
    names: Names,
    tz: tzinfo,
    *,
    shared: bool = False,
) -> Reply:
    title = f"{outcome.number}. {outcome.title}: targets"
    now = f"Now: {targets_words(Targets.of(outcome), outcome.unit)}."
    sections = [Section(text=now)]
    for revision in reversed(revisions):
        changed = "; ".join(target_changes(revision.before, revision.after)) or "nothing"
        sections.append(
            Section(
                title=f"Revised on {short_day(revision.at, tz)} by {names.in_chat(revision.by)}",
                text=f"Why: {revision.reason}\nChanged: {changed}.",
            )
        )
    if revisions:
        count = len(revisions)
        summary = f"{count} revision{'' if count == 1 else 's'}"
        small_print = (
            "Readings recorded before a revision keep the status they were given then: "
            f"`/outcome {outcome.number} history` marks them.",
        )
    else:
        summary = "never revised"
        small_print = ("These are the targets it started with: they have never been revised.",)
    return Reply(
        f"{title}: {now} ({summary})",
        (Header(title), *sections, Context(small_print)),
        shared=shared,
        about=(outcome.number,),
    )
