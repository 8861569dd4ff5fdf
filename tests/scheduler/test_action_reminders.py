"""Owners asked for updates on their actions, as the group channels receive them: when, with
what words, once per action and level, and not after an update; and the digest's lists.

The plans of tests/factories.py, loaded on Thursday 1 October 2026: action 12.1's last update
was on Tue 1 Sep, so it is quiet from Tue 13 Oct (six weeks, 42 days, later); pledge 12.2
started on 1 Oct with no update and was due Fri 30 Oct, so it is owed one from Sat 31 Oct (its
first rung on Mon 2 Nov); 20.1's last update was on Mon 28 Sep, so it is quiet from Mon 9 Nov.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from commands.plans.updating import FORM
from scheduler.jobs import JobContext, send_reminders, send_weekly_digest
from storage.db import Database
from storage.plan_models import ActionUpdate
from storage.repositories import PlanRepository, PostRepository
from tests.factories import load_roadmap_with_plans
from tests.scheduler.conftest import (
    CHILDREN,
    DIGEST,
    ECONOMY,
    LONDON,
    PROGRAMME,
    at,
    context,
    days,
    local_times,
    run,
)
from tests.scheduler.fakes import FakeMessenger, Posted


@pytest.fixture
async def plans(db: Database, tmp_path: Path) -> Database:
    await load_roadmap_with_plans(
        db, tmp_path / "map", datetime(2026, 10, 1, 9, tzinfo=UTC), LONDON
    )
    return db


async def refs(db: Database) -> dict[int, str]:
    async with db.reading() as session:
        return {r.id: r.ref for r in await PlanRepository(session).rows()}


def _named(key: str | None, names: dict[int, str]) -> str | None:
    """An action reminder's key with the action's number (`12.1`) in place of its id."""
    if not key or not key.startswith("action-"):
        return None
    kind, action_id, since, level = key.split(":")
    return f"{kind}:{names[int(action_id)]}:{since}:{level}"


def about_actions(
    posted: list[tuple[datetime, Posted]], names: dict[int, str]
) -> list[tuple[str, str, str]]:
    """The action reminders posted: when (local time), where, and their key."""
    found = []
    for when, channel, key in local_times(posted):
        named_key = _named(key, names)
        if named_key:
            found.append((when, channel, named_key))
    return found


def named(posted: list[tuple[datetime, Posted]], names: dict[int, str]) -> dict[str, Posted]:
    return {k: p for _, p in posted if (k := _named(p.key, names))}


async def test_the_ladder_for_a_quiet_action_and_an_overdue_pledge(
    plans: Database, messenger: FakeMessenger
) -> None:
    names = await refs(plans)
    posted = await run(context(plans, messenger), days(date(2026, 10, 12), date(2026, 11, 17)))
    keys = {key: (when, channel) for when, channel, key in about_actions(posted, names)}
    assert keys == {
        "action-reminder:12.1:2026-10-13:1": ("Tue 13 Oct 10:00", CHILDREN),
        "action-reminder:12.1:2026-10-13:2": ("Tue 20 Oct 10:00", CHILDREN),
        "action-escalation:12.1:2026-10-13:3": ("Tue 27 Oct 10:00", PROGRAMME),
        "action-reminder:12.2:2026-10-31:1": ("Mon 02 Nov 10:00", CHILDREN),
        "action-reminder:12.2:2026-10-31:2": ("Mon 09 Nov 10:00", CHILDREN),
        "action-reminder:20.1:2026-11-09:1": ("Mon 09 Nov 10:00", ECONOMY),
        "action-escalation:12.2:2026-10-31:3": ("Mon 16 Nov 10:00", PROGRAMME),
        "action-reminder:20.1:2026-11-09:2": ("Mon 16 Nov 10:00", ECONOMY),
    }
    by_key = named(posted, names)
    first = by_key["action-reminder:12.1:2026-10-13:1"]
    assert first.mentions == ("U0CHILDLEA2",)  # the owner
    assert (
        "Action 12.1, Auto-enrol free school meals, has had no update for 6 weeks "
        "(since Tue 1 Sep 2026). Please reply in this thread with where it stands."
    ) in first.words
    assert first.reply.about == ()
    second = by_key["action-reminder:12.1:2026-10-13:2"]
    assert second.mentions == ("U0CHILDLEA2", "U0CHILDLEAD")  # the owner, then the leads
    assert "Group leads, please follow it up." in second.words
    pledge = by_key["action-reminder:12.2:2026-10-31:1"]
    assert (
        "Action 12.2, Pay care workers the Real Living Wage, was due Fri 30 Oct 2026 and is not "
        "marked complete." in pledge.words
    )
    # Replies in a reminder's thread are updates to its action.
    async with plans.reading() as session:
        post = await PostRepository(session).find("slack", CHILDREN, first.message_id)
    assert post is not None
    assert (post.action_id, post.outcomes) == (first.reply.action_id, [])


async def test_an_update_stops_the_ladder_until_the_action_goes_quiet_again(
    plans: Database, messenger: FakeMessenger
) -> None:
    names = await refs(plans)
    ctx = context(plans, messenger)
    posted = await run(ctx, days(date(2026, 10, 12), date(2026, 10, 14)))
    async with plans.transaction() as session:
        action = await PlanRepository(session).action(12, 1)
        assert action is not None
        session.add(
            ActionUpdate(
                action_id=action.id, at=at("2026-10-15T16:00"), by_platform="slack",
                by_user="U0CHILDLEA2", state="on_track", text="Supplier chosen", via=FORM,
            )
        )  # fmt: skip
    posted += await run(ctx, days(date(2026, 10, 15), date(2026, 11, 30), hours=(10,)))
    twelve_one = [k for _, _, k in about_actions(posted, names) if ":12.1:" in k]
    # Quiet again six weeks after 15 October: Thursday 26 November.
    assert twelve_one == [
        "action-reminder:12.1:2026-10-13:1",
        "action-reminder:12.1:2026-11-26:1",
    ]


async def test_each_rung_is_posted_once_however_often_the_pass_runs(
    plans: Database, messenger: FakeMessenger
) -> None:
    ctx = context(plans, messenger)
    monday = at("2026-11-09T10:00")
    first = await send_reminders(ctx, monday)
    assert "update reminder for action 12.2 to Children's Trust Board" in first
    assert "update reminder for action 20.1 to Inclusive Economy Board" in first
    again = await send_reminders(ctx, monday + timedelta(minutes=5))
    assert again.startswith("No reminders to post")
    preview = await send_reminders(ctx, at("2026-11-16T10:00"), dry_run=True)
    assert "=== to C0PROGRAMME: escalation of action 12.2 for Children's Trust Board" in preview
    assert "UPDATE NEEDED: ACTION 20.1" in preview


async def test_without_a_programme_channel_the_escalation_waits(
    plans: Database, messenger: FakeMessenger
) -> None:
    ctx = context(plans, messenger, programme=None)
    said = await send_reminders(ctx, at("2026-11-16T10:00"), dry_run=True)
    assert (
        "Action 12.2 is due an escalation, but there is no programme channel to send it to." in said
    )


async def test_the_digest_lists_actions_delayed_overdue_and_completed(
    plans: Database, messenger: FakeMessenger
) -> None:
    async with plans.transaction() as session:
        action = await PlanRepository(session).action(12, 1)
        assert action is not None
        action.state = "complete"
        session.add(
            ActionUpdate(
                action_id=action.id, at=at("2026-11-18T11:00"), by_platform="slack",
                by_user="U0CHILDLEA2", state="complete", text="Every school signed up", via=FORM,
            )
        )  # fmt: skip
    ctx: JobContext = context(plans, messenger, digest=DIGEST)
    await send_weekly_digest(ctx, at("2026-11-23T09:30"))
    [digest] = [p for p in messenger.sent if p.channel_id == DIGEST]
    words = digest.words
    assert "Actions delayed (1)" in words
    assert (
        "• Action 20.1, A jobs fair at the airport: Venue changed, new date January "
        "(Mon 28 Sep 2026)" in words
    )
    assert "Actions past their due date (1)" in words
    assert (
        "• Action 12.2, Pay care workers the Real Living Wage: due Fri 30 Oct 2026, 24 days ago; "
        "on track" in words
    )
    assert "Actions completed this week (1)" in words
    assert (
        "• Action 12.1, Auto-enrol free school meals: completed Wed 18 Nov 2026 (Every school "
        "signed up)" in words
    )
    # A week later nothing was completed in the week the digest covers.
    await send_weekly_digest(ctx, at("2026-11-30T09:30"))
    later = [p for p in messenger.sent if p.channel_id == DIGEST][-1]
    assert "Actions completed this week (0)" in later.words
    assert "No action was completed this week." in later.words


async def test_a_digest_without_plans_says_so_in_one_line(
    roadmap: Database, messenger: FakeMessenger
) -> None:
    await send_weekly_digest(context(roadmap, messenger, digest=DIGEST), at("2026-03-02T09:30"))
    [digest] = messenger.sent
    assert (
        "No action is delayed or past its due date, and none was completed this week."
        in digest.words
    )
