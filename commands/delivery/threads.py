"""Answers posted in chat whose threads take readings: the adapter posts, then tells the core
where, so that a number typed in the thread is a reading of the outcomes the answer is about
(or, for a card about one action of a delivery plan, a reply there is an update to it)."""

from __future__ import annotations

from commands.context import Services
from commands.delivery.conversation_book import keep_card
from commands.events import AnswerPosted
from commands.presentation.cards import STATUS_CARD
from storage.repositories import PostRepository


async def record_answer(services: Services, event: AnswerPosted) -> None:
    """Keep where an answer was posted (and its card, when its boxes are answered in place),
    in one transaction; nothing when neither is needed."""
    about = event.reply.about if event.takes_readings else ()
    action_id = event.reply.action_id if event.takes_readings else None
    if not about and action_id is None and not event.keep_card:
        return
    now = services.clock()
    async with services.db.transaction() as session:
        if event.keep_card:
            await keep_card(
                session, event.platform, event.channel_id, event.message_id, event.reply, now
            )
        if about or action_id is not None:
            # A post's message is its thread's root: replies there are readings.
            card = event.reply.card == STATUS_CARD
            posts = PostRepository(session)
            await posts.record(
                platform=event.platform,
                channel_id=event.channel_id,
                message_id=event.thread_id or event.message_id,
                kind=STATUS_CARD if card and event.thread_id is None else "card",
                outcomes=about,
                posted_at=now,
                action_id=action_id,
            )
            if card and event.thread_id is not None:
                # A status card answered inside a thread (a Teams @mention, which is answered
                # in its thread) is kept as well under its own id and thread, so that it is
                # redrawn when a reading arrives, as one that starts its own thread is.
                await posts.record(
                    platform=event.platform,
                    channel_id=event.channel_id,
                    message_id=event.message_id,
                    kind=STATUS_CARD,
                    outcomes=about,
                    posted_at=now,
                    thread_id=event.thread_id,
                )
