"""Where the digest and escalations go, read from settings as people write them. The core
posts to these values; it never reads settings itself.

A target is `CHANNEL` (a Slack channel id, as before there was Teams) or `PLATFORM:CHANNEL`,
PLATFORM `slack` or `teams`: `C0123456789`, `slack:C0123456789`,
`teams:19:abc@thread.tacv2`. Teams channel ids hold colons of their own, so a target is split
at its first colon only, and only when what comes before it is a platform. Several targets are
separated by spaces or commas.
"""

from __future__ import annotations

from typing import NamedTuple

PLATFORMS = ("slack", "teams")
FORMS = "write C0123456789 for a Slack channel, or teams:19:abc@thread.tacv2 for a Teams one"


class Target(NamedTuple):
    """One channel on one platform."""

    platform: str
    channel: str


class TargetError(ValueError):
    """A setting names a channel in a form waymark cannot read. The message names the
    variable; `problem` is the rest, for callers that name the variable themselves."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


def channel_targets(text: str | None, variable: str) -> tuple[Target, ...]:
    """Every target in `text`, in the order written, each once; none for an empty value."""
    targets: list[Target] = []
    for word in (text or "").replace(",", " ").split():
        target = _target(word, variable)
        if target not in targets:
            targets.append(target)
    return tuple(targets)


def channel_target(text: str | None, variable: str) -> Target | None:
    """The one target in `text`, or None for an empty value."""
    targets = channel_targets(text, variable)
    if len(targets) > 1:
        raise TargetError(
            variable, f"'{text}' names {len(targets)} channels; it takes one: {FORMS}"
        )
    return targets[0] if targets else None


def _target(word: str, variable: str) -> Target:
    prefix, colon, channel = word.partition(":")
    if not colon:
        return Target("slack", word)
    platform = prefix.lower()
    if platform not in PLATFORMS:
        if prefix.isdigit():  # 19:…@thread.tacv2 written without its platform
            raise TargetError(
                variable, f"'{word}' looks like a Teams channel: write it as teams:{word}"
            )
        raise TargetError(
            variable,
            f"'{prefix}' in '{word}' is not a platform waymark posts to (slack or teams): {FORMS}",
        )
    if not channel:
        raise TargetError(variable, f"'{word}' names no channel after '{prefix}:': {FORMS}")
    if platform == "slack" and ":" in channel:
        raise TargetError(
            variable, f"'{channel}' is not a Slack channel id (those have no colons): {FORMS}"
        )
    return Target(platform, channel)
