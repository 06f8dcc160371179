"""«Записаться на весь цикл» from the card, through the real Dispatcher, for every state a
person can be in: registered for some meetings, waitlisted, a meeting already started."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.callbacks import EvCb
from bot.services import registrations
from bot.texts import common as tc
from bot.texts import events as t
from models import EventSeries, Registration, RegistrationStatus, Role
from models.base import utcnow
from tests.conftest import RunningBot
from tests.factories import make_event, make_org, make_person


async def test_series_signup_from_the_card_in_every_person_state(app: RunningBot) -> None:
    now = utcnow().replace(microsecond=0)
    async with app.sessions.begin() as s:
        org = await make_org(s)
        head = await make_person(s, 8101, Role.HEAD, "Кузнецов Пётр Сергеевич", org)
        other = await make_person(s, 8102, Role.TEACHER, "Другая Анна Ивановна", org)
        series = EventSeries(title="Управление профессиональным ростом педагогов")
        s.add(series)
        await s.flush()
        started = await make_event(
            s,
            title="Встреча 1",
            series_id=series.id,
            starts_at=now - timedelta(minutes=30),
        )
        mine = await make_event(
            s, title="Встреча 2", series_id=series.id, starts_at=now + timedelta(days=7)
        )
        full = await make_event(
            s,
            title="Встреча 3",
            series_id=series.id,
            capacity=1,
            starts_at=now + timedelta(days=14),
        )
        free = await make_event(
            s, title="Встреча 4", series_id=series.id, starts_at=now + timedelta(days=21)
        )
        await registrations.register(s, app.settings, head, mine.id)
        await registrations.register(s, app.settings, other, full.id)
        ids = (head.id, started.id, mine.id, full.id, free.id)
    head_id, started_id, mine_id, full_id, free_id = ids

    user = app.user(8101, "Пётр")
    await user.send("/start")
    await user.press_data(EvCb(action="card", event_id=mine_id).pack())
    assert "Часть цикла «Управление профессиональным ростом педагогов»" in user.last_text()
    await user.press(t.BTN_SERIES)

    report = user.last_text()
    assert report.startswith("Запись на цикл «Управление профессиональным ростом педагогов»")
    lines = report.splitlines()[1:]
    assert len(lines) == 6  # four meetings, a blank line, the summary
    assert t.SERIES_OUTCOME_PAST in lines[0]  # it started: said, not registered
    assert t.SERIES_OUTCOME_ALREADY in lines[1]
    assert t.SERIES_OUTCOME_WAITLISTED.format(position=1) in lines[2]
    assert t.SERIES_OUTCOME_REGISTERED in lines[3]
    assert lines[5] == "Вы записаны на 2 из 4 встреч. В листе ожидания — на 1 встречу."
    assert tc.ERROR not in user.texts() + user.alerts()

    async with app.sessions() as s:
        rows = dict(
            (
                await s.execute(
                    select(Registration.event_id, Registration.status).where(
                        Registration.person_id == head_id
                    )
                )
            ).all()
        )
    assert rows == {
        mine_id: RegistrationStatus.REGISTERED,
        full_id: RegistrationStatus.WAITLISTED,
        free_id: RegistrationStatus.REGISTERED,
    }
    assert started_id not in rows

    # A second press changes nothing and says so meeting by meeting.
    await user.press(t.BTN_SERIES)
    again = user.last_text().splitlines()[1:]
    assert t.SERIES_OUTCOME_ALREADY in again[1] and t.SERIES_OUTCOME_ALREADY in again[3]
    assert t.SERIES_OUTCOME_ALREADY_WAITLISTED.format(position=1) in again[2]
