"""The archive of past events: periods, attendance corrected after the event (confirmed,
logged, stale buttons refused), materials and the recording sent after the event, the past
event's card from «Мои записи», and the feedback request carrying the materials."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.callbacks import ArchCb, MarkCb, MatCb
from bot.services import notification_texts
from bot.texts import common as tc
from bot.texts import event_admin as ta
from bot.texts import series as ts
from models import (
    AuditEntry,
    EventSeries,
    Notification,
    NotificationKind,
    Registration,
    RegistrationLog,
    RegistrationStatus,
    Role,
)
from models.base import utcnow
from tests.conftest import ADMIN_ID, RunningBot
from tests.factories import make_event, make_person

RS = RegistrationStatus


async def rows(app: RunningBot, model: Any, *where: Any) -> list[Any]:
    async with app.sessions() as s:
        return list((await s.execute(select(model).where(*where))).scalars())


async def past_event(app: RunningBot, **overrides: Any) -> dict[str, int]:
    """A webinar held two days ago: Анна attended, Борис did not come."""
    starts = utcnow().replace(microsecond=0) - timedelta(days=2)
    async with app.sessions.begin() as s:
        await make_person(s, ADMIN_ID, role=Role.METHODOLOGIST, full_name="Методистова Ольга")
        anna = await make_person(s, 1001, full_name="Аннова Анна")
        boris = await make_person(s, 1002, full_name="Борисов Борис")
        event = await make_event(s, title="Итоги четверти", starts_at=starts, **overrides)
        a = Registration(event_id=event.id, person_id=anna.id, status=RS.ATTENDED)
        b = Registration(event_id=event.id, person_id=boris.id, status=RS.NO_SHOW)
        s.add_all([a, b])
        await s.flush()
        return {"event": event.id, "anna": a.id, "boris": b.id, "starts": int(starts.timestamp())}


async def test_archive_lists_past_events_by_period(app: RunningBot) -> None:
    ids = await past_event(app)
    admin = app.user(ADMIN_ID)
    await admin.send("/admin")
    await admin.press(ts.SECTION_ARCHIVE)
    assert "учебный год" in admin.last_text()
    assert any("Итоги четверти · 1/2" in b for b, _ in admin.messages()[-1].buttons)
    await admin.press(ts.BTN_PERIOD)
    year = (utcnow() - timedelta(days=2)).astimezone(app.settings.tz)
    other = year.replace(day=1) - timedelta(days=40)
    await admin.press_data(ArchCb(p=f"m{other:%Y-%m}").pack())
    assert ts.ARCHIVE_EMPTY in admin.last_text()
    await admin.press_data(ArchCb(p=f"m{year:%Y-%m}").pack())
    await admin.press("Итоги четверти")
    assert ts.BTN_EVENT_MATERIALS in [b for b, _ in admin.messages()[-1].buttons]
    await admin.press_data(ArchCb(p="m2026-13").pack())  # a forged period
    assert tc.STALE_BUTTON in admin.alerts()
    del ids


async def test_correcting_a_mark_after_the_event_asks_and_is_logged(app: RunningBot) -> None:
    ids = await past_event(app)
    admin = app.user(ADMIN_ID)
    await admin.send("/admin")
    await admin.press(ts.SECTION_ARCHIVE)
    await admin.press("Итоги четверти")
    await admin.press(ta.BTN_REGISTRANTS)
    await admin.press("✅ Борисов Борис")
    assert "уже прошло. Изменить отметку?" in admin.last_text()
    assert "не присутствовал(а) → присутствовал(а)" in admin.last_text()
    (boris,) = await rows(app, Registration, Registration.id == ids["boris"])
    assert boris.status == RS.NO_SHOW  # nothing changed before the confirmation
    confirm = MarkCb(e=ids["event"], r=ids["boris"], was="r", ok=1).pack()
    await admin.press(ts.BTN_CORRECT_YES)
    (boris,) = await rows(app, Registration, Registration.id == ids["boris"])
    assert boris.status == RS.ATTENDED
    # The same confirmation pressed again (a double tap) does not flip it back.
    await admin.press_data(confirm)
    assert ts.MARK_STALE in admin.alerts()
    (boris,) = await rows(app, Registration, Registration.id == ids["boris"])
    assert boris.status == RS.ATTENDED
    (entry,) = await rows(app, RegistrationLog, RegistrationLog.action == "corrected")
    assert entry.details == {"old": "no_show", "new": "attended"}
    (audit,) = await rows(app, AuditEntry, AuditEntry.action == "attendance.correct")
    assert audit.object_id == ids["boris"] and audit.actor_id is not None

    # Taking a mark away after the event: «не пришёл(ла)», not «записан(а)».
    await admin.press("↩️ Аннова Анна")
    await admin.press(ts.BTN_CORRECT_YES)
    (anna,) = await rows(app, Registration, Registration.id == ids["anna"])
    assert anna.status == RS.NO_SHOW


async def test_a_stale_list_never_flips_a_mark(app: RunningBot) -> None:
    ids = await past_event(app)
    admin = app.user(ADMIN_ID)
    await admin.send("/admin")
    await admin.press(ts.SECTION_ARCHIVE)
    await admin.press("Итоги четверти")
    await admin.press(ta.BTN_REGISTRANTS)
    old_list = admin.messages()[-1].message_id
    # Meanwhile another methodologist marks Борис (the button of the old list shows «✅»).
    async with app.sessions.begin() as s:
        reg = await s.get(Registration, ids["boris"])
        assert reg is not None
        reg.status = RS.ATTENDED
    stale = MarkCb(e=ids["event"], r=ids["boris"], was="r", ok=1).pack()
    await admin.press_data(stale, old_list)
    assert ts.MARK_STALE in admin.alerts()
    (boris,) = await rows(app, Registration, Registration.id == ids["boris"])
    assert boris.status == RS.ATTENDED
    # The list was redrawn with the current state: the button now offers to take it away.
    assert "↩️ Борисов Борис" in [b for b, _ in admin.messages()[-1].buttons]
    # A forged registration of another event is refused.
    await admin.press_data(MarkCb(e=ids["event"] + 1, r=ids["boris"], was="a").pack())
    assert tc.STALE_BUTTON in admin.alerts()
    assert await rows(app, RegistrationLog) == []


async def test_materials_after_the_event_reach_registrants(app: RunningBot) -> None:
    ids = await past_event(app)
    admin = app.user(ADMIN_ID)
    await admin.send("/admin")
    await admin.press(ts.SECTION_ARCHIVE)
    await admin.press("Итоги четверти")
    await admin.press(ts.BTN_EVENT_MATERIALS)
    await admin.send("не ссылка")
    assert ta.BAD_LINK in admin.last_text()
    await admin.send("https://disk.example.org/itogi")
    await admin.send("https://video.example.org/itogi")
    assert "Сообщение с ними получат 2 участника" in admin.last_text()
    await admin.press(ts.BTN_SAVE_SEND)
    assert "Сообщение получат 2 участника" in "\n".join(admin.texts())
    notices = await rows(app, Notification, Notification.kind == NotificationKind.MESSAGE)
    assert len(notices) == 2 and all(n.holdable for n in notices)
    assert all("https://video.example.org/itogi" in n.text for n in notices)
    assert "Материалы мероприятия «Итоги четверти»" in notices[0].text
    assert "event.materials" in {a.action for a in await rows(app, AuditEntry)}

    # The participant reaches the past event's card from «Мои записи».
    anna = app.user(1001)
    await anna.send(tc.MENU_MY)
    await anna.press("📚 Итоги четверти")
    assert "https://disk.example.org/itogi" in anna.last_text()
    assert "https://video.example.org/itogi" in anna.last_text()

    # The feedback request rendered now carries them.
    async with app.sessions.begin() as s:
        request = Notification(
            kind=NotificationKind.FEEDBACK_REQUEST,
            person_id=(await s.get(Registration, ids["anna"])).person_id,  # type: ignore[union-attr]
            event_id=ids["event"],
            due_at=utcnow(),
            text="Спасибо, что были на мероприятии!",
            payload={"form": {"code": "event_feedback", "context": {"event_id": ids["event"]}}},
            status="pending",
        )
        s.add(request)
        await s.flush()
        rendered = await notification_texts.render(s, request, utcnow(), app.settings.tz)
    assert rendered is not None and "📚 Материалы: https://disk.example.org/itogi" in rendered.text


async def test_series_materials_and_one_recipient_wording(app: RunningBot) -> None:
    starts = utcnow() - timedelta(days=3)
    async with app.sessions.begin() as s:
        await make_person(s, ADMIN_ID, role=Role.METHODOLOGIST)
        anna = await make_person(s, 1001)
        series = EventSeries(title="Марафон вебинаров", description="")
        s.add(series)
        await s.flush()
        for n in range(2):
            event = await make_event(
                s, series_id=series.id, starts_at=starts + timedelta(days=n), title=f"День {n}"
            )
            s.add(Registration(event_id=event.id, person_id=anna.id, status=RS.ATTENDED))
        series_id = series.id
    admin = app.user(ADMIN_ID)
    await admin.send("/admin")
    await admin.press(ts.SECTION_SERIES)
    await admin.press("Марафон вебинаров")
    await admin.press(ts.BTN_MATERIALS)
    await admin.send("https://disk.example.org/marathon")
    assert "Сообщение с ними получит 1 участник" in admin.last_text()
    await admin.press(ts.BTN_SAVE_SEND)
    (notice,) = await rows(app, Notification, Notification.kind == NotificationKind.MESSAGE)
    assert "Материалы цикла «Марафон вебинаров»" in notice.text and notice.holdable
    (found,) = await rows(app, EventSeries)
    assert found.materials_link == "https://disk.example.org/marathon"
    # A stale «save» button after the dialog ended changes nothing.
    await admin.press_data(MatCb(a="send").pack())
    assert len(await rows(app, Notification)) == 1
    del series_id
