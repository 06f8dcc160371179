"""The people of the sandbox: a teacher, a head and a methodologist of the demo district, plus
newcomers the browser makes on demand."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.services import InvalidInput, registrations
from bot.services.events_demo import MARATHON_SERIES, ORGANISERS
from bot.texts import sandbox as t
from bot.texts.onboarding import POLICY_VERSION
from models import (
    Event,
    EventFormat,
    EventKind,
    EventSeries,
    EventStatus,
    Organisation,
    Person,
    Registration,
    RegistrationStatus,
    Role,
)
from models.base import utcnow

TEACHER_ID = 700001
HEAD_ID = 700002
METHODOLOGIST_ID = 700003
#: Newcomers get ids from here up, one more than the largest already known.
NEWCOMER_BASE = 710001

SCHOOL = "ГБОУ школа № 237"
PAST_WEBINAR = "Вебинар «Смысловое чтение на уроках»"
CENTRE = "ГБУ ДППО ЦПКС «Информационно-методический центр»"


@dataclass(frozen=True)
class Persona:
    id: int
    name: str  # as the chat list shows it
    about: str
    full_name: str = ""
    role: Role | None = None
    organisation: str = ""
    position: str = ""

    @property
    def first_name(self) -> str:
        parts = self.full_name.split()
        return parts[1] if len(parts) > 1 else t.GUEST

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "about": self.about}


PERSONAS = (
    Persona(
        TEACHER_ID,
        "Анна Петрова",
        t.PERSONA_TEACHER,
        "Петрова Анна Сергеевна",
        Role.TEACHER,
        SCHOOL,
        "учитель русского языка и литературы",
    ),
    Persona(
        HEAD_ID,
        "Игорь Смирнов",
        t.PERSONA_HEAD,
        "Смирнов Игорь Николаевич",
        Role.HEAD,
        SCHOOL,
        "директор",
    ),
    Persona(
        METHODOLOGIST_ID,
        "Елена Орлова",
        t.PERSONA_METHODOLOGIST,
        "Орлова Елена Викторовна",
        Role.METHODOLOGIST,
        CENTRE,
        "методист",
    ),
)


def newcomer(telegram_id: int, full_name: str | None = None) -> Persona:
    """A newcomer: numbered until onboarding gave their name."""
    n = telegram_id - NEWCOMER_BASE + 1
    if full_name:
        short = " ".join(full_name.split()[:2][::-1])  # «Кузнецова Ольга …» → «Ольга Кузнецова»
        return Persona(telegram_id, short, t.NEW_PERSON_NAME.format(n=n), full_name)
    return Persona(telegram_id, t.NEW_PERSON_NAME.format(n=n), t.NEW_PERSON_ABOUT)


async def names(session: AsyncSession, telegram_ids: list[int]) -> dict[int, str]:
    """Full names of those of these people who are registered."""
    if not telegram_ids:
        return {}
    result = await session.execute(
        select(Person.telegram_id, Person.full_name).where(Person.telegram_id.in_(telegram_ids))
    )
    return {tid: name for tid, name in result.all() if tid is not None and name}


async def seed(session: AsyncSession, settings: Settings) -> None:
    """Add the three people (registered, with consent) unless they are there; the teacher and the
    head are registered for the first webinar of the marathon, so its lists are not empty, and
    attended a webinar that ended two hours ago, so a feedback request comes at the start."""
    first_webinar = (
        await session.execute(
            select(Event.id)
            .join(EventSeries, Event.series_id == EventSeries.id)
            .where(EventSeries.title == MARATHON_SERIES, Event.starts_at > utcnow())
            .order_by(Event.starts_at)
            .limit(1)
        )
    ).scalar_one_or_none()
    attendees: list[Person] = []
    for persona in PERSONAS:
        if (await _person(session, persona.id)) is not None:
            continue
        org_id = (
            await session.execute(
                select(Organisation.id).where(Organisation.name == persona.organisation)
            )
        ).scalar_one_or_none()
        assert persona.role is not None
        person = Person(
            telegram_id=persona.id,
            full_name=persona.full_name,
            role=persona.role,
            organisation_id=org_id,
            position=persona.position,
            consent_at=utcnow(),
            consent_version=POLICY_VERSION,
            # The head is confirmed for their school, so «Моя организация» can be tried at once.
            head_org_id=org_id if persona.role == Role.HEAD else None,
        )
        session.add(person)
        await session.flush()
        if first_webinar is not None and persona.role in (Role.TEACHER, Role.HEAD):
            # Closed or full: the lists just stay shorter.
            with contextlib.suppress(InvalidInput):
                await registrations.register(session, settings, person, first_webinar)
        if persona.role in (Role.TEACHER, Role.HEAD):
            attendees.append(person)
    if attendees:
        await _past_webinar(session, attendees)


async def _past_webinar(session: AsyncSession, attendees: list[Person]) -> None:
    """A webinar that ended two hours ago, attended by these people (once per database)."""
    if (await session.execute(select(Event.id).where(Event.title == PAST_WEBINAR))).first():
        return
    ended = utcnow().replace(microsecond=0) - timedelta(hours=2)
    event = Event(
        kind=EventKind.WEBINAR,
        title=PAST_WEBINAR,
        format=EventFormat.ONLINE,
        starts_at=ended - timedelta(hours=1),
        ends_at=ended,
        join_link="https://meet.example.org/imc-reading",
        organisers=ORGANISERS,
        description=t.PAST_WEBINAR_ABOUT,
        status=EventStatus.PUBLISHED,
        topics=["methods", "functional_literacy"],
        audience=[],
    )
    session.add(event)
    await session.flush()
    for person in attendees:
        session.add(
            Registration(
                event_id=event.id,
                person_id=person.id,
                status=RegistrationStatus.ATTENDED,
                attended_at=ended - timedelta(minutes=50),
                created_at=ended - timedelta(days=3),
            )
        )
    await session.flush()


async def _person(session: AsyncSession, telegram_id: int) -> Person | None:
    result = await session.execute(select(Person).where(Person.telegram_id == telegram_id))
    return result.scalar_one_or_none()


async def newcomers(session: AsyncSession) -> list[Persona]:
    """Newcomers of earlier runs who went through onboarding (they are in the database)."""
    result = await session.execute(
        select(Person.telegram_id, Person.full_name)
        .where(Person.telegram_id >= NEWCOMER_BASE)
        .order_by(Person.telegram_id)
    )
    return [newcomer(tid, name) for tid, name in result.all() if tid is not None]


async def largest_newcomer_id(session: AsyncSession) -> int:
    result = await session.execute(
        select(func.max(Person.telegram_id)).where(Person.telegram_id >= NEWCOMER_BASE)
    )
    return result.scalar_one_or_none() or NEWCOMER_BASE - 1
