"""`waymark remind`, `digest` and `outbox` as an operator runs them, against a local Slack Web API:
real arguments, real database, real output, and what reached the channels."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import cli
from commands.delivery.operators import message_id_from
from commands.errors import UserError
from playground.standin import BOT_TOKEN, StandIn, running_standin
from storage.db import Database
from storage.repositories import OutboxRepository
from tests.conftest import PostgresTarget, _in_thread
from tests.databases import empty
from tests.factories import write_roadmap
from tests.scheduler.conftest import CHILDREN, DIGEST, ECONOMY, PROGRAMME

REMINDERS = [
    "reminder:children:13:2025-Q4:1",
    "reminder:economy:20:2024:4",
    "escalation:economy:20:2024:3",
]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'operator.db'}"
    target: PostgresTarget = request.getfixturevalue("postgres")
    if target.url is None:
        pytest.skip(target.reason)
    _in_thread(_emptied(target.url))
    return target.url


async def _emptied(url: str) -> None:
    db = Database(url)
    await empty(db)
    await db.dispose()


@pytest.fixture
def slack(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    with running_standin() as fake:
        for name, value in {
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": fake.api_url,
            "WAYMARK_DIGEST_CHANNEL": DIGEST,
            "WAYMARK_PROGRAMME_CHANNEL": PROGRAMME,
        }.items():
            monkeypatch.setenv(name, value)
        assert cli.main(["roadmap", "import", str(write_roadmap(tmp_path / "map"))]) == 0
        yield fake


def waymark(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_remind_posts_each_groups_reminder_once(
    slack: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.rate_limit_next_post()  # Slack says "slow down" once: waited out, not doubled
    code, out, _ = waymark(capsys, "remind", "--at", "2026-03-02T10:00")
    assert code == 0
    assert out.splitlines() == [
        "Posted: reminder to Children's Trust Board: outcome 13 (2025-Q4), to C0CHILDREN1.",
        "Posted: reminder to Inclusive Economy Board: outcome 20 (2024), to C0ECONOMY01.",
        "Posted: escalation for Inclusive Economy Board: outcome 20 (2024), to C0PROGRAMME.",
    ]
    assert slack.post_keys() == REMINDERS
    assert [m.channel for m in slack.posts] == [CHILDREN, ECONOMY, PROGRAMME]
    assert "<@U0ECONLEAD1>" in slack.in_channel(ECONOMY)[0].words
    assert slack.calls.count("chat.postMessage") == 4  # one of them answered 429 and retried

    code, out, _ = waymark(capsys, "remind", "--at", "2026-03-02T10:00")
    assert code == 0
    assert out.startswith("No reminders to post at Mon 2 Mar 2026, 10:00")
    assert slack.post_keys() == REMINDERS


def test_remind_at_the_weekend_says_when_reminders_go_out(
    slack: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = waymark(capsys, "remind", "--at", "2026-03-07T10:00")
    assert code == 0
    assert out.startswith(
        "No reminders at Sat 7 Mar 2026, 10:00. Reminders go out on working days (not at "
        "weekends or on bank holidays in England and Wales) between 09:00 and 17:30."
    )
    assert slack.posts == []


def test_digest_posts_once_and_again_only_when_forced(
    slack: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = waymark(capsys, "digest", "--at", "2026-03-02T09:00")
    assert (code, out) == (0, f"Posted: digest for the week of Mon 2 Mar 2026, to {DIGEST}.\n")
    code, out, _ = waymark(capsys, "digest", "--at", "2026-03-02T09:00")
    assert code == 0
    assert "was posted already" in out
    assert "nothing posted. Use --force to post it again." in out
    code, out, _ = waymark(capsys, "digest", "--at", "2026-03-02T09:00", "--force")
    assert code == 0
    assert slack.post_keys() == [
        "digest:C0DIGEST:2026-03-02",
        "digest:C0DIGEST:2026-03-02:again-1",
    ]
    assert all(m.channel == DIGEST for m in slack.posts)
    assert len(slack.charts()) == 2


def test_dry_runs_print_the_messages_post_nothing_and_need_no_token(
    slack: StandIn, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    code, out, _ = waymark(capsys, "remind", "--at", "2026-03-02T10:00", "--dry-run")
    assert code == 0
    assert "At Mon 2 Mar 2026, 10:00, 3 reminder messages would be posted (dry run):" in out
    assert "=== to C0CHILDREN1: reminder to Children's Trust Board: outcome 13 (2025-Q4)" in out
    assert "MMR coverage: the 2025-Q4 reading was due Sun 1 Mar 2026, 1 day overdue." in out
    code, out, _ = waymark(capsys, "digest", "--at", "2026-03-02T09:00", "--dry-run")
    assert code == 0
    assert "ROAD MAP DIGEST: WEEK OF MON 2 MAR 2026" in out
    assert slack.calls == []
    # Nothing was recorded either: the real run afterwards posts everything.
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    waymark(capsys, "remind", "--at", "2026-03-02T10:00")
    assert slack.post_keys() == REMINDERS


def test_missing_settings_are_named(
    slack: StandIn, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    code, _, err = waymark(capsys, "remind", "--at", "2026-03-02T10:00")
    assert code == 1
    assert err.startswith("SLACK_BOT_TOKEN is not set")
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.delenv("WAYMARK_DIGEST_CHANNEL")
    code, _, err = waymark(capsys, "digest")
    assert code == 1
    assert err.startswith("WAYMARK_DIGEST_CHANNEL is not set")
    assert slack.posts == []


def test_outbox_lists_what_is_waiting_and_what_was_posted(
    slack: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.refuse_next_post("not_in_channel")
    code, out, _ = waymark(capsys, "remind", "--at", "2026-03-02T10:00")
    assert code == 0
    assert (
        "Not posted yet: reminder to Children's Trust Board: outcome 13 (2025-Q4), to "
        "C0CHILDREN1 (Slack refused the post: not_in_channel); trying again from "
        "Mon 2 Mar 2026, 10:01." in out
    )
    code, out, _ = waymark(capsys, "outbox")
    assert code == 0
    waiting, posted = out.split("Recently posted:")
    assert "pending" in waiting
    assert "Mon 2 Mar 2026, 10:01" in waiting
    assert "Slack refused the post: not_in_channel" in waiting
    assert "reminder to Inclusive Economy Board: outcome 20 (2024)" in posted
    assert "escalation for Inclusive Economy Board" in posted
    # Slack's message ids are printed exactly, as `--posted ID --message` needs them.
    for sent in slack.posts:
        assert sent.ts in posted


def test_a_failed_message_can_be_retried_by_an_operator(
    slack: StandIn, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.refuse_next_post("channel_not_found")
    waymark(capsys, "remind", "--at", "2026-03-02T10:00")
    waiting = _in_thread(_row(database_url, REMINDERS[0]))
    code, _, err = waymark(capsys, "outbox", "--retry", str(waiting))
    assert code == 1
    assert err.startswith(f"Message {waiting} is waiting to be posted, not failed")

    _in_thread(_row(database_url, REMINDERS[0], fail=True))  # as after ten refusals
    code, out, _ = waymark(capsys, "outbox", "--at", "2026-03-02T11:00")
    assert "failed" in out
    code, out, _ = waymark(capsys, "outbox", "--retry", str(waiting), "--at", "2026-03-02T11:00")
    assert code == 0
    assert out == (
        f"Message {waiting} (reminder to Children's Trust Board: outcome 13 (2025-Q4)) will be "
        "tried again at the next pass.\n"
    )
    code, out, _ = waymark(capsys, "remind", "--at", "2026-03-02T11:00")
    assert out.startswith("Posted: reminder to Children's Trust Board")
    assert sorted(k or "" for k in slack.post_keys()) == sorted(REMINDERS)


async def _row(url: str, key: str, *, fail: bool = False, unconfirmed: bool = False) -> int:
    db = Database(url)
    try:
        async with db.transaction() as session:
            row = await OutboxRepository(session).by_key(key)
            assert row is not None
            if fail:
                row.state, row.attempts = "failed", 10
            if unconfirmed:
                row.state = "unconfirmed"  # as when its channel could not be read to check
            return row.id
    finally:
        await db.dispose()


@pytest.mark.parametrize(
    ("pasted", "message_id"),
    [
        ("https://town.slack.com/archives/C0CHILDREN/p1767225600000100", "1767225600.000100"),
        (
            "https://town.slack.com/archives/C0CHILDREN/p1767225600000100?thread_ts=1.2&cid=C0",
            "1767225600.000100",
        ),
        ("1767225600.000100", "1767225600.000100"),
        (
            "https://teams.microsoft.com/l/message/19%3Aabc%40thread.tacv2/1700000000001"
            "?tenantId=t&groupId=g&parentMessageId=1700000000001&teamName=Luton",
            "1700000000001",
        ),
        (" 1700000000001 ", "1700000000001"),
    ],
)
def test_a_message_is_named_by_its_link_or_its_id(pasted: str, message_id: str) -> None:
    assert message_id_from(pasted) == message_id


@pytest.mark.parametrize(
    ("pasted", "platform", "says"),
    [
        (
            "https://teams.microsoft.com/l/message/19%3Aabc%40thread.tacv2/1700000000001",
            "slack",
            "That is a Teams message's link, and this message went to Slack: paste the link of "
            "the message in Slack (its 'Copy link').",
        ),
        (
            "https://town.slack.com/archives/C0CHILDREN/p1767225600000100",
            "teams",
            "That is a Slack message's link, and this message went to Teams",
        ),
        ("the reminder", "slack", "'the reminder' is not a Slack message's link or id"),
        ("1767225600.000100", "teams", "'1767225600.000100' is not a Teams message's link or id"),
    ],
)
def test_a_link_or_id_from_the_wrong_place_is_refused(
    pasted: str, platform: str, says: str
) -> None:
    with pytest.raises(UserError) as refused:
        message_id_from(pasted, platform)
    assert str(refused.value).startswith(says)


def test_marking_posted_with_another_platforms_link_changes_nothing(
    slack: StandIn, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.lose_next_answer()
    waymark(capsys, "remind", "--at", "2026-03-02T10:00")
    row = _in_thread(_row(database_url, REMINDERS[0], unconfirmed=True))
    teams_link = "https://teams.microsoft.com/l/message/19%3Aabc%40thread.tacv2/1700000000001"
    code, out, err = waymark(capsys, "outbox", "--posted", str(row), "--message", teams_link)
    assert (code, out) == (1, "")
    assert err.startswith("That is a Teams message's link, and this message went to Slack")
    code, out, _ = waymark(capsys, "outbox")
    assert f"Unconfirmed ({row})" in out
    [link] = [m for m in slack.posts if m.key == REMINDERS[0]]
    slack_link = f"https://town.slack.com/archives/{CHILDREN}/p{link.ts.replace('.', '')}"
    code, out, _ = waymark(capsys, "outbox", "--posted", str(row), "--message", slack_link)
    assert code == 0
    assert out.endswith("is marked posted; waymark will not post it.\n")


def test_outbox_lists_a_reminder_to_refresh_in_peoples_words(
    slack: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    waymark(capsys, "remind", "--at", "2026-03-02T10:00")
    code, _, err = waymark(
        capsys, "submit", "13", "95", "--period", "2025-Q4", "--at", "2026-03-02T10:30"
    )
    assert code == 0, err

    code, out, _ = waymark(capsys, "outbox")

    waiting, _ = out.split("Recently posted:")
    assert f"Refresh the reminder for outcome 13 in {CHILDREN}" in waiting
