"""A message frozen in the outbox is posted exactly as it was planned, chart included."""

from __future__ import annotations

import json

import pytest

from commands.delivery.reply_codec import CodecError, as_text, decode, encode
from commands.presentation.charts import status_by_area_chart
from commands.presentation.replies import (
    Action,
    Actions,
    Badge,
    Button,
    Chart,
    Context,
    Divider,
    Fact,
    Header,
    Reply,
    Section,
    Table,
    Tone,
)

REPLY = Reply(
    fallback="Road map digest, week of Mon 9 Mar 2026",
    blocks=(
        Header("Road map digest: week of Mon 9 Mar 2026"),
        Section(
            text="2 readings are overdue.",
            title="Outcome 13: More children are vaccinated",
            badge=Badge("At risk", Tone.WARNING),
            facts=(Fact("Due", "Sun 1 Mar 2026"),),
            mentions=("U0CHILDLEAD",),
            button=Button("Submit reading", Action.SUBMIT_READING, "13", primary=True),
        ),
        Context(("Reply in this thread with the number, e.g. `23.4`.",)),
        Divider(),
        Table(("Priority area", "On track"), (("Child friendly town", "1"),), caption="As at"),
        Actions((Button("Show", Action.SHOW_OUTCOME, "13"),)),
        status_by_area_chart([("Child friendly town", 1, 0, 1, 0)], "Mon 9 Mar 2026"),
    ),
    shared=True,
    about=(13, 20),
)


def test_a_reply_survives_the_outbox_unchanged() -> None:
    stored = json.loads(json.dumps(encode(REPLY)))  # what the JSON column holds
    assert decode(stored) == REPLY


def test_the_stored_chart_is_drawn_again_when_sent() -> None:
    (chart,) = decode(json.loads(json.dumps(encode(REPLY)))).charts
    assert chart.draw().startswith(b"\x89PNG")


def test_a_chart_that_cannot_be_drawn_again_is_refused_when_planned() -> None:
    lost = Reply("x", (Chart("t", "alt", "x.png", draw=lambda: b""),))
    with pytest.raises(CodecError, match="cannot be stored"):
        encode(lost)


def test_operators_read_every_word_of_a_dry_run() -> None:
    text = as_text(REPLY)
    assert "ROAD MAP DIGEST: WEEK OF MON 9 MAR 2026" in text
    assert "Outcome 13: More children are vaccinated [At risk] @U0CHILDLEAD" in text
    assert "  Due: Sun 1 Mar 2026" in text
    assert "[Submit reading]" in text
    assert "Child friendly town  1" in text
    assert "(chart: Status by priority area, week of Mon 9 Mar 2026" in text
