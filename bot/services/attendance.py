"""Attendance: check-in codes announced during an event, marks by methodologists, counts."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import InvalidInput
from bot.services.events import SEAT_STATUSES, is_on
from bot.services.registrations import log
from bot.texts import events as t
from models import Event, EventStatus, Person, Registration, RegistrationStatus
from models.base import utcnow

CODE_DIGITS = 6
MAX_ATTEMPTS = 5


def new_code() -> str:
    """A short numeric code, easy to read out loud during a webinar."""
    return "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))


def normalise_code(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace() and ch != "-")


class WrongCode(InvalidInput):
    """The code did not match; more attempts are left."""


@dataclass
class CheckinResult:
    event: Event
    already: bool = False


async def _ongoing_registrations(
    session: AsyncSession, person: Person, now: datetime, event_id: int | None
) -> list[Registration]:
    stmt = (
        select(Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(
            Registration.person_id == person.id,
            Registration.status.in_(SEAT_STATUSES),
            Event.status == EventStatus.PUBLISHED,
        )
    )
    if event_id is not None:
        stmt = stmt.where(Registration.event_id == event_id)
    result = await session.execute(stmt)
    return [r for r in result.scalars() if is_on(r.event, now)]


async def has_ongoing(session: AsyncSession, person: Person, now: datetime | None = None) -> bool:
    """Whether the person is registered for an event going on now (a code may be expected)."""
    return bool(await _ongoing_registrations(session, person, now or utcnow(), None))


async def check_in(
    session: AsyncSession,
    person: Person,
    code: str,
    *,
    event_id: int | None = None,
    now: datetime | None = None,
) -> CheckinResult:
    """Mark the person attended at the ongoing event whose code they sent.

    A wrong code costs an attempt on each of their ongoing registrations; after MAX_ATTEMPTS
    only a methodologist can mark them. Refusals are InvalidInput with the message to show.
    """
    now = now or utcnow()
    ongoing = await _ongoing_registrations(session, person, now, event_id)
    if not ongoing:
        raise InvalidInput(t.CHECKIN_NOT_ON if event_id is not None else t.CHECKIN_NOTHING_ON)
    code = normalise_code(code)
    for registration in ongoing:
        if registration.status == RegistrationStatus.ATTENDED and (
            registration.event.checkin_code == code or event_id is not None
        ):
            return CheckinResult(registration.event, already=True)
    if all(r.checkin_attempts >= MAX_ATTEMPTS for r in ongoing):
        raise InvalidInput(t.CHECKIN_LOCKED)
    for registration in ongoing:
        if registration.checkin_attempts < MAX_ATTEMPTS and registration.event.checkin_code == code:
            mark(registration, now)
            log(session, registration, "checked_in", person)
            await session.flush()
            return CheckinResult(registration.event)
    for registration in ongoing:
        registration.checkin_attempts += 1
    await session.flush()
    left = max(MAX_ATTEMPTS - r.checkin_attempts for r in ongoing)
    if left <= 0:
        raise InvalidInput(t.CHECKIN_LOCKED)
    raise WrongCode(t.CHECKIN_WRONG.format(left=left))


def mark(registration: Registration, now: datetime | None = None) -> None:
    registration.status = RegistrationStatus.ATTENDED
    registration.attended_at = now or utcnow()


async def mark_by_staff(
    session: AsyncSession,
    registration_id: int,
    event_id: int,
    by: Person | None,
    attended: bool = True,
) -> Registration:
    """A methodologist marks (or unmarks) a registrant of this event as attended.

    `by` is None for an admin known only from ADMIN_IDS, who has no profile in the bot.
    """
    registration = await session.get(Registration, registration_id)
    if registration is None or registration.event_id != event_id:
        raise InvalidInput(t.NOT_YOUR_REGISTRATION)
    if registration.status not in (*SEAT_STATUSES, RegistrationStatus.NO_SHOW):
        raise InvalidInput(t.NOT_YOUR_REGISTRATION)
    if attended:
        mark(registration)
    else:
        registration.status = RegistrationStatus.REGISTERED
        registration.attended_at = None
    log(session, registration, "marked" if attended else "unmarked", by)
    await session.flush()
    return registration


@dataclass(frozen=True)
class EventCount:
    event_id: int
    title: str
    starts_at: datetime
    registered: int
    attended: int


async def event_counts(
    session: AsyncSession,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    event_ids: list[int] | None = None,
) -> list[EventCount]:
    """Registered and attended counts per event (for reports such as «… – 47 чел.»).

    Registered counts everyone who held a seat (registered, attended or marked absent).
    """
    held = (*SEAT_STATUSES, RegistrationStatus.NO_SHOW)
    stmt = (
        select(
            Event.id,
            Event.title,
            Event.starts_at,
            func.count(case((Registration.status.in_(held), 1))),
            func.count(case((Registration.status == RegistrationStatus.ATTENDED, 1))),
        )
        .outerjoin(Registration, Registration.event_id == Event.id)
        .where(Event.status != EventStatus.DRAFT)
        .group_by(Event.id, Event.title, Event.starts_at)
        .order_by(Event.starts_at)
    )
    if since is not None:
        stmt = stmt.where(Event.starts_at >= since)
    if until is not None:
        stmt = stmt.where(Event.starts_at < until)
    if event_ids is not None:
        stmt = stmt.where(Event.id.in_(event_ids))
    result = await session.execute(stmt)
    return [EventCount(i, title, s, int(r), int(a)) for i, title, s, r, a in result.all()]
