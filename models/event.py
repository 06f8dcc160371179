"""Events, series of events and registrations for them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, str_enum, utcnow


class EventKind(enum.StrEnum):
    WEBINAR = "webinar"
    NETWORK_SEMINAR = "network_seminar"
    SEMINAR = "seminar"
    CONFERENCE = "conference"
    MASTER_CLASS = "master_class"
    PEDAGOGICAL_COUNCIL = "pedagogical_council"
    CONSULTATION = "consultation"
    CONTEST = "contest"


class EventFormat(enum.StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    HYBRID = "hybrid"


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    FINISHED = "finished"


class RegistrationStatus(enum.StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


class EventSeries(Base):
    """A series such as a network seminar of six online meetings over a school year."""

    __tablename__ = "event_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    goal: Mapped[str] = mapped_column(Text, default="")
    organisers: Mapped[str] = mapped_column(String(500), default="")
    materials_link: Mapped[str] = mapped_column(String(1000), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    events: Mapped[list[Event]] = relationship(
        back_populates="series", order_by="Event.starts_at", lazy="raise"
    )


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_status_starts_at", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_series.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    goal: Mapped[str] = mapped_column(Text, default="")
    organisers: Mapped[str] = mapped_column(String(500), default="")
    # Invited experts and speakers (ФИО, place of work), for the annual report's tables.
    speakers: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[EventFormat] = mapped_column(str_enum(EventFormat))
    place: Mapped[str] = mapped_column(String(500), default="")
    join_link: Mapped[str] = mapped_column(String(1000), default="")
    materials_link: Mapped[str] = mapped_column(String(1000), default="")
    recording_link: Mapped[str] = mapped_column(String(1000), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registration_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    capacity: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    # Role values the event is meant for; empty means everyone.
    audience: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Topic codes (bot.topics) matched against diagnostic deficits.
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[EventStatus] = mapped_column(str_enum(EventStatus), default=EventStatus.DRAFT)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    checkin_code: Mapped[str] = mapped_column(String(16), default="")
    # Minutes before the start; None means the global REMINDER_OFFSETS.
    reminder_offsets: Mapped[list[int] | None] = mapped_column(JSON)
    # Set once the feedback requests for this event have been put into the outbox.
    feedback_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    series: Mapped[EventSeries | None] = relationship(back_populates="events", lazy="raise")


class Registration(Base):
    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "person_id"),
        Index("ix_registrations_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(str_enum(RegistrationStatus))
    # Order in the waitlist: smaller comes first; set when the person joins the waitlist.
    waitlist_order: Mapped[int | None] = mapped_column(Integer)
    checkin_attempts: Mapped[int] = mapped_column(Integer, default=0)
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(lazy="joined")


class RegistrationLog(Base):
    """Who moved where and when: waitlist promotions, cancellations, attendance marks."""

    __tablename__ = "registration_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
