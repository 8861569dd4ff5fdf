"""`/outcome` as people type it in Slack, through Bolt and waymark's HTTP endpoint."""

import time

from tests.slack.harness import (
    ADMIN,
    CHILDREN,
    ECONOMY,
    GENERAL,
    LEAD,
    OUTSIDER,
    SlackHarness,
)


def text_of(messages: list) -> str:  # type: ignore[type-arg]
    parts = []
    for m in messages:
        parts.append(m.text)
        for block in m.blocks or []:
            for key in ("text",):
                if isinstance(block.get(key), dict):
                    parts.append(block[key]["text"])
            for field in block.get("fields", []):
                parts.append(field["text"])
            for element in block.get("elements", []):
                if isinstance(element, dict) and "text" in element:
                    t = element["text"]
                    parts.append(t["text"] if isinstance(t, dict) else t)
    return "\n".join(parts)


async def test_outcome_card_answers_within_three_seconds(slack: SlackHarness) -> None:
    started = time.monotonic()
    shown = await slack.command(OUTSIDER, GENERAL, "12")
    assert time.monotonic() - started < 3
    assert len(shown) == 1
    card = shown[0]
    assert card in slack.workspace.ephemerals(OUTSIDER.id, GENERAL)  # only the asker sees it
    words = text_of(shown)
    assert "12. Fewer children grow up in poverty" in words
    assert "🟠 *At risk*" in words  # a colour and a word
    # 40% at 31 Mar 2024 to 30% at 31 Mar 2026: 35% expected at the end of 2024/25.
    assert "2024/25 reading 36% against an expected 35%" in words
    assert "Children's Trust Board" in words
    assert "OVERDUE: 2025/26, due Sun 27 Sep 2026" in words
    buttons = [b["accessory"] for b in card.blocks or [] if "accessory" in b]
    assert buttons[0]["action_id"] == "waymark.submit_reading"
    assert buttons[0]["value"] == "12"


async def test_a_forged_stale_or_missing_signature_gets_401_and_changes_nothing(
    slack: SlackHarness,
) -> None:
    body = b"command=%2Foutcome&text=12+submit+1&user_id=U0ADMIN&channel_id=C0GENERAL"
    form = "application/x-www-form-urlencoded"
    assert (await slack.post_signed(body, form, secret="not-the-secret"))[0] == 401
    stale = int(time.time()) - 6 * 60
    assert (await slack.post_signed(body, form, timestamp=stale))[0] == 401
    await slack.settle()
    assert slack.calls("chat.postMessage") == []
    shown = await slack.command(ADMIN, GENERAL, "12")
    assert "2024/25 reading 36%" in text_of(shown)


async def test_history_lists_every_reading_and_sends_a_chart(slack: SlackHarness) -> None:
    shown = await slack.command(LEAD, CHILDREN, "13 history")
    words = text_of(shown)
    assert "13. More children are vaccinated: history" in words
    assert "2024-Q2" in words
    assert "2024-Q3" in words
    uploads = slack.calls("files.completeUploadExternal")
    assert len(uploads) == 1
    images = [b for m in shown for b in (m.blocks or []) if b["type"] == "image"]
    assert len(images) == 1
    assert images[0]["slack_file"]["id"]
    stored = next(iter(slack.workspace.files.values()))
    assert (stored.content or b"").startswith(b"\x89PNG")


async def test_list_overdue_mine_group_and_search(slack: SlackHarness) -> None:
    words = text_of(await slack.command(OUTSIDER, GENERAL, "list"))
    assert "3 outcomes: 0 on track, 2 at risk, 0 off track, 1 no data." in words
    words = text_of(await slack.command(OUTSIDER, GENERAL, "list inclusive"))
    assert "More jobs in the town" in words
    assert "Fewer children" not in words
    words = text_of(await slack.command(OUTSIDER, GENERAL, "overdue"))
    assert "Overdue readings" in words
    assert "OVERDUE 2025/26" in words
    words = text_of(await slack.command(LEAD, CHILDREN, "mine"))
    assert "Your outcomes" in words
    assert "More children are vaccinated" in words
    assert "More jobs" not in words
    words = text_of(await slack.command(OUTSIDER, GENERAL, "mine"))
    assert "You do not lead a partnership group" in words
    words = text_of(await slack.command(OUTSIDER, GENERAL, "group economy"))
    assert "Inclusive Economy Board" in words
    assert "More jobs in the town" in words
    words = text_of(await slack.command(OUTSIDER, GENERAL, "search poverty"))
    assert "Fewer children grow up in poverty" in words
    words = text_of(await slack.command(OUTSIDER, GENERAL, "poverty"))
    assert "Outcomes about 'poverty'" in words
    assert "More jobs" not in words


async def test_help_is_generated_from_the_command_table(slack: SlackHarness) -> None:
    words = text_of(await slack.command(OUTSIDER, GENERAL, "help"))
    usages = [
        "/outcome N history",
        "/outcome N targets",
        "/outcome N submit VALUE",
        "/outcome list [AREA]",
        "/outcome overdue",
        "/outcome mine",
        "/outcome group SLUG",
        "/outcome search WORDS",
        "/outcome N assign GROUP",
        "/outcome N snooze 14d",
    ]
    for usage in usages:
        assert usage in words


async def test_unknown_outcome_or_subcommand_says_what_to_type(slack: SlackHarness) -> None:
    words = text_of(await slack.command(OUTSIDER, GENERAL, "99"))
    assert "There is no outcome 99: outcomes are numbered 12 to 20." in words
    assert "The closest are `/outcome 13` or `/outcome 20`" in words
    words = text_of(await slack.command(OUTSIDER, GENERAL, "12 histroy"))
    assert "Did you mean `/outcome 12 history`?" in words
    words = text_of(await slack.command(OUTSIDER, GENERAL, "twelve"))
    assert "Outcome numbers are written in digits: `/outcome 12`." in words
    words = text_of(await slack.command(OUTSIDER, GENERAL, "twenty history"))
    assert "Outcome numbers are written in digits: `/outcome 20 history`." in words
    words = text_of(await slack.command(OUTSIDER, GENERAL, "list page 2"))
    assert "There is no page 2: the 3 outcomes fit on page 1. `/outcome list` shows it." in words
    words = text_of(await slack.command(OUTSIDER, GENERAL, "list space"))
    assert "'space' is not a priority area" in words


async def test_submit_by_a_lead_records_and_by_others_is_refused(slack: SlackHarness) -> None:
    words = text_of(await slack.command(OUTSIDER, GENERAL, "12 submit 31.5 2025/26"))
    assert "Only the leads of the Children's Trust Board and administrators" in words
    assert "<@U0CHILDLEAD>" in words
    words = text_of(await slack.command(LEAD, CHILDREN, "12 submit abc"))
    assert "'abc' is not a number" in words
    words = text_of(await slack.command(LEAD, CHILDREN, "12 submit 31.5% 2025/26 provisional, DWP"))
    assert "Recorded outcome 12 (Children in relative low-income families), 2025/26: 31.5%" in words
    card = text_of(await slack.command(OUTSIDER, GENERAL, "12"))
    assert "31.5% for 2025/26" in card
    assert "submitted by Priya Shah" in card  # who submitted it, by name (from users.info)


async def test_assign_is_for_admins(slack: SlackHarness) -> None:
    words = text_of(await slack.command(LEAD, CHILDREN, "12 assign economy"))
    assert "Only administrators can assign outcomes to groups" in words
    words = text_of(await slack.command(ADMIN, GENERAL, "12 assign economy"))
    assert (
        "now belongs to the Inclusive Economy Board. It was with the Children's Trust Board."
        in (words)
    )
    words = text_of(await slack.command(OUTSIDER, GENERAL, "group economy"))
    assert "Fewer children grow up in poverty" in words
    words = text_of(await slack.command(ADMIN, GENERAL, "12 assign nobody"))
    assert "There is no group 'nobody'. The groups are: children, economy." in words


async def test_snooze_pause_and_resume_show_on_the_card(slack: SlackHarness) -> None:
    words = text_of(await slack.command(OUTSIDER, GENERAL, "13 snooze 14d"))
    assert (
        "Only the leads of the Children's Trust Board and administrators can snooze reminders "
        "about outcome 13. Ask a lead:" in words
    )
    words = text_of(await slack.command(LEAD, CHILDREN, "13 snooze 14d"))
    assert "snoozed until Thu 10 Dec 2026" in words
    assert "Reminders snoozed" in text_of(await slack.command(LEAD, CHILDREN, "13"))
    words = text_of(await slack.command(LEAD, CHILDREN, '13 pause "ONS stopped publishing"'))
    assert "Only administrators can pause" in words
    words = text_of(await slack.command(ADMIN, GENERAL, '13 pause "UKHSA stopped publishing"'))
    assert "paused: UKHSA stopped publishing" in words
    assert "UKHSA stopped publishing" in text_of(await slack.command(LEAD, CHILDREN, "13"))
    assert "back on" in text_of(await slack.command(ADMIN, GENERAL, "13 resume"))
    assert "Reminders paused" not in text_of(await slack.command(LEAD, CHILDREN, "13"))


async def test_share_posts_to_the_channel_for_everyone(slack: SlackHarness) -> None:
    await slack.command(LEAD, CHILDREN, "12 share")
    posted = [m for m in slack.workspace.history(CHILDREN) if m.user == "U0WAYMARK"]
    assert len(posted) == 1
    assert "Fewer children grow up in poverty" in text_of(posted)
    assert not slack.workspace.ephemerals(LEAD.id, CHILDREN)
    assert ECONOMY not in {c["channel"] for c in slack.calls("chat.postMessage")}
