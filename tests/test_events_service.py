"""Event services on SQLite and PostgreSQL: catalogue, seats and waitlist, refusals, races,
reminders, changes and cancellations, check-in, import, demo data."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import callbacks
from bot.callbacks import EvCb, RegCb
from bot.services import InvalidInput, attendance, event_admin, event_import, events, ics, people
from bot.services import registrations as regs
from bot.services.demo import seed_demo
from bot.services.events import Month
from bot.services.registrations import Outcome
from bot.services.tables import MAX_UPLOAD_BYTES, read_table, to_xlsx
from models import (
    Event,
    EventFormat,
    EventKind,
    EventStatus,
    Notification,
    NotificationKind,
    NotificationStatus,
    Person,
    Registration,
    RegistrationLog,
    RegistrationStatus,
    Role,
)
from models.base import utcnow
from tests.conftest import make_settings
from tests.factories import make_person

SETTINGS = make_settings("sqlite+aiosqlite:///unused.db")
TZ = SETTINGS.tz


async def make_event(session: AsyncSession, **overrides: Any) -> Event:
    starts = overrides.pop("starts_at", utcnow() + timedelta(days=3))
    values: dict[str, Any] = {
        "kind": EventKind.WEBINAR,
        "title": "Вебинар «Формирующее оценивание»",
        "format": EventFormat.ONLINE,
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=1),
        "join_link": "https://meet.example.org/x",
        "status": EventStatus.PUBLISHED,
        "checkin_code": "482913",
        "audience": [],
        "topics": ["formative_assessment"],
        **overrides,
    }
    event = Event(**values)
    session.add(event)
    await session.flush()
    return event


async def people_(session: AsyncSession, n: int, start: int = 5000) -> list[Person]:
    return [
        await make_person(session, start + i, full_name=f"Учитель Номер{chr(1040 + i % 32)}")
        for i in range(n)
    ]


async def notifications(session: AsyncSession, kind: NotificationKind) -> list[Notification]:
    result = await session.execute(
        select(Notification).where(Notification.kind == kind).order_by(Notification.id)
    )
    return list(result.scalars())


# Catalogue ----------------------------------------------------------------------------------


async def test_listing_filters_by_role_kind_month_and_pages(session: AsyncSession) -> None:
    teacher = await make_person(session, 1, role=Role.TEACHER)
    head = await make_person(session, 2, role=Role.HEAD)
    base = datetime(2030, 3, 10, 9, 0, tzinfo=UTC)
    now = base - timedelta(days=30)
    for i in range(10):
        await make_event(session, title=f"Вебинар {i}", starts_at=base + timedelta(days=i))
    await make_event(
        session,
        title="Для руководителей",
        kind=EventKind.SEMINAR,
        starts_at=base + timedelta(days=30),
        audience=["head", "deputy"],
    )
    await make_event(session, title="Черновик", status=EventStatus.DRAFT, starts_at=base)
    await make_event(session, title="Отменено", status=EventStatus.CANCELLED, starts_at=base)
    await make_event(session, title="Прошло", starts_at=now - timedelta(days=1))

    page = await events.list_upcoming(session, teacher, TZ, now=now)
    assert page.total == 10 and page.pages == 2 and len(page.items) == 8
    assert [i.event.title for i in page.items][:2] == ["Вебинар 0", "Вебинар 1"]
    second = await events.list_upcoming(session, teacher, TZ, page=1, now=now)
    assert [i.event.title for i in second.items] == ["Вебинар 8", "Вебинар 9"]

    head_page = await events.list_upcoming(session, head, TZ, now=now)
    assert head_page.total == 11
    assert head_page.kinds == [EventKind.WEBINAR, EventKind.SEMINAR]
    assert head_page.months == [Month(2030, 3), Month(2030, 4)]
    seminars = await events.list_upcoming(session, head, TZ, kind=EventKind.SEMINAR, now=now)
    assert [i.event.title for i in seminars.items] == ["Для руководителей"]
    april = await events.list_upcoming(session, head, TZ, month=Month(2030, 4), now=now)
    assert [i.event.title for i in april.items] == ["Для руководителей"]


async def test_month_filters_use_the_local_month_and_reach_years_ahead(
    session: AsyncSession,
) -> None:
    """Months are the municipality's (an event at 23:30 UTC on the last day of a month is in
    the next local month), also for an event years ahead."""
    teacher = await make_person(session, 3, role=Role.TEACHER)
    now = datetime(2030, 1, 15, 9, 0, tzinfo=UTC)
    await make_event(
        session, title="Ночью 31 марта", starts_at=datetime(2030, 3, 31, 23, 30, tzinfo=UTC)
    )
    await make_event(session, title="В марте", starts_at=datetime(2030, 3, 5, 9, 0, tzinfo=UTC))
    far = now + timedelta(days=31 * 30)
    await make_event(session, title="Через годы", kind=EventKind.CONFERENCE, starts_at=far)
    page = await events.list_upcoming(session, teacher, TZ, now=now)
    local = far.astimezone(TZ)
    far_month = Month(local.year, local.month)
    assert page.months == [Month(2030, 3), Month(2030, 4), far_month]
    assert page.kinds == [EventKind.WEBINAR, EventKind.CONFERENCE]
    april = await events.list_upcoming(session, teacher, TZ, month=Month(2030, 4), now=now)
    assert [i.event.title for i in april.items] == ["Ночью 31 марта"] and april.total == 1
    later = await events.list_upcoming(session, teacher, TZ, month=far_month, now=now)
    assert [i.event.title for i in later.items] == ["Через годы"] and later.total == 1
    webinars = await events.list_upcoming(session, teacher, TZ, kind=EventKind.WEBINAR, now=now)
    assert webinars.total == 2


# Registration, waitlist, promotion ----------------------------------------------------------


async def test_register_twice_is_one_registration_with_reminders(session: AsyncSession) -> None:
    person = await make_person(session, 10)
    event = await make_event(session, capacity=5)
    first = await regs.register(session, SETTINGS, person, event.id)
    second = await regs.register(session, SETTINGS, person, event.id)
    assert first.outcome == Outcome.REGISTERED
    assert second.outcome == Outcome.ALREADY_REGISTERED
    count = await session.scalar(select(func.count()).select_from(Registration))
    assert count == 1
    reminders = await notifications(session, NotificationKind.REMINDER)
    assert sorted(r.due_at for r in reminders) == [
        event.starts_at - timedelta(hours=24),
        event.starts_at - timedelta(hours=1),
    ]


async def test_waitlist_join_leave_promotion_and_give_back(session: AsyncSession) -> None:
    event = await make_event(session, capacity=1)
    anna, boris, vera, galina = await people_(session, 4)
    assert (await regs.register(session, SETTINGS, anna, event.id)).outcome == Outcome.REGISTERED
    full = await regs.register(session, SETTINGS, boris, event.id)
    assert full.outcome == Outcome.FULL and full.registration is None
    b = await regs.register(session, SETTINGS, boris, event.id, join_waitlist=True)
    v = await regs.register(session, SETTINGS, vera, event.id, join_waitlist=True)
    g = await regs.register(session, SETTINGS, galina, event.id, join_waitlist=True)
    assert (b.outcome, b.position, v.position, g.position) == (Outcome.WAITLISTED, 1, 2, 3)
    again = await regs.register(session, SETTINGS, vera, event.id, join_waitlist=True)
    assert (again.outcome, again.position) == (Outcome.ALREADY_WAITLISTED, 2)

    # Vera leaves the queue: nobody is promoted, Galina moves up to 2.
    assert v.registration and g.registration and b.registration
    await regs.cancel(session, SETTINGS, vera, v.registration.id)
    assert await events.waitlist_position(session, g.registration) == 2
    assert await notifications(session, NotificationKind.WAITLIST_PROMOTED) == []

    # Anna cancels: Boris (first in the queue) gets the seat, is told, gets reminders.
    a_reg = await events.registration_of(session, anna, event.id)
    assert a_reg is not None
    await regs.cancel(session, SETTINGS, anna, a_reg.id)
    await session.refresh(b.registration)
    assert b.registration.status == RegistrationStatus.REGISTERED
    promoted = await notifications(session, NotificationKind.WAITLIST_PROMOTED)
    assert [n.person_id for n in promoted] == [boris.id]
    buttons = promoted[0].payload["buttons"]
    give_back, card = buttons[0][0][1], buttons[1][0][1]
    assert callbacks.for_target(give_back["target"], give_back["id"]) == RegCb(
        action="giveback", registration_id=b.registration.id
    )
    assert callbacks.for_target(card["target"], card["id"]) == EvCb(
        action="card", event_id=event.id
    )
    reminders = await notifications(session, NotificationKind.REMINDER)
    by_person = {(r.person_id, r.status) for r in reminders}
    assert (anna.id, NotificationStatus.CANCELLED) in by_person
    assert (boris.id, NotificationStatus.PENDING) in by_person

    # Boris gives the seat back with one tap: Galina is next.
    await regs.cancel(session, SETTINGS, boris, b.registration.id, action="gave_back")
    await session.refresh(g.registration)
    assert g.registration.status == RegistrationStatus.REGISTERED
    log = await session.execute(
        select(RegistrationLog.action, Registration.person_id)
        .join(Registration, Registration.id == RegistrationLog.registration_id)
        .where(RegistrationLog.action == "promoted")
        .order_by(RegistrationLog.id)
    )
    assert log.all() == [("promoted", boris.id), ("promoted", galina.id)]
    moved = await event_admin.promotions(session, event.id)
    assert [m.person.id for m in moved] == [boris.id, galina.id]


async def test_refusals(session: AsyncSession) -> None:
    person, other = await people_(session, 2)
    now = utcnow()
    cancelled = await make_event(session, status=EventStatus.CANCELLED)
    started = await make_event(session, starts_at=now - timedelta(minutes=5))
    past = await make_event(session, starts_at=now - timedelta(days=2))
    late = await make_event(session, registration_deadline=now - timedelta(minutes=1))
    draft = await make_event(session, status=EventStatus.DRAFT)
    heads = await make_event(session, audience=["head"])
    cases = [
        (cancelled.id, "отменено"),
        (started.id, "началось"),
        (past.id, "прошло"),
        (late.id, "закончилась"),
        (draft.id, "не открыта"),
        (heads.id, "других категорий"),
        (999_999, "не найдено"),
    ]
    for event_id, words in cases:
        with pytest.raises(InvalidInput, match=words):
            await regs.register(session, SETTINGS, person, event_id)
    # Someone else's registration cannot be cancelled or given back.
    event = await make_event(session)
    mine = await regs.register(session, SETTINGS, person, event.id)
    assert mine.registration is not None
    with pytest.raises(InvalidInput):
        await regs.cancel(session, SETTINGS, other, mine.registration.id)
    with pytest.raises(InvalidInput):
        await regs.cancel(session, SETTINGS, person, 424242)
    assert mine.registration.status == RegistrationStatus.REGISTERED


async def test_fifty_race_for_five_seats(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        event = await make_event(session, capacity=5)
        racers = await people_(session, 50)
        ids = [p.id for p in racers]
        event_id = event.id

    async def attempt(person_id: int) -> Outcome:
        async with sessions.begin() as session:
            person = await session.get(Person, person_id)
            assert person is not None
            result = await regs.register(session, SETTINGS, person, event_id, join_waitlist=True)
            return result.outcome

    outcomes = await asyncio.gather(*(attempt(i) for i in ids))
    assert outcomes.count(Outcome.REGISTERED) == 5
    assert outcomes.count(Outcome.WAITLISTED) == 45
    async with sessions() as session:
        seats = (await events.seat_counts(session, [event_id]))[event_id]
        assert (seats.taken, seats.waiting) == (5, 45)
        orders = await session.execute(
            select(Registration.waitlist_order).where(Registration.waitlist_order.is_not(None))
        )
        assert sorted(orders.scalars()) == list(range(1, 46))


async def test_double_tap_race_is_one_registration(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        event = await make_event(session, capacity=3)
        person = await make_person(session, 77)
        ids = (event.id, person.id)

    async def tap() -> Outcome:
        async with sessions.begin() as session:
            who = await session.get(Person, ids[1])
            assert who is not None
            return (await regs.register(session, SETTINGS, who, ids[0])).outcome

    outcomes = await asyncio.gather(tap(), tap(), tap())
    assert sorted(outcomes) == sorted([Outcome.REGISTERED, *[Outcome.ALREADY_REGISTERED] * 2])


async def test_series_registration(session: AsyncSession) -> None:
    person = await make_person(session, 11, role=Role.HEAD)
    from models import EventSeries

    series = EventSeries(title="Управление профессиональным ростом педагогов", description="")
    session.add(series)
    await session.flush()
    first = await make_event(session, series_id=series.id, capacity=1)
    await make_event(session, series_id=series.id, starts_at=utcnow() + timedelta(days=30))
    other = await make_person(session, 12)
    await regs.register(session, SETTINGS, other, first.id)
    outcomes = await regs.register_series(session, SETTINGS, person, series.id)
    assert [o.outcome for o in outcomes] == [Outcome.WAITLISTED, Outcome.REGISTERED]


# Methodologists' changes --------------------------------------------------------------------


async def test_moving_the_start_moves_reminders_and_tells_registrants(
    session: AsyncSession,
) -> None:
    event = await make_event(session, capacity=1)
    anna, boris = await people_(session, 2)
    await regs.register(session, SETTINGS, anna, event.id)
    await regs.register(session, SETTINGS, boris, event.id, join_waitlist=True)
    new_start = event.starts_at + timedelta(days=2)
    told = await event_admin.update(session, SETTINGS, event.id, {"starts_at": new_start}, None)
    assert told == 2
    assert event.ends_at == new_start + timedelta(hours=1)
    reminders = await notifications(session, NotificationKind.REMINDER)
    pending = sorted(r.due_at for r in reminders if r.status == NotificationStatus.PENDING)
    assert pending == [new_start - timedelta(hours=24), new_start - timedelta(hours=1)]
    changed = await notifications(session, NotificationKind.EVENT_CHANGED)
    assert {n.person_id for n in changed} == {anna.id, boris.id}
    assert "Начало" in changed[0].text
    with pytest.raises(InvalidInput, match="прошлом"):
        await event_admin.update(
            session, SETTINGS, event.id, {"starts_at": utcnow() - timedelta(hours=1)}, None
        )
    with pytest.raises(InvalidInput, match="позже начала"):
        await event_admin.update(session, SETTINGS, event.id, {"ends_at": new_start}, None)
    # More seats: the waitlist moves up.
    await event_admin.update(session, SETTINGS, event.id, {"capacity": 2}, None)
    assert [
        n.person_id for n in await notifications(session, NotificationKind.WAITLIST_PROMOTED)
    ] == [boris.id]


async def test_cancelling_drops_reminders_then_tells_everyone(session: AsyncSession) -> None:
    event = await make_event(session)
    anna, boris = await people_(session, 2)
    for p in (anna, boris):
        await regs.register(session, SETTINGS, p, event.id)
    told = await event_admin.cancel_event(session, SETTINGS, event.id, "болезнь лектора", None)
    assert told == 2 and event.status == EventStatus.CANCELLED
    reminders = await notifications(session, NotificationKind.REMINDER)
    assert reminders and all(r.status == NotificationStatus.CANCELLED for r in reminders)
    notices = await notifications(session, NotificationKind.EVENT_CANCELLED)
    assert {n.person_id for n in notices} == {anna.id, boris.id}
    assert all(n.status == NotificationStatus.PENDING for n in notices)
    assert "болезнь лектора" in notices[0].text
    with pytest.raises(InvalidInput):
        await regs.register(session, SETTINGS, anna, event.id)


async def test_duplicate_and_publish(session: AsyncSession) -> None:
    event = await make_event(session)
    copy = await event_admin.duplicate(session, event.id, None)
    assert copy.status == EventStatus.DRAFT and copy.title == event.title
    assert copy.checkin_code and copy.id != event.id
    await event_admin.publish(session, copy)
    assert copy.status == EventStatus.PUBLISHED


def test_parsing_local_dates() -> None:
    moment = event_admin.parse_local_datetime("05.12.2026 15:00", TZ)
    assert moment == datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    assert event_admin.parse_end("16:30", moment, TZ) == datetime(2026, 12, 5, 13, 30, tzinfo=UTC)
    for bad in ("завтра", "31.02.2026 10:00", "05.12.2026"):
        with pytest.raises(InvalidInput):
            event_admin.parse_local_datetime(bad, TZ)


# Check-in and counts ------------------------------------------------------------------------


async def test_checkin_code_attempts_and_counts(session: AsyncSession) -> None:
    now = utcnow()
    event = await make_event(session, starts_at=now + timedelta(days=1))
    anna, boris = await people_(session, 2)
    a = await regs.register(session, SETTINGS, anna, event.id)
    b = await regs.register(session, SETTINGS, boris, event.id)
    with pytest.raises(InvalidInput, match="не идёт"):
        await attendance.check_in(session, anna, event.checkin_code)
    event.starts_at = now - timedelta(minutes=10)
    await session.flush()
    done = await attendance.check_in(session, anna, event.checkin_code)
    assert done.event.id == event.id and not done.already
    assert (await attendance.check_in(session, anna, event.checkin_code)).already
    for left in (4, 3, 2, 1):
        with pytest.raises(attendance.WrongCode, match=f"осталось попыток: {left}"):
            await attendance.check_in(session, boris, "000000")
    with pytest.raises(InvalidInput, match="попросите методиста"):
        await attendance.check_in(session, boris, "000000")
    with pytest.raises(InvalidInput, match="попросите методиста"):
        await attendance.check_in(session, boris, event.checkin_code)
    assert b.registration and a.registration
    await attendance.mark_by_staff(session, b.registration.id, event.id, anna)
    counts = await attendance.event_counts(session, event_ids=[event.id])
    assert [(c.registered, c.attended) for c in counts] == [(2, 2)]


# Deleting one's data ------------------------------------------------------------------------


async def test_anonymise_cancels_and_promotes(session: AsyncSession) -> None:
    event = await make_event(session, capacity=1)
    anna, boris = await people_(session, 2)
    await regs.register(session, SETTINGS, anna, event.id)
    await regs.register(session, SETTINGS, boris, event.id, join_waitlist=True)
    await people.anonymise(session, anna, SETTINGS)
    seats = (await events.seat_counts(session, [event.id]))[event.id]
    assert (seats.taken, seats.waiting) == (1, 0)
    mine = await events.registration_of(session, boris, event.id)
    assert mine is not None and mine.status == RegistrationStatus.REGISTERED


# Calendar file ------------------------------------------------------------------------------


async def test_ics_has_utc_start_and_link(session: AsyncSession) -> None:
    start = datetime(2030, 12, 5, 12, 0, tzinfo=UTC)
    event = await make_event(session, starts_at=start)
    calendar = Calendar.from_ical(ics.event_ics(event, with_link=True))
    vevent = next(iter(calendar.walk("VEVENT")))
    assert vevent.decoded("dtstart") == start
    assert "meet.example.org" in str(vevent.get("description"))
    hidden = Calendar.from_ical(ics.event_ics(event, with_link=False))
    assert "meet.example.org" not in hidden.to_ical().decode()


# Import -------------------------------------------------------------------------------------

HEADERS = ["Название", "Вид", "Начало", "Окончание", "Формат", "Мест", "Темы", "Цикл", "Для кого"]


def _xlsx(rows: list[list[Any]], headers: list[str] = HEADERS) -> bytes:
    return to_xlsx(headers, rows)


def _future(days: int, hh: str = "15:00") -> str:
    moment = (utcnow() + timedelta(days=days)).astimezone(TZ)
    return f"{moment:%d.%m.%Y} {hh}"


async def test_import_valid_file_groups_series_and_is_idempotent(session: AsyncSession) -> None:
    rows = [
        [
            "Встреча 1",
            "сетевой семинар",
            _future(10),
            "16:30",
            "онлайн",
            60,
            "Управление профессиональным ростом педагогов",
            "Рост педагогов",
            "руководитель",
        ],
        [
            "Встреча 2",
            "сетевой семинар",
            _future(40),
            "16:30",
            "онлайн",
            "",
            "staff_development, methods",
            "Рост педагогов",
            "",
        ],
        ["Мастер-класс", "мастер-класс", _future(12), _future(12, "17:00"), "очно", 20, "", "", ""],
    ]
    table = read_table("calendar.xlsx", _xlsx(rows))
    parsed, errors = event_import.parse(table, TZ)
    assert not errors, errors.report()
    result = await event_import.apply(session, parsed)
    assert (result.added, result.updated, result.series) == (3, 0, 1)
    again = await event_import.apply(session, event_import.parse(table, TZ)[0])
    assert (again.added, again.updated) == (0, 3)
    stored = list((await session.execute(select(Event).order_by(Event.starts_at))).scalars())
    assert len(stored) == 3
    assert stored[0].series_id is not None and stored[0].series_id == stored[2].series_id
    assert stored[0].audience == ["head"] and stored[0].capacity == 60
    assert stored[2].topics == ["staff_development", "methods"]
    assert all(e.status == EventStatus.PUBLISHED and e.checkin_code for e in stored)


async def test_import_refuses_bad_rows_naming_row_and_column(session: AsyncSession) -> None:
    rows = [
        ["Прошедшее", "вебинар", "01.01.2020 10:00", "01.01.2020 11:00", "онлайн", "", "", "", ""],
        ["Наоборот", "вебинар", _future(5), _future(4), "онлайн", "", "", "", ""],
        ["Странное", "пикник", _future(5), "16:00", "онлайн", "", "", "", ""],
        ["Без мест", "вебинар", _future(5), "16:00", "онлайн", "много", "магия", "", ""],
    ]
    _, errors = event_import.parse(read_table("c.xlsx", _xlsx(rows)), TZ)
    report = errors.report()
    assert "строка 2, столбец «Начало»: дата уже прошла" in report
    assert "строка 3, столбец «Окончание»" in report
    assert "строка 4, столбец «Вид»: неизвестный вид «пикник»" in report
    assert "строка 5, столбец «Мест»" in report and "неизвестная тема «магия»" in report
    with pytest.raises(InvalidInput, match="Окончание"):
        event_import.parse(read_table("c.xlsx", _xlsx([["x", "вебинар"]], ["Название", "Вид"])), TZ)
    with pytest.raises(InvalidInput, match="слишком большой"):
        read_table("big.csv", b"a" * (MAX_UPLOAD_BYTES + 1))
    csv = f"Название;Вид;Начало;Окончание;Формат\nВебинар;вебинар;{_future(3)};16:00;онлайн\n"
    parsed, errors = event_import.parse(read_table("c.csv", csv.encode("utf-8-sig")), TZ)
    assert not errors and parsed[0].fields.kind == EventKind.WEBINAR
    assert (await session.scalar(select(func.count()).select_from(Event))) == 0


async def test_template_is_a_valid_import(session: AsyncSession) -> None:
    table = read_table("t.xlsx", event_import.template(TZ))
    parsed, errors = event_import.parse(table, TZ)
    assert not errors, errors.report()
    assert len(parsed) == 2


# Demo ---------------------------------------------------------------------------------------


async def test_seed_demo_twice_adds_the_calendar_once(session: AsyncSession) -> None:
    first = await seed_demo(session)
    second = await seed_demo(session)
    assert first["events_added"] >= 12 and second["events_added"] == 0
    stored = list((await session.execute(select(Event))).scalars())
    assert len(stored) == first["events_added"]
    topics = {code for e in stored for code in e.topics}
    assert {"staff_development", "formative_assessment", "digital", "inclusive"} <= topics
    assert any(e.capacity == 200 for e in stored) and any(e.capacity == 20 for e in stored)
    assert all(e.starts_at > utcnow() for e in stored)
