"""The archive of past and cancelled events for methodologists (by month or school year),
corrections of attendance marks after an event, and materials sent after it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import InvalidInput, audit, outbox
from bot.services.attendance import EventCount, event_counts
from bot.services.events import PAGE_SIZE, SEAT_STATUSES, Month
from bot.services.registrations import log
from bot.texts import events as te
from bot.texts import quoted
from bot.texts import series as t
from models import (
    Event,
    EventSeries,
    EventStatus,
    NotificationKind,
    Person,
    Registration,
    RegistrationStatus,
)
from models.base import utcnow

#: Registrations of people who were in (they get the materials).
WERE_IN = (*SEAT_STATUSES, RegistrationStatus.NO_SHOW)


# Periods -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A month («m2026-11») or a school year from 1 September («y2025»)."""

    kind: str  # "m" or "y"
    year: int
    month: int = 9

    @classmethod
    def parse(cls, key: str, tz: ZoneInfo, now: datetime | None = None) -> Period | None:
        if not key:
            return cls.school_year_of(now or utcnow(), tz)
        if key.startswith("y") and key[1:].isdigit() and 2000 <= int(key[1:]) <= 2100:
            return cls("y", int(key[1:]))
        if key.startswith("m"):
            month = Month.parse(key[1:])
            return cls("m", month.year, month.month) if month else None
        return None

    @classmethod
    def school_year_of(cls, moment: datetime, tz: ZoneInfo) -> Period:
        local = moment.astimezone(tz)
        return cls("y", local.year if local.month >= 9 else local.year - 1)

    def key(self) -> str:
        return f"y{self.year}" if self.kind == "y" else f"m{self.year:04d}-{self.month:02d}"

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        if self.kind == "y":
            return datetime(self.year, 9, 1, tzinfo=tz), datetime(self.year + 1, 9, 1, tzinfo=tz)
        return Month(self.year, self.month).bounds(tz)

    def months(self) -> list[Month]:
        """The months of a school year, September to August."""
        return [Month(self.year + (m < 9), m) for m in (*range(9, 13), *range(1, 9))]


@dataclass
class ArchivePage:
    items: list[tuple[Event, EventCount | None]]
    page: int
    pages: int


async def past_events(
    session: AsyncSession,
    period: Period,
    tz: ZoneInfo,
    page: int = 0,
    now: datetime | None = None,
    page_size: int = PAGE_SIZE,
) -> ArchivePage:
    """Events of the period that are over or cancelled (no drafts), latest first."""
    now = now or utcnow()
    start, end = period.bounds(tz)
    stmt = select(Event).where(
        Event.status != EventStatus.DRAFT,
        Event.starts_at >= start,
        Event.starts_at < end,
        or_(Event.ends_at <= now, Event.status == EventStatus.CANCELLED),
    )
    total = len((await session.execute(stmt.with_only_columns(Event.id))).all())
    pages = max(1, math.ceil(total / page_size))
    page = min(max(page, 0), pages - 1)
    found = list(
        (
            await session.execute(
                stmt.order_by(Event.starts_at.desc(), Event.id.desc())
                .offset(page * page_size)
                .limit(page_size)
            )
        ).scalars()
    )
    counts = {c.event_id: c for c in await event_counts(session, event_ids=[e.id for e in found])}
    return ArchivePage([(e, counts.get(e.id)) for e in found], page, pages)


# Attendance corrections ------------------------------------------------------------------------


class StaleMark(InvalidInput):
    """The list the button was on showed another state than the one in the database."""


def shown_state(registration: Registration) -> str:
    """«a» attended, «r» not attended: the state a list button carries."""
    return "a" if registration.status == RegistrationStatus.ATTENDED else "r"


async def markable(
    session: AsyncSession, event_id: int, registration_id: int, was: str
) -> tuple[Event, Registration]:
    """The event and a seat holder's registration whose mark is still `was`.

    A registration of another event or one no longer holding a seat is InvalidInput; a mark
    that changed since the list was drawn is StaleMark.
    """
    event = await session.get(Event, event_id)
    registration = await session.get(Registration, registration_id)
    if (
        event is None
        or registration is None
        or registration.event_id != event.id
        or registration.status not in WERE_IN
        or was not in ("a", "r")
    ):
        raise InvalidInput(te.NOT_YOUR_REGISTRATION)
    await session.refresh(registration)
    if shown_state(registration) != was:
        raise StaleMark(t.MARK_STALE)
    return event, registration


def is_over(event: Event, now: datetime | None = None) -> bool:
    return event.ends_at <= (now or utcnow())


async def set_mark(
    session: AsyncSession,
    event: Event,
    registration: Registration,
    by: Person | None,
    now: datetime | None = None,
) -> bool:
    """Flip the mark of `registration`; returns whether the person is now marked attended.

    After the event an unmarked person is «не пришёл(ла)», and the change is a correction:
    in the registration log with the old and new status, and in the audit log.
    """
    now = now or utcnow()
    old = registration.status
    attended = old != RegistrationStatus.ATTENDED
    after = is_over(event, now)
    if attended:
        registration.status = RegistrationStatus.ATTENDED
        registration.attended_at = now
    else:
        registration.status = RegistrationStatus.NO_SHOW if after else RegistrationStatus.REGISTERED
        registration.attended_at = None
    registration.updated_at = now
    if after:
        log(session, registration, "corrected", by, old=old.value, new=registration.status.value)
        audit.record(
            session,
            by,
            "attendance.correct",
            object_kind="registration",
            object_id=registration.id,
            event_id=event.id,
            old=old.value,
            new=registration.status.value,
        )
    else:
        log(session, registration, "marked" if attended else "unmarked", by)
    await session.flush()
    return attended


# Materials after the event ---------------------------------------------------------------------


async def event_recipients(session: AsyncSession, event_ids: list[int]) -> list[int]:
    """People who were registered for any of the events (attended, absent or still in)."""
    if not event_ids:
        return []
    result = await session.execute(
        select(Registration.person_id)
        .where(Registration.event_id.in_(event_ids), Registration.status.in_(WERE_IN))
        .distinct()
    )
    return sorted(result.scalars())


async def series_event_ids(session: AsyncSession, series_id: int) -> list[int]:
    result = await session.execute(
        select(Event.id).where(Event.series_id == series_id, Event.status != EventStatus.CANCELLED)
    )
    return list(result.scalars())


def notice_text(what: str, title: str, materials: str, recording: str) -> str:
    lines = []
    if materials:
        lines.append(t.NOTICE_MATERIALS.format(link=escape(materials)))
    if recording:
        lines.append(t.NOTICE_RECORDING.format(link=escape(recording)))
    return t.MATERIALS_NOTICE.format(what=what, title=escape(quoted(title)), lines="\n".join(lines))


async def save_event_materials(
    session: AsyncSession,
    event_id: int,
    materials: str,
    recording: str,
    by: Person | None,
    *,
    notify: bool,
    now: datetime | None = None,
) -> int:
    """Store the links; with `notify`, everyone who was registered gets them (outbox, quiet
    hours apply). Returns how many people were told."""
    now = now or utcnow()
    event = await session.get(Event, event_id)
    if event is None or event.status == EventStatus.DRAFT:
        raise InvalidInput(te.NOT_FOUND)
    event.materials_link, event.recording_link = materials, recording
    event.updated_at = now
    told = 0
    if notify and (materials or recording):
        text = notice_text(t.NOTICE_WHAT_EVENT, event.title, materials, recording)
        stamp = int(now.timestamp() * 1000)
        for person_id in await event_recipients(session, [event.id]):
            added = await outbox.enqueue(
                session,
                kind=NotificationKind.MESSAGE,
                person_id=person_id,
                event_id=event.id,
                text=text,
                holdable=True,
                payload={
                    "buttons": [
                        [outbox.button(t.NOTICE_BUTTON, outbox.Target.EVENT_CARD, event.id)]
                    ]
                },
                dedup_key=f"materials:{event.id}:{person_id}:{stamp}",
            )
            told += added is not None
    audit.record(
        session,
        by,
        "event.materials",
        object_kind="event",
        object_id=event.id,
        notified=told,
    )
    await session.flush()
    return told


async def save_series_materials(
    session: AsyncSession,
    series_id: int,
    materials: str,
    by: Person | None,
    *,
    notify: bool,
    now: datetime | None = None,
) -> int:
    now = now or utcnow()
    found = await session.get(EventSeries, series_id)
    if found is None:
        raise InvalidInput(t.NOT_FOUND)
    found.materials_link = materials
    told = 0
    if notify and materials:
        text = notice_text(t.NOTICE_WHAT_SERIES, found.title, materials, "")
        stamp = int(now.timestamp() * 1000)
        people = await event_recipients(session, await series_event_ids(session, series_id))
        for person_id in people:
            added = await outbox.enqueue(
                session,
                kind=NotificationKind.MESSAGE,
                person_id=person_id,
                text=text,
                holdable=True,
                dedup_key=f"series-materials:{series_id}:{person_id}:{stamp}",
            )
            told += added is not None
    audit.record(
        session,
        by,
        "series.materials",
        object_kind="series",
        object_id=series_id,
        notified=told,
    )
    await session.flush()
    return told
