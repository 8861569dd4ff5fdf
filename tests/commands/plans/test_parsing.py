"""What people type about delivery plans, read as they mean it."""

from __future__ import annotations

from datetime import date

import pytest

from commands.errors import UserError
from commands.plans.parsing import NewAction, parse_ref, read_new_action, read_update
from storage.plan_models import ActionState


@pytest.mark.parametrize(
    ("typed", "state", "line"),
    [
        (
            "delayed — contractor changed, new date March",
            ActionState.DELAYED,
            "contractor changed, new date March",
        ),
        ("Delayed: contractor changed", ActionState.DELAYED, "contractor changed"),
        ("on track - contract signed", ActionState.ON_TRACK, "contract signed"),
        ("On track", ActionState.ON_TRACK, ""),
        ("complete", ActionState.COMPLETE, ""),
        ("Completed, hub opened on Monday", ActionState.COMPLETE, "hub opened on Monday"),
        ("done", ActionState.COMPLETE, ""),
        ("not started – waiting for funding", ActionState.NOT_STARTED, "waiting for funding"),
        ("cancelled. Funding withdrawn", ActionState.CANCELLED, "Funding withdrawn"),
        # No state word: an update that keeps the state.
        (
            "Met the contractor today;\n  costs agreed",
            None,
            "Met the contractor today; costs agreed",
        ),
        ("delayedness is a word", None, "delayedness is a word"),
        ("on trackside works", None, "on trackside works"),
    ],
)
def test_an_update_is_its_state_first_then_one_line(
    typed: str, state: ActionState | None, line: str
) -> None:
    update = read_update(typed)
    assert update is not None
    assert (update.state, update.line) == (state, line)


@pytest.mark.parametrize("typed", ["thanks", "Thanks!", "ok", "👍", "", "   "])
def test_chat_is_not_an_update(typed: str) -> None:
    assert read_update(typed) is None


@pytest.mark.parametrize(
    ("typed", "action"),
    [
        (
            "Auto-enrol free school meals due March 2027 owner @{U0CTBLEAD02} lead Luton Council",
            NewAction(
                "Auto-enrol free school meals", due=date(2027, 3, 31), owner="U0CTBLEAD02",
                lead_org="Luton Council",
            ),
        ),
        ("Saturday clinics", NewAction("Saturday clinics")),
        (
            '"Recruit a lead nurse" due 2027-06-30 start 1 Jan 2027 owner me also 13;20',
            NewAction(
                "Recruit a lead nurse", due=date(2027, 6, 30), start=date(2027, 1, 1),
                owner="U0ME", also=(13, 20),
            ),
        ),
        (
            "Clinics owner <@U0CTBLEAD01|david> due 31/12/2026",
            NewAction("Clinics", date(2026, 12, 31), owner="U0CTBLEAD01"),
        ),
        ("Clinics owner U0CTBLEAD01", NewAction("Clinics", owner="U0CTBLEAD01")),
    ],
)  # fmt: skip
def test_a_new_action_as_typed(typed: str, action: NewAction) -> None:
    assert read_new_action(typed, "U0ME", number=12) == action


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", "Give the action's title after `plan add`"),
        ("Clinics due someday", "'someday' is not a date: write it like 2027-03-31"),
        ("Clinics due", "Say what goes with `due`"),
        ("Clinics owner David", "'David' is not someone waymark can name"),
        ("Clinics due March 2027 due April 2027", "`due` is given twice"),
        ("Clinics start 2027-06-01 due 2027-03-31", "before the start"),
        ("Clinics also fourteen", "'fourteen' is not an outcome's number"),
        ("x" * 301, "Keep the title to 300 characters"),
    ],
)
def test_a_mistake_in_a_new_action_says_what_to_type(typed: str, problem: str) -> None:
    with pytest.raises(UserError, match=problem):
        read_new_action(typed, "U0ME", number=12)


def test_an_action_is_numbered_within_its_outcome() -> None:
    assert parse_ref("12.3") == (12, 3)
    assert parse_ref("#12.3") == (12, 3)
    with pytest.raises(UserError, match=r"'12' is not an action's number.*`/outcome action 12.3`"):
        parse_ref("12")
