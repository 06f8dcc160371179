"""Claims of a role that someone must confirm (a head, a methodologist) and daily jobs' runs."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, str_enum, utcnow
from models.person import Role


class RoleRequestStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    REVOKED = "revoked"  # a methodologist took the confirmation back
    DROPPED = "dropped"  # the person changed organisation or role, or deleted their data


class RoleRequest(Base):
    """A person's claim to be a head (deputy) of an organisation, or a methodologist."""

    __tablename__ = "role_requests"
    __table_args__ = (Index("ix_role_requests_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    status: Mapped[RoleRequestStatus] = mapped_column(
        str_enum(RoleRequestStatus), default=RoleRequestStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))


class JobRun(Base):
    """When a daily job last ran: the database, not the scheduler, decides whether it is due."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
