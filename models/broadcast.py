"""Broadcasts: a methodologist's announcement, its chosen recipients frozen at launch.

What goes out is stored here at compose time (the HTML of the text or caption and the file_id of
the photo, document or video), not re-read from the author's chat: editing or deleting the
original message afterwards changes nothing for the recipients, and a resumed broadcast sends
exactly what the first recipients got. Each recipient's delivery is an outbox row
(`notifications.broadcast_id`), so the one sender paces it together with reminders.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, str_enum, utcnow


class BroadcastStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    STOPPED = "stopped"  # stopped by the author: what was not sent is not sent
    DONE = "done"
    CANCELLED = "cancelled"  # a draft or a scheduled one cancelled before it went


class ContentKind(enum.StrEnum):
    TEXT = "text"
    PHOTO = "photo"
    DOCUMENT = "document"
    VIDEO = "video"


class Broadcast(Base):
    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[BroadcastStatus] = mapped_column(
        str_enum(BroadcastStatus), default=BroadcastStatus.DRAFT, index=True
    )
    content_kind: Mapped[ContentKind] = mapped_column(
        str_enum(ContentKind), default=ContentKind.TEXT
    )
    # The text (or caption) as HTML with its formatting; file_id of the photo/document/video.
    text: Mapped[str] = mapped_column(Text, default="")
    file_id: Mapped[str | None] = mapped_column(String(300))
    # The author's original message, for reference only (never re-read when sending).
    source_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    source_message_id: Mapped[int | None] = mapped_column(BigInteger)
    link_title: Mapped[str] = mapped_column(String(64), default="")
    link_url: Mapped[str] = mapped_column(String(1000), default="")
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    # The recipients' filter (see bot.services.broadcast_filters) and its description.
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    filters_text: Mapped[str] = mapped_column(Text, default="")
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    launched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Frozen at launch: how many got a recipient row, and who was left out and why.
    total: Mapped[int] = mapped_column(Integer, default=0)
    skipped_blocked: Mapped[int] = mapped_column(Integer, default=0)
    skipped_opted_out: Mapped[int] = mapped_column(Integer, default=0)
    # The author's live progress message.
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    report_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class BroadcastRecipient(Base):
    """One row per person per broadcast, written once at launch (the frozen list)."""

    __tablename__ = "broadcast_recipients"
    __table_args__ = (UniqueConstraint("broadcast_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    signup_pressed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registered: Mapped[bool] = mapped_column(Boolean, default=False)
