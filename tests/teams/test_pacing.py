"""Posts to one Teams conversation are paced at one a second, as Slack's are per channel; other
conversations do not wait. Time is noted rather than slept, so the test takes no time."""

from __future__ import annotations

from bot.pacing import Pacer
from commands.presentation.replies import Reply, Section
from tests.teams.activities import CHILDREN, GENERAL
from tests.teams.harness import TeamsHarness
from tests.teams.mixed.both_platforms import install


class NotedTime:
    """A clock that only moves when the pacer waits, and the waits it was asked for."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def note(words: str) -> Reply:
    return Reply(words, (Section(text=words),))


async def test_cards_to_one_conversation_go_one_a_second(teams: TeamsHarness) -> None:
    await install(teams)
    time = NotedTime()
    messenger = teams.running.messenger
    messenger.pacer = Pacer(1.0, sleep=time.sleep, clock=time.clock)

    for number in range(3):
        await messenger.post(CHILDREN, note(f"reminder {number}"))
    await messenger.post(GENERAL, note("the digest"))  # another conversation: no wait

    assert time.waits == [1.0, 1.0]
    assert [m.words for m in teams.connector.to(CHILDREN)] == [
        "reminder 0",
        "reminder 1",
        "reminder 2",
    ]
