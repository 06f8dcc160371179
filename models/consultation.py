"""Consultation requests (адресная помощь): a person asks, a methodologist takes and answers."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, str_enum, utcnow
from models.person import Person


class ConsultationStatus(enum.StrEnum):
    NEW = "new"
    IN_WORK = "in_work"
    DONE = "done"


class ConsultationRequest(Base):
    __tablename__ = "consultation_requests"
    __table_args__ = (Index("ix_consultation_requests_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[ConsultationStatus] = mapped_column(
        str_enum(ConsultationStatus), default=ConsultationStatus.NEW
    )
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    answer: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A meeting the methodologist proposed (an online link or a place) and the person's consent.
    meeting_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    meeting_link: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    meeting_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="joined")
    taken_by: Mapped[Person | None] = relationship(foreign_keys=[taken_by_id], lazy="joined")


class ConsultationMessage(Base):
    """One message of the conversation about a request, either way, until it is closed."""

    __tablename__ = "consultation_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_requests.id", ondelete="CASCADE"), index=True
    )
    from_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
