"""The audit log: who did what, when and to whom — never the content of answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Who acted: a person of the bot, or None for the system (a CLI command, a daily job).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    # A dotted name such as "export.registrations", "broadcast.launch", "role.grant".
    action: Mapped[str] = mapped_column(String(64))
    # On whom or what: a person, or an object named by kind and id.
    subject_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    object_kind: Mapped[str] = mapped_column(String(32), default="")
    object_id: Mapped[int | None] = mapped_column(default=None)
    # Parameters of the action (a period, a format, a count) — no personal data, no answers.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
