"""Replies about delivery plans: an outcome's plan, one action's card with its updates and its
"Give an update" button, and the actions a person owns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from commands.domain.plans import is_overdue
from commands.plans.states import kind_words, state_badge, state_words
from commands.presentation.formatting import day
from commands.presentation.replies import (
    Action,
    Actions,
    Block,
    Button,
    Context,
    Fact,
    Header,
    Reply,
    Section,
    mention,
)
from storage.plan_models import ActionState
from storage.repositories import ActionRow

# Slack allows 50 blocks a message: longer plans list the rest in one line.
MAX_LISTED = 25
NEWEST_UPDATES = 8

HOW_TO_UPDATE = (
    "Owners give an update by replying in this thread with the state first, then one line: "
    "`on track — contract signed`, `delayed — contractor changed, new date March`, "
    "`complete`. A reply without a state keeps it. Or press Give an update."
)


@dataclass(frozen=True)
class ActionFacts:
    """One action as a card shows it."""

    id: int
    ref: str
    title: str
    kind: str
    lead_org: str
    owner_id: str | None
    start: date | None
    due: date | None
    state: str
    outcome_number: int
    outcome_title: str
    group_name: str | None
    also: tuple[int, ...] = ()


@dataclass(frozen=True)
class UpdateFacts:
    at: datetime
    by: str
    state: str
    text: str


def update_button(action_id: int) -> Button:
    return Button("Give an update", Action.UPDATE_ACTION, str(action_id), primary=True)


def due_words(due: date | None, state: str, today: date) -> str:
    if due is None:
        return "no due date"
    if is_overdue(state, due, today):
        late = (today - due).days
        return f"was due {day(due)}, {late} day{'' if late == 1 else 's'} overdue"
    return f"due {day(due)}"


def _first_up(text: str) -> str:
    return text[:1].upper() + text[1:]


def update_words(update: UpdateFacts, tz: tzinfo) -> str:
    """`Tue 3 Mar 2026, @Priya: Delayed — contractor changed`."""
    line = f" — {update.text}" if update.text else ""
    when = day(update.at.astimezone(tz).date())
    return f"{when}, {mention(update.by)}: {state_words(update.state)}{line}"


def _latest(row: ActionRow) -> UpdateFacts | None:
    if row.latest_at is None or row.latest_by is None or row.latest_state is None:
        return None
    return UpdateFacts(row.latest_at, row.latest_by, row.latest_state, row.latest_text or "")


def action_section(row: ActionRow, tz: tzinfo, today: date, *, home: int | None = None) -> Section:
    """One action in a list: its state as a badge and a word, who leads and owns it, when it is
    due, and its last update. `home`: the outcome listed, to say when it serves from another."""
    owner = mention(row.owner_id) if row.owner_id else "no owner named"
    lead = row.lead_org or "no lead organisation named"
    kind = "Pledge by " if row.kind == "pledge" else "Lead: "
    lines = [f"{kind}{lead}. Owner: {owner}. {_first_up(due_words(row.due, row.state, today))}."]
    latest = _latest(row)
    lines.append(f"Last update: {update_words(latest, tz)}" if latest else "No update yet.")
    if home is not None and row.outcome_number != home:
        lines.append(f"(Outcome {row.outcome_number}'s action, serving this outcome too.)")
    return Section(
        title=f"{row.ref} {row.title}", text="\n".join(lines), badge=state_badge(row.state)
    )


def _listed(
    rows: Sequence[ActionRow], tz: tzinfo, today: date, home: int | None = None
) -> list[Section | Context]:
    blocks: list[Section | Context] = [
        action_section(r, tz, today, home=home) for r in rows[:MAX_LISTED]
    ]
    rest = rows[MAX_LISTED:]
    if rest:
        refs = ", ".join(r.ref for r in rest)
        blocks.append(
            Context((f"…and {len(rest)} more: {refs}. `/outcome action N.M` shows one.",))
        )
    return blocks


def summary(rows: Sequence[ActionRow], today: date) -> str:
    """`3 actions: 1 on track, 2 delayed; 1 past its due date`."""
    counts = Counter(r.state for r in rows)
    parts = [
        f"{counts[s.value]} {state_words(s.value).lower()}" for s in ActionState if counts[s.value]
    ]
    text = f"{len(rows)} action{'' if len(rows) == 1 else 's'}: {', '.join(parts)}"
    overdue = sum(1 for r in rows if is_overdue(r.state, r.due, today))
    if overdue:
        text += f"; {overdue} past {'its due date' if overdue == 1 else 'their due dates'}"
    return text


def plan_reply(
    number: int,
    title: str,
    rows: Sequence[ActionRow],
    tz: tzinfo,
    today: date,
    *,
    shared: bool = False,
) -> Reply:
    """`/outcome N plan`: the outcome's actions (its own, then those serving it too)."""
    head = f"{number}. {title}: delivery plan"
    if not rows:
        text = (
            f"Outcome {number} has no actions yet. Its group's leads add them with "
            f"`/outcome {number} plan add TITLE due DATE owner @PERSON lead ORGANISATION`."
        )
        return Reply(text, (Header(head), Section(text=text)), shared=shared)
    own = [r for r in rows if r.outcome_number == number]
    others = [r for r in rows if r.outcome_number != number]
    ordered = own + others
    blocks: list[Block] = [Header(head), Section(text=summary(ordered, today) + ".")]
    blocks += _listed(ordered, tz, today, home=number)
    blocks.append(
        Context(
            (
                "`/outcome action N.M` shows an action with its updates and a Give an update "
                f"button; leads add actions with `/outcome {number} plan add TITLE …`.",
            )
        )
    )
    fallback = f"Outcome {number}'s delivery plan: {summary(ordered, today)}."
    return Reply(fallback, tuple(blocks), shared=shared)


def action_card(
    action: ActionFacts,
    updates: Sequence[UpdateFacts],
    total_updates: int,
    tz: tzinfo,
    today: date,
    *,
    shared: bool = False,
    note: str | None = None,
) -> Reply:
    """`/outcome action N.M`: one action, its latest updates, and a Give an update button.
    Replies in the thread of a posted card are updates to it."""
    serves = [f"{action.outcome_number} ({action.outcome_title})"]
    serves += [str(n) for n in action.also]
    facts = [
        Fact("Outcome" if not action.also else "Outcomes", ", ".join(serves)),
        Fact("Kind", kind_words(action.kind)),
        Fact("Lead organisation", action.lead_org or "Not named"),
        Fact("Start", day(action.start) if action.start else "Not set"),
        Fact("Due", _first_up(due_words(action.due, action.state, today))),
        Fact("Group", action.group_name or "No group"),
    ]
    owner = mention(action.owner_id) if action.owner_id else "not named yet"
    blocks: list[Block] = [Header(f"{action.ref} {action.title}")]
    if note:
        blocks.append(Section(text=note))
    blocks += [
        # The owner in words, not in a fact: a fact cannot notify anyone on every platform.
        Section(
            text=f"{state_words(action.state)}. Owner: {owner}.", badge=state_badge(action.state)
        ),
        Section(facts=tuple(facts)),
    ]
    if updates:
        lines = [f"• {update_words(u, tz)}" for u in updates]
        if total_updates > len(updates):
            lines.append(f"…and {total_updates - len(updates)} earlier updates.")
        blocks.append(Section(title="Updates, newest first", text="\n".join(lines)))
    else:
        blocks.append(Section(title="Updates", text="No update yet."))
    blocks += [Actions((update_button(action.id),)), Context((HOW_TO_UPDATE,))]
    fallback = (
        f"Action {action.ref}: {action.title} — {state_words(action.state).lower()}, "
        f"{due_words(action.due, action.state, today)}."
    )
    if note:
        fallback = f"{note} {fallback}"
    return Reply(fallback, tuple(blocks), shared=shared, action_id=action.id)


def owned_blocks(rows: Sequence[ActionRow], tz: tzinfo, today: date) -> list[Block]:
    """The actions a person owns, for `/outcome mine`."""
    if not rows:
        return []
    blocks: list[Block] = [Header("Your actions"), Section(text=summary(rows, today) + ".")]
    blocks += _listed(rows, tz, today)
    blocks.append(
        Context(
            ("Reply in an action's thread, or press Give an update on its card, to update it.",)
        )
    )
    return blocks
