"""Figures a council can publish, through the real Slack app and the playground's Web API:
locked periods, commentary and approval, each "tried" case of the issue as its users tried it."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from commands.readings.locks import lock_through
from storage.repositories import AuditRepository
from tests.slack.guards.helpers import readings_of, said, shared_card, status_json
from tests.slack.harness import ADMIN, CHILDREN, LEAD, SlackHarness
from tests.slack.test_outcome_command import text_of


async def test_a_lead_cannot_rewrite_a_locked_figure_and_an_admin_revises_it_with_a_reason(
    slack: SlackHarness,
    now: datetime,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with slack.running.db.transaction() as session:
        await lock_through(
            session,
            through=date(2025, 3, 31),
            by=ADMIN.id,
            reason="published in the 2025 progress report",
            now=now,
        )
    locked = (
        "2024/25 is locked: <@U0ADMIN> locked every period ending on or before Mon 31 Mar 2025 "
        "on Thu 26 Nov 2026 (published in the 2025 progress report)."
    )
    [refused] = await slack.command(LEAD, CHILDREN, "12 submit 35 2024/25 typo")
    assert refused.text.startswith(
        f"{locked} Only an administrator can revise it now, giving a reason: ask one of them:"
    )
    assert "<@U0ADMIN>" in text_of([refused])
    thread = await shared_card(slack, 12)
    await slack.reply(LEAD, CHILDREN, thread, "35 2024/25")
    assert said(slack, thread)[-1].startswith(locked)
    assert await readings_of(slack, 12) == [("2024/25", 36.0, True)]

    # An administrator: asked for the reason in the thread; the next reply there gives it.
    await slack.reply(ADMIN, CHILDREN, thread, "35 2024/25")
    assert said(slack, thread)[-1] == (
        f"{locked} Reply here with the reason for revising it, and I will record 35% as revised "
        "after publication; or reply `no` to leave it."
    )
    await slack.reply(ADMIN, CHILDREN, thread, "DWP revised the estimate in October")
    assert (
        "Marked as revised after publication: DWP revised the estimate in October."
        in said(slack, thread)[-1]
    )
    assert await readings_of(slack, 12) == [("2024/25", 36.0, False), ("2024/25", 35.0, True)]
    latest = (await status_json(slack, 12, monkeypatch, capsys))["latest"]
    assert isinstance(latest, dict)
    assert latest["revised_after_publication"] is True
    assert latest["revision_reason"] == "DWP revised the estimate in October"
    history = await slack.command(ADMIN, CHILDREN, "12 history")  # the table, then the chart
    assert "revised after publication: DWP revised the estimate in October" in text_of(history)
    [card] = await slack.command(ADMIN, CHILDREN, "12")
    assert "35% for 2024/25 (revised after publication)" in text_of([card])

    # By command, the reason comes after `reason:`.
    [asked] = await slack.command(ADMIN, CHILDREN, "12 submit 34.5 2024/25")
    assert (
        "To revise it, give the reason after the figure: "
        "`/outcome 12 submit 34.5 2024/25 reason: WHY IT CHANGED`." in text_of([asked])
    )
    [done] = await slack.command(ADMIN, CHILDREN, "12 submit 34.5 2024/25 reason: rounding")
    assert "Marked as revised after publication: rounding." in text_of([done])
    async with slack.running.db.reading() as session:
        actions = [e.action for e in await AuditRepository(session).for_subject("lock:1")]
    assert actions == ["periods.locked"]


async def test_an_off_track_figure_by_command_needs_its_commentary(slack: SlackHarness) -> None:
    [refused] = await slack.command(LEAD, CHILDREN, "12 submit 33 2025/26")
    assert refused.text == (
        "33% for 2025/26 is off track (the path expects 30%), so it needs a line on what is "
        "being done about it. Add it after the period: `/outcome 12 submit 33 2025/26 WHAT IS "
        "BEING DONE`."
    )
    assert await readings_of(slack, 12) == [("2024/25", 36.0, True)]
    [done] = await slack.command(LEAD, CHILDREN, "12 submit 33 2025/26 Benefit checks in schools")
    assert "Recorded outcome 12" in text_of([done])
    assert "It is provisional until an approver approves it." in text_of([done])


async def test_a_leads_reading_goes_provisional_then_commentary_then_approved(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's Done-when walk: each step visible in chat and in `waymark status --json`."""
    thread = await shared_card(slack, 12)
    await slack.reply(LEAD, CHILDREN, thread, "33 2025/26")
    [confirmation] = slack.bot_replies(CHILDREN, thread)
    assert "Recorded outcome 12 (Children in relative low-income families), 2025/26: 33%." in (
        confirmation.text
    )
    assert confirmation.text.endswith(
        "It is provisional until an approver approves it. It is off track: reply here with a "
        "line on what is being done about it."
    )
    latest = (await status_json(slack, 12, monkeypatch, capsys))["latest"]
    assert isinstance(latest, dict)
    assert (latest["state"], latest["note"]) == ("provisional", "")
    [pending] = await slack.command(ADMIN, CHILDREN, "pending")
    assert "Waiting for approval" in text_of([pending])
    assert "commentary missing" in text_of([pending])

    # Not yet: it needs its commentary first.
    approve = {"action_id": "waymark.approve_reading", "channel_id": CHILDREN,
               "message_ts": confirmation.ts}  # fmt: skip
    await slack.playground.people.click(ADMIN.id, **approve)
    await slack.settle()
    assert "has no commentary yet, so it cannot be approved" in (
        slack.workspace.ephemerals(ADMIN.id, CHILDREN)[-1].text
    )

    await slack.reply(LEAD, CHILDREN, thread, "Benefit checks in every primary school from January")
    assert said(slack, thread)[-1] == (
        "Thanks <@U0CHILDLEAD>: outcome 12's 2025/26 reading (33%) now has commentary: "
        "“Benefit checks in every primary school from January”."
    )
    latest = (await status_json(slack, 12, monkeypatch, capsys))["latest"]
    assert isinstance(latest, dict)
    assert latest["note"] == "Benefit checks in every primary school from January"

    # Nobody approves their own reading; the performance officer does.
    await slack.playground.people.click(LEAD.id, **approve)
    await slack.settle()
    assert "You submitted outcome 12's 2025/26 reading (33%), so someone else must approve it" in (
        slack.workspace.ephemerals(LEAD.id, CHILDREN)[-1].text
    )
    await slack.playground.people.click(ADMIN.id, **approve)
    await slack.settle()
    assert said(slack, thread)[-1] == (
        "Approved outcome 12's 2025/26 reading (33%) (submitted by <@U0CHILDLEAD>): it can be "
        "published. Approved by <@U0ADMIN>."
    )
    latest = (await status_json(slack, 12, monkeypatch, capsys))["latest"]
    assert isinstance(latest, dict)
    assert (latest["state"], latest["approved_by"]) == ("approved", ADMIN.id)
    [pending] = await slack.command(ADMIN, CHILDREN, "pending")
    assert "Nothing is waiting for approval" in text_of([pending])
    async with slack.running.db.reading() as session:
        actions = [
            e.action for e in await AuditRepository(session).for_subject("outcome:12:2025/26")
        ]
    assert actions == ["reading.recorded", "reading.commented", "reading.approved"]
