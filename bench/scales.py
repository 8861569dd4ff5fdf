"""How big a run is: the road map's size and how many requests each measurement sends."""

from __future__ import annotations

from dataclasses import dataclass

from commands.domain.periods import Cadence

M, Q, A = Cadence.MONTHLY, Cadence.QUARTERLY, Cadence.ANNUAL
FY, AY = Cadence.FINANCIAL_YEAR, Cadence.ACADEMIC_YEAR
# Outcome n's cadence is CADENCES[(n - 1) % 20]: a road map's mix, mostly monthly, some
# quarterly, a few a year (calendar, financial and academic), so that what is worked out once
# per schedule is worked out for several. Even the 5 outcomes of the smoke scale mix them; and
# outcome 12, whose history is timed, is monthly.
CADENCES = (M, Q, M, M, A, M, M, Q, M, FY, M, M, Q, M, AY, M, M, M, M, M)


def cadence_of(number: int) -> Cadence:
    return CADENCES[(number - 1) % len(CADENCES)]


def periods_of(cadence: Cadence, readings_per_outcome: int) -> int:
    """Readings of an outcome of `cadence`: as many years back as a monthly one's."""
    if cadence == Cadence.MONTHLY:
        return readings_per_outcome
    if cadence == Cadence.QUARTERLY:
        return readings_per_outcome // 3
    return readings_per_outcome // 12


@dataclass(frozen=True)
class Scale:
    name: str
    outcomes: int
    readings_per_outcome: int  # of a monthly outcome, ending with the last period that is due
    groups: int
    requests: int  # per load run of `/outcome N`, sequential; twice that at CONCURRENCY
    list_requests: int  # per load run of `/outcome list`
    history_requests: int  # `/outcome 12 history`, one at a time (each draws a chart)
    ingest: int  # thread replies, sequential; twice that at CONCURRENCY
    rounds: int  # waymark and the floor take turns, this many times, so drift hits both
    passes: int  # repetitions of each digest and reminder pass (the median is reported)
    warmup: int = 20

    @property
    def readings(self) -> int:
        return sum(
            periods_of(cadence_of(n), self.readings_per_outcome)
            for n in range(1, self.outcomes + 1)
        )


CONCURRENCY = 20

SCALES = {
    s.name: s
    for s in (
        Scale("smoke", 5, 24, 2, requests=20, list_requests=10, history_requests=2, ingest=20,
              rounds=1, passes=2, warmup=5),
        # 1,200 `/outcome N` a run, in six turns with the floor: twenty at a time, a turn of
        # 200 took about 50 ms, so that a pause of a few ms anywhere on the machine moved p90.
        Scale("roadmap", 40, 192, 8, requests=1_200, list_requests=100, history_requests=10,
              ingest=300, rounds=6, passes=10),
        # `/outcome list` works out all 5,000 statuses (about a second each): few of them.
        # 263 a monthly outcome (about 22 years): 1,001,500 readings in all.
        Scale("stress", 5_000, 263, 50, requests=1_200, list_requests=10, history_requests=5,
              ingest=300, rounds=6, passes=3),
    )
}  # fmt: skip
