"""Delivery plans through the core, as any chat platform reaches it: adding actions, showing a
plan and an action, updates from a thread and from the form, and `/outcome mine`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from commands.conversations import Core
from commands.events import (
    AnswerPosted,
    ButtonPressed,
    Command,
    ReplyDeleted,
    ReplyEdited,
    ThreadReply,
    UpdateSubmitted,
)
from commands.plans.queries import outcome_actions
from commands.presentation.replies import (
    Action,
    Actions,
    Context,
    Header,
    Reply,
    Section,
    mention,
)
from storage.db import Database
from storage.repositories import AuditRepository, PlanRepository, ReadingRepository
from tests.factories import load_roadmap_with_plans

LEAD, LEAD_2, ECONOMY_LEAD, ADMIN, OUTSIDER = (
    "U0CHILDLEAD", "U0CHILDLEA2", "U0ECONLEAD1", "U0ADMIN", "U0NOBODY",
)  # fmt: skip
CHANNEL = "C0CHILDREN1"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)


@pytest.fixture
async def core(db: Database, tmp_path: Path, clock: Clock, tz: ZoneInfo) -> Core:
    await load_roadmap_with_plans(db, tmp_path / "map", clock.now, tz)
    return Core(db, clock=clock, tz=tz, admins=frozenset({ADMIN}))


def words(reply: Reply) -> str:
    """Every word a reader sees, as written (headers too, which `as_text` capitalises)."""
    parts = [reply.fallback]
    for block in reply.blocks:
        if isinstance(block, Header):
            parts.append(block.text)
        elif isinstance(block, Section):
            parts += [block.title or "", f"[{block.badge.word}]" if block.badge else "", block.text]
            parts += [f"{f.label}: {f.value}" for f in block.facts]
        elif isinstance(block, Context):
            parts += block.items
    return "\n".join(parts)


async def say(core: Core, user: str, text: str, channel: str = CHANNEL) -> str:
    return words(await core.command(Command("slack", channel, user, text)))


async def card(core: Core, user: str, text: str) -> Reply:
    return await core.command(Command("slack", CHANNEL, user, text))


async def posted(core: Core, reply: Reply, ts: str = "1764158400.000100") -> str:
    """The card shared in the channel as message `ts`: its thread takes updates."""
    await core.answer_posted(AnswerPosted("slack", CHANNEL, ts, reply))
    return ts


_replies = iter(range(1, 10_000))


def reply_in(thread: str, user: str, text: str, receipt: str | None = None) -> ThreadReply:
    ts = f"1764158500.{next(_replies):06d}"
    return ThreadReply("slack", CHANNEL, thread, ts, user, text, receipt=receipt or f"Ev{ts}")


async def test_a_lead_adds_an_action_and_the_plan_lists_it(core: Core, clock: Clock) -> None:
    added = await card(
        core,
        LEAD,
        "12 plan add Breakfast clubs in every primary school due March 2027 "
        "owner <@U0CHILDLEA2> lead Luton Council",
    )
    said = words(added)
    assert "Added action 12.3 to outcome 12's delivery plan." in said
    assert "12.3 Breakfast clubs in every primary school" in said
    assert f"Not started. Owner: {mention('U0CHILDLEA2')}." in said
    assert "Due: Due Wed 31 Mar 2027" in said
    assert added.action_id is not None
    assert added.about == ()  # its thread takes updates, not readings

    plan = await say(core, OUTSIDER, "12 plan")
    assert "12. Fewer children grow up in poverty: delivery plan" in plan
    assert "3 actions: 1 not started, 2 on track; 1 past its due date" in plan
    assert plan.index("12.1 Auto-enrol") < plan.index("12.2 Pay care") < plan.index("12.3 Break")
    assert (
        f"Last update: Tue 1 Sep 2026, {mention('U0CHILDLEA2')}: On track — Data-sharing agreement"
        in plan
    )
    # 12.1 serves outcome 13 too, and is listed under it, numbered from its home.
    assert "12.1 Auto-enrol free school meals" in await say(core, OUTSIDER, "13 plan")
    async with core.services.db.reading() as session:
        [entry] = await AuditRepository(session).for_subject("action:12.3")
    assert (entry.action, entry.actor) == ("action.added", LEAD)
    assert entry.after is not None
    assert entry.after["owner"] == LEAD_2


async def test_adding_is_for_the_groups_leads_and_says_what_to_type(core: Core) -> None:
    refused = await say(core, OUTSIDER, "12 plan add Breakfast clubs")
    assert "Only the leads of the Children's Trust Board and administrators can add" in refused
    assert mention("U0CHILDLEAD") in refused
    assert "Only the leads of the Inclusive Economy Board" in await say(
        core, LEAD, "20 plan add Breakfast clubs"
    )
    assert "'soon' is not a date" in await say(core, LEAD, "12 plan add Clubs due soon")
    assert "has passed" in await say(core, LEAD, "12 plan add Clubs due March 2025")
    assert "A pledge is made by an organisation" in await say(core, LEAD, "12 plan pledge Clubs")
    assert "There is no outcome 77" in await say(core, LEAD, "12 plan add Clubs also 77")
    assert "'remove' is not something `/outcome 12 plan` can do" in await say(
        core, LEAD, "12 plan remove 12.1"
    )
    assert "Added pledge 12.3" in await say(
        core, ADMIN, "12 plan pledge Pay the Real Living Wage lead Luton Airport share"
    )
    async with core.services.db.reading() as session:
        rows = await PlanRepository(session).rows()
    assert [(r.ref, r.kind, r.owner_id) for r in rows if r.outcome_number == 12] == [
        ("12.1", "action", LEAD_2),
        ("12.2", "pledge", LEAD),
        ("12.3", "pledge", ADMIN),  # no owner named: whoever added it
    ]


async def test_one_action_with_its_updates_and_a_button(core: Core) -> None:
    shown = await card(core, OUTSIDER, "action 20.1")
    said = words(shown)
    assert "20.1 A jobs fair at the airport" in said
    assert "[Delayed]" in said
    assert "Lead organisation: London Luton Airport" in said
    assert (
        f"Mon 28 Sep 2026, {mention('U0ECONLEAD1')}: Delayed — Venue changed, new date January"
        in said
    )
    [buttons] = [b for b in shown.blocks if isinstance(b, Actions)]
    assert [(b.label, b.action) for b in buttons.buttons] == [
        ("Give an update", Action.UPDATE_ACTION)
    ]
    assert "There is no action 12.9: outcome 12's are 12.1 to 12.2" in await say(
        core, OUTSIDER, "action 12.9"
    )
    assert "Outcome 13 has no actions yet" in await say(core, OUTSIDER, "action 13.1")
    assert "There is no outcome 99" in await say(core, OUTSIDER, "action 99.1")
    assert "Say which action" in await say(core, OUTSIDER, "action")


async def test_replies_in_an_actions_thread_are_updates_once_each(core: Core, db: Database) -> None:
    thread = await posted(core, await card(core, LEAD_2, "action 12.1 share"))
    first = reply_in(thread, LEAD_2, "delayed — contractor changed, new date March")
    answer = await core.thread_reply(first)
    assert answer is not None
    assert answer.react_tick
    assert answer.reply is not None
    assert answer.reply.fallback == (
        "Recorded an update to action 12.1 (Auto-enrol free school meals): Delayed — contractor "
        "changed, new date March. State: on track → delayed."
    )
    again = await core.thread_reply(first)  # the platform delivered it twice
    assert again is not None
    assert again.reply is None
    other_receipt = ThreadReply(**{**first.__dict__, "receipt": "EvANOTHER"})
    assert (await core.thread_reply(other_receipt)).reply is None  # type: ignore[union-attr]
    # A comment that names no state keeps the state; chat and others' comments are left alone.
    kept = await core.thread_reply(reply_in(thread, LEAD, "23.4 million spent so far"))
    assert kept is not None
    assert kept.reply is not None
    assert "It stays delayed." in kept.reply.fallback
    assert await core.thread_reply(reply_in(thread, LEAD_2, "thanks")) is None
    assert await core.thread_reply(reply_in(thread, OUTSIDER, "Great work everyone")) is None
    refused = await core.thread_reply(reply_in(thread, OUTSIDER, "complete"))
    assert refused is not None
    assert refused.reply is not None
    assert "Only action 12.1's owner, the leads of the Children's Trust Board" in (
        refused.reply.fallback
    )
    async with db.reading() as session:
        plans = PlanRepository(session)
        action = await plans.action(12, 1)
        assert action is not None
        updates = await plans.updates(action.id)
        readings = await ReadingRepository(session).everything()
    assert action.state == "delayed"
    assert [(u.state, u.by_user, u.text) for u in updates] == [
        ("delayed", LEAD, "23.4 million spent so far"),
        ("delayed", LEAD_2, "contractor changed, new date March"),
        ("on_track", LEAD_2, "Data-sharing agreement signed"),
    ]
    assert len(readings) == 3  # the factories' readings: "23.4" here was not a reading


async def test_an_edit_is_a_new_update_and_a_deletion_keeps_it(core: Core, db: Database) -> None:
    thread = await posted(core, await card(core, LEAD_2, "action 12.1 share"))
    said = reply_in(thread, LEAD_2, "delayed — supplier late")
    await core.thread_reply(said)
    edit = ReplyEdited(
        "slack", CHANNEL, thread, said.message_id, LEAD_2, "delayed — supplier late, new date May",
        edited="1764158999.000001", receipt="EvEDIT",
    )  # fmt: skip
    corrected = await core.reply_edited(edit)
    assert corrected is not None
    assert corrected.reply is not None
    assert corrected.reply.fallback.startswith("Thanks for the correction. Recorded an update")
    notice = await core.reply_deleted(
        ReplyDeleted("slack", CHANNEL, thread, said.message_id, receipt="EvGONE")
    )
    assert notice is not None
    assert notice.fallback.startswith(
        "That message was deleted, but the update it gave (Delayed — supplier late, new date "
        "May) stays in action 12.1's history."
    )
    async with db.reading() as session:
        action = await PlanRepository(session).action(12, 1)
        assert action is not None
        assert await PlanRepository(session).update_count(action.id) == 3


async def test_the_give_an_update_form(core: Core, db: Database) -> None:
    async with db.reading() as session:
        action = await PlanRepository(session).action(20, 1)
    assert action is not None
    press = ButtonPressed(
        "slack", "C0ECONOMY01", None, ECONOMY_LEAD, Action.UPDATE_ACTION, str(action.id)
    )
    opened = await core.button_pressed(press)
    assert opened.form is not None
    state, line = opened.form.inputs
    assert (state.initial, [c.value for c in state.choices]) == (
        "delayed",
        ["not_started", "on_track", "delayed", "complete", "cancelled"],
    )
    assert not line.optional
    outsider = await core.button_pressed(ButtonPressed(**{**press.__dict__, "user_id": OUTSIDER}))
    assert outsider.form is None
    assert outsider.reply is not None

    def submit(values: dict[str, str]) -> UpdateSubmitted:
        return UpdateSubmitted("slack", "C0ECONOMY01", None, ECONOMY_LEAD, action.id, values)

    empty = await core.update_submitted(submit({"state": "delayed", "line": " "}))
    assert empty.errors == {"line": "Say what happened, in one line."}
    too_long = await core.update_submitted(submit({"state": "on_track", "line": "x" * 1001}))
    assert "at most 1,000 is kept" in too_long.errors["line"]
    done = await core.update_submitted(submit({"state": "complete", "line": ""}))
    assert done.confirmation == (
        "Recorded an update to action 20.1 (A jobs fair at the airport): Complete. "
        "State: delayed → complete."
    )


async def test_mine_lists_the_actions_someone_owns(core: Core) -> None:
    lead_2 = await say(core, LEAD_2, "mine")
    assert "Your outcomes" in lead_2
    assert "Your actions" in lead_2
    assert "12.1 Auto-enrol free school meals" in lead_2
    assert "12.2" not in lead_2
    admin = await say(core, ADMIN, "mine")
    assert "You own no actions in the delivery plans either." in admin


async def test_an_outcomes_actions_as_of_a_date(core: Core, db: Database, clock: Clock) -> None:
    thread = await posted(core, await card(core, LEAD_2, "action 12.1 share"))
    clock.now = datetime(2026, 12, 3, 10, tzinfo=UTC)
    await core.thread_reply(reply_in(thread, LEAD_2, "complete — every school signed up"))
    async with db.reading() as session:
        before = await outcome_actions(session, 13, as_of=clock.now - timedelta(days=1))
        after = await outcome_actions(session, 13, as_of=clock.now)
        july = await outcome_actions(session, 12, as_of=datetime(2026, 7, 1, tzinfo=UTC))
    assert [(a.number, a.state) for a in before] == [("12.1", "on_track")]
    assert [(a.number, a.state) for a in after] == [("12.1", "complete")]
    assert after[0].last_update is not None
    assert after[0].last_update.as_json() == {
        "at": "2026-12-03T10:00:00Z",
        "by": LEAD_2,
        "state": "complete",
        "text": "every school signed up",
    }
    # In July, 12.1 had no update yet (its first came in September): not started then; 12.2
    # starts in October.
    assert [(a.number, a.state, a.last_update) for a in july] == [("12.1", "not_started", None)]
