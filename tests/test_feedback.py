"""Post-event feedback: planning the requests, asking the form, the methodologists' summary."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_bot
from bot.notifier import Notifier
from bot.services import feedback
from bot.texts import feedback as t
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
from tests.conftest import ADMIN_ID, RunningBot
from tests.factories import make_person
from tests.questionnaire_helpers import fill, load_forms, make_event, repo_form

DELAY = timedelta(hours=2)


async def ended_event(session: AsyncSession, title: str, hours_ago: float) -> Event:
    event = await make_event(session, title, ["digital"], days=0)
    event.starts_at = utcnow() - timedelta(hours=hours_ago + 1.5)
    event.ends_at = utcnow() - timedelta(hours=hours_ago)
    await session.flush()
    return event


async def enrol(
    session: AsyncSession, event: Event, person: Person, status: RegistrationStatus
) -> None:
    session.add(Registration(event_id=event.id, person_id=person.id, status=status))
    await session.flush()


async def requests_for(session: AsyncSession, event: Event) -> list[tuple[int, NotificationKind]]:
    rows = await session.execute(
        select(Notification.person_id, Notification.kind)
        .where(Notification.event_id == event.id)
        .order_by(Notification.person_id, Notification.kind)
    )
    return [(pid, kind) for pid, kind in rows.all()]


async def test_requests_go_to_attendees_once_and_only_after_the_delay(
    session: AsyncSession,
) -> None:
    people = [await make_person(session, 100 + i) for i in range(4)]
    marked = await ended_event(session, "С отметками", hours_ago=3)
    await enrol(session, marked, people[0], RegistrationStatus.ATTENDED)
    await enrol(session, marked, people[1], RegistrationStatus.REGISTERED)  # did not come
    await enrol(session, marked, people[2], RegistrationStatus.CANCELLED)
    unmarked = await ended_event(session, "Без отметок", hours_ago=3)
    await enrol(session, unmarked, people[1], RegistrationStatus.REGISTERED)
    await enrol(session, unmarked, people[3], RegistrationStatus.REGISTERED)
    await enrol(session, unmarked, people[2], RegistrationStatus.WAITLISTED)
    recent = await ended_event(session, "Только что", hours_ago=1)
    await enrol(session, recent, people[0], RegistrationStatus.ATTENDED)
    old = await ended_event(session, "Давно", hours_ago=24 * 10)
    await enrol(session, old, people[0], RegistrationStatus.ATTENDED)
    cancelled = await ended_event(session, "Отменено", hours_ago=3)
    cancelled.status = EventStatus.CANCELLED
    await enrol(session, cancelled, people[0], RegistrationStatus.REGISTERED)

    assert await feedback.plan_requests(session, DELAY) == 3
    pair = [NotificationKind.FEEDBACK_FOLLOWUP, NotificationKind.FEEDBACK_REQUEST]  # by name
    assert await requests_for(session, marked) == [(people[0].id, k) for k in pair]
    assert await requests_for(session, unmarked) == [
        *[(people[1].id, k) for k in pair],
        *[(people[3].id, k) for k in pair],
    ]
    for event in (recent, old, cancelled):
        assert await requests_for(session, event) == []
    assert marked.feedback_requested_at is not None

    assert await feedback.plan_requests(session, DELAY) == 0  # planned once
    # The event that ended an hour ago is asked about once its delay has passed.
    later = utcnow() + timedelta(hours=1, minutes=1)
    assert await feedback.plan_requests(session, DELAY, now=later) == 1
    followup = (
        await session.execute(
            select(Notification).where(
                Notification.event_id == recent.id,
                Notification.kind == NotificationKind.FEEDBACK_FOLLOWUP,
            )
        )
    ).scalar_one()
    assert followup.holdable and followup.due_at - later == feedback.FOLLOWUP_AFTER


async def test_a_moved_event_is_surveyed_after_its_new_end(session: AsyncSession) -> None:
    person = await make_person(session, 200)
    event = await ended_event(session, "Перенесли", hours_ago=3)
    await enrol(session, event, person, RegistrationStatus.REGISTERED)
    event.starts_at += timedelta(days=1)
    event.ends_at += timedelta(days=1)
    assert await feedback.plan_requests(session, DELAY) == 0
    assert await feedback.plan_requests(session, DELAY, now=event.ends_at + DELAY) == 1


@pytest.fixture
async def notifier(app: RunningBot) -> AsyncIterator[Notifier]:
    settings = app.settings.model_copy(
        update={"quiet_hours": None, "send_rate_per_second": 200.0, "feedback_delay": DELAY}
    )
    bot = create_bot(settings)
    yield Notifier(bot, app.sessions, settings)
    await bot.session.close()


async def make_followups_due(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as s:
        rows = await s.execute(
            select(Notification).where(Notification.kind == NotificationKind.FEEDBACK_FOLLOWUP)
        )
        for row in rows.scalars():
            row.due_at = utcnow() - timedelta(minutes=1)


async def test_feedback_request_form_followup_and_summary(
    app: RunningBot, notifier: Notifier
) -> None:
    await load_forms(app.sessions)
    async with app.sessions.begin() as s:
        anna = await make_person(s, 301, full_name="Иванова Анна")
        boris = await make_person(s, 302, full_name="Петров Борис")
        await make_person(s, 303, full_name="Сидорова Вера")  # not a participant
        await make_person(s, ADMIN_ID, role=Role.METHODOLOGIST, full_name="Методист Мария")
        event = await ended_event(s, "Цифровые инструменты учителя", hours_ago=3)
        await enrol(s, event, anna, RegistrationStatus.ATTENDED)
        await enrol(s, event, boris, RegistrationStatus.ATTENDED)

    stats = await notifier.tick()
    assert stats.sent == 2
    user = app.user(301, "Анна")
    assert "Цифровые инструменты учителя" in user.last_text()
    request_message = user.messages()[-1]
    assert [text for text, _ in request_message.buttons] == [t.REQUEST_BUTTON]
    _, start_data = request_message.buttons[0]

    outsider = app.user(303)
    await outsider.send("/start")
    await outsider.press_data(start_data)
    assert outsider.alerts()[-1] == t.NOT_A_PARTICIPANT

    await user.press(t.REQUEST_BUTTON)
    form = repo_form("event_feedback")
    asked = await fill(
        user,
        form,
        {
            "satisfaction": "fully",
            "relevance": 5,
            "use": "Приём «Светофор» на уроках",
            "next_topics": ["digital", "inclusive"],
            "next_topics_other": None,
        },
    )
    assert asked == ["satisfaction", "relevance", "use", "next_topics", "next_topics_other"]
    await user.press("Отправить")
    assert "Спасибо за отзыв" in user.last_text()
    assert "Ответы отправлены" not in user.last_text()  # one thank-you, not two
    await user.press_data(start_data)  # one response per person per event
    assert user.alerts()[-1] == t.ALREADY_ANSWERED

    await make_followups_due(app.sessions)
    stats = await notifier.tick()
    assert (stats.sent, stats.dropped) == (1, 1)  # Boris is reminded, Anna is not
    assert "Напоминаем" in app.user(302).last_text()
    assert not any("Напоминаем" in text for text in user.texts())
    assert (await notifier.tick()).sent == 0

    boris_user = app.user(302, "Борис")
    await boris_user.press(t.REQUEST_BUTTON)
    await fill(
        boris_user,
        form,
        {
            "satisfaction": "rather_not",
            "not_satisfied_why": "Плохой звук",
            "relevance": 2,
            "use": "Пока не знаю",
            "next_topics": ["parents"],
            "next_topics_other": None,
        },
    )
    await boris_user.press("Отправить")

    methodologist = app.user(ADMIN_ID)
    await methodologist.send("/admin")
    await methodologist.press(t.SECTION)
    await methodologist.press("Цифровые инструменты учителя")
    summary = methodologist.last_text()
    assert "Ответов: 2 из 2 опрошенных" in summary
    assert "Вполне удовлетворён(а) — 1" in summary
    assert "Скорее не удовлетворён(а) — 1" in summary
    assert "среднее 3,5" in summary
    assert "Приём «Светофор» на уроках" in summary and "Плохой звук" in summary

    await methodologist.press(t.EXPORT)
    document = next(c for c in reversed(app.emu.calls) if c.method == "sendDocument")
    # Files are named by the event's title and local date, never by an internal id.
    async with app.sessions() as s:
        held = (
            await s.execute(select(Event).where(Event.title == "Цифровые инструменты учителя"))
        ).scalar_one()
    local_day = held.starts_at.astimezone(app.settings.tz).date().isoformat()
    stem = f"отзывы_Цифровые_инструменты_учителя_{local_day}"
    assert document.files["document"].filename == f"{stem}.xlsx"
    sheet = load_workbook(io.BytesIO(document.files["document"].content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3
    assert "Насколько вы удовлетворены мероприятием?" in rows[0]
    assert "Вполне удовлетворён(а)" in rows[1] and "Приём «Светофор» на уроках" in rows[1]

    await methodologist.press(t.EXPORT_CSV)
    document = next(c for c in reversed(app.emu.calls) if c.method == "sendDocument")
    upload = document.files["document"]
    assert upload.filename == f"{stem}.csv" and upload.content.startswith("\ufeff".encode())
    lines = upload.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 3 and "Насколько вы удовлетворены мероприятием?" in lines[0].split(";")

    async with app.sessions() as s:
        statuses = (await s.execute(select(Notification.status))).scalars().all()
    assert NotificationStatus.PENDING not in statuses


async def test_summary_of_an_event_without_answers(app: RunningBot) -> None:
    await load_forms(app.sessions)
    async with app.sessions.begin() as s:
        await make_person(s, ADMIN_ID, role=Role.METHODOLOGIST)
        await ended_event(s, "Никто не ответил", hours_ago=30)
    methodologist = app.user(ADMIN_ID)
    await methodologist.send("/admin")
    await methodologist.press(t.SECTION)
    await methodologist.press("Никто не ответил")
    assert "Ответов: 0" in methodologist.last_text()
    assert "Отзывов пока нет" in methodologist.last_text()
