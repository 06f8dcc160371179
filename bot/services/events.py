"""The event catalogue: what a person may see, filters, pages, seat counts, their registrations."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, String, cast, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Event,
    EventKind,
    EventSeries,
    EventStatus,
    Person,
    Registration,
    RegistrationStatus,
)
from models.base import utcnow

PAGE_SIZE = 8
#: Statuses that hold a seat.
SEAT_STATUSES = (RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED)
#: Statuses of a registration that is still alive (the person is in or waiting).
ACTIVE_STATUSES = (
    RegistrationStatus.REGISTERED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.ATTENDED,
)
#: Check-in is open from a little before the start until a little after the end.
CHECKIN_BEFORE = timedelta(minutes=15)
CHECKIN_AFTER = timedelta(minutes=30)


@dataclass(frozen=True)
class Month:
    """A calendar month in the municipality's zone, written «2026-12» in callbacks."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month | None:
        try:
            year, month = (int(p) for p in text.split("-"))
        except ValueError:
            return None
        return cls(year, month) if 2000 <= year <= 2100 and 1 <= month <= 12 else None

    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The month's first moment and the next month's first moment, as aware datetimes."""
        start = datetime(self.year, self.month, 1, tzinfo=tz)
        nxt = Month(self.year + self.month // 12, self.month % 12 + 1)
        return start, datetime(nxt.year, nxt.month, 1, tzinfo=tz)


@dataclass(frozen=True)
class Seats:
    """Seat counts of one event."""

    taken: int = 0
    waiting: int = 0
    attended: int = 0

    def free(self, capacity: int | None) -> int | None:
        return None if capacity is None else max(capacity - self.taken, 0)


@dataclass
class CatalogueItem:
    event: Event
    seats: Seats
    my_status: RegistrationStatus | None = None


@dataclass
class CataloguePage:
    items: list[CatalogueItem]
    page: int
    pages: int
    total: int
    kinds: list[EventKind] = field(default_factory=list)
    months: list[Month] = field(default_factory=list)


#: Audience values beyond roles: young specialists and the management reserve (person flags).
YOUNG_SPECIALIST = "young_specialist"
MANAGEMENT_RESERVE = "management_reserve"
EXTRA_AUDIENCES = (YOUNG_SPECIALIST, MANAGEMENT_RESERVE)


def audience_keys(person: Person) -> set[str]:
    """The audience values the person belongs to: the role, and the flags from the profile."""
    keys = {person.role.value}
    if person.is_young_specialist:
        keys.add(YOUNG_SPECIALIST)
    if person.is_management_reserve:
        keys.add(MANAGEMENT_RESERVE)
    return keys


def audience_condition(role: str) -> ColumnElement[bool]:
    """Events meant for this role: an empty audience means everyone.

    The audience is a JSON list of role values; comparing its text keeps the query portable
    (role values never contain one another).
    """
    text = cast(Event.audience, String)
    return or_(text == "[]", text.like(f'%"{role}"%'))


def visible_to(person: Person | None, now: datetime) -> Select[Event]:
    """Upcoming published events the person may register for (staff see every audience)."""
    stmt = select(Event).where(Event.status == EventStatus.PUBLISHED, Event.starts_at > now)
    if person is not None and not person.is_staff:
        stmt = stmt.where(or_(*(audience_condition(k) for k in sorted(audience_keys(person)))))
    return stmt


async def list_upcoming(
    session: AsyncSession,
    person: Person | None,
    tz: ZoneInfo,
    *,
    kind: EventKind | None = None,
    month: Month | None = None,
    page: int = 0,
    page_size: int = PAGE_SIZE,
    now: datetime | None = None,
) -> CataloguePage:
    """One page of upcoming events for the person, filtered by kind and month, soonest first.

    Also returns the kinds and months present (for the filter buttons), computed from the
    unfiltered list so a filter never hides the other choices.
    """
    now = now or utcnow()
    base = visible_to(person, now)
    # One light query gives the filter choices and the filtered count, instead of a COUNT more.
    facets = (
        await session.execute(base.with_only_columns(Event.kind, Event.starts_at).order_by(None))
    ).all()
    bounds = month.bounds(tz) if month is not None else None
    kinds: set[EventKind] = set()
    months: set[Month] = set()
    total = 0
    for event_kind, starts_at in facets:
        kinds.add(event_kind)
        local = starts_at.astimezone(tz)
        months.add(Month(local.year, local.month))
        if (kind is None or event_kind == kind) and (
            bounds is None or bounds[0] <= starts_at < bounds[1]
        ):
            total += 1
    stmt = base
    if kind is not None:
        stmt = stmt.where(Event.kind == kind)
    if bounds is not None:
        stmt = stmt.where(Event.starts_at >= bounds[0], Event.starts_at < bounds[1])
    pages = max(1, math.ceil(total / page_size))
    page = min(max(page, 0), pages - 1)
    result = await session.execute(
        stmt.order_by(Event.starts_at, Event.id).offset(page * page_size).limit(page_size)
    )
    found = list(result.scalars())
    counts, mine = await _seats_and_mine(session, person, [e.id for e in found])
    items = [CatalogueItem(e, counts.get(e.id, Seats()), mine.get(e.id)) for e in found]
    return CataloguePage(
        items=items,
        page=page,
        pages=pages,
        total=total,
        kinds=[k for k in EventKind if k in kinds],
        months=sorted(months, key=lambda m: (m.year, m.month)),
    )


async def seat_counts(session: AsyncSession, event_ids: Sequence[int]) -> dict[int, Seats]:
    """Taken seats, waitlist length and attendance for each event, in one grouped query."""
    if not event_ids:
        return {}
    result = await session.execute(
        select(Registration.event_id, Registration.status, func.count())
        .where(Registration.event_id.in_(list(event_ids)))
        .group_by(Registration.event_id, Registration.status)
    )
    raw: dict[int, dict[RegistrationStatus, int]] = {}
    for event_id, status, count in result:
        raw.setdefault(event_id, {})[status] = int(count)
    return {event_id: _seats(by) for event_id, by in raw.items()}


def _seats(by_status: dict[RegistrationStatus, int]) -> Seats:
    return Seats(
        taken=sum(by_status.get(s, 0) for s in SEAT_STATUSES),
        waiting=by_status.get(RegistrationStatus.WAITLISTED, 0),
        attended=by_status.get(RegistrationStatus.ATTENDED, 0),
    )


async def _seats_and_mine(
    session: AsyncSession, person: Person | None, event_ids: Sequence[int]
) -> tuple[dict[int, Seats], dict[int, RegistrationStatus]]:
    """`seat_counts` and `my_statuses` in one statement: one round trip less for every page.

    Two selects glued together rather than one grouped query with a CASE on person_id, which
    would read every registration row instead of the (event_id, status) index alone.
    """
    if not event_ids:
        return {}, {}
    ids = list(event_ids)
    stmt = (
        select(Registration.event_id, Registration.status, func.count(), literal(0))
        .where(Registration.event_id.in_(ids))
        .group_by(Registration.event_id, Registration.status)
    )
    if person is not None:
        mine_stmt = select(Registration.event_id, Registration.status, literal(0), literal(1))
        mine_stmt = mine_stmt.where(
            Registration.person_id == person.id, Registration.event_id.in_(ids)
        )
        stmt = union_all(stmt, mine_stmt)  # type: ignore[assignment]
    raw: dict[int, dict[RegistrationStatus, int]] = {}
    mine: dict[int, RegistrationStatus] = {}
    for event_id, status, count, is_mine in await session.execute(stmt):
        status = RegistrationStatus(status)
        if is_mine:
            mine[event_id] = status
        else:
            raw.setdefault(event_id, {})[status] = int(count)
    return {event_id: _seats(by) for event_id, by in raw.items()}, mine


async def my_statuses(
    session: AsyncSession, person: Person | None, event_ids: Iterable[int]
) -> dict[int, RegistrationStatus]:
    ids = list(event_ids)
    if person is None or not ids:
        return {}
    result = await session.execute(
        select(Registration.event_id, Registration.status).where(
            Registration.person_id == person.id, Registration.event_id.in_(ids)
        )
    )
    return {event_id: status for event_id, status in result.all()}


async def get(session: AsyncSession, event_id: int) -> Event | None:
    return await session.get(Event, event_id)


async def series_title(session: AsyncSession, series_id: int) -> str:
    """The title of a series (empty when it no longer exists)."""
    title = await session.scalar(select(EventSeries.title).where(EventSeries.id == series_id))
    return title or ""


async def registration_of(
    session: AsyncSession, person: Person, event_id: int
) -> Registration | None:
    result = await session.execute(
        select(Registration).where(
            Registration.event_id == event_id, Registration.person_id == person.id
        )
    )
    return result.scalar_one_or_none()


async def waitlist_position(session: AsyncSession, registration: Registration) -> int:
    """1 for the first in the queue."""
    if registration.status != RegistrationStatus.WAITLISTED or registration.waitlist_order is None:
        return 0
    result = await session.execute(
        select(func.count()).where(
            Registration.event_id == registration.event_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            Registration.waitlist_order < registration.waitlist_order,
        )
    )
    return int(result.scalar_one()) + 1


def meant_for(event: Event, keys: set[str]) -> bool:
    """Whether the event's audience includes one of `keys` (see `audience_keys`); an empty
    audience means everyone."""
    return not event.audience or bool(keys & set(event.audience))


def is_visible_to(event: Event, person: Person) -> bool:
    """Whether the event is meant for the person's role (staff see everything)."""
    return person.is_staff or meant_for(event, audience_keys(person))


def is_on(event: Event, now: datetime | None = None) -> bool:
    """Whether check-in is open: the event is going on (with a little margin)."""
    now = now or utcnow()
    return (
        event.status == EventStatus.PUBLISHED
        and event.starts_at - CHECKIN_BEFORE <= now <= event.ends_at + CHECKIN_AFTER
    )


@dataclass
class MyRegistration:
    registration: Registration
    position: int = 0


async def my_registrations(
    session: AsyncSession, person: Person, now: datetime | None = None, past_limit: int = 10
) -> tuple[list[MyRegistration], list[MyRegistration]]:
    """The person's upcoming (not cancelled) and recent past registrations."""
    now = now or utcnow()
    result = await session.execute(
        select(Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.person_id == person.id)
        .order_by(Event.starts_at)
    )
    upcoming: list[MyRegistration] = []
    past: list[MyRegistration] = []
    for reg in result.scalars():
        if reg.event.ends_at >= now:
            if reg.status != RegistrationStatus.CANCELLED:
                upcoming.append(MyRegistration(reg, await waitlist_position(session, reg)))
        elif reg.status != RegistrationStatus.CANCELLED:
            past.append(MyRegistration(reg))
    return upcoming, past[-past_limit:][::-1]
