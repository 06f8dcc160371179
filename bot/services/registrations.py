"""Registering for events: seats, the waitlist and its promotions, cancellations, give-backs.

Seat counting is exact under concurrency: each change first locks the event row
(SELECT … FOR UPDATE on PostgreSQL; on SQLite every transaction already holds the write lock,
see bot.db), then counts and writes inside the same transaction.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from html import escape

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db import is_postgres
from bot.services import InvalidInput, outbox, reminders
from bot.services.events import SEAT_STATUSES, is_visible_to, seat_counts, waitlist_position
from bot.texts import events as t
from bot.texts import fmt_datetime, inside_quotes
from models import (
    Event,
    EventStatus,
    NotificationKind,
    Person,
    Registration,
    RegistrationLog,
    RegistrationStatus,
)
from models.base import utcnow


class Outcome(enum.StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    ALREADY_REGISTERED = "already_registered"
    ALREADY_WAITLISTED = "already_waitlisted"
    FULL = "full"  # no seat, and the person has not asked for the waitlist yet


@dataclass
class RegisterResult:
    outcome: Outcome
    event: Event
    registration: Registration | None = None
    position: int = 0  # place in the waitlist, 1 = next


async def lock_event(session: AsyncSession, event_id: int) -> Event | None:
    """Load the event for a change of its seats, locking it against concurrent changes."""
    stmt = select(Event).where(Event.id == event_id).execution_options(populate_existing=True)
    if is_postgres(session):
        stmt = stmt.with_for_update()
    result = await session.execute(stmt)
    return result.scalar_one_or_none()


def check_open(event: Event | None, tz_settings: Settings, now: datetime) -> Event:
    """The event if registration is open; else InvalidInput saying why not."""
    if event is None:
        raise InvalidInput(t.NOT_FOUND)
    if event.status == EventStatus.CANCELLED:
        raise InvalidInput(t.EVENT_CANCELLED)
    if event.status == EventStatus.FINISHED or event.ends_at <= now:
        raise InvalidInput(t.EVENT_FINISHED)
    if event.status != EventStatus.PUBLISHED:
        raise InvalidInput(t.NOT_PUBLISHED)
    if event.starts_at <= now:
        raise InvalidInput(t.EVENT_STARTED)
    if event.registration_deadline is not None and event.registration_deadline <= now:
        deadline = fmt_datetime(event.registration_deadline, tz_settings.tz)
        raise InvalidInput(t.DEADLINE_PASSED.format(deadline=deadline))
    return event


async def taken_seats(session: AsyncSession, event_id: int) -> int:
    result = await session.execute(
        select(func.count()).where(
            Registration.event_id == event_id, Registration.status.in_(SEAT_STATUSES)
        )
    )
    return int(result.scalar_one())


async def _next_order(session: AsyncSession, event_id: int) -> int:
    result = await session.execute(
        select(func.max(Registration.waitlist_order)).where(Registration.event_id == event_id)
    )
    return int(result.scalar_one() or 0) + 1


def log(
    session: AsyncSession,
    registration: Registration,
    action: str,
    by: Person | None = None,
    **details: object,
) -> None:
    session.add(
        RegistrationLog(
            registration_id=registration.id,
            action=action,
            details=dict(details),
            by_person_id=by.id if by else None,
            at=utcnow(),
        )
    )


async def register(
    session: AsyncSession,
    settings: Settings,
    person: Person,
    event_id: int,
    *,
    join_waitlist: bool = False,
    now: datetime | None = None,
) -> RegisterResult:
    """Register the person, or put them in the waitlist when asked and there is no seat.

    Idempotent: a second tap finds the existing registration. Refusals are InvalidInput.
    """
    now = now or utcnow()
    event = check_open(await lock_event(session, event_id), settings, now)
    if not is_visible_to(event, person):
        raise InvalidInput(t.NOT_FOR_ROLE)
    existing = (
        await session.execute(
            select(Registration).where(
                Registration.event_id == event.id, Registration.person_id == person.id
            )
        )
    ).scalar_one_or_none()
    if existing is not None and existing.status in SEAT_STATUSES:
        return RegisterResult(Outcome.ALREADY_REGISTERED, event, existing)
    if existing is not None and existing.status == RegistrationStatus.WAITLISTED:
        position = await waitlist_position(session, existing)
        return RegisterResult(Outcome.ALREADY_WAITLISTED, event, existing, position)
    has_seat = event.capacity is None or await taken_seats(session, event.id) < event.capacity
    if not has_seat and not join_waitlist:
        return RegisterResult(Outcome.FULL, event)
    registration = existing or Registration(event_id=event.id, person_id=person.id)
    registration.event = event
    registration.created_at = now
    registration.checkin_attempts = 0
    registration.attended_at = None
    if has_seat:
        registration.status = RegistrationStatus.REGISTERED
        registration.waitlist_order = None
    else:
        registration.status = RegistrationStatus.WAITLISTED
        registration.waitlist_order = await _next_order(session, event.id)
    if existing is None:
        session.add(registration)
    await session.flush()
    if has_seat:
        log(session, registration, "registered", person)
        await reminders.schedule(session, registration, settings.reminder_offsets, now)
        return RegisterResult(Outcome.REGISTERED, event, registration)
    log(session, registration, "waitlisted", person, order=registration.waitlist_order)
    position = await waitlist_position(session, registration)
    return RegisterResult(Outcome.WAITLISTED, event, registration, position)


async def promote(
    session: AsyncSession, settings: Settings, event: Event, now: datetime | None = None
) -> list[Registration]:
    """Fill free seats from the head of the waitlist; each promoted person is told (outbox).

    The caller holds the event's lock. Nobody is promoted into an event that has started.
    """
    now = now or utcnow()
    if event.status != EventStatus.PUBLISHED or event.starts_at <= now:
        return []
    free = None if event.capacity is None else event.capacity - await taken_seats(session, event.id)
    if free is not None and free <= 0:
        return []
    stmt = (
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.WAITLISTED,
        )
        .order_by(Registration.waitlist_order, Registration.id)
    )
    if free is not None:
        stmt = stmt.limit(free)
    promoted = list((await session.execute(stmt)).scalars())
    when = fmt_datetime(event.starts_at, settings.tz)
    for registration in promoted:
        order = registration.waitlist_order
        registration.status = RegistrationStatus.REGISTERED
        registration.waitlist_order = None
        registration.updated_at = now
        log(session, registration, "promoted", None, order=order)
        await reminders.schedule(session, registration, settings.reminder_offsets, now)
        await outbox.enqueue(
            session,
            kind=NotificationKind.WAITLIST_PROMOTED,
            person_id=registration.person_id,
            event_id=event.id,
            text=t.PROMOTED.format(title=escape(inside_quotes(event.title)), when=when),
            payload={
                "buttons": [
                    [outbox.button(t.BTN_GIVE_BACK, outbox.Target.GIVE_BACK, registration.id)],
                    [outbox.button(t.BTN_OPEN, outbox.Target.EVENT_CARD, event.id)],
                ]
            },
            dedup_key=f"promoted:{registration.id}:{int(now.timestamp() * 1000)}",
        )
    await session.flush()
    return promoted


async def registration_for(
    session: AsyncSession, person: Person, registration_id: int
) -> Registration:
    """The person's own registration; someone else's or a missing one is refused."""
    registration = await session.get(Registration, registration_id)
    if registration is None or registration.person_id != person.id:
        raise InvalidInput(t.NOT_YOUR_REGISTRATION)
    return registration


async def cancel(
    session: AsyncSession,
    settings: Settings,
    person: Person,
    registration_id: int,
    *,
    action: str = "cancelled",
    now: datetime | None = None,
) -> Registration:
    """The person cancels their own registration or leaves the waitlist; a seat freed goes on.

    A registration of someone else, or one already cancelled, is refused (InvalidInput).
    """
    now = now or utcnow()
    registration = await session.get(Registration, registration_id)
    if registration is None or registration.person_id != person.id:
        raise InvalidInput(t.NOT_YOUR_REGISTRATION)
    event = await lock_event(session, registration.event_id)
    await session.refresh(registration)
    if event is None or registration.status not in (
        RegistrationStatus.REGISTERED,
        RegistrationStatus.WAITLISTED,
    ):
        raise InvalidInput(t.NOT_YOUR_REGISTRATION)
    if event.starts_at <= now:
        raise InvalidInput(t.CANCEL_TOO_LATE)
    await release(session, settings, registration, event, action=action, by=person, now=now)
    return registration


async def release(
    session: AsyncSession,
    settings: Settings,
    registration: Registration,
    event: Event,
    *,
    action: str,
    by: Person | None,
    now: datetime | None = None,
) -> list[Registration]:
    """Cancel a live registration (the event is locked by the caller) and promote the next."""
    now = now or utcnow()
    held_seat = registration.status in SEAT_STATUSES
    registration.status = RegistrationStatus.CANCELLED
    registration.waitlist_order = None
    registration.updated_at = now
    log(session, registration, action, by)
    await reminders.drop(session, registration)
    await session.flush()
    return await promote(session, settings, event, now) if held_seat else []


async def cancel_all_for_person(session: AsyncSession, person: Person, settings: Settings) -> int:
    """Cancel the person's live registrations for events not over yet (their data is deleted)."""
    now = utcnow()
    result = await session.execute(
        select(Registration.id, Registration.event_id)
        .join(Event, Event.id == Registration.event_id)
        .where(
            Registration.person_id == person.id,
            Registration.status.in_([RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED]),
            Event.ends_at > now,
        )
    )
    count = 0
    for registration_id, event_id in result.all():
        event = await lock_event(session, event_id)
        registration = await session.get(Registration, registration_id)
        if event is None or registration is None:
            continue
        await release(
            session, settings, registration, event, action="person_deleted", by=None, now=now
        )
        count += 1
    return count


@dataclass
class SeriesOutcome:
    event: Event
    outcome: Outcome | None
    position: int = 0
    refusal: str = ""
    #: Why the meeting was not tried: "past" (already held or begun) or "cancelled".
    skipped: str = ""


def series_tally(outcomes: list[SeriesOutcome]) -> tuple[int, int]:
    """How many meetings of a series signup the person is in, and how many they wait for."""
    registered = sum(
        1 for o in outcomes if o.outcome in (Outcome.REGISTERED, Outcome.ALREADY_REGISTERED)
    )
    waiting = sum(
        1 for o in outcomes if o.outcome in (Outcome.WAITLISTED, Outcome.ALREADY_WAITLISTED)
    )
    return registered, waiting


async def register_series(
    session: AsyncSession,
    settings: Settings,
    person: Person,
    series_id: int,
    now: datetime | None = None,
) -> list[SeriesOutcome]:
    """Register for every meeting of a series still open; full meetings put them in the waitlist.

    Every published meeting gets an outcome, so the answer can say per meeting what happened:
    meetings already held or cancelled are reported as skipped, not silently left out.
    """
    now = now or utcnow()
    result = await session.execute(
        select(Event.id, Event.status, Event.starts_at)
        .where(
            Event.series_id == series_id,
            Event.status.in_([EventStatus.PUBLISHED, EventStatus.FINISHED, EventStatus.CANCELLED]),
        )
        .order_by(Event.starts_at, Event.id)
    )
    outcomes: list[SeriesOutcome] = []
    for event_id, status, starts_at in result.all():
        if status != EventStatus.PUBLISHED or starts_at <= now:
            event = await session.get(Event, event_id)
            assert event is not None
            skipped = "cancelled" if status == EventStatus.CANCELLED else "past"
            outcomes.append(SeriesOutcome(event, None, skipped=skipped))
            continue
        try:
            done = await register(session, settings, person, event_id, join_waitlist=True, now=now)
        except InvalidInput as exc:
            event = await session.get(Event, event_id)
            assert event is not None
            outcomes.append(SeriesOutcome(event, None, refusal=str(exc)))
            continue
        outcomes.append(SeriesOutcome(done.event, done.outcome, done.position))
    return outcomes


async def seats_of(session: AsyncSession, event: Event) -> tuple[int, int]:
    """(taken seats, waitlist length) of one event."""
    counts = (await seat_counts(session, [event.id])).get(event.id)
    return (counts.taken, counts.waiting) if counts else (0, 0)
