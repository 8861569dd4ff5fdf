"""An outcome's targets (baseline, milestones, tolerance) and their revisions.

A reading is rated against the targets in force when it was recorded. When the targets change,
the change is a dated revision, so that every reading can still be shown with the status it
was given then, marked as rated against earlier targets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from commands.domain.rules import format_number


class TargetFacts(Protocol):
    @property
    def baseline_period(self) -> str: ...
    @property
    def baseline_value(self) -> float: ...
    @property
    def milestones(self) -> Sequence[Any]: ...
    @property
    def tolerance(self) -> str: ...


@dataclass(frozen=True)
class Targets:
    """What an outcome is measured against: the baseline, the milestones and the tolerance."""

    baseline_period: str
    baseline_value: float
    milestones: tuple[tuple[str, float], ...]
    tolerance: str

    @classmethod
    def of(cls, outcome: TargetFacts) -> Targets:
        return cls(
            outcome.baseline_period,
            float(outcome.baseline_value),
            tuple((str(key), float(target)) for key, target in outcome.milestones),
            outcome.tolerance,
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Targets:
        return cls(
            str(data["baseline_period"]),
            float(data["baseline_value"]),
            tuple((str(key), float(target)) for key, target in data["milestones"]),
            str(data["tolerance"]),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "baseline_period": self.baseline_period,
            "baseline_value": self.baseline_value,
            "milestones": [[key, target] for key, target in self.milestones],
            "tolerance": self.tolerance,
        }

    @property
    def milestones_text(self) -> str:
        """As outcomes.csv writes them: `2028:25;2040:10`."""
        return ";".join(f"{key}:{format_number(target)}" for key, target in self.milestones)


def target_changes(before: Targets, after: Targets) -> list[str]:
    """What changed, in the words outcomes.csv uses: `milestones 2028:25;2040:10 →
    2028:23;2040:10`. Empty when nothing did."""
    changes = []
    if before.baseline_period != after.baseline_period:
        changes.append(f"baseline period {before.baseline_period} → {after.baseline_period}")
    if before.baseline_value != after.baseline_value:
        old, new = format_number(before.baseline_value), format_number(after.baseline_value)
        changes.append(f"baseline value {old} → {new}")
    if before.milestones != after.milestones:
        changes.append(f"milestones {before.milestones_text} → {after.milestones_text}")
    if before.tolerance != after.tolerance:
        changes.append(f"tolerance {before.tolerance} → {after.tolerance}")
    return changes


@dataclass(frozen=True)
class Revision:
    """A change of targets: who made it, when and why, and the targets before and after."""

    at: datetime
    by: str
    reason: str
    before: Targets
    after: Targets

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat().replace("+00:00", "Z"),
            "by": self.by,
            "reason": self.reason,
            "before": self.before.as_json(),
            "after": self.after.as_json(),
        }


@dataclass(frozen=True)
class InForce:
    """The targets in force at a moment, and the revision that replaced them (None while they
    are still the outcome's targets)."""

    targets: Targets
    replaced_by: Revision | None


def targets_in_force(at: datetime, current: Targets, revisions: Sequence[Revision]) -> InForce:
    """The targets in force at `at`: the `before` of the first revision made after `at`, or
    the current targets when there is none. A revision applies from its own moment on."""
    for revision in sorted(revisions, key=lambda r: r.at):
        if revision.at > at:
            return InForce(revision.before, revision)
    return InForce(current, None)
