"""Approval and commentary in Teams, through the real Teams app: a lead's figure in a channel
thread is provisional and asks for commentary, the lead's next words there give it, and the
Approve button on the confirmation works for the performance officer only."""

from __future__ import annotations

from storage.repositories import ReadingRepository, RoadmapRepository
from tests.teams.activities import ADMIN, CHILDREN, LEAD, OUTSIDER, Person, card_submit
from tests.teams.connector import Sent, find
from tests.teams.harness import TeamsHarness
from tests.teams.test_corrections import card_thread, reply, said, send


def confirmation_in(teams: TeamsHarness, thread: str) -> Sent:
    return next(
        s for s in teams.connector.to(f"{CHILDREN};messageid={thread}") if "Recorded" in s.words
    )


async def press_approve(teams: TeamsHarness, thread: str, person: Person) -> None:
    confirmation = confirmation_in(teams, thread)
    [approve] = [a for a in find(confirmation.card, "Action.Execute") if a["title"] == "Approve"]
    await send(
        teams,
        card_submit(
            teams.service_url,
            approve["data"],
            card_id=confirmation.id,
            channel=CHILDREN,
            thread=thread,
            person=person,
        ),
    )


async def state_of_12(teams: TeamsHarness) -> tuple[str, str, str | None]:
    async with teams.db.reading() as session:
        outcome = await RoadmapRepository(session).outcome(12)
        assert outcome is not None
        [latest] = await ReadingRepository(session).latest(outcome.id, 1)
    return latest.state, latest.note, latest.approved_by


async def test_a_reading_in_a_thread_goes_provisional_then_commentary_then_approved(
    teams: TeamsHarness,
) -> None:
    thread = await card_thread(teams)
    await reply(teams, thread, "33 2025/26")
    words = said(teams, thread)[-1]
    assert "Recorded outcome 12 (Children in relative low-income families), 2025/26: 33%." in words
    assert words.endswith(
        "It is provisional until an approver approves it. It is off track: reply here with a "
        "line on what is being done about it."
    )
    assert await state_of_12(teams) == ("provisional", "", None)

    # Chat is not commentary; the next words that say something are.
    await reply(teams, thread, "thanks")
    await reply(teams, thread, "Benefit checks in every primary school from January")
    assert said(teams, thread)[-1] == (
        "Thanks <at>Priya Shah</at>: outcome 12's 2025/26 reading (33%) now has commentary: "
        "“Benefit checks in every primary school from January”."
    )
    assert await state_of_12(teams) == (
        "provisional",
        "Benefit checks in every primary school from January",
        None,
    )

    await press_approve(teams, thread, OUTSIDER)
    assert (
        "Only an administrator or one of the group's approvers can approve"
        in (said(teams, thread)[-1])
    )
    await press_approve(teams, thread, LEAD)
    assert "You submitted outcome 12's 2025/26 reading (33%)" in said(teams, thread)[-1]
    assert (await state_of_12(teams))[0] == "provisional"

    await press_approve(teams, thread, ADMIN)
    assert said(teams, thread)[-1] == (
        "Approved outcome 12's 2025/26 reading (33%) (submitted by <at>Priya Shah</at>): it can "
        "be published. Approved by <at>Joanne Clarke</at>."
    )
    assert await state_of_12(teams) == (
        "approved",
        "Benefit checks in every primary school from January",
        ADMIN.aad,
    )
    await press_approve(teams, thread, ADMIN)
    assert "is already approved by <at>Joanne Clarke</at>" in said(teams, thread)[-1]
