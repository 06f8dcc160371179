"""Questionnaires: versioned forms loaded from YAML, people's responses and their answers."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, str_enum, utcnow


class ResponseStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    ABANDONED = "abandoned"


class Form(Base):
    """One version of a form; versions are immutable so a half-filled response never breaks."""

    __tablename__ = "forms"
    __table_args__ = (
        UniqueConstraint("code", "version"),
        UniqueConstraint("code", "content_hash", name="uq_forms_code_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(String(32))
    # The validated form (bot.services.forms.FormDef) as JSON: the engine reads only this.
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(Text)
    source_name: Mapped[str] = mapped_column(String(200), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Response(Base):
    """A person filling one form version; answers are saved as they are given."""

    __tablename__ = "responses"
    __table_args__ = (
        Index("ix_responses_person_status", "person_id", "status"),
        Index("ix_responses_form_status", "form_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id", ondelete="RESTRICT"))
    # Denormalised so «the person's response to this form» does not care about versions.
    form_code: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    status: Mapped[ResponseStatus] = mapped_column(
        str_enum(ResponseStatus), default=ResponseStatus.IN_PROGRESS
    )
    # The question being asked; NULL while in progress means the summary before «Отправить».
    current_question: Mapped[str | None] = mapped_column(String(64))
    # What the response is about, e.g. {"event_id": 5} for feedback; context_key is its index form.
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    context_key: Mapped[str] = mapped_column(String(100), default="")
    # Area code → score, set on submit for diagnostic forms.
    scores: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    form: Mapped[Form] = relationship(lazy="joined")


class Answer(Base):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(64))
    # str (choice value or text), list[str] (multiple choice), int/float (scale, number);
    # None with skipped=True when an optional question was skipped.
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    # Taken from the person's profile when the response began (the question was not asked).
    from_profile: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
