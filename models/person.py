"""People: teachers, heads, methodologists and admins known to the bot."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, str_enum, utcnow
from models.organisation import Organisation


class Role(enum.StrEnum):
    TEACHER = "teacher"
    HEAD = "head"
    DEPUTY = "deputy"
    METHODOLOGIST = "methodologist"
    ADMIN = "admin"
    # Staff of the methodological service who registered themselves: a methodologist once an
    # admin confirms them; until then neither a teacher nor staff (not counted anywhere).
    METHODICAL_STAFF = "methodical_staff"


#: Roles a person may choose for themselves; the others are granted by an admin.
SELF_CHOSEN_ROLES = (Role.TEACHER, Role.HEAD, Role.DEPUTY, Role.METHODICAL_STAFF)
#: Roles whose claim a methodologist confirms before the person sees their organisation.
HEAD_ROLES = frozenset({Role.HEAD, Role.DEPUTY})
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
    # The year the person began working in education (asked in the profile): makes «the first
    # three years» of a young specialist exact in the reports.
    work_start_year: Mapped[int | None] = mapped_column(Integer)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_version: Mapped[str | None] = mapped_column(String(20))
    # False once Telegram said the person blocked the bot; nothing is sent to them then.
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Turned announcements (broadcasts) off; reminders and notices still come.
    broadcasts_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The organisation a methodologist confirmed this head (deputy) for; a head sees it only
    # while it is still their organisation and their role is still a head's.
    head_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    # The last day the person wrote to the bot (updated at most once a day): retention counts
    # inactivity from here (from created_at when never set).
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation | None] = relationship(
        lazy="joined", foreign_keys=[organisation_id]
    )

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def confirmed_org_id(self) -> int | None:
        """The organisation this person may see as its confirmed head, or None."""
        if (
            self.role in HEAD_ROLES
            and self.head_org_id is not None
            and self.head_org_id == self.organisation_id
            and self.deleted_at is None
        ):
            return self.head_org_id
        return None
