"""QA of notifications against the real process: what a check with shortened settings found."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_bot
from bot.emulator import BotApiEmulator
from bot.notifier import Notifier
from bot.services import feedback, reminders
from bot.services.notification_texts import relative_start
from models import Event, Notification, NotificationKind, Registration, RegistrationStatus
from models.base import utcnow
from tests.conftest import make_settings
from tests.factories import make_event, make_person
from tests.questionnaire_helpers import load_forms

MSK = ZoneInfo("Europe/Moscow")


def test_one_hour_reminder_sent_a_moment_late_says_one_hour() -> None:
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    # The 1-hour reminder leaves a second or so after its moment: never «Через 60 минут».
    for left in (timedelta(minutes=59, seconds=59), timedelta(minutes=59, seconds=31)):
        assert relative_start(now + left, now, MSK) == "Через 1 час"
    assert relative_start(now + timedelta(minutes=59, seconds=29), now, MSK) == "Через 59 минут"
    assert relative_start(now + timedelta(seconds=20), now, MSK) == "Через 1 минуту"


async def test_offsets_within_one_minute_are_separate_reminders(
    session: AsyncSession, database_url: str
) -> None:
    settings = make_settings(database_url, reminder_offsets="90s,60s,30s")
    person = await make_person(session, 4101)
    event = await make_event(session, starts_at=utcnow() + timedelta(minutes=10))
    registration = Registration(
        event_id=event.id, person_id=person.id, status=RegistrationStatus.REGISTERED
    )
    session.add(registration)
    await session.flush()
    await session.refresh(registration, ["event"])
    assert await reminders.schedule(session, registration, settings.reminder_offsets) == 3
    due = (
        await session.execute(
            select(Notification.due_at).where(Notification.kind == NotificationKind.REMINDER)
        )
    ).scalars()
    assert sorted(event.starts_at - d for d in due) == [
        timedelta(seconds=30),
        timedelta(seconds=60),
        timedelta(seconds=90),
    ]


async def test_followup_delay_is_a_setting(session: AsyncSession, database_url: str) -> None:
    settings = make_settings(database_url, feedback_delay="20s", feedback_followup_delay="90s")
    assert settings.feedback_followup_delay == timedelta(seconds=90)
    assert make_settings(database_url).feedback_followup_delay == timedelta(hours=24)
    person = await make_person(session, 4102)
    event = await make_event(
        session,
        starts_at=utcnow() - timedelta(minutes=5),
        ends_at=utcnow() - timedelta(minutes=1),
    )
    session.add(
        Registration(event_id=event.id, person_id=person.id, status=RegistrationStatus.REGISTERED)
    )
    await session.flush()
    now = utcnow()
    planned = await feedback.plan_requests(
        session,
        settings.feedback_delay,
        now=now,
        followup_after=settings.feedback_followup_delay,
    )
    assert planned == 1
    followup = (
        await session.execute(
            select(Notification).where(Notification.kind == NotificationKind.FEEDBACK_FOLLOWUP)
        )
    ).scalar_one()
    assert followup.due_at - now == timedelta(seconds=90)


async def test_summary_counts_only_people_the_request_reached(
    sessions: async_sessionmaker[AsyncSession], database_url: str, emulator: BotApiEmulator
) -> None:
    """Someone who blocked the bot was never asked: «2 из 4 опрошенных» would be wrong."""
    await load_forms(sessions)
    async with sessions.begin() as s:
        people = [await make_person(s, 4200 + i) for i in range(4)]
        event = await make_event(
            s,
            starts_at=utcnow() - timedelta(hours=2),
            ends_at=utcnow() - timedelta(hours=1),
        )
        for person in people:
            s.add(
                Registration(
                    event_id=event.id, person_id=person.id, status=RegistrationStatus.REGISTERED
                )
            )
    emulator.block_user(4203)
    settings = make_settings(
        database_url,
        emulator.base_url,
        quiet_hours=None,
        feedback_delay="20s",
        send_rate_per_second=200.0,
    )
    bot = create_bot(settings)
    try:
        stats = await Notifier(bot, sessions, settings).tick()
    finally:
        await bot.session.close()
    assert (stats.sent, stats.failed) == (3, 1)
    async with sessions() as s:
        result = await feedback.summary(s, await s.get(Event, event.id) or event)
    assert result is not None and result.asked == 3
