"""The outbox sender against the Bot API emulator: timing, limits, faults, several processes."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_bot
from bot.config import Settings
from bot.emulator import BotApiEmulator
from bot.notifier import Notifier
from bot.services import outbox, reminders
from bot.services.delivery import QuietHours
from bot.services.notification_texts import relative_start
from models import (
    Event,
    EventStatus,
    Notification,
    NotificationKind,
    NotificationStatus,
    Person,
    Registration,
    RegistrationStatus,
    Role,
)
from models.base import utcnow
from tests import factories
from tests.conftest import ADMIN_ID, RunningBot, make_settings
from tests.factories import make_person

MSK = ZoneInfo("Europe/Moscow")


async def make_event(session: AsyncSession, starts_in: timedelta, **extra: Any) -> Event:
    starts = utcnow() + starts_in
    values: dict[str, Any] = {
        "title": "Формирующее оценивание на уроке",
        "join_link": "https://meet.example.org/fo",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=1, minutes=30),
        **extra,
    }
    return await factories.make_event(session, **values)


async def register(session: AsyncSession, event: Event, person: Person) -> Registration:
    registration = Registration(
        event_id=event.id, person_id=person.id, status=RegistrationStatus.REGISTERED
    )
    session.add(registration)
    await session.flush()
    await session.refresh(registration, ["event"])
    return registration


async def make_due(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Pretend the time has come for every pending row (keeps their order)."""
    async with sessions.begin() as s:
        rows = await s.execute(
            select(Notification).where(Notification.status == NotificationStatus.PENDING)
        )
        for row in rows.scalars():
            row.due_at -= timedelta(days=30)


async def statuses(sessions: async_sessionmaker[AsyncSession]) -> list[NotificationStatus]:
    async with sessions() as s:
        rows = await s.execute(select(Notification.status).order_by(Notification.id))
        return [r for (r,) in rows]


@pytest.fixture
def settings(database_url: str, emulator: BotApiEmulator) -> Settings:
    return make_settings(
        database_url,
        emulator.base_url,
        quiet_hours=None,
        send_rate_per_second=200.0,
        outbox_lease_seconds=5.0,
    )


@pytest.fixture
async def notifier(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Notifier]:
    bot = create_bot(settings)
    yield Notifier(bot, sessions, settings)
    await bot.session.close()


def sends(emulator: BotApiEmulator) -> list[str]:
    return [c.text or "" for c in emulator.calls if c.method == "sendMessage" and c.ok]


async def test_reminders_scheduled_ahead_only_and_sent_with_link(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    notifier: Notifier,
    emulator: BotApiEmulator,
) -> None:
    async with sessions.begin() as s:
        early = await make_person(s, 501)
        late = await make_person(s, 502)
        event = await make_event(s, timedelta(days=3))
        soon = await make_event(s, timedelta(minutes=30), title="Скоро")
        assert (
            await reminders.schedule(s, await register(s, event, early), settings.reminder_offsets)
            == 2
        )
        # Registered 30 minutes before the start: neither the 24-hour nor the 1-hour reminder.
        assert (
            await reminders.schedule(s, await register(s, soon, late), settings.reminder_offsets)
            == 0
        )
        # Scheduling again adds nothing (a double tap, a repeated call).
        registration = (
            await s.execute(select(Registration).where(Registration.person_id == early.id))
        ).scalar_one()
        assert await reminders.schedule(s, registration, settings.reminder_offsets) == 0

    assert (await notifier.tick()).sent == 0  # nothing due yet
    await make_due(sessions)
    stats = await notifier.tick()
    assert stats.sent == 2
    texts = sends(emulator)
    assert all("Формирующее оценивание" in t and "https://meet.example.org/fo" in t for t in texts)
    # The text says the real time left (three days), not «через 1 час» nor «завтра».
    assert all("Через 3 дня" in t for t in texts)
    join = next(c for c in emulator.calls if c.method == "sendMessage").buttons
    assert join == [("Подключиться", "https://meet.example.org/fo")]
    assert await statuses(sessions) == [NotificationStatus.SENT] * 2
    assert (await notifier.tick()).sent == 0  # never twice


async def test_moved_event_moves_reminders_and_cancelled_one_drops_them(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, notifier: Notifier
) -> None:
    async with sessions.begin() as s:
        person = await make_person(s, 511)
        event = await make_event(s, timedelta(days=2))
        await reminders.schedule(s, await register(s, event, person), settings.reminder_offsets)
        old = sorted((await s.execute(select(Notification.due_at))).scalars())
        event.starts_at += timedelta(days=1)
        event.ends_at += timedelta(days=1)
        assert await reminders.reschedule_event(s, event, settings.reminder_offsets) == 2
        pending = sorted(
            (
                await s.execute(
                    select(Notification.due_at).where(
                        Notification.status == NotificationStatus.PENDING
                    )
                )
            ).scalars()
        )
        assert [p - o for p, o in zip(pending, old, strict=True)] == [timedelta(days=1)] * 2
        assert await reminders.drop_event(s, event) == 2
    assert (await notifier.tick()).sent == 0


async def test_reminder_for_a_cancelled_registration_or_event_is_dropped(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    notifier: Notifier,
    emulator: BotApiEmulator,
) -> None:
    async with sessions.begin() as s:
        person = await make_person(s, 521)
        event = await make_event(s, timedelta(days=2))
        registration = await register(s, event, person)
        await reminders.schedule(s, registration, settings.reminder_offsets)
        registration.status = RegistrationStatus.CANCELLED  # as if the drop call were forgotten
    await make_due(sessions)
    stats = await notifier.tick()
    assert (stats.sent, stats.dropped) == (0, 2)
    assert sends(emulator) == []


async def test_stale_one_hour_reminder_after_start_is_dropped_24h_sent_late(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    notifier: Notifier,
    emulator: BotApiEmulator,
) -> None:
    """The bot was down: the 24-hour reminder is still useful, the 1-hour one after the start is not."""
    async with sessions.begin() as s:
        person = await make_person(s, 531)
        started = await make_event(s, timedelta(minutes=-5), title="Уже идёт")
        later = await make_event(s, timedelta(hours=20), title="Вечером завтра")
        for event, minutes in ((started, 60), (later, 24 * 60)):
            await register(s, event, person)
            await outbox.enqueue(
                s,
                kind=NotificationKind.REMINDER,
                person_id=person.id,
                event_id=event.id,
                due_at=event.starts_at - timedelta(minutes=minutes),
                expires_at=event.starts_at,
                text="",
            )
    stats = await notifier.tick()
    assert (stats.sent, stats.dropped) == (1, 1)
    assert len(sends(emulator)) == 1 and "Вечером завтра" in sends(emulator)[0]
    assert await statuses(sessions) == [NotificationStatus.DROPPED, NotificationStatus.SENT]


async def test_blocked_user_marked_inactive_and_skipped(
    sessions: async_sessionmaker[AsyncSession], notifier: Notifier, emulator: BotApiEmulator
) -> None:
    async with sessions.begin() as s:
        blocked = await make_person(s, 541)
        other = await make_person(s, 542)
        for person in (blocked, other, blocked):
            await outbox.enqueue(
                s, kind=NotificationKind.MESSAGE, person_id=person.id, text="Новость"
            )
    emulator.block_user(541)
    stats = await notifier.tick()
    assert (stats.sent, stats.failed, stats.dropped) == (1, 1, 1)
    async with sessions() as s:
        person = (await s.execute(select(Person).where(Person.telegram_id == 541))).scalar_one()
        assert person.is_active is False
    async with sessions.begin() as s:
        await outbox.enqueue(s, kind=NotificationKind.MESSAGE, person_id=blocked.id, text="Ещё")
    await notifier.tick()
    assert [c.chat_id for c in emulator.calls if c.method == "sendMessage" and c.ok] == [542]
    assert NotificationStatus.SENT not in [
        st for st, n in zip(await statuses(sessions), [541, 542, 541, 541], strict=True) if n == 541
    ]


async def test_429_waits_retry_after_and_loses_nothing(
    sessions: async_sessionmaker[AsyncSession], notifier: Notifier, emulator: BotApiEmulator
) -> None:
    async with sessions.begin() as s:
        people = [await make_person(s, 600 + i) for i in range(12)]
        for person in people:
            await outbox.enqueue(
                s, kind=NotificationKind.MESSAGE, person_id=person.id, text="Привет"
            )
    emulator.set_rate_limit(5, retry_after=1)
    started = asyncio.get_running_loop().time()
    for _ in range(10):
        await notifier.tick()
        if await statuses(sessions) == [NotificationStatus.SENT] * 12:
            break
        await asyncio.sleep(0.5)
    assert await statuses(sessions) == [NotificationStatus.SENT] * 12
    delivered = collections.Counter(
        c.chat_id for c in emulator.calls if c.method == "sendMessage" and c.ok
    )
    assert delivered == {600 + i: 1 for i in range(12)}
    assert any(c.status == 429 for c in emulator.calls)
    assert asyncio.get_running_loop().time() - started >= 1.0  # it did wait


async def test_network_errors_retry_then_fail_for_admins_to_see(
    sessions: async_sessionmaker[AsyncSession], notifier: Notifier, emulator: BotApiEmulator
) -> None:
    async with sessions.begin() as s:
        person = await make_person(s, 701)
        await outbox.enqueue(s, kind=NotificationKind.MESSAGE, person_id=person.id, text="Раз")
    emulator.fail_next("sendMessage", times=2, status=502)
    for _ in range(3):
        await notifier.tick()
        await make_due(sessions)
    assert await statuses(sessions) == [NotificationStatus.SENT]

    async with sessions.begin() as s:
        await outbox.enqueue(s, kind=NotificationKind.MESSAGE, person_id=person.id, text="Два")
    emulator.fail_next("sendMessage", times=50, status=500)
    for _ in range(8):
        await notifier.tick()
        await make_due(sessions)
    async with sessions() as s:
        row = (
            (await s.execute(select(Notification).order_by(Notification.id.desc())))
            .scalars()
            .first()
        )
    assert row is not None and row.status == NotificationStatus.FAILED
    assert row.attempts == 5 and row.last_error


async def test_quiet_hours_hold_feedback_but_not_reminders(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    emulator: BotApiEmulator,
) -> None:
    now_local = datetime.now(MSK)
    # A quiet span that contains "now", whatever time the test runs.
    start = (now_local - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now_local + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    quiet = settings.model_copy(update={"quiet_hours": (start, end)})
    bot = create_bot(quiet)
    notifier = Notifier(bot, sessions, quiet)
    try:
        async with sessions.begin() as s:
            person = await make_person(s, 801)
            event = await make_event(s, timedelta(hours=3))
            await register(s, event, person)
            await outbox.enqueue(
                s,
                kind=NotificationKind.FEEDBACK_REQUEST,
                person_id=person.id,
                text="Отзыв?",
                holdable=True,
            )
            await outbox.enqueue(
                s, kind=NotificationKind.EVENT_CHANGED, person_id=person.id, text="Время изменилось"
            )
        stats = await notifier.tick()
        assert (stats.sent, stats.postponed) == (1, 1)
        assert sends(emulator) == ["Время изменилось"]
        async with sessions() as s:
            held = (
                await s.execute(
                    select(Notification).where(
                        Notification.kind == NotificationKind.FEEDBACK_REQUEST
                    )
                )
            ).scalar_one()
        assert held.status == NotificationStatus.PENDING
        assert held.due_at.astimezone(MSK).time() == end
        assert held.due_at > utcnow()
    finally:
        await bot.session.close()


def test_quiet_hours_wrapping_midnight() -> None:
    quiet = QuietHours(time(22, 0), time(8, 0), MSK)
    night = datetime(2026, 12, 1, 23, 30, tzinfo=MSK)
    morning = datetime(2026, 12, 2, 7, 59, tzinfo=MSK)
    day = datetime(2026, 12, 2, 12, 0, tzinfo=MSK)
    assert quiet.contains(night) and quiet.contains(morning) and not quiet.contains(day)
    assert quiet.end_after(night) == datetime(2026, 12, 2, 8, 0, tzinfo=MSK)
    assert quiet.end_after(morning) == datetime(2026, 12, 2, 8, 0, tzinfo=MSK)


def test_relative_start_phrases() -> None:
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
    assert relative_start(now + timedelta(minutes=10), now, MSK) == "Через 10 минут"
    assert relative_start(now + timedelta(minutes=61), now, MSK) == "Через 1 час"
    assert relative_start(now + timedelta(hours=3), now, MSK) == "Через 3 часа"
    assert relative_start(now + timedelta(hours=8), now, MSK) == "Сегодня"
    assert relative_start(now + timedelta(hours=24), now, MSK) == "Завтра"
    assert relative_start(now + timedelta(days=5), now, MSK) == "Через 5 дней"


async def test_two_senders_never_send_the_same_row(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, emulator: BotApiEmulator
) -> None:
    """Two bot processes on one database: each row goes out exactly once."""
    async with sessions.begin() as s:
        people = [await make_person(s, 1000 + i) for i in range(120)]
        for n, person in enumerate(people):
            await outbox.enqueue(
                s, kind=NotificationKind.MESSAGE, person_id=person.id, text=f"Сообщение {n}"
            )
    bots = [create_bot(settings) for _ in range(2)]
    senders = [Notifier(b, sessions, settings, batch_size=7) for b in bots]
    try:
        results = await asyncio.gather(*(n.tick() for n in senders))
    finally:
        for b in bots:
            await b.session.close()
    assert sum(r.sent for r in results) == 120
    delivered = collections.Counter(
        (c.chat_id, c.text) for c in emulator.calls if c.method == "sendMessage" and c.ok
    )
    assert len(delivered) == 120 and set(delivered.values()) == {1}


async def test_row_of_a_crashed_sender_is_claimed_again_after_its_lease(
    sessions: async_sessionmaker[AsyncSession], notifier: Notifier, emulator: BotApiEmulator
) -> None:
    from bot.services import delivery

    async with sessions.begin() as s:
        person = await make_person(s, 901)
        await outbox.enqueue(
            s, kind=NotificationKind.MESSAGE, person_id=person.id, text="Потерянное"
        )
    async with sessions.begin() as s:  # a process claims it and dies
        assert len(await delivery.claim_due(s, 10, lease=timedelta(seconds=5))) == 1
    assert (await notifier.tick()).sent == 0  # still leased
    async with sessions.begin() as s:
        await s.execute(update(Notification).values(claimed_until=utcnow() - timedelta(seconds=1)))
    assert (await notifier.tick()).sent == 1
    assert sends(emulator) == ["Потерянное"]


async def test_row_interrupted_mid_request_is_not_sent_again(
    sessions: async_sessionmaker[AsyncSession], notifier: Notifier, emulator: BotApiEmulator
) -> None:
    """The process died after the request left: the message most likely arrived, so no repeat."""
    from bot.services import delivery

    async with sessions.begin() as s:
        person = await make_person(s, 902)
        await outbox.enqueue(s, kind=NotificationKind.MESSAGE, person_id=person.id, text="Раз")
    async with sessions.begin() as s:
        (row,) = await delivery.claim_due(s, 10, lease=timedelta(seconds=5))
        await delivery.mark_attempt(s, row.id)
        await s.execute(update(Notification).values(claimed_until=utcnow() - timedelta(seconds=1)))
    assert (await notifier.tick()).sent == 0
    assert sends(emulator) == []
    async with sessions() as s:
        settled = (await s.execute(select(Notification))).scalar_one()
    assert settled.status == NotificationStatus.SENT
    assert settled.last_error == delivery.INTERRUPTED


async def test_registering_again_after_cancelling_brings_the_reminders_back(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    from bot.services import registrations

    async with sessions.begin() as s:
        person = await make_person(s, 903)
        event = await make_event(s, timedelta(days=2))
        result = await registrations.register(s, settings, person, event.id)
        assert result.registration is not None
        await registrations.cancel(s, settings, person, result.registration.id)
        again = await registrations.register(s, settings, person, event.id)
        assert again.registration is not None and again.registration.id == result.registration.id
        pending = await s.execute(
            select(func.count()).where(Notification.status == NotificationStatus.PENDING)
        )
        assert pending.scalar_one() == 2


async def test_admins_see_failed_and_missed_notifications_only(
    app: RunningBot, notifier: Notifier, emulator: BotApiEmulator
) -> None:
    from bot.texts import notifications as tn

    async with app.sessions.begin() as s:
        await make_person(s, ADMIN_ID, role=Role.ADMIN, full_name="Админова Анна")
        blocked = await make_person(s, 951, full_name="Блокова Бэлла")
        late = await make_person(s, 952, full_name="Опоздалова Вера")
        gone = await make_person(s, 953, full_name="Отменова Галина")
        await outbox.enqueue(s, kind=NotificationKind.MESSAGE, person_id=blocked.id, text="Раз")
        started = await make_event(s, timedelta(minutes=-5))
        await register(s, started, late)
        await outbox.enqueue(
            s,
            kind=NotificationKind.REMINDER,
            person_id=late.id,
            event_id=started.id,
            due_at=started.starts_at - timedelta(hours=1),
            expires_at=started.starts_at,
            text="",
        )
        cancelled_event = await make_event(s, timedelta(days=1), status=EventStatus.CANCELLED)
        await outbox.enqueue(
            s,
            kind=NotificationKind.REMINDER,
            person_id=gone.id,
            event_id=cancelled_event.id,
            text="",
        )
    emulator.block_user(951)
    stats = await notifier.tick()
    assert (stats.sent, stats.failed, stats.dropped) == (0, 1, 2)
    admin = app.user(ADMIN_ID)
    await admin.send("/admin")
    await admin.press(tn.SECTION_FAILED)
    text = admin.last_text()
    assert (
        "получатель: Блокова Бэлла" in text
        and tn.FAILED_BLOCKED in text
        and "Forbidden" not in text
    )
    assert "Опоздалова Вера" in text and "напоминание" in text and tn.FAILED_EXPIRED in text
    assert "Отменова Галина" not in text
