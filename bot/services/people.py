"""People: registration, profile changes, anonymisation, blocked-bot bookkeeping."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.services import InvalidInput
from bot.texts import onboarding as t
from bot.texts import profile as tp
from models import Person, Role
from models.base import utcnow

FULL_NAME_LIMIT = 120
POSITION_LIMIT = 150
_NAME_WORD = re.compile(r"^[^\W\d_]+(?:[-'’][^\W\d_]+)*$")


def normalize_full_name(text: str) -> str:
    """Validate ФИО: 2–4 words of letters (hyphens allowed), each capitalised. Raises InvalidInput."""
    text = " ".join(text.split())
    if len(text) > FULL_NAME_LIMIT:
        raise InvalidInput(t.FULL_NAME_TOO_LONG.format(limit=FULL_NAME_LIMIT))
    words = text.split(" ")
    if not 2 <= len(words) <= 4 or not all(_NAME_WORD.match(w) for w in words):
        raise InvalidInput(t.BAD_FULL_NAME)
    if any(len(w.replace("-", "")) < 2 for w in words[:2]):
        raise InvalidInput(t.BAD_FULL_NAME)
    return " ".join("-".join(p[:1].upper() + p[1:] for p in w.split("-")) for w in words)


def normalize_position(text: str) -> str:
    """Validate a position: words, 2–POSITION_LIMIT characters. Raises InvalidInput."""
    text = " ".join(text.split())
    if not 2 <= len(text) <= POSITION_LIMIT or not re.search(r"[^\W\d_]{2}", text):
        raise InvalidInput(t.BAD_POSITION.format(limit=POSITION_LIMIT))
    return text


def first_name(full_name: str | None) -> str:
    """The name to address a person by: «Мария» of «Иванова Мария Петровна»."""
    if not full_name:
        return ""
    parts = full_name.split()
    return " ".join(parts[1:3]) if len(parts) >= 2 else parts[0]


@dataclass(frozen=True)
class ProfileDraft:
    full_name: str
    role: Role
    organisation_id: int
    position: str
    consent_version: str


async def get_by_telegram_id(session: AsyncSession, telegram_id: int) -> Person | None:
    """The registered (not deleted) person with this Telegram id."""
    result = await session.execute(select(Person).where(Person.telegram_id == telegram_id))
    return result.scalar_one_or_none()


async def register(session: AsyncSession, telegram_id: int, draft: ProfileDraft) -> Person:
    """Create the person once; a second concurrent call returns the same row instead of failing."""
    now = utcnow()
    values = {
        "telegram_id": telegram_id,
        "full_name": draft.full_name,
        "role": draft.role,
        "organisation_id": draft.organisation_id,
        "position": draft.position,
        "consent_at": now,
        "consent_version": draft.consent_version,
        "is_young_specialist": False,
        "is_management_reserve": False,
        "is_active": True,
        "created_at": now,
        "updated_at": now,
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(Person).values(**values).on_conflict_do_nothing(index_elements=["telegram_id"])
    )
    person = await get_by_telegram_id(session, telegram_id)
    assert person is not None
    return person


async def anonymise(session: AsyncSession, person: Person, settings: Settings) -> None:
    """Delete personal data; the row stays, anonymous, so statistics keep their counts.

    Their live registrations are cancelled first, so the seats go to the waitlist; unfinished
    questionnaires are abandoned and nothing more is sent to them.
    """
    # Imported here: registrations use this module (names, activity) at import time.
    from bot.services import heads, outbox, questionnaire
    from bot.services.registrations import cancel_all_for_person

    await cancel_all_for_person(session, person, settings)
    await heads.drop(session, person)
    await questionnaire.abandon_all(session, person.id)
    await outbox.cancel_pending(session, person_id=person.id)
    person.telegram_id = None
    person.full_name = None
    person.position = None
    person.consent_at = None
    person.consent_version = None
    person.is_active = False
    person.deleted_at = utcnow()
    await session.flush()


def parse_work_start_year(text: str, today: date) -> int:
    """The year work began, as typed; InvalidInput in Russian when it is not a plausible year."""
    value = text.strip().removesuffix("г.").removesuffix("г").strip()
    first, last = today.year - 60, today.year
    if not value.isdigit() or not first <= int(value) <= last:
        raise InvalidInput(tp.BAD_WORK_YEAR.format(first=first, last=last))
    return int(value)


async def set_active(session: AsyncSession, telegram_id: int, active: bool) -> None:
    """Mark whether the bot can write to the person (False after «bot was blocked by the user»)."""
    await session.execute(
        update(Person).where(Person.telegram_id == telegram_id).values(is_active=active)
    )


async def list_staff(session: AsyncSession) -> list[Person]:
    """Methodologists and admins registered in the bot."""
    result = await session.execute(
        select(Person)
        .where(Person.role.in_([Role.METHODOLOGIST, Role.ADMIN]), Person.telegram_id.is_not(None))
        .order_by(Person.full_name)
    )
    return list(result.scalars())
