"""How long waymark keeps operational records that have no lasting value: the receipts of chat
events it handled (kept to recognise a platform's retried delivery, which comes within minutes),
the words of messages it posted (the row stays, as the record that it was posted once), and the
questions it asked about figures once their time to be answered has run out (the audit log
keeps each held figure and what became of it). Readings, the audit log and the road map are
never removed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories import OutboxRepository, QuestionRepository, ReceiptRepository

DEFAULT_DAYS = 90


@dataclass(frozen=True)
class Removed:
    receipts: int
    payloads: int
    questions: int = 0

    def __str__(self) -> str:
        return (
            f"removed {self.receipts} event receipts, the words of {self.payloads} posted "
            f"messages and {self.questions} expired questions"
        )


async def remove_expired_records(session: AsyncSession, now: datetime, days: int) -> Removed:
    """Remove what is older than `days` days. Idempotent, and safe from several replicas at
    once: what one removed, the other finds gone."""
    cutoff = now - timedelta(days=days)
    receipts = await ReceiptRepository(session).remove_received_before(cutoff)
    payloads = await OutboxRepository(session).clear_payloads_sent_before(cutoff)
    questions = await QuestionRepository(session).remove_expired_before(cutoff)
    return Removed(receipts, payloads, questions)
