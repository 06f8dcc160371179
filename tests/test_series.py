"""Series of events: «Записаться на весь цикл» for a series partly past and full, and the
methodologists' series — created in the chat, meetings added and copied weekly, the series
view with attendance per meeting and «not less than N of M», its XLSX/CSV export."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from bot.callbacks import EvCb, SerCb
from bot.texts import admin as tadm
from bot.texts import common as tc
from bot.texts import event_admin as ta
from bot.texts import events as te
from bot.texts import series as ts
from models import (
    AuditEntry,
    Event,
    EventSeries,
    EventStatus,
    Registration,
    RegistrationStatus,
    Role,
)
from models.base import utcnow
from tests.conftest import ADMIN_ID, RunningBot
from tests.factories import make_event, make_person


async def rows(app: RunningBot, model: Any, *where: Any) -> list[Any]:
    async with app.sessions() as s:
        return list((await s.execute(select(model).where(*where))).scalars())


async def make_series(app: RunningBot) -> dict[str, int]:
    """A network seminar of four meetings: one held (Анна attended), one full (taken by
    Борис), one open, one cancelled."""
    now = utcnow().replace(microsecond=0)
    async with app.sessions.begin() as s:
        series = EventSeries(title="Сетевой семинар «Формирующее оценивание»", description="")
        s.add(series)
        await s.flush()
        anna = await make_person(s, 1001, full_name="Аннова Анна")
        boris = await make_person(s, 1002, full_name="Борисов Борис")
        past = await make_event(
            s, series_id=series.id, title="Встреча 1", starts_at=now - timedelta(days=7)
        )
        full = await make_event(s, series_id=series.id, title="Встреча 2", capacity=1)
        open_ = await make_event(
            s, series_id=series.id, title="Встреча 3", starts_at=now + timedelta(days=10)
        )
        cancelled = await make_event(
            s,
            series_id=series.id,
            title="Встреча 4",
            starts_at=now + timedelta(days=17),
            status=EventStatus.CANCELLED,
        )
        s.add(Registration(event_id=past.id, person_id=anna.id, status=RegistrationStatus.ATTENDED))
        s.add(Registration(event_id=past.id, person_id=boris.id, status=RegistrationStatus.NO_SHOW))
        s.add(
            Registration(event_id=full.id, person_id=boris.id, status=RegistrationStatus.REGISTERED)
        )
        await s.flush()
        return {
            "series": series.id,
            "past": past.id,
            "full": full.id,
            "open": open_.id,
            "cancelled": cancelled.id,
            "anna": anna.id,
            "boris": boris.id,
        }


async def test_series_registration_says_per_meeting_what_happened(app: RunningBot) -> None:
    ids = await make_series(app)
    anna = app.user(1001, "Анна")
    await anna.send(tc.MENU_EVENTS)
    await anna.press("Встреча 3")
    await anna.press(te.BTN_SERIES)
    text = anna.last_text()
    assert "Запись на цикл «Сетевой семинар „Формирующее оценивание“»" in text
    lines = text.splitlines()
    assert any(te.SERIES_OUTCOME_PAST_ATTENDED in line for line in lines)
    assert any("мест нет, вы в листе ожидания (место 1)" in line for line in lines)
    assert any(line.endswith("— " + te.SERIES_OUTCOME_REGISTERED) for line in lines)
    assert any(te.SERIES_OUTCOME_CANCELLED in line for line in lines)
    assert "Вы записаны на 1 из 4 встреч. В листе ожидания — на 1 встречу." in text
    statuses = {
        r.event_id: r.status
        for r in await rows(app, Registration, Registration.person_id == ids["anna"])
    }
    assert statuses == {
        ids["past"]: RegistrationStatus.ATTENDED,
        ids["full"]: RegistrationStatus.WAITLISTED,
        ids["open"]: RegistrationStatus.REGISTERED,
    }
    # Pressed again: nothing doubles, each meeting says it was already done.
    await anna.press(te.BTN_SERIES)
    assert te.SERIES_OUTCOME_ALREADY in anna.last_text()
    assert "вы уже в листе ожидания (место 1)" in anna.last_text()
    assert len(await rows(app, Registration, Registration.person_id == ids["anna"])) == 3


async def test_series_with_nothing_open_refuses_politely(app: RunningBot) -> None:
    now = utcnow()
    async with app.sessions.begin() as s:
        series = EventSeries(title="Марафон вебинаров", description="")
        s.add(series)
        await s.flush()
        await make_person(s, 1001)
        event = await make_event(s, series_id=series.id, starts_at=now + timedelta(hours=1))
        await make_event(s, series_id=series.id, starts_at=now - timedelta(days=3))
        event_id = event.id
    user = app.user(1001)
    await user.send(tc.MENU_EVENTS)
    await user.press_data(EvCb(action="card", event_id=event_id).pack())
    async with app.sessions.begin() as s:  # the last open meeting starts meanwhile
        found = await s.get(Event, event_id)
        assert found is not None
        found.starts_at = now - timedelta(minutes=5)
    await user.press_data(EvCb(action="series", event_id=event_id).pack())
    assert te.SERIES_NOTHING in user.alerts()
    assert await rows(app, Registration) == []


async def test_methodologist_creates_series_adds_and_copies_meetings(app: RunningBot) -> None:
    async with app.sessions.begin() as s:
        await make_person(s, ADMIN_ID, role=Role.METHODOLOGIST)
    admin = app.user(ADMIN_ID, "Методист")
    await admin.send("/admin")
    await admin.press(ts.SECTION_SERIES)
    assert ts.LIST_EMPTY.split("\n")[1] in admin.last_text()
    await admin.press(ts.BTN_NEW)
    await admin.send("   ")
    assert "не длиннее" in admin.last_text()
    await admin.send("Сетевой семинар «Наставничество»")
    await admin.send("Развитие наставничества в школах района")
    await admin.press(ts.BTN_SKIP)
    assert ts.CREATED in admin.texts()
    (series,) = await rows(app, EventSeries)
    assert series.goal == "Развитие наставничества в школах района" and series.organisers == ""
    assert "Цикл «Сетевой семинар „Наставничество“»" in admin.last_text()

    await admin.press(ts.BTN_EDIT_ORGANISERS)
    await admin.send("Смирнова О. В., ИМЦ")
    (series,) = await rows(app, EventSeries)
    assert series.organisers == "Смирнова О. В., ИМЦ"

    # A meeting through the event dialog, bound to the series.
    await admin.press(ts.BTN_ADD_MEETING)
    await admin.press(te.KIND_LABELS[next(iter(te.KIND_LABELS))])
    await admin.send("Первая встреча")
    await admin.press(ta.BTN_SKIP)
    await admin.press("Онлайн")
    await admin.send("https://meet.example.org/mentor")
    start = (utcnow() + timedelta(days=5)).astimezone(app.settings.tz)
    await admin.send(f"{start:%d.%m.%Y} 15:00")
    await admin.send("16:30")
    await admin.press(ta.BTN_UNLIMITED)
    await admin.press(ta.BTN_NO_DEADLINE)
    await admin.press(ta.BTN_EVERYONE)
    await admin.press(ta.BTN_DONE)
    await admin.send("Обмен опытом наставников")  # the goal
    for _ in range(3):  # organisers, speakers, materials (the series is known already)
        await admin.press(ta.BTN_SKIP)
    await admin.press(ta.BTN_DEFAULT_REMINDERS)
    assert "Цикл: «Сетевой семинар „Наставничество“»" in admin.last_text()
    await admin.press(ta.BTN_PUBLISH)
    (meeting,) = await rows(app, Event)
    assert meeting.series_id == series.id and meeting.status == EventStatus.PUBLISHED
    assert meeting.goal == "Обмен опытом наставников"

    # Copied on the next two weeks, as drafts.
    await admin.press(ts.BTN_TO_SERIES)
    await admin.press(ts.BTN_COPY)
    await admin.press("Первая встреча")
    await admin.press("2")
    copies = await rows(app, Event, Event.id != meeting.id)
    assert sorted(c.starts_at - meeting.starts_at for c in copies) == [
        timedelta(weeks=1),
        timedelta(weeks=2),
    ]
    assert all(c.series_id == series.id and c.status == EventStatus.DRAFT for c in copies)
    assert len({c.checkin_code for c in [meeting, *copies]}) == 3
    assert "Встречи (3):" in admin.last_text()
    # A forged number of copies changes nothing.
    await admin.press_data(SerCb(a="copyn", s=series.id, e=meeting.id, n=99).pack())
    assert any("от 1 до 12" in a for a in admin.alerts())
    assert len(await rows(app, Event)) == 3
    actions = {a.action for a in await rows(app, AuditEntry)}
    assert {"series.create", "series.edit", "series.copy_weekly"} <= actions


async def test_series_view_attendance_threshold_and_export(app: RunningBot) -> None:
    ids = await make_series(app)
    now = utcnow()
    async with app.sessions.begin() as s:
        await make_person(s, ADMIN_ID, role=Role.METHODOLOGIST)
        # The full meeting took place too: Борис attended it.
        full = await s.get(Event, ids["full"])
        assert full is not None
        full.starts_at, full.ends_at = now - timedelta(days=2), now - timedelta(days=2, hours=-1)
        reg = (
            await s.execute(select(Registration).where(Registration.event_id == ids["full"]))
        ).scalar_one()
        reg.status = RegistrationStatus.ATTENDED
    admin = app.user(ADMIN_ID, "Методист")
    await admin.send("/admin")
    await admin.press(ts.SECTION_SERIES)
    await admin.press("Сетевой семинар")
    text = admin.last_text()
    assert "записано 2, присутствовали 1 (50 %)" in text  # the first meeting
    assert "записано 1, присутствовали 1 (100 %)" in text  # the second
    assert "участников (хотя бы одна запись) — 2" in text
    assert "Прошло встреч: 2 из 3. Посетили не менее 1 из 2: 2 (100 %)" in text
    await admin.press("✅ 1")  # the chosen threshold is marked
    await admin.press_data(SerCb(a="thr", s=ids["series"], n=2).pack())
    assert "Посетили не менее 2 из 2: 0 (0 %)" in admin.last_text()

    calls = await admin.press(ts.BTN_EXPORT)
    (document,) = [c for c in calls if c.method == "sendDocument"]
    upload = document.files["document"]
    assert upload.filename.startswith("Сетевой_семинар_Формирующее_оценивание_")
    assert upload.filename.endswith(".xlsx")
    table = list(load_workbook(io.BytesIO(upload.content)).active.iter_rows(values_only=True))
    assert list(table[0][:4]) == ts.EXPORT_HEADERS and table[0][-2] == ts.EXPORT_ATTENDED
    by_name = {row[1]: row for row in table[1:]}
    assert by_name["Аннова Анна"][4:7] == (ts.MARK_ATTENDED, None, None)
    assert by_name["Борисов Борис"][4:6] == (ts.MARK_REGISTERED, ts.MARK_ATTENDED)
    assert by_name["Борисов Борис"][-2:] == (1, 2)
    calls = await admin.press(ts.BTN_EXPORT_CSV)
    (document,) = [c for c in calls if c.method == "sendDocument"]
    assert document.files["document"].content.startswith("\ufeff".encode())
    assert "export.series" in {a.action for a in await rows(app, AuditEntry)}
    # A forged series id is refused politely.
    await admin.press_data(SerCb(a="view", s=99999).pack())
    assert ts.NOT_FOUND in admin.alerts()
    await admin.press(tadm.BTN_TO_MENU)
    assert any(b == ts.SECTION_ARCHIVE for b, _ in admin.messages()[-1].buttons)
