"""One parser for every door (thread reply, command, form, CLI, file): one finite figure, with
at most the unit its measure takes, echoed the way people write it."""

import pytest

from commands.errors import UserError
from commands.presentation.formatting import rounded, with_unit
from commands.readings.parsing import parse_value, read_reply


@pytest.mark.parametrize(
    ("typed", "unit", "value"),
    [
        ("23.4", "%", 23.4),
        ("23.4%", "%", 23.4),
        ("£1,200", "GBP", 1200.0),
        ("1,200", "GBP", 1200.0),
        ("-3.5", "points", -3.5),
        ("2,050", "count", 2050.0),
        ("£5", None, 5.0),  # a file row: the outcome's unit is checked elsewhere
        ("9" * 14, "count", 99_999_999_999_999.0),
    ],
)
def test_a_figure_as_people_type_it(typed: str, unit: str | None, value: float) -> None:
    assert parse_value(typed, unit) == value


def test_minus_zero_is_zero_and_is_never_echoed_with_a_sign() -> None:
    value = parse_value("-0", "%")
    assert str(value) == "0.0"
    assert with_unit(value, "%") == "0%"
    assert with_unit(-0.001, "%") == "0%"
    assert rounded(-0.0) == "0"


@pytest.mark.parametrize(
    ("typed", "unit", "says"),
    [
        ("£5", "%", "'£5' has a £, but this outcome is measured in %. Type the value like 23.4"),
        ("5%", "GBP", "'5%' has a %, but this outcome is measured in GBP. Type the value like 1,"),
        ("5%", "count", "measured in a count"),
        ("£5%", "%", "'£5%' is not a number. Type the value on its own, like 23.4 or 23.4%"),
        ("8.2 9.1", "%", "'8.2 9.1' is not a number"),
        ("9" * 400, "%", "is far larger than any figure on the road map. Type the value like"),
        ("1e3", "%", "'1e3' is not a number"),
        ("inf", "%", "'inf' is not a number"),
        ("nan", "%", "'nan' is not a number"),
        ("²", "%", "'²' is not a number"),
        ("٣", "%", "'٣' is not a number"),
    ],
)
def test_anything_but_one_figure_that_fits_is_refused_with_what_to_type(
    typed: str, unit: str, says: str
) -> None:
    with pytest.raises(UserError) as refused:
        parse_value(typed, unit)
    assert says in str(refused.value)


def test_two_figures_in_a_reply_are_refused_not_read_as_a_figure_and_a_note() -> None:
    with pytest.raises(UserError) as refused:
        read_reply("8.2 9.1")
    assert "'8.2 9.1' is two figures; give one" in str(refused.value)
    # A year after the figure is its period, and a number inside the note is still a note.
    assert read_reply("8.2 2025") is not None
    reading = read_reply("8.2 2025/26 2 schools missing")
    assert reading is not None
    assert (reading.value_text, reading.period_text, reading.note) == (
        "8.2",
        "2025/26",
        "2 schools missing",
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [(1e-7, "0.0000001"), (123456789012345.6, "123,456,789,012,345.6"), (0.125, "0.125")],
)
def test_a_figure_is_never_echoed_in_exponent_notation(value: float, shown: str) -> None:
    assert "e" not in rounded(value, 9)
    assert with_unit(value, "count", places=7 if value < 1 else 1) == shown


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [(1.0, "years", "1 year"), (1.5, "years", "1.5 years"), (2.0, "years", "2 years"),
     (1.0, "kg", "1 kg"), (1.0, "%", "1%")],
)  # fmt: skip
def test_one_of_a_unit_is_singular(value: float, unit: str, shown: str) -> None:
    assert with_unit(value, unit) == shown
