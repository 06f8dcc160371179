"""People: teachers, heads, methodologists and admins known to the bot."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, str_enum, utcnow
from models.organisation import Organisation


class Role(enum.StrEnum):
    TEACHER = "teacher"
    HEAD = "head"
    DEPUTY = "deputy"
    METHODOLOGIST = "methodologist"
    ADMIN = "admin"


#: Roles a person may choose for themselves; the others are granted by an admin.
SELF_CHOSEN_ROLES = (Role.TEACHER, Role.HEAD, Role.DEPUTY)
#: Roles with access to the methodologists' tools.
STAFF_ROLES = frozenset({Role.METHODOLOGIST, Role.ADMIN})


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL once the person has deleted their data: the anonymous row keeps their answers' statistics.
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[str | None] = mapped_column(String(200))
    is_young_specialist: Mapped[bool] = mapped_column(Boolean, default=False)
    is_management_reserve: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_version: Mapped[str | None] = mapped_column(String(20))
    # False once Telegram said the person blocked the bot; nothing is sent to them then.
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Turned announcements (broadcasts) off; reminders and notices still come.
    broadcasts_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES
