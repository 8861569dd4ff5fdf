"""The "Submit reading" form: opened from a button, checked field by field on submission.

Slack shows it as a modal; Teams has no modal for a message, so its boxes are on the card
itself, and the card is shown again with errors under the boxes, or with thanks in place."""

from __future__ import annotations

import json
from dataclasses import dataclass

from commands.answers import ButtonAnswer, FormAnswer
from commands.context import CommandContext, Services, get_outcome, require_submitter
from commands.delivery.conversation_book import kept_card
from commands.domain.periods import Cadence, accepted_forms
from commands.domain.rules import due_period
from commands.domain.status import first_reportable
from commands.errors import UserError
from commands.events import ButtonPressed, FormSubmitted
from commands.presentation.replies import Form, FormError, Input, Section, error_reply
from commands.readings.parsing import parse_value, reading_period
from commands.readings.recording import Recorded, Via, confirmation, record_as_caller

CALLBACK = "waymark.reading_form"


@dataclass(frozen=True)
class FormContext:
    """Where the form was opened, so the confirmation goes back there."""

    number: int
    channel_id: str
    thread_id: str | None

    def dump(self) -> str:
        return json.dumps({"n": self.number, "c": self.channel_id, "t": self.thread_id})

    @classmethod
    def load(cls, text: str) -> FormContext:
        data = json.loads(text)
        return cls(int(data["n"]), str(data["c"]), data.get("t"))


async def reading_form(ctx: CommandContext, number: int, where: FormContext) -> Form:
    outcome = await get_outcome(ctx.session, number)
    await require_submitter(ctx, outcome)
    cadence = Cadence(outcome.cadence)
    due = due_period(first_reportable(outcome), outcome.lag_days, ctx.today)
    intro = Section(
        title=f"{outcome.number}. {outcome.title}",
        text=f"{outcome.measure}, in {outcome.unit}.",
    )
    return Form(
        title=f"Outcome {outcome.number} reading",
        submit_label="Submit",
        callback=CALLBACK,
        intro=intro,
        context=where.dump(),
        inputs=(
            Input("value", f"Value ({outcome.unit})", placeholder="e.g. 23.4"),
            Input(
                "period",
                "Period",
                initial=due.label if due else "",
                hint=_sentence(accepted_forms(cadence)),
            ),
            Input("note", "Note", optional=True, multiline=True, placeholder="e.g. provisional"),
        ),
    )


async def submit_form(ctx: CommandContext, values: dict[str, str], where: FormContext) -> Recorded:
    """Record the form's reading, or raise FormError with a message for each bad field."""
    outcome = await get_outcome(ctx.session, where.number)
    await require_submitter(ctx, outcome)
    errors: dict[str, str] = {}
    value: float | None = None
    try:
        value = parse_value(values.get("value", ""))
    except UserError as error:
        errors["value"] = str(error)
    period = None
    try:
        period = reading_period(outcome, values.get("period", "").strip() or None, ctx.now, ctx.tz)
    except UserError as error:
        errors["period"] = str(error)
    if errors or value is None or period is None:
        raise FormError(errors)
    try:
        return await record_as_caller(
            ctx, outcome, value, period, Via.MODAL, note=values.get("note", "")
        )
    except UserError as error:
        raise FormError({"value": str(error)}) from error


async def open_form(services: Services, event: ButtonPressed, number: int) -> ButtonAnswer:
    """The form for outcome `number`, or why the person pressing cannot submit its readings."""
    where = FormContext(number, event.channel_id, event.thread_id)
    async with services.db.reading() as session:
        ctx = services.context(session, event.platform, event.user_id, event.channel_id)
        try:
            return ButtonAnswer(form=await reading_form(ctx, number, where))
        except UserError as error:
            return ButtonAnswer(reply=error_reply(error))


async def answer_form(services: Services, event: FormSubmitted) -> FormAnswer:
    """Record the reading typed in a form, or say what is wrong with each box; the card the
    boxes were on comes back too, when it was kept, to show again."""
    where = FormContext(event.number, event.channel_id, event.thread_id)
    errors: dict[str, str] = {}
    words: str | None = None
    async with services.db.transaction() as session:
        ctx = services.context(session, event.platform, event.user_id, event.channel_id)
        try:
            words = confirmation(await submit_form(ctx, dict(event.values), where))
        except FormError as error:
            errors = error.errors
        except UserError as error:
            errors = {"value": str(error)}
        card = None
        if event.card_id:
            card = await kept_card(
                session,
                event.platform,
                event.channel_id,
                event.card_id,
                number=event.number,
                done=words,
            )
    return FormAnswer(errors, words, card)


def _sentence(words: str) -> str:
    """`words` as a sentence; `str.capitalize` would lower-case the months in it."""
    return words[:1].upper() + words[1:] + "."
