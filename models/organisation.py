"""Organisations of the municipality: schools, kindergartens, centres of additional education."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, str_enum, utcnow


class OrgKind(enum.StrEnum):
    SCHOOL = "school"
    GYMNASIUM = "gymnasium"
    LYCEUM = "lyceum"
    KINDERGARTEN = "kindergarten"
    ADDITIONAL = "additional"
    METHODICAL_CENTRE = "methodical_centre"
    OTHER = "other"


def search_key(text: str) -> str:
    """The form of a name used for case-insensitive search (SQLite cannot lower Cyrillic)."""
    return " ".join(text.casefold().replace("ё", "е").split())


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("municipality", "search_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    search_name: Mapped[str] = mapped_column(String(300), index=True)
    kind: Mapped[OrgKind] = mapped_column(str_enum(OrgKind))
    municipality: Mapped[str] = mapped_column(String(200), default="")
    # Organisations typed in by people during onboarding wait for a methodologist's confirmation.
    is_confirmed: Mapped[bool] = mapped_column(Boolean, default=True)
    # «Численность педагогов» from the organisations file: the indicators' denominator when known.
    staff_count: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def set_name(self, name: str) -> None:
        self.name = " ".join(name.split())
        self.search_name = search_key(name)
