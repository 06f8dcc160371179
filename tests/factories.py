"""Rows for tests, written straight to the database (the dialogs are tested on their own)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import demo
from models import Event, EventFormat, EventKind, EventStatus, Organisation, OrgKind, Person, Role
from models.base import utcnow


async def make_org(
    session: AsyncSession, name: str = "ГБОУ школа № 237", kind: OrgKind = OrgKind.SCHOOL
) -> Organisation:
    org = Organisation(kind=kind, municipality="", is_confirmed=True)
    org.set_name(name)
    session.add(org)
    await session.flush()
    return org


async def make_person(
    session: AsyncSession,
    telegram_id: int,
    role: Role = Role.TEACHER,
    full_name: str = "Иванова Мария Петровна",
    organisation: Organisation | None = None,
    position: str = "учитель математики",
    **extra: object,
) -> Person:
    person = Person(
        telegram_id=telegram_id,
        full_name=full_name,
        role=role,
        organisation_id=organisation.id if organisation else None,
        position=position,
        consent_at=utcnow(),
        consent_version="2026-1",
        **extra,
    )
    session.add(person)
    await session.flush()
    return person


async def seed_demo(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await demo.seed_demo(session)


async def make_event(session: AsyncSession, **overrides: Any) -> Event:
    """A published online webinar three days ahead, unless told otherwise."""
    starts = overrides.pop("starts_at", utcnow().replace(microsecond=0) + timedelta(days=3))
    values: dict[str, Any] = {
        "kind": EventKind.WEBINAR,
        "title": "Цифровые инструменты учителя",
        "format": EventFormat.ONLINE,
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=1),
        "join_link": "https://meet.example.org/digital",
        "status": EventStatus.PUBLISHED,
        "checkin_code": "482913",
        "audience": [],
        "topics": ["digital"],
        **overrides,
    }
    event = Event(**values)
    session.add(event)
    await session.flush()
    return event
