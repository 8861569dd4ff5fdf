"""How long waymark keeps operational records that have no lasting value: the receipts of chat
events it handled (kept to recognise a platform's retried delivery, which comes within minutes)
and the words of messages it posted (the row stays, as the record that it was posted once).
Readings, the audit log and the road map are never removed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories import OutboxRepository, ReceiptRepository

DEFAULT_DAYS = 90


@dataclass(frozen=True)
class Removed:
    receipts: int
    payloads: int

    def __str__(self) -> str:
        return (
            f"removed {self.receipts} event receipts and the words of {self.payloads} posted "
            "messages"
        )


async def remove_expired_records(session: AsyncSession, now: datetime, days: int) -> Removed:
    """Remove what is older than `days` days. Idempotent, and safe from several replicas at
    once: what one removed, the other finds gone."""
    cutoff = now - timedelta(days=days)
    receipts = await ReceiptRepository(session).remove_received_before(cutoff)
    payloads = await OutboxRepository(session).clear_payloads_sent_before(cutoff)
    return Removed(receipts, payloads)
