"""Series of events (network seminars, marathons): creating and editing them, adding meetings,
copying a meeting weekly, and the series view — registrants and attendance per meeting, who
attended at least N of M meetings, totals — with its export table."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import InvalidInput, audit, event_admin
from bot.services.events import PAGE_SIZE, SEAT_STATUSES
from bot.texts import series as t
from models import Event, EventSeries, EventStatus, Person, Registration, RegistrationStatus
from models.base import utcnow

TITLE_LIMIT = 300
TEXT_LIMIT = 3000
SHORT_LIMIT = 500
MAX_COPIES = 12
#: Registrations that count as "registered for the meeting" (held a seat at some point).
HELD = (*SEAT_STATUSES, RegistrationStatus.NO_SHOW)
#: Series fields a methodologist edits in the chat.
EDITABLE = ("title", "goal", "organisers")


def clean(field_name: str, text: str) -> str:
    value = " ".join(text.split()) if field_name == "title" else text.strip()
    limit = {"title": TITLE_LIMIT, "goal": TEXT_LIMIT, "organisers": SHORT_LIMIT}[field_name]
    if (field_name == "title" and not value) or len(value) > limit:
        raise InvalidInput(t.BAD_TEXT.format(limit=limit))
    return value


async def get(session: AsyncSession, series_id: int) -> EventSeries | None:
    return await session.get(EventSeries, series_id)


async def create(
    session: AsyncSession, by: Person | None, title: str, goal: str = "", organisers: str = ""
) -> EventSeries:
    series = EventSeries(
        title=clean("title", title),
        description="",
        goal=clean("goal", goal),
        organisers=clean("organisers", organisers),
        materials_link="",
        created_by_id=by.id if by else None,
    )
    session.add(series)
    await session.flush()
    audit.record(session, by, "series.create", object_kind="series", object_id=series.id)
    return series


async def update(
    session: AsyncSession, by: Person | None, series_id: int, field_name: str, text: str
) -> EventSeries:
    series = await get(session, series_id)
    if series is None:
        raise InvalidInput(t.NOT_FOUND)
    if field_name not in EDITABLE:
        raise InvalidInput(t.NOT_FOUND)
    setattr(series, field_name, clean(field_name, text))
    await session.flush()
    audit.record(
        session, by, "series.edit", object_kind="series", object_id=series.id, field=field_name
    )
    return series


async def list_page(
    session: AsyncSession, page: int, page_size: int = PAGE_SIZE
) -> tuple[list[tuple[EventSeries, int]], int, int]:
    """Series, newest first, with their number of meetings; (rows, page, pages)."""
    total = int(await session.scalar(select(func.count()).select_from(EventSeries)) or 0)
    pages = max(1, math.ceil(total / page_size))
    page = min(max(page, 0), pages - 1)
    meetings = (
        select(func.count())
        .where(Event.series_id == EventSeries.id, Event.status != EventStatus.CANCELLED)
        .scalar_subquery()
    )
    result = await session.execute(
        select(EventSeries, meetings)
        .order_by(EventSeries.created_at.desc(), EventSeries.id.desc())
        .offset(page * page_size)
        .limit(page_size)
    )
    return [(s, int(n)) for s, n in result.all()], page, pages


async def meetings(
    session: AsyncSession, series_id: int, *, with_cancelled: bool = True
) -> list[Event]:
    stmt = select(Event).where(Event.series_id == series_id)
    if not with_cancelled:
        stmt = stmt.where(Event.status != EventStatus.CANCELLED)
    result = await session.execute(stmt.order_by(Event.starts_at, Event.id))
    return list(result.scalars())


async def copy_weekly(
    session: AsyncSession,
    by: Person | None,
    series_id: int,
    source_id: int,
    copies: int,
) -> list[Event]:
    """`copies` more meetings, each a week after the previous, copied from `source_id`.

    The copies are drafts (a methodologist checks and publishes them) with their own check-in
    codes; the source must belong to the series.
    """
    if not 1 <= copies <= MAX_COPIES:
        raise InvalidInput(t.BAD_COPIES.format(limit=MAX_COPIES))
    source = await session.get(Event, source_id)
    if source is None or source.series_id != series_id:
        raise InvalidInput(t.NOT_FOUND)
    last = max(e.starts_at for e in await meetings(session, series_id, with_cancelled=False))
    last = max(last, source.starts_at)
    step = timedelta(weeks=1)
    duration = source.ends_at - source.starts_at
    made: list[Event] = []
    values = event_admin.fields_of(source)
    for n in range(1, copies + 1):
        starts = last + step * n
        values.starts_at, values.ends_at = starts, starts + duration
        if values.registration_deadline is not None:
            values.registration_deadline = None
        copy = await event_admin.create(session, values, by, publish=False, series_id=series_id)
        copy.reminder_offsets = source.reminder_offsets
        made.append(copy)
    await session.flush()
    audit.record(
        session,
        by,
        "series.copy_weekly",
        object_kind="series",
        object_id=series_id,
        source_event=source_id,
        copies=copies,
    )
    return made


async def attach(session: AsyncSession, series_id: int, event_id: int) -> Event:
    """Make an existing event a meeting of the series."""
    series = await get(session, series_id)
    event = await session.get(Event, event_id)
    if series is None or event is None:
        raise InvalidInput(t.NOT_FOUND)
    event.series_id = series.id
    await session.flush()
    return event


# The series view -------------------------------------------------------------------------------


@dataclass
class MeetingStats:
    event: Event
    registered: int = 0
    attended: int = 0


@dataclass
class Participant:
    person: Person
    registered: set[int] = field(default_factory=set)  # event ids
    attended: set[int] = field(default_factory=set)


@dataclass
class SeriesReport:
    series: EventSeries
    meetings: list[MeetingStats]
    participants: list[Participant]

    @property
    def held(self) -> list[MeetingStats]:
        """Meetings that took place (not cancelled, already over)."""
        now = utcnow()
        return [
            m
            for m in self.meetings
            if m.event.status != EventStatus.CANCELLED and m.event.ends_at <= now
        ]

    def attended_at_least(self, n: int) -> int:
        return sum(1 for p in self.participants if len(p.attended) >= n)

    @property
    def attendees(self) -> int:
        return sum(1 for p in self.participants if p.attended)


async def report(session: AsyncSession, series_id: int) -> SeriesReport | None:
    series = await get(session, series_id)
    if series is None:
        return None
    found = await meetings(session, series_id)
    stats = {e.id: MeetingStats(e) for e in found}
    people: dict[int, Participant] = {}
    if found:
        result = await session.execute(
            select(Registration.event_id, Registration.status, Person)
            .join(Person, Person.id == Registration.person_id)
            .where(Registration.event_id.in_(list(stats)), Registration.status.in_(HELD))
        )
        for event_id, status, person in result.all():
            row = people.setdefault(person.id, Participant(person))
            row.registered.add(event_id)
            stats[event_id].registered += 1
            if status == RegistrationStatus.ATTENDED:
                row.attended.add(event_id)
                stats[event_id].attended += 1
    participants = sorted(
        people.values(), key=lambda p: (-len(p.attended), p.person.full_name or "")
    )
    return SeriesReport(series, list(stats.values()), participants)


def default_threshold(report: SeriesReport) -> int:
    """At least half of the meetings held (1 when none was held yet)."""
    return max(1, math.ceil(len(report.held) / 2))


def export_rows(rep: SeriesReport, tz: ZoneInfo) -> tuple[list[str], list[list[Any]]]:
    """One row per participant: a column per meeting (+ attended, − registered, absent), and
    the number of meetings attended."""
    shown = [m for m in rep.meetings if m.event.status != EventStatus.CANCELLED]
    headers = [*t.EXPORT_HEADERS]
    headers += [m.event.starts_at.astimezone(tz).strftime("%d.%m.%Y") for m in shown]
    headers += [t.EXPORT_ATTENDED, t.EXPORT_REGISTERED]
    rows: list[list[Any]] = []
    for n, p in enumerate(rep.participants, start=1):
        marks = [
            t.MARK_ATTENDED
            if m.event.id in p.attended
            else (t.MARK_REGISTERED if m.event.id in p.registered else "")
            for m in shown
        ]
        org = p.person.organisation.name if p.person.organisation else ""
        rows.append(
            [
                n,
                p.person.full_name or t.ANONYMOUS,
                org,
                p.person.position or "",
                *marks,
                len(p.attended),
                len(p.registered),
            ]
        )
    return headers, rows
