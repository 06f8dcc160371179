"""Methodologists' side of events: creating, editing, publishing, cancelling, duplicating,
registrants and their export. Changes that registrants must know about go to the outbox."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.config import Settings
from bot.services import InvalidInput, audit, outbox, reminders, routes
from bot.services.attendance import new_code
from bot.services.events import PAGE_SIZE, SEAT_STATUSES
from bot.services.registrations import lock_event, promote, taken_seats
from bot.texts import event_admin as t
from bot.texts import events as te
from bot.texts import fmt_datetime, inside_quotes
from bot.texts.onboarding import ROLE_LABELS
from models import (
    Event,
    EventFormat,
    EventKind,
    EventSeries,
    EventStatus,
    NotificationKind,
    Person,
    Registration,
    RegistrationLog,
    RegistrationStatus,
    Role,
)
from models.base import utcnow

TITLE_LIMIT = 300
TEXT_LIMIT = 3000
SHORT_LIMIT = 500
LINK_LIMIT = 1000
CAPACITY_LIMIT = 100_000
DATE_EXAMPLE = "05.12.2026 15:00"
_DATETIME_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})\s*(?:г\.?)?\s+(\d{1,2})[:.](\d{2})$")
_TIME_RE = re.compile(r"^(\d{1,2})[:.](\d{2})$")
#: Roles an event can be meant for (staff always see everything).
AUDIENCE_ROLES = (Role.TEACHER, Role.HEAD, Role.DEPUTY)
#: Changes of these fields are announced to registrants of a published event.
NOTIFIED_FIELDS = ("starts_at", "ends_at", "format", "place", "join_link")


@dataclass
class EventFields:
    """Everything a methodologist fills in about an event."""

    kind: EventKind
    title: str
    format: EventFormat
    starts_at: datetime
    ends_at: datetime
    description: str = ""
    goal: str = ""
    organisers: str = ""
    speakers: str = ""
    place: str = ""
    join_link: str = ""
    materials_link: str = ""
    registration_deadline: datetime | None = None
    capacity: int | None = None
    audience: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()


# Parsing what a methodologist types -------------------------------------------------------


def parse_local_datetime(text: str, tz: ZoneInfo) -> datetime:
    """«05.12.2026 15:00» in the municipality's zone → aware UTC. Raises InvalidInput."""
    match = _DATETIME_RE.match(" ".join(text.split()))
    if not match:
        raise InvalidInput(t.BAD_DATETIME.format(example=DATE_EXAMPLE))
    day, month, year, hour, minute = (int(g) for g in match.groups())
    try:
        local = datetime(year, month, day, hour, minute, tzinfo=tz)
    except ValueError:
        raise InvalidInput(t.BAD_DATETIME.format(example=DATE_EXAMPLE)) from None
    return local.astimezone(ZoneInfo("UTC"))


def parse_end(text: str, starts_at: datetime, tz: ZoneInfo) -> datetime:
    """The end: a full date and time, or only a time on the start's day."""
    match = _TIME_RE.match(text.strip())
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            raise InvalidInput(t.BAD_TIME.format(example=DATE_EXAMPLE))
        local = starts_at.astimezone(tz).replace(hour=hour, minute=minute)
        return local.astimezone(ZoneInfo("UTC"))
    return parse_local_datetime(text, tz)


def parse_capacity(text: str) -> int:
    value = text.strip()
    if not value.isdigit() or not 1 <= int(value) <= CAPACITY_LIMIT:
        raise InvalidInput(t.BAD_CAPACITY.format(limit=CAPACITY_LIMIT))
    return int(value)


def clean_text(text: str, limit: int, *, required: bool = True) -> str:
    value = text.strip()
    if (required and not value) or len(value) > limit:
        raise InvalidInput(t.TEXT_REQUIRED.format(limit=limit))
    return value


def clean_link(text: str) -> str:
    value = text.strip()
    if not re.match(r"^https?://\S+$", value) or len(value) > LINK_LIMIT:
        raise InvalidInput(t.BAD_LINK)
    return value


def check_start(starts_at: datetime, now: datetime) -> None:
    if starts_at <= now:
        raise InvalidInput(t.IN_PAST)


def check_times(
    starts_at: datetime, ends_at: datetime, deadline: datetime | None, tz: ZoneInfo
) -> None:
    """The end comes after the start; registration closes no later than the start."""
    if ends_at <= starts_at:
        raise InvalidInput(t.END_BEFORE_START.format(start=fmt_datetime(starts_at, tz)))
    if deadline is not None and deadline > starts_at:
        raise InvalidInput(t.DEADLINE_AFTER_START.format(start=fmt_datetime(starts_at, tz)))


# Creating and changing ---------------------------------------------------------------------


async def create(
    session: AsyncSession,
    values: EventFields,
    by: Person | None,
    *,
    publish: bool,
    series_id: int | None = None,
) -> Event:
    """A new event with its own check-in code; published at once when asked."""
    event = Event(
        series_id=series_id,
        status=EventStatus.PUBLISHED if publish else EventStatus.DRAFT,
        checkin_code=new_code(),
        created_by_id=by.id if by else None,
        cancel_reason="",
    )
    assign_fields(event, values)
    session.add(event)
    await session.flush()
    if publish:
        await routes.tell_about_new_event(session, event)
    return event


async def series_by_title(session: AsyncSession, title: str) -> int:
    """The id of the series with this title; a new series is made when there is none."""
    found = (
        (await session.execute(select(EventSeries).where(EventSeries.title == title)))
        .scalars()
        .first()
    )
    if found is None:
        found = EventSeries(title=title, description="")
        session.add(found)
        await session.flush()
    return found.id


def assign_fields(event: Event, values: EventFields) -> None:
    """Copy the dialog's or the import's fields onto an event (tuples become lists)."""
    for f in fields(values):
        value = getattr(values, f.name)
        setattr(event, f.name, list(value) if isinstance(value, tuple) else value)


def fields_of(event: Event) -> EventFields:
    kwargs = {f.name: getattr(event, f.name) for f in fields(EventFields)}
    kwargs["audience"] = tuple(event.audience or ())
    kwargs["topics"] = tuple(event.topics or ())
    return EventFields(**kwargs)


def editable(event: Event) -> None:
    if event.status in (EventStatus.CANCELLED, EventStatus.FINISHED):
        raise InvalidInput(t.CANNOT_EDIT)


async def publish(session: AsyncSession, event: Event, now: datetime | None = None) -> None:
    """Open registration for a draft."""
    now = now or utcnow()
    editable(event)
    if event.status == EventStatus.PUBLISHED:
        raise InvalidInput(t.ALREADY_PUBLISHED)
    if event.starts_at <= now:
        raise InvalidInput(t.PUBLISH_IN_PAST)
    event.status = EventStatus.PUBLISHED
    event.updated_at = now
    await session.flush()
    await routes.tell_about_new_event(session, event, now)


async def update(
    session: AsyncSession,
    settings: Settings,
    event_id: int,
    changes: dict[str, Any],
    by: Person | None,
    now: datetime | None = None,
) -> int:
    """Change fields of an event; returns how many registrants were told about it.

    Times are validated together; a moved start moves the reminders; more seats promote
    people from the waitlist; registrants of a published event hear of a changed time, place,
    format or link (outbox, EVENT_CHANGED).
    """
    now = now or utcnow()
    event = await lock_event(session, event_id)
    if event is None:
        raise InvalidInput(te.NOT_FOUND)
    editable(event)
    starts = changes.get("starts_at", event.starts_at)
    ends = changes.get("ends_at", event.ends_at)
    deadline = changes.get("registration_deadline", event.registration_deadline)
    if "starts_at" in changes:
        check_start(starts, now)
        if "ends_at" not in changes:
            ends = starts + (event.ends_at - event.starts_at)  # keep the duration
            changes["ends_at"] = ends
    if "ends_at" in changes and ends <= now:
        raise InvalidInput(t.IN_PAST)
    if "registration_deadline" in changes and deadline is not None and deadline <= now:
        raise InvalidInput(t.IN_PAST)
    check_times(starts, ends, deadline, settings.tz)
    if changes.get("capacity") is not None:
        taken = await taken_seats(session, event.id)
        if changes["capacity"] < taken:
            raise InvalidInput(t.CAPACITY_BELOW_TAKEN.format(taken=taken))
    old = {name: getattr(event, name) for name in NOTIFIED_FIELDS}
    for name, value in changes.items():
        setattr(event, name, list(value) if isinstance(value, tuple) else value)
    event.updated_at = now
    await session.flush()
    if event.status != EventStatus.PUBLISHED:
        return 0
    moved = "starts_at" in changes and changes["starts_at"] != old["starts_at"]
    if moved or "reminder_offsets" in changes:
        await reminders.reschedule_event(session, event, settings.reminder_offsets)
    if "capacity" in changes:
        await promote(session, settings, event, now)
    lines = [
        te.CHANGED_LINE.format(
            field=t.EDIT_FIELDS[name],
            old=_shown(name, old[name], settings.tz),
            new=_shown(name, getattr(event, name), settings.tz),
        )
        for name in NOTIFIED_FIELDS
        if old[name] != getattr(event, name)
    ]
    if not lines:
        return 0
    text = te.CHANGED.format(title=escape(inside_quotes(event.title)), changes="\n".join(lines))
    people = await _live_registrants(session, event.id)
    stamp = int(now.timestamp() * 1000)
    for person_id in people:
        await outbox.enqueue(
            session,
            kind=NotificationKind.EVENT_CHANGED,
            person_id=person_id,
            event_id=event.id,
            text=text,
            payload={"buttons": [[outbox.button(te.BTN_OPEN, outbox.Target.EVENT_CARD, event.id)]]},
            dedup_key=f"changed:{event.id}:{person_id}:{stamp}",
        )
    return len(people)


def _shown(name: str, value: Any, tz: ZoneInfo) -> str:
    if isinstance(value, datetime):
        return fmt_datetime(value, tz)
    if isinstance(value, EventFormat):
        return te.FORMAT_LABELS[value]
    return escape(str(value)) if value else t.NOT_SET


async def _live_registrants(session: AsyncSession, event_id: int) -> list[int]:
    result = await session.execute(
        select(Registration.person_id).where(
            Registration.event_id == event_id,
            Registration.status.in_([RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED]),
        )
    )
    return list(result.scalars())


async def count_live_registrants(session: AsyncSession, event_id: int) -> int:
    return len(await _live_registrants(session, event_id))


async def cancel_event(
    session: AsyncSession,
    settings: Settings,
    event_id: int,
    reason: str,
    by: Person | None,
    now: datetime | None = None,
) -> int:
    """Cancel the event: reminders dropped first, then every registrant is told why."""
    now = now or utcnow()
    event = await lock_event(session, event_id)
    if event is None:
        raise InvalidInput(te.NOT_FOUND)
    if event.status == EventStatus.CANCELLED:
        raise InvalidInput(t.ALREADY_CANCELLED)
    editable(event)
    reason = clean_text(reason, SHORT_LIMIT)
    event.status = EventStatus.CANCELLED
    event.cancel_reason = reason
    event.updated_at = now
    await reminders.drop_event(session, event)
    text = te.CANCELLED_NOTICE.format(
        title=escape(inside_quotes(event.title)),
        when=fmt_datetime(event.starts_at, settings.tz),
        reason=escape(reason),
    )
    people = await _live_registrants(session, event.id)
    audit.record(
        session, by, "event.cancel", object_kind="event", object_id=event.id, notified=len(people)
    )
    for person_id in people:
        await outbox.enqueue(
            session,
            kind=NotificationKind.EVENT_CANCELLED,
            person_id=person_id,
            event_id=event.id,
            text=text,
            dedup_key=f"cancelled:{event.id}:{person_id}",
        )
    await session.flush()
    return len(people)


async def duplicate(session: AsyncSession, event_id: int, by: Person | None) -> Event:
    """A draft copy of an event (a new check-in code, no registrants)."""
    source = await session.get(Event, event_id)
    if source is None:
        raise InvalidInput(te.NOT_FOUND)
    copy = await create(session, fields_of(source), by, publish=False, series_id=source.series_id)
    copy.reminder_offsets = source.reminder_offsets
    await session.flush()
    return copy


async def list_for_staff(
    session: AsyncSession, page: int, now: datetime | None = None, page_size: int = PAGE_SIZE
) -> tuple[list[Event], int, int]:
    """Upcoming events of any status but cancelled, and drafts; (events, page, pages)."""
    now = now or utcnow()
    stmt = select(Event).where(
        Event.ends_at > now - timedelta(days=1), Event.status != EventStatus.CANCELLED
    )
    total = len((await session.execute(stmt.with_only_columns(Event.id))).all())
    pages = max(1, -(-total // page_size))
    page = min(max(page, 0), pages - 1)
    result = await session.execute(
        stmt.order_by(Event.starts_at, Event.id).offset(page * page_size).limit(page_size)
    )
    return list(result.scalars()), page, pages


# Registrants -------------------------------------------------------------------------------


@dataclass
class Registrant:
    registration: Registration
    person: Person
    position: int = 0


@dataclass
class Promotion:
    person: Person
    at: datetime


async def registrants(session: AsyncSession, event_id: int) -> list[Registrant]:
    """Everyone who ever registered: seat holders first, then the waitlist in order, then
    those who cancelled."""
    result = await session.execute(
        select(Registration, Person)
        .join(Person, Person.id == Registration.person_id)
        .where(Registration.event_id == event_id)
        .order_by(Registration.created_at, Registration.id)
    )
    rows = [Registrant(r, p) for r, p in result.all()]
    rank = {
        RegistrationStatus.ATTENDED: 0,
        RegistrationStatus.REGISTERED: 0,
        RegistrationStatus.NO_SHOW: 0,
        RegistrationStatus.WAITLISTED: 1,
        RegistrationStatus.CANCELLED: 2,
    }
    rows.sort(key=lambda r: (rank[r.registration.status], r.registration.waitlist_order or 0))
    position = 0
    for row in rows:
        if row.registration.status == RegistrationStatus.WAITLISTED:
            position += 1
            row.position = position
    return rows


async def promotions(session: AsyncSession, event_id: int) -> list[Promotion]:
    """Who moved up from the waitlist and when (from registration_log)."""
    reg = aliased(Registration)
    result = await session.execute(
        select(Person, RegistrationLog.at)
        .join(reg, reg.id == RegistrationLog.registration_id)
        .join(Person, Person.id == reg.person_id)
        .where(reg.event_id == event_id, RegistrationLog.action == "promoted")
        .order_by(RegistrationLog.at)
    )
    return [Promotion(p, at) for p, at in result.all()]


def export_rows(rows: list[Registrant], tz: ZoneInfo) -> tuple[list[str], list[list[Any]]]:
    """The registrants' table for XLSX/CSV: Russian headers, one row each, local times."""

    def local(moment: datetime | None) -> datetime | None:
        return moment.astimezone(tz).replace(tzinfo=None) if moment else None

    data = [
        [
            n,
            r.person.full_name or t.ANONYMOUS,
            r.person.organisation.name if r.person.organisation else "",
            r.person.position or "",
            ROLE_LABELS[r.person.role],
            t.REG_STATUS_LABELS[r.registration.status],
            r.position or None,
            local(r.registration.created_at),
            local(r.registration.attended_at),
        ]
        for n, r in enumerate(rows, start=1)
    ]
    return list(t.EXPORT_HEADERS), data


def seat_holders(rows: list[Registrant]) -> list[Registrant]:
    return [
        r for r in rows if r.registration.status in (*SEAT_STATUSES, RegistrationStatus.NO_SHOW)
    ]
