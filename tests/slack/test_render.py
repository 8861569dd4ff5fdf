"""Block Kit within Slack's limits, whatever a command produces, and user text kept inert."""

from bot.slack import render
from commands.domain.rules import Status
from commands.presentation.cards import badge
from commands.presentation.replies import (
    Action,
    Button,
    Fact,
    Form,
    Header,
    Input,
    Reply,
    Section,
    Table,
    mention,
)


def _text_lengths(blocks: list[dict[str, object]]) -> list[int]:
    return [len(b["text"]["text"]) for b in blocks if b["type"] == "section" and "text" in b]  # type: ignore[index]


def test_user_text_cannot_forge_mentions_or_links() -> None:
    reply = Reply("x", (Section(text="<!channel> & <http://evil|click> " + mention("U123")),))
    text = render.message(reply)["blocks"][0]["text"]["text"]
    assert text == "&lt;!channel&gt; &amp; &lt;http://evil|click&gt; <@U123>"


def test_a_status_is_a_colour_and_a_word() -> None:
    reply = Reply("x", (Section(text="why", badge=badge(Status.OFF_TRACK)),))
    assert render.message(reply)["blocks"][0]["text"]["text"].startswith("🔴 *Off track*")
    grey = Reply("x", (Section(badge=badge(Status.NO_DATA)),))
    assert "⚪ *No data*" in render.message(grey)["blocks"][0]["text"]["text"]


def test_a_long_table_is_split_into_sections_under_3000_characters() -> None:
    rows = tuple((str(n), f"Outcome number {n} with a long title", "On track") for n in range(3000))
    blocks = render.message(Reply("x", (Table(("#", "Outcome", "Status"), rows),)))["blocks"]
    lengths = _text_lengths(blocks)
    assert max(lengths) <= 3000
    assert len(blocks) <= 50
    assert "…and" in blocks[-1]["elements"][0]["text"]  # says that some was left out


def test_ten_fields_a_section_and_a_header_of_150() -> None:
    facts = tuple(Fact(f"Label {n}", "value") for n in range(23))
    blocks = render.message(Reply("x", (Header("h" * 400), Section(facts=facts))))["blocks"]
    assert len(blocks[0]["text"]["text"]) == 150
    assert [len(b["fields"]) for b in blocks[1:]] == [10, 10, 3]


def test_a_button_becomes_an_accessory_with_its_action() -> None:
    button = Button("Submit reading", Action.SUBMIT_READING, "12", primary=True)
    block = render.message(Reply("x", (Section(text="t", button=button),)))["blocks"][0]
    assert block["accessory"] == {
        "type": "button",
        "text": {"type": "plain_text", "text": "Submit reading", "emoji": True},
        "action_id": "waymark.submit_reading",
        "value": "12",
        "style": "primary",
    }


def test_a_form_becomes_a_modal_and_its_values_come_back_by_input() -> None:
    form = Form(
        "Outcome 12 reading with a very long title",
        "Submit",
        "cb",
        (Input("value", "Value"), Input("period", "Period", initial="2025/26")),
        context='{"n": 12}',
    )
    view = render.modal(form)
    assert len(view["title"]["text"]) <= 24
    assert [b["block_id"] for b in view["blocks"]] == ["value", "period"]
    assert view["blocks"][1]["element"]["initial_value"] == "2025/26"
    submitted = {
        "state": {
            "values": {
                "value": {"value": {"type": "plain_text_input", "value": "23.4"}},
                "period": {"value": {"type": "plain_text_input", "value": None}},
            }
        }
    }
    assert render.submitted_values(submitted) == {"value": "23.4", "period": ""}


def test_only_waymarks_own_code_makes_a_mention() -> None:
    typed = "@{U0CTBLEAD01} <@U0CTBLEAD01> <!channel> <!here>"
    reply = Reply("x", (Section(text=f"{typed} named by waymark: {mention('U0ADMIN')}"),))
    text = render.message(reply)["blocks"][0]["text"]["text"]
    assert text == (
        "@{U0CTBLEAD01} &lt;@U0CTBLEAD01&gt; &lt;!channel&gt; &lt;!here&gt; "
        "named by waymark: <@U0ADMIN>"
    )
    assert render.message(reply)["text"] == "x"
