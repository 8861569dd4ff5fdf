"""How big a run is: the road map's size and how many requests each measurement sends."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    outcomes: int
    readings_per_outcome: int  # monthly, ending with the last period that is due
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
        return self.outcomes * self.readings_per_outcome


CONCURRENCY = 20

SCALES = {
    s.name: s
    for s in (
        Scale("smoke", 5, 24, 2, requests=20, list_requests=10, history_requests=2, ingest=20,
              rounds=1, passes=2, warmup=5),
        Scale("roadmap", 40, 192, 8, requests=300, list_requests=100, history_requests=10,
              ingest=300, rounds=3, passes=10),
        # `/outcome list` works out all 5,000 statuses (about a second each): few of them.
        Scale("stress", 5_000, 200, 50, requests=300, list_requests=10, history_requests=5,
              ingest=300, rounds=3, passes=3),
    )
}  # fmt: skip
