"""A card's buttons in Teams (`Action.Execute`, an `adaptiveCard/action` invoke).

Submit records the reading typed in the card's boxes; the answer is the card again, with errors
under the boxes or thanks in their place, and in a channel everyone in the thread sees what was
recorded. Give an update records an update to an action the same way, answered in words. Other
buttons run the command they carry, and the answer is posted as a message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from microsoft_teams.api.activities.invoke import AdaptiveCardInvokeActivity
from microsoft_teams.apps import ActivityContext

from bot.teams import render
from bot.teams.answering import Teams, inbound_of, post_answer, remember, where_for
from bot.teams.conversations import PLATFORM, Inbound, thread_conversation
from bot.teams.inputs import Entry, input_id
from bot.teams.messenger import Target, send
from commands.answers import KeptCard
from commands.events import ButtonPressed, FormSubmitted, UpdateSubmitted
from commands.numbers import button_number
from commands.presentation.replies import (
    Action,
    Reply,
    submit_numbers,
    text_reply,
    without_mentions,
)

Json = dict[str, Any]


def on_card_action(teams: Teams) -> Callable[..., Any]:
    async def on_card_action(ctx: ActivityContext[AdaptiveCardInvokeActivity]) -> Json:
        inbound = inbound_of(ctx.activity)
        action = (inbound.raw.get("value") or {}).get("action") or {}
        data: Json = action.get("data") or {}
        verb = str(data.get("action") or action.get("verb") or "")
        await remember(teams, inbound)
        submit = verb == Action.SUBMIT_READING.value
        outcome = button_number(str(data.get("outcome", "")))
        if submit and outcome is not None:
            return await _submit_reading(teams, inbound, outcome, data)
        action_id = button_number(str(data.get("action_id", "")))
        if verb == Action.UPDATE_ACTION.value and action_id is not None:
            return await _submit_update(teams, inbound, action_id, data)
        pressed = ButtonPressed(
            PLATFORM,
            inbound.channel_id,
            inbound.thread_id,
            inbound.user_id,
            verb,
            str(data.get("outcome" if submit else "value", "")),
        )
        answer = await teams.core.button_pressed(pressed)
        if answer.reply is not None:
            await post_answer(teams, inbound, answer.reply)
        return _message_response(answer.note or "Done.")

    return on_card_action


async def _submit_reading(teams: Teams, inbound: Inbound, number: int, data: Json) -> Json:
    """Record the reading typed in a card's boxes; answer with the card again."""
    values = {
        name: _typed_value(data.get(input_id(name, number)))
        for name in ("value", "period", "note", "confirm")
    }
    card_id = str(inbound.raw.get("replyToId") or "")
    form = FormSubmitted(
        PLATFORM,
        inbound.channel_id,
        inbound.thread_id,
        inbound.user_id,
        number,
        values,
        card_id=card_id or None,
    )
    answer = await teams.core.form_submitted(form)
    if answer.confirmation is not None:
        entry = Entry(done=answer.confirmation)
        if inbound.kind == "channel":
            # Everyone in the thread sees what was recorded, as with a reply in Slack.
            root = inbound.thread_id or card_id
            said = answer.reply or text_reply(answer.confirmation)
            teams.background.spawn(
                _confirm_in_thread(teams, inbound, root, said), "card confirmation"
            )
    else:
        entry = Entry(values["value"], values["period"], values["note"], answer.errors)
    if answer.card is not None:
        return await _card_again(teams, inbound, answer.card, number, entry, data)
    return _message_response(entry.done or "; ".join(entry.errors.values()))


async def _submit_update(teams: Teams, inbound: Inbound, action_id: int, data: Json) -> Json:
    """Record the update typed in a card's boxes; in a channel, everyone in the thread sees
    what was recorded."""
    values = {name: _typed_value(data.get(input_id(name, action_id))) for name in ("state", "line")}
    card_id = str(inbound.raw.get("replyToId") or "")
    form = UpdateSubmitted(
        PLATFORM, inbound.channel_id, inbound.thread_id, inbound.user_id, action_id, values
    )
    answer = await teams.core.update_submitted(form)
    if answer.confirmation is None:
        return _message_response(" ".join(answer.errors.values()))
    if inbound.kind == "channel":
        root = inbound.thread_id or card_id
        teams.background.spawn(
            _confirm_in_thread(teams, inbound, root, text_reply(answer.confirmation)),
            "update confirmation",
        )
    return _message_response(answer.confirmation)


async def _confirm_in_thread(teams: Teams, inbound: Inbound, root: str, said: Reply) -> None:
    target = Target(
        thread_conversation(inbound.channel_id, root), inbound.service_url, inbound.bot_id
    )
    names = await teams.core.book.names([said])
    await send(teams.messenger.api, target, render.message(said, where_for(inbound, names)))


async def _card_again(
    teams: Teams, inbound: Inbound, card: KeptCard, number: int, entry: Entry, data: Json
) -> Json:
    """The submitted card, shown again with this outcome's boxes as `entry` says, the
    outcomes recorded from it before as done, and what was typed in the others kept."""
    entries: dict[int, Entry] = {}
    for other in submit_numbers(card.reply):
        if other in card.done:
            entries[other] = Entry(done=card.done[other])
        elif other != number:
            entries[other] = Entry(
                _typed_value(data.get(input_id("value", other))),
                _typed_value(data.get(input_id("period", other))),
            )
    entries.setdefault(number, entry)
    names = await teams.core.book.names([card.reply])
    return render.card_response(render.message(card.reply, where_for(inbound, names), entries))


def _typed_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return without_mentions(str(value)).strip()


def _message_response(text: str) -> Json:
    return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text}
