"""Figures a council can publish, through the real Slack app and the playground's Web API:
approval, locked periods, commentary and the plausibility checks, each "tried" case of the
issue as its users tried it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from commands.readings.locks import lock_through
from commands.roadmap_files.importing import import_readings, import_roadmap
from playground.records import Message
from storage.db import Database
from storage.repositories import AuditRepository, ReadingRepository, RoadmapRepository
from tests.factories import OUTCOMES, READINGS, write_roadmap
from tests.slack.harness import (
    ADMIN,
    CHILDREN,
    ECONOMY,
    ECONOMY_LEAD,
    LEAD,
    LEAD_2,
    SlackHarness,
    slack_harness,
)
from tests.slack.test_outcome_command import text_of

# Outcome 16 as in the example road map; outcome 21 lower is better, 8.3% on track in 2026-Q2.
MORE_OUTCOMES = (
    "16,Fewer children live in temporary accommodation,Child friendly town,Children in "
    "temporary accommodation,count,lower_is_better,quarterly,100,2024-Q1,2050,"
    "2027-Q4:1600;2040:300,10%,children,MHCLG\n"
    "21,Fewer young people are out of learning and work,Child friendly town,16-17 year olds "
    "not in education or training,%,lower_is_better,quarterly,60,2024-Q1,9,2026-Q1:8.5;2040:4,"
    "1,children,DfE\n"
)
MORE_READINGS = (
    "16,2026-Q2,2184,U0CHILDLEAD,2026-10-14T10:11:00Z,\n"
    "21,2026-Q2,8.3,U0CHILDLEA2,2026-08-20T09:00:00Z,\n"
)


@pytest.fixture
async def slack(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> AsyncIterator[SlackHarness]:
    """The Slack app with the small road map and outcomes 16 and 21, imported by the
    performance officer (so its readings are approved by her)."""
    directory = write_roadmap(tmp_path / "roadmap", readings=READINGS + MORE_READINGS)
    (directory / "outcomes.csv").write_text(OUTCOMES + MORE_OUTCOMES)
    async with db.transaction() as session:
        await import_roadmap(session, directory, actor=ADMIN.id, now=now, tz=tz)
    async with slack_harness(db.url.render_as_string(hide_password=False), now) as harness:
        yield harness


async def shared_card(slack: SlackHarness, number: int) -> str:
    await slack.command(LEAD, CHILDREN, f"{number} share")
    return slack.workspace.history(CHILDREN)[-1].ts


async def readings_of(slack: SlackHarness, number: int) -> list[tuple[str, float, bool]]:
    async with slack.running.db.reading() as session:
        outcome = await RoadmapRepository(session).outcome(number)
        assert outcome is not None
        history = await ReadingRepository(session).history(outcome.id)
    return [(r.period, r.value, r.is_current) for r in history]


async def add_readings(slack: SlackHarness, tmp_path: Path, rows: str, now: datetime) -> None:
    file = tmp_path / "more-readings.csv"
    file.write_text("outcome,period,value,submitted_by,submitted_at,note\n" + rows)
    async with slack.running.db.transaction() as session:
        await import_readings(session, file, now=now, tz=ZoneInfo("Europe/London"), actor=ADMIN.id)


async def status_json(
    slack: SlackHarness,
    number: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> dict[str, object]:
    """`waymark status N --json`, as an operator runs it against the same database."""
    monkeypatch.setenv("DATABASE_URL", slack.running.db.url.render_as_string(hide_password=False))
    capsys.readouterr()
    code = await asyncio.to_thread(main, ["status", str(number), "--json", "--at", "2026-11-26"])
    assert code == 0
    found: dict[str, object] = json.loads(capsys.readouterr().out)
    return found


def said(slack: SlackHarness, thread: str) -> list[str]:
    return [m.text for m in slack.bot_replies(CHILDREN, thread)]


def button(message: Message, action: str) -> str:
    """The value of the message's button for `action`."""
    for block in message.blocks or []:
        accessory = block.get("accessory") or {}
        if accessory.get("action_id") == action:
            return str(accessory["value"])
    raise AssertionError(f"no {action} button on {message.text!r}")


async def test_a_period_before_the_baseline_is_refused_on_every_path(slack: SlackHarness) -> None:
    """`2023-Q1` for an outcome whose baseline is `2024-Q1`, and `1900/01`: refused, naming the
    baseline, and nothing is stored (the CSV path is in tests/commands/roadmap_files)."""
    [answer] = await slack.command(LEAD, CHILDREN, "13 submit 86 2023-Q1")
    assert (
        "2023-Q1 is before outcome 13's baseline, 85% in 2024-Q1: readings start from 2024-Q2."
        in text_of([answer])
    )
    thread = await shared_card(slack, 13)
    await slack.reply(LEAD, CHILDREN, thread, "86 2023-Q1")
    card_12 = await shared_card(slack, 12)
    await slack.reply(LEAD, CHILDREN, card_12, "36 1900/01")
    [in_thread] = said(slack, thread)
    assert "2023-Q1 is before outcome 13's baseline, 85% in 2024-Q1" in in_thread
    [in_thread] = said(slack, card_12)
    assert "1900/01 is before outcome 12's baseline, 40% in 2023/24" in in_thread
    assert await readings_of(slack, 13) == [("2024-Q2", 86.0, True), ("2024-Q3", 85.5, True)]
    assert await readings_of(slack, 12) == [("2024/25", 36.0, True)]
    assert slack.calls("reactions.add") == []


async def test_a_submit_without_a_period_asks_which_when_the_period_due_has_a_figure(
    slack: SlackHarness, tmp_path: Path, now: datetime
) -> None:
    """`/outcome 9 submit 45` with no period, when the period due holds another lead's approved
    figure: waymark asks which period instead of replacing it; replacing it on purpose is
    asked about too, and kept with a button."""
    await add_readings(slack, tmp_path, "12,2025/26,31.2,U0CHILDLEAD,2026-10-01T09:00:00Z,\n", now)
    [answer] = await slack.command(LEAD_2, CHILDREN, "12 submit 45")
    assert (
        "Which period is 45% for? The period due, 2025/26, already has 31.2% from "
        "<@U0CHILDLEAD>, approved by <@U0ADMIN> on Thu 26 Nov 2026." in text_of([answer])
    )
    assert ("2025/26", 45.0, True) not in await readings_of(slack, 12)

    [asked] = await slack.command(LEAD_2, CHILDREN, "12 submit 31.5 2025/26 DWP revised it")
    assert text_of([asked]).startswith(
        "2025/26 already has 31.2% from <@U0CHILDLEAD>, approved by <@U0ADMIN> on Thu 26 Nov "
        "2026. Press *Keep 31.5%* to replace it, or type `/outcome 12 submit 31.5 2025/26 DWP "
        "revised it confirm`"
    )
    assert await readings_of(slack, 12) == [("2024/25", 36.0, True), ("2025/26", 31.2, True)]

    keep = button(asked, "waymark.keep_figure")
    for _ in range(2):  # pressed twice: recorded once
        await slack.playground.people.click(
            LEAD_2.id, action_id="waymark.keep_figure", channel_id=CHILDREN, message_ts=asked.ts
        )
        await slack.settle()
    seen = [m.text for m in slack.workspace.ephemerals(LEAD_2.id, CHILDREN)]
    assert any(
        "Recorded outcome 12 (Children in relative low-income families), 2025/26: 31.5%, "
        "correcting 31.2%" in t
        for t in seen
    )
    assert "That figure was recorded already." in seen[-1]
    assert keep.isdigit()
    assert await readings_of(slack, 12) == [
        ("2024/25", 36.0, True),
        ("2025/26", 31.2, False),
        ("2025/26", 31.5, True),
    ]


async def test_a_figure_over_another_leads_in_a_thread_is_kept_only_when_they_say_yes(
    slack: SlackHarness,
) -> None:
    """`57%` in a thread over another lead's 8.3: asked about, held (not stored), recorded once
    when the lead says yes, however often the yes is delivered."""
    thread = await shared_card(slack, 21)
    await slack.reply(LEAD, CHILDREN, thread, "57%")
    assert (
        "Which period is 57% for? The period due, 2026-Q2, already has 8.3% from <@U0CHILDLEA2>"
        in said(slack, thread)[-1]
    )
    await slack.reply(LEAD, CHILDREN, thread, "57 2026-Q2")
    assert said(slack, thread)[-1] == (
        "2026-Q2 already has 8.3% from <@U0CHILDLEA2>, approved by <@U0ADMIN> on Thu 26 Nov "
        "2026. Reply `yes` to replace it, or give the right figure."
    )
    assert await readings_of(slack, 21) == [("2026-Q2", 8.3, True)]

    await slack.reply(LEAD, CHILDREN, thread, "yes")
    [yes] = [d for d in slack.workspace.deliveries if d.kind == "event" and
             d.payload["event"].get("text") == "yes"]  # fmt: skip
    assert await slack.deliver_event(yes.payload, retry=1) == 200
    await slack.reply(LEAD, CHILDREN, thread, "yes")  # said twice
    assert await readings_of(slack, 21) == [("2026-Q2", 8.3, False), ("2026-Q2", 57.0, True)]
    recorded = [t for t in said(slack, thread) if t.startswith("Recorded")]
    assert len(recorded) == 1
    assert "correcting 8.3%" in recorded[0]
    assert "Status now: Off track" in recorded[0]
    assert recorded[0].endswith(
        "It is off track: reply here with a line on what is being done about it."
    )


async def test_a_figure_ten_times_the_last_is_held_until_kept(slack: SlackHarness) -> None:
    """`/outcome 16 submit 21840`: ten times the last reading, 2,184. Held, not stored, until
    kept by the typed form (`… confirm`); the button on the question then does nothing more."""
    [asked] = await slack.command(LEAD, CHILDREN, "16 submit 21840 2026-Q3")
    assert text_of([asked]).startswith(
        "You wrote 21,840 — ten times the last reading, 2,184 (2026-Q2). Press *Keep 21,840* "
        "to keep it, or type `/outcome 16 submit 21840 2026-Q3 confirm`"
    )
    assert await readings_of(slack, 16) == [("2026-Q2", 2184.0, True)]

    [kept] = await slack.command(
        LEAD, CHILDREN, "16 submit 21840 2026-Q3 Families placed after the fire confirm"
    )
    assert "Recorded outcome 16 (Children in temporary accommodation), 2026-Q3: 21,840" in (
        text_of([kept])
    )
    await slack.playground.people.click(
        LEAD.id, action_id="waymark.keep_figure", channel_id=CHILDREN, message_ts=asked.ts
    )
    await slack.settle()
    assert (
        "That figure was replaced already."
        in slack.workspace.ephemerals(LEAD.id, CHILDREN)[-1].text
    )
    assert await readings_of(slack, 16) == [("2026-Q2", 2184.0, True), ("2026-Q3", 21840.0, True)]
    async with slack.running.db.reading() as session:
        outcome = await RoadmapRepository(session).outcome(16)
        assert outcome is not None
        [_, latest] = await ReadingRepository(session).history(outcome.id)
    assert latest.confirmed


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


async def test_a_figure_for_the_economy_needs_no_question_when_plausible(
    slack: SlackHarness,
) -> None:
    """A first figure, a plausible one, from the group's own lead, for the period due: stored
    at once, provisional, with no question."""
    await slack.command(ECONOMY_LEAD, ECONOMY, "20 submit 96,000")
    assert await readings_of(slack, 20) == [("2025", 96000.0, True)]


async def test_the_form_asks_for_commentary_and_to_keep_a_doubted_figure(
    slack: SlackHarness,
) -> None:
    thread = await shared_card(slack, 16)
    await slack.playground.people.click(
        LEAD.id, action_id="waymark.submit_reading", channel_id=CHILDREN, message_ts=thread
    )
    await slack.settle()
    [view] = [v for v in slack.workspace.views.values() if v.user_id == LEAD.id]
    bad = await slack.playground.people.submit(
        LEAD.id, view.id, {"value": "21840", "period": "2026-Q3"}
    )
    assert bad.errors["confirm"].startswith(
        "You wrote 21,840 — ten times the last reading, 2,184 (2026-Q2). To keep it, choose "
        "“Yes, keep this figure” and submit again"
    )
    assert "21,840 for 2026-Q3 is off track" in bad.errors["note"]
    assert await readings_of(slack, 16) == [("2026-Q2", 2184.0, True)]
    good = await slack.playground.people.submit(
        LEAD.id,
        view.id,
        {"value": "2190", "period": "2026-Q3", "note": "Leasing scheme from January"},
    )
    assert good.errors == {}
    await slack.settle()
    assert await readings_of(slack, 16) == [("2026-Q2", 2184.0, True), ("2026-Q3", 2190.0, True)]
    [confirmation] = slack.bot_replies(CHILDREN, thread)
    assert button(confirmation, "waymark.approve_reading").isdigit()
