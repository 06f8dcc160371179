"""The outbox: every message the bot sends on its own initiative is a row here first."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, str_enum, utcnow


class NotificationKind(enum.StrEnum):
    REMINDER = "reminder"
    EVENT_CHANGED = "event_changed"
    EVENT_CANCELLED = "event_cancelled"
    WAITLIST_PROMOTED = "waitlist_promoted"
    FEEDBACK_REQUEST = "feedback_request"
    FEEDBACK_FOLLOWUP = "feedback_followup"
    CONSULTATION = "consultation"
    BROADCAST = "broadcast"
    MESSAGE = "message"
    # «Напоминаем заполнить анкету»: a methodologist or a head chasing those who have not answered.
    FORM_REMINDER = "form_reminder"


class NotificationStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # Telegram refused it, or it failed too many times
    DROPPED = "dropped"  # missed: it fell due while the bot was down and came too late
    CANCELLED = "cancelled"  # no longer needed


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # The tick reads only pending rows by due time: a partial index keeps it small however
        # many sent rows pile up.
        Index(
            "ix_notifications_pending_due",
            "due_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index(
            "ix_notifications_sending_lease",
            "claimed_until",
            postgresql_where=text("status = 'sending'"),
            sqlite_where=text("status = 'sending'"),
        ),
        Index("ix_notifications_event_kind", "event_id", "kind"),
        Index("ix_notifications_person_status", "person_id", "status"),
        Index("ix_notifications_broadcast_status", "broadcast_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    # A broadcast's delivery to one recipient (bot.services.broadcasts).
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE")
    )
    # Chat to send to, fixed at enqueue time is avoided: the person's current telegram_id is used.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Past this moment the message is useless (a 1-hour reminder after the start) and is dropped.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # May wait for the morning when it falls due in quiet hours.
    holdable: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Makes enqueueing idempotent: one reminder per registration and offset, and so on.
    dedup_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[NotificationStatus] = mapped_column(
        str_enum(NotificationStatus), default=NotificationStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set, and committed, just before the request to Telegram leaves. A process that dies with a
    # row claimed but not attempted leaves it to be sent again; one that dies mid-request leaves
    # it marked sent, as it most likely arrived: a duplicate is what makes people mute a bot.
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
