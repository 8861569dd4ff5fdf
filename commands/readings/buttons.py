"""The buttons on what waymark says about a figure: Approve (on a confirmation) and Keep (on a
question about a held figure)."""

from __future__ import annotations

from commands.answers import ButtonAnswer
from commands.context import Services
from commands.errors import UserError
from commands.events import ButtonPressed
from commands.presentation.replies import Action, Reply, error_reply, mention, text_reply
from commands.readings.approval import approve_by_button
from commands.readings.questions import confirm_kept, expire, keep
from storage.repositories import QuestionRepository


async def press_on_reading(services: Services, event: ButtonPressed) -> ButtonAnswer:
    """Approve the reading, or keep the held figure, the button is for; or say why not."""
    async with services.db.transaction() as session:
        ctx = services.context(session, event.platform, event.user_id, event.channel_id)
        try:
            if event.action == Action.APPROVE_READING:
                return ButtonAnswer(reply=await approve_by_button(ctx, int(event.value)))
            question = await QuestionRepository(session).get(int(event.value))
            if question is None:
                return ButtonAnswer(note="That figure is no longer held.")
            if question.user_id != event.user_id:
                raise UserError(
                    f"Only {mention(question.user_id)}, who gave the figure, can keep it."
                )
            if question.answer is not None:
                return ButtonAnswer(reply=text_reply(f"That figure was {question.answer} already."))
            if question.expires_at <= ctx.now:
                return ButtonAnswer(reply=text_reply(await expire(ctx, question)))
            recorded = await keep(ctx, question)
            if recorded is None:
                return ButtonAnswer(reply=text_reply("That figure was recorded already."))
            reply: Reply = await confirm_kept(ctx, recorded, thread_id=None)
            return ButtonAnswer(reply=reply)
        except UserError as error:
            return ButtonAnswer(reply=error_reply(error))
