"""Cards in chat that are redrawn when a reading arrives, so that none still says "OVERDUE" after.

Wherever a reading becomes the one that counts, or is approved, the core queues through the
outbox a change to each recent card that shows where its outcome stands: a row of kind
`refresh` per card, keyed by (card, reading, its state), so each is queued once however often
the reading is seen, and carrying the card as it looks now. The outbox then changes the message
in place (`Messenger.update`); it never posts a new one (see `outbox`).

Which cards: a shared status card (`/outcome N share`, which shows one outcome) and a reminder
(each outcome it asks for whose reading has arrived is marked received), posted within `RECENT`,
the newest `MOST` of them. A digest is the record of its week and stays as it was posted,
whatever arrives since; a confirmation or a history says what was so when it was asked.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from commands.comparisons import comparisons_of
from commands.delivery.reply_codec import CodecError, decode, encode
from commands.domain.comparators import latest_by_area
from commands.domain.status import local_today, status_of
from commands.people.directory import names_for
from commands.presentation.cards import STATUS_CARD, status_card
from commands.presentation.formatting import STATUS_WORDS, day, with_unit
from commands.presentation.replies import Action, Block, Context, Header, Reply, Section
from storage.models import Outcome, Post, Reading
from storage.repositories import (
    ConversationRefRepository,
    OutboxRepository,
    PostRepository,
    ReadingRepository,
    ReminderRepository,
)

log = logging.getLogger(__name__)

REFRESH = "refresh"  # the outbox's kind for a change to a message posted already
REMINDER = "reminder"  # the kind reminders are posted under (`commands.reminders.planning`)
REFRESHED = (STATUS_CARD, REMINDER)
# Older cards have scrolled out of anyone's sight; redrawing them would only cost calls.
RECENT = timedelta(days=90)
MOST = 10


async def current_card(
    session: AsyncSession, outcome: Outcome, today: date, tz: tzinfo, *, shared: bool
) -> Reply:
    """Outcome's status card as it stands `today` (`/outcome N`, and a shared one redrawn)."""
    latest = await ReadingRepository(session).latest(outcome.id)
    status = status_of(outcome, latest, today)
    figures = (await comparisons_of(session, [outcome.id])).get(outcome.id, [])
    newest = status.latest
    # Who gave the latest reading and who approved it, by name.
    people = [newest.submitted_by, newest.approved_by or ""] if newest else []
    names = await names_for(session, [p for p in people if p])
    return status_card(
        status,
        tz,
        shared=shared,
        names=names,
        comparators=latest_by_area(figures, until=today),
    )


async def queue_refreshes(
    session: AsyncSession,
    outcome: Outcome,
    reading: Reading,
    *,
    now: datetime,
    tz: tzinfo,
    because: str = "",
) -> int:
    """Queue a change to each recent card showing `outcome`, now that `reading` counts (or was
    approved); how many were queued. Nothing for a reading that displaced no current one.
    `because`: what else changed that a status card shows (its commentary), as a key."""
    if not reading.is_current:
        return 0
    number = outcome.number
    posts = [
        post
        for post in await PostRepository(session).recent(REFRESHED, now - RECENT, about=number)
        if post.kind != STATUS_CARD or len(post.outcomes) == 1
    ][:MOST]
    outbox = OutboxRepository(session)
    where = _Places(session)
    card: Reply | None = None
    queued = 0
    for post in posts:
        if post.kind == STATUS_CARD:
            card = card or await current_card(
                session, outcome, local_today(now, tz), tz, shared=True
            )
            reply: Reply | None = card
            what = "card"
        else:
            reply = await _reminder_now(session, post, outcome, reading, now, tz)
            what = "reminder"
        if reply is None:
            continue
        row = await outbox.add(
            key=_key(post, reading, because),
            kind=REFRESH,
            platform=post.platform,
            channel_id=post.channel_id,
            summary=f"Refresh the {what} for outcome {number} in {await where(post)}",
            payload=encode(reply),
            not_before=now,
            created_at=now,
            group_id=post.group_id,
            thread_id=post.thread_id,
            message_id=post.message_id,
        )
        queued += row is not None
    return queued


def _key(post: Post, reading: Reading, because: str = "") -> str:
    """Once per card and reading; a status card again once the reading is approved (it says
    who approved it) or commented (it shows the commentary), a reminder not (it says the same
    either way)."""
    key = f"refresh:{post.id}:{reading.id}"
    if post.kind != STATUS_CARD:
        return key
    return f"{key}:{reading.state}:{because}" if because else f"{key}:{reading.state}"


class _Places:
    """Channels by their names where waymark was told them (Teams), by their ids otherwise;
    each looked up once, as most cards showing an outcome are in its group's channel."""

    def __init__(self, session: AsyncSession) -> None:
        self.refs = ConversationRefRepository(session)
        self.known: dict[tuple[str, str], str] = {}

    async def __call__(self, post: Post) -> str:
        place = (post.platform, post.channel_id)
        if place not in self.known:
            ref = await self.refs.get(*place)
            self.known[place] = f"#{ref.name}" if ref is not None and ref.name else post.channel_id
        return self.known[place]


async def _reminder_now(
    session: AsyncSession, post: Post, outcome: Outcome, reading: Reading, now: datetime, tz: tzinfo
) -> Reply | None:
    """The reminder `post` as it was last drawn, with `outcome` marked received; None when it
    did not ask for `reading`'s period, or what it said is no longer kept."""
    rows = await OutboxRepository(session).for_message(
        post.platform, post.channel_id, post.message_id
    )
    posted = next((r for r in rows if r.kind != REFRESH), None)
    if posted is None:
        return None
    asked = await ReminderRepository(session).periods_asked(posted.id, outcome.id)
    if reading.period not in asked:
        return None
    try:
        # The newest drawing: a reminder for several outcomes keeps those received before.
        last = decode(rows[-1].payload)
    except CodecError as error:
        log.info("reminder %s is not redrawn: %s", post.message_id, error)
        return None
    latest = await ReadingRepository(session).latest(outcome.id)
    status = status_of(outcome, latest, local_today(now, tz))
    words = (
        f"The {reading.period} reading arrived on {day(reading.submitted_at.astimezone(tz).date())}"
        f": {with_unit(reading.value, outcome.unit)}. Status now: {STATUS_WORDS[status.status]}."
    )
    return received(last, outcome.number, words)


def received(reminder: Reply, number: int, words: str) -> Reply:
    """`reminder` with outcome `number`'s part saying `words` instead of asking for it; once
    nothing is left to ask for, its heading and its instructions say so too."""
    title = f"Outcome {number}:"
    blocks = [
        Section(title=b.title, text=words)
        if isinstance(b, Section) and (b.title or "").startswith(title)
        else b
        for b in reminder.blocks
    ]
    waiting = any(
        isinstance(b, Section) and b.button and b.button.action == Action.SUBMIT_READING
        for b in blocks
    )
    if waiting:
        return replace(reminder, blocks=tuple(blocks))
    done = "Every reading asked for here has arrived. Thank you."
    name = reminder.fallback.partition(":")[0]
    redrawn: list[Block] = []
    for block in blocks:
        if isinstance(block, Header):
            name = block.text.partition(": ")[2] or name  # `Overdue readings: GROUP`
            redrawn.append(Header(f"Readings received: {name}"))
        elif isinstance(block, Section) and not block.title:
            # The opening words (and the heads-up's, below them) asked for readings.
            if Section(text=done) not in redrawn:
                redrawn.append(Section(text=done))
        elif not isinstance(block, Context):  # the instructions on how to reply
            redrawn.append(block)
    return replace(reminder, fallback=f"{name}: {done}", blocks=tuple(redrawn))
