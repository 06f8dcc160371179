"""Rows for tests, written straight to the database (the dialogs are tested on their own)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import demo
from models import Organisation, OrgKind, Person, Role
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
