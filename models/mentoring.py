"""Mentoring of young teachers: a request from a mentee, then a pair with a mentor."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, str_enum, utcnow


class MentoringStatus(enum.StrEnum):
    REQUESTED = "requested"  # the mentee waits for a methodologist to find a mentor
    ACTIVE = "active"
    FINISHED = "finished"


class Mentoring(Base):
    """One mentee's request and, once a methodologist pairs them, the pair with its start."""

    __tablename__ = "mentoring"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[MentoringStatus] = mapped_column(
        str_enum(MentoringStatus), default=MentoringStatus.REQUESTED
    )
    source: Mapped[str] = mapped_column(String(32), default="profile")  # profile / diagnostic
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paired_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
