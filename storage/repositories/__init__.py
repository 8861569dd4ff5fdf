"""Repositories: the queries waymark needs, by intent. They never commit; the unit of work does.

One module per aggregate; import from here (`from storage.repositories import X`), not from the
modules, so that they can be rearranged without touching their callers."""

from storage.repositories.audit import AuditRepository
from storage.repositories.chat_records import (
    ConversationRefRepository,
    PeopleRepository,
    PostRepository,
    ReceiptRepository,
    SentCardRepository,
    UnreachableRepository,
)
from storage.repositories.digests import DigestRepository
from storage.repositories.guards import LockRepository, QuestionRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.readings import AROUND_NEWEST, ReadingRepository, ReadingsAround
from storage.repositories.reminders import ReminderRepository
from storage.repositories.roadmap import RoadmapRepository
from storage.repositories.rows import AreaRow, OutcomeRow, OwnerRow, ReadingRow

__all__ = [
    "AROUND_NEWEST",
    "AreaRow",
    "AuditRepository",
    "ConversationRefRepository",
    "DigestRepository",
    "LockRepository",
    "OutboxRepository",
    "OutcomeRow",
    "OwnerRow",
    "PeopleRepository",
    "PostRepository",
    "QuestionRepository",
    "ReadingRepository",
    "ReadingRow",
    "ReadingsAround",
    "ReceiptRepository",
    "ReminderRepository",
    "RoadmapRepository",
    "SentCardRepository",
    "UnreachableRepository",
]
