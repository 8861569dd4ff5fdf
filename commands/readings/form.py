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
from commands.presentation.replies import (
    Choice,
    Form,
    FormError,
    Input,
    Reply,
    Section,
    error_reply,
)
from commands.readings.guards import (
    RefusedError,
    Submission,
    check_submission,
    record_as_caller,
    split_extras,
)
from commands.readings.parsing import parse_value, reading_period
from commands.readings.recording import Recorded, Via, confirmation_reply

CALLBACK = "waymark.reading_form"
KEEP_CHOICE = "Yes, keep this figure"


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
            Input(
                "note",
                "Note",
                optional=True,
                multiline=True,
                placeholder="e.g. what is being done about it",
                hint="Needed when the figure is at risk or off track: what is being done about "
                "it. To revise a published figure (administrators), add `reason:` and why.",
            ),
            Input(
                "confirm",
                "Keep an unusual figure",
                optional=True,
                choices=(Choice(KEEP_CHOICE, "yes"),),
                hint="Only when waymark asks: the figure is far from the last one, or replaces "
                "someone else's.",
            ),
        ),
    )


async def submit_form(ctx: CommandContext, values: dict[str, str], where: FormContext) -> Recorded:
    """Record the form's reading, or raise FormError with a message for each bad field."""
    outcome = await get_outcome(ctx.session, where.number)
    await require_submitter(ctx, outcome)
    errors: dict[str, str] = {}
    value: float | None = None
    try:
        value = parse_value(values.get("value", ""), outcome.unit)
    except UserError as error:
        errors["value"] = str(error)
    period = None
    period_text = values.get("period", "").strip() or None
    try:
        period = reading_period(outcome, period_text, ctx.now, ctx.tz)
    except UserError as error:
        errors["period"] = str(error)
    if errors or value is None or period is None:
        raise FormError(errors)
    note, reason, _ = split_extras(values.get("note", ""))
    submission = Submission(
        outcome, value, period, ctx.caller.user_id, Via.MODAL, note=note, reason=reason,
        confirmed=values.get("confirm", "").strip().lower() == "yes",
        period_given=period_text is not None,
    )  # fmt: skip
    try:
        checked = await check_submission(ctx.session, submission, admins=ctx.admins, tz=ctx.tz)
    except RefusedError as error:
        raise FormError({error.box.value: str(error)}) from error
    if checked.needs_reason:
        errors["note"] = (
            f"{checked.lock_words(ctx.tz)} To revise it, write the reason in the note, "
            "after `reason:`."
        )
    elif checked.needs_commentary:
        errors["note"] = f"{checked.commentary_words()}: say in a line what is being done about it."
    if checked.asks_first:
        errors["confirm"] = (
            " ".join(checked.doubts)
            + f" To {checked.keep_words()}, choose “{KEEP_CHOICE}” and submit again; "
            "otherwise correct it."
        )
    if errors:
        raise FormError(errors)
    return await record_as_caller(ctx, checked)


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
    reply: Reply | None = None
    async with services.db.transaction() as session:
        ctx = services.context(session, event.platform, event.user_id, event.channel_id)
        try:
            recorded = await submit_form(ctx, dict(event.values), where)
            # Seen in the thread by everyone there, approvers too; alone, only by its submitter.
            reply = confirmation_reply(recorded, approve_button=event.thread_id is not None)
            words = reply.fallback
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
    return FormAnswer(errors, words, card, reply)


def _sentence(words: str) -> str:
    """`words` as a sentence; `str.capitalize` would lower-case the months in it."""
    return words[:1].upper() + words[1:] + "."
