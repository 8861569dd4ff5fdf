"""Figures a council can publish, through the real Slack app and the playground's Web API: the
plausibility checks and the questions waymark asks, each "tried" case of the issue as its users
tried it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from storage.repositories import ReadingRepository, RoadmapRepository
from tests.slack.guards.helpers import add_readings, button, readings_of, said, shared_card
from tests.slack.harness import CHILDREN, ECONOMY, ECONOMY_LEAD, LEAD, LEAD_2, SlackHarness
from tests.slack.test_outcome_command import text_of


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
