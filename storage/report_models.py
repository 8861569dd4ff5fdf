"""The tables behind the progress report: comparator figures shown beside an outcome's target
(England, the region, statistical neighbours), and the reports published, each with the
snapshot of the figures it was made from, so that it can be made again byte for byte.

Imported by `storage/__init__.py`, which registers them with the schema. Columns holding
personal data say so (`storage/personal_columns.py`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.personal_columns import MENTIONS, PERSON_ID


class Comparator(Base):
    """Another area's published figure for an outcome's measure and one of its periods: what
    the road map's own figure is read beside. Imported again, a figure replaces the one before."""

    __tablename__ = "comparators"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id"), index=True)
    area: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(20))
    period_end: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text, default="")
    imported_by: Mapped[str] = mapped_column(String(200), info=PERSON_ID)
    imported_at: Mapped[datetime] = mapped_column()

    __table_args__ = (UniqueConstraint("outcome_id", "area", "period"),)


class PublishedReport(Base):
    """A progress report as published: the figures it showed (`snapshot`, JSON), so that the
    same file is made again whatever changes later, and who published it and when."""

    __tablename__ = "published_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    scope: Mapped[str] = mapped_column(String(200))  # "" for the whole road map, or an area's slug
    title: Mapped[str] = mapped_column(Text)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, info=MENTIONS)
    sha256: Mapped[str] = mapped_column(String(64))  # of the PDF (or the HTML without the extra)
    published_by: Mapped[str] = mapped_column(String(200), info=PERSON_ID)
    published_at: Mapped[datetime] = mapped_column()
    # The PDF as published (None without the PDF extra), served to Teams at an address holding
    # `file_token`: random, so that only those shown the link can open it.
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    file_token: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)

    __table_args__ = (UniqueConstraint("as_of", "scope"),)
