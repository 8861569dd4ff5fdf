"""Repositories: the queries waymark needs, by intent. They never commit; the unit of work does.

One module per aggregate; import from here (`from storage.repositories import X`), not from the
modules, so that they can be rearranged without touching their callers."""

from storage.repositories.audit import AuditRepository
from storage.repositories.chat_records import (
    ConversationRefRepository,
    PostRepository,
    ReceiptRepository,
    SentCardRepository,
    UnreachableRepository,
)
from storage.repositories.digest_week import DigestWeek, Received
from storage.repositories.digests import DigestRepository
from storage.repositories.guards import LockRepository, QuestionRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.people import PeopleRepository
from storage.repositories.plans import ActionRow, PlanRepository
from storage.repositories.reading_import import BATCH as STAGED_BATCH
from storage.repositories.reading_import import ReadingImport, StagedRow
from storage.repositories.readings import AROUND_NEWEST, ReadingRepository, ReadingsAround
from storage.repositories.reminders import ReminderRepository
from storage.repositories.reports import ComparatorRepository, PublishedReportRepository
from storage.repositories.roadmap import RoadmapRepository
from storage.repositories.rows import (
    AreaRow,
    OutcomeRow,
    OwnerRow,
    ReadingRow,
    StandingRow,
)
from storage.repositories.standing import (
    BEHIND_SHOWN,
    NO_DATA,
    Behind,
    Schedule,
    StandingRepository,
    is_held,
)
from storage.repositories.targets import TargetRevisionRepository

__all__ = [
    "AROUND_NEWEST",
    "BEHIND_SHOWN",
    "NO_DATA",
    "STAGED_BATCH",
    "ActionRow",
    "AreaRow",
    "AuditRepository",
    "Behind",
    "ComparatorRepository",
    "ConversationRefRepository",
    "DigestRepository",
    "DigestWeek",
    "LockRepository",
    "OutboxRepository",
    "OutcomeRow",
    "OwnerRow",
    "PeopleRepository",
    "PlanRepository",
    "PostRepository",
    "PublishedReportRepository",
    "QuestionRepository",
    "ReadingImport",
    "ReadingRepository",
    "ReadingRow",
    "ReadingsAround",
    "ReceiptRepository",
    "Received",
    "ReminderRepository",
    "RoadmapRepository",
    "Schedule",
    "SentCardRepository",
    "StagedRow",
    "StandingRepository",
    "StandingRow",
    "TargetRevisionRepository",
    "UnreachableRepository",
    "is_held",
]
