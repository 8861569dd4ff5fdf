"""An action's states and kinds in words, the words people type for them, and how an owner is
written in files and JSON (`U0123` on Slack, `teams:ID` on Teams)."""

from __future__ import annotations

from commands.presentation.replies import Badge, Choice, Tone
from storage.plan_models import ActionKind, ActionState

STATE_WORDS = {
    ActionState.NOT_STARTED: "Not started",
    ActionState.ON_TRACK: "On track",
    ActionState.DELAYED: "Delayed",
    ActionState.COMPLETE: "Complete",
    ActionState.CANCELLED: "Cancelled",
}

_TONES = {
    ActionState.NOT_STARTED: Tone.NEUTRAL,
    ActionState.ON_TRACK: Tone.GOOD,
    ActionState.DELAYED: Tone.WARNING,
    ActionState.COMPLETE: Tone.GOOD,
    ActionState.CANCELLED: Tone.NEUTRAL,
}

KIND_WORDS = {ActionKind.ACTION: "Action", ActionKind.PLEDGE: "Pledge"}

# What people type at the start of an update, longest first so `not started` wins over `not`.
TYPED_STATES: tuple[tuple[str, ActionState], ...] = (
    ("not started", ActionState.NOT_STARTED),
    ("not_started", ActionState.NOT_STARTED),
    ("on track", ActionState.ON_TRACK),
    ("on_track", ActionState.ON_TRACK),
    ("on-track", ActionState.ON_TRACK),
    ("completed", ActionState.COMPLETE),
    ("cancelled", ActionState.CANCELLED),
    ("complete", ActionState.COMPLETE),
    ("canceled", ActionState.CANCELLED),
    ("delayed", ActionState.DELAYED),
    ("done", ActionState.COMPLETE),
)

# The choices of the update form, in the order a plan moves through them.
STATE_CHOICES = tuple(Choice(words, state.value) for state, words in STATE_WORDS.items())

STATES_TYPED = "on track, delayed, complete, not started or cancelled"


def state_of(value: str) -> ActionState:
    return ActionState(value)


def state_words(value: str) -> str:
    return STATE_WORDS[ActionState(value)]


def state_badge(value: str) -> Badge:
    state = ActionState(value)
    return Badge(STATE_WORDS[state], _TONES[state])


def kind_words(value: str) -> str:
    return KIND_WORDS[ActionKind(value)]


def owner_text(platform: str | None, user_id: str | None) -> str:
    """An owner as files and JSON write them: the id on Slack, `PLATFORM:ID` elsewhere."""
    if not user_id:
        return ""
    return user_id if platform in (None, "slack") else f"{platform}:{user_id}"


def owner_of(text: str) -> tuple[str, str] | None:
    """`U0123` (Slack) or `teams:ID` as (platform, user id); None when empty."""
    text = text.strip()
    if not text:
        return None
    prefix, colon, rest = text.partition(":")
    if colon and prefix.lower() in ("slack", "teams") and rest:
        return prefix.lower(), rest
    return "slack", text
