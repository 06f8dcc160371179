"""The event calendar through the real Dispatcher and the Bot API emulator."""

from __future__ import annotations

import csv
import io
from datetime import UTC, timedelta
from typing import Any

from icalendar import Calendar
from openpyxl import load_workbook
from sqlalchemy import select

from bot.callbacks import EvCb, RegCb
from bot.services import event_import
from bot.services.tables import to_xlsx
from bot.texts import common as tc
from bot.texts import event_admin as ta
from bot.texts import events as te
from bot.texts import file_stem
from models import (
    Event,
    EventKind,
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
from tests.factories import make_event, make_person


async def add_people(app: RunningBot, *ids: int, role: Role = Role.TEACHER) -> list[int]:
    async with app.sessions.begin() as s:
        return [(await make_person(s, i, role=role, full_name=f"Петрова Анна {i}")).id for i in ids]


async def add_event(app: RunningBot, **overrides: Any) -> int:
    async with app.sessions.begin() as s:
        return (await make_event(s, **overrides)).id


async def rows(app: RunningBot, model: Any, *where: Any) -> list[Any]:
    async with app.sessions() as s:
        return list((await s.execute(select(model).where(*where))).scalars())


async def test_teacher_browses_filters_registers_gets_ics_and_cancels(app: RunningBot) -> None:
    await add_people(app, 1001)
    event_id = await add_event(app)
    await add_event(app, title="Семинар по ОВЗ", kind=EventKind.SEMINAR)
    await add_event(app, title="Только руководителям", audience=["head"])
    user = app.user(1001, "Анна")

    await user.send(tc.MENU_EVENTS)
    assert "Цифровые инструменты" in user.last_text() and "Семинар по ОВЗ" in user.last_text()
    assert "Только руководителям" not in user.last_text()
    # The kind is named once: «семинар «Семинар по ОВЗ»» would say it twice.
    assert "— Семинар по ОВЗ" in user.last_text() and "семинар «Семинар" not in user.last_text()
    await user.press(te.FILTER_ANY_KIND)
    await user.press(te.KIND_LABELS[EventKind.SEMINAR])
    assert "Семинар по ОВЗ" in user.last_text() and "Цифровые" not in user.last_text()
    await user.press(te.FILTER_RESET)
    await user.press("Цифровые инструменты")
    assert "Свободно" not in user.last_text() and "не ограничено" in user.last_text()
    assert "meet.example.org" not in user.last_text()  # the link only for registered people

    await user.press(te.BTN_REGISTER)
    await user.press_data(EvCb(action="reg", event_id=event_id).pack())  # a double tap
    assert te.ALREADY_REGISTERED in user.alerts()
    assert len(await rows(app, Registration)) == 1
    document = next(m.document for m in reversed(user.messages()) if m.document)
    assert document is not None
    vevent = next(iter(Calendar.from_ical(document.content).walk("VEVENT")))
    (event,) = await rows(app, Event, Event.id == event_id)
    local_day = event.starts_at.astimezone(app.settings.tz).date().isoformat()
    assert document.filename == f"{file_stem(event.title)}_{local_day}.ics"
    assert document.filename.startswith("Цифровые_инструменты")
    assert vevent.decoded("dtstart") == event.starts_at.astimezone(UTC)
    assert any("meet.example.org/digital" in t for t in user.texts())

    await user.send(tc.MENU_MY)
    assert "Цифровые инструменты" in user.last_text() and "вы записаны" in user.last_text()
    await user.press("Цифровые инструменты")
    await user.press(te.BTN_CANCEL)
    await user.press(te.BTN_CONFIRM_CANCEL)
    assert "отменена" in user.last_text()
    (registration,) = await rows(app, Registration)
    assert registration.status == RegistrationStatus.CANCELLED


async def test_waitlist_and_promotion(app: RunningBot) -> None:
    anna_id, boris_id = await add_people(app, 1001, 1002)
    event_id = await add_event(app, capacity=1)
    anna, boris = app.user(1001, "Анна"), app.user(1002, "Борис")
    await anna.send(tc.MENU_EVENTS)
    await anna.press_data(EvCb(action="reg", event_id=event_id).pack())
    await boris.send(tc.MENU_EVENTS)
    await boris.press("Цифровые инструменты")
    assert "Мест нет" in boris.last_text()
    await boris.press(te.BTN_WAITLIST)
    assert "место в очереди: 1" in boris.last_text()

    await anna.send(tc.MENU_MY)
    await anna.press("Цифровые инструменты")
    await anna.press(te.BTN_CANCEL)
    await anna.press(te.BTN_CONFIRM_CANCEL)
    (notice,) = await rows(
        app, Notification, Notification.kind == NotificationKind.WAITLIST_PROMOTED
    )
    assert notice.person_id == boris_id
    (reg,) = await rows(app, Registration, Registration.person_id == boris_id)
    assert reg.status == RegistrationStatus.REGISTERED
    # The give-back button of the notice works for Boris only.
    give_back = RegCb(action="giveback", registration_id=reg.id).pack()
    await anna.press_data(give_back)
    assert te.NOT_YOUR_REGISTRATION in anna.alerts()
    await boris.press_data(give_back)
    assert "отказались от места" in boris.last_text()
    del anna_id


async def test_checkin_by_code(app: RunningBot) -> None:
    (person_id,) = await add_people(app, 1001)
    event_id = await add_event(app, starts_at=utcnow() - timedelta(minutes=5))
    async with app.sessions.begin() as s:
        s.add(
            Registration(
                event_id=event_id, person_id=person_id, status=RegistrationStatus.REGISTERED
            )
        )
    user = app.user(1001)
    await user.send("/checkin 111111")
    assert "Код не подошёл" in user.last_text() and "осталось попыток: 4" in user.last_text()
    await user.send("482 913")
    assert "Отметил ваше участие" in user.last_text()
    (reg,) = await rows(app, Registration)
    assert reg.status == RegistrationStatus.ATTENDED and reg.checkin_attempts == 1


async def test_methodologist_creates_with_back_publishes_edits_and_cancels(
    app: RunningBot,
) -> None:
    await add_people(app, ADMIN_ID, role=Role.METHODOLOGIST)
    (teacher_id,) = await add_people(app, 1001)
    admin = app.user(ADMIN_ID, "Методист")
    start = (utcnow() + timedelta(days=10)).astimezone(app.settings.tz)
    await admin.send("/admin")
    await admin.press(ta.SECTION_EVENTS)
    await admin.press(ta.BTN_CREATE)
    await admin.press(te.KIND_LABELS[EventKind.WEBINAR])
    await admin.send("Оценивание без перегрузки")
    await admin.press(tc.BACK)  # back to the title
    assert ta.ASK_TITLE in admin.last_text()
    await admin.send("Формирующее оценивание без перегрузки")
    await admin.press(ta.BTN_SKIP)
    await admin.press("Онлайн")
    await admin.send("не ссылка")
    assert "http" in admin.last_text()
    await admin.send("https://meet.example.org/fo")
    await admin.send("01.01.2020 10:00")
    assert "в прошлом" in admin.last_text()
    await admin.send(f"{start:%d.%m.%Y} 15:00")
    await admin.send("14:00")
    assert "позже начала" in admin.last_text()
    await admin.send("16:30")
    await admin.send("30")
    await admin.press(ta.BTN_NO_DEADLINE)
    await admin.press(ta.BTN_EVERYONE)
    await admin.press("Формирующее оценивание")
    await admin.press(ta.BTN_DONE)
    for _ in range(3):  # goal, organisers, speakers
        await admin.press(ta.BTN_SKIP)
    await admin.press(ta.BTN_NO_SERIES)
    await admin.press(ta.BTN_SKIP)  # materials
    await admin.press(ta.BTN_DEFAULT_REMINDERS)
    assert "Проверьте мероприятие" in admin.last_text() and "мест: 30" in admin.last_text()
    await admin.press(ta.BTN_PUBLISH)
    (event,) = await rows(app, Event)
    assert event.status == EventStatus.PUBLISHED and event.topics == ["formative_assessment"]
    assert event.starts_at.astimezone(app.settings.tz).hour == 15
    assert any(event.checkin_code in t for t in admin.texts())

    teacher = app.user(1001)
    await teacher.send(tc.MENU_EVENTS)
    await teacher.press_data(EvCb(action="reg", event_id=event.id).pack())
    await admin.press(ta.BTN_EDIT)
    await admin.press(ta.EDIT_FIELDS["starts_at"])
    await admin.send(f"{start + timedelta(days=1):%d.%m.%Y} 16:00")
    assert "Участникам (1)" in "\n".join(admin.texts())
    (changed,) = await rows(app, Notification, Notification.kind == NotificationKind.EVENT_CHANGED)
    assert changed.person_id == teacher_id and "Начало" in changed.text

    await admin.press(ta.BTN_CANCEL_EVENT)
    await admin.send("Лектор заболел")
    await admin.press(ta.BTN_CONFIRM_CANCEL)
    assert "Сообщение получит 1 участник" in admin.last_text()
    (cancelled,) = await rows(
        app, Notification, Notification.kind == NotificationKind.EVENT_CANCELLED
    )
    assert "Лектор заболел" in cancelled.text


async def test_methodologist_imports_calendar_and_gets_template(app: RunningBot) -> None:
    admin = app.user(ADMIN_ID, "Админ")
    await add_people(app, ADMIN_ID, role=Role.ADMIN)
    await admin.send("/admin")
    await admin.press(ta.SECTION_IMPORT)
    template = next(m.document for m in reversed(admin.messages()) if m.document)
    assert template is not None and template.filename == ta.IMPORT_TEMPLATE_NAME
    day = (utcnow() + timedelta(days=20)).astimezone(app.settings.tz)
    bad = to_xlsx(
        ["Название", "Вид", "Начало", "Окончание", "Формат"],
        [["Пикник", "пикник", f"{day:%d.%m.%Y} 10:00", "09:00", "онлайн"]],
    )
    await admin.send_document("calendar.xlsx", bad)
    assert "строка 2, столбец «Вид»" in admin.last_text()
    assert "строка 2, столбец «Окончание»" in admin.last_text()
    await admin.send_document("calendar.xlsx", template.content)
    assert "мероприятий — 2" in admin.last_text()
    await admin.press(ta.IMPORT_CONFIRM)
    assert "добавлено мероприятий 2" in admin.last_text()
    assert len(await rows(app, Event)) == 2
    assert event_import.COL_SERIES in event_import.ALL_COLUMNS


async def test_forged_callbacks_and_non_staff(app: RunningBot) -> None:
    await add_people(app, 1001, 1002)
    event_id = await add_event(app)
    draft_id = await add_event(app, status=EventStatus.DRAFT, title="Черновик")
    user, other = app.user(1001), app.user(1002)
    await other.send(tc.MENU_EVENTS)
    await other.press_data(EvCb(action="reg", event_id=event_id).pack())
    (reg,) = await rows(app, Registration)
    await user.send(tc.MENU_EVENTS)
    for data in (
        EvCb(action="card", event_id=999999).pack(),
        EvCb(action="card", event_id=draft_id).pack(),
        EvCb(action="reg", event_id=draft_id).pack(),
        RegCb(action="cancel", registration_id=reg.id).pack(),
        "ev:reg:notanumber",
        "aev:card:1:0",
        "adm:events",
    ):
        await user.press_data(data)
    alerts = user.alerts()
    assert len(alerts) == 7 and all(alerts)
    (reg,) = await rows(app, Registration)
    assert reg.status == RegistrationStatus.REGISTERED
    assert len(await rows(app, Person)) == 2
    await user.send("/admin")
    assert user.last_text() == tc.NOT_ALLOWED


async def test_methodologist_exports_registrants_in_xlsx_and_csv(app: RunningBot) -> None:
    await add_people(app, ADMIN_ID, role=Role.METHODOLOGIST)
    await add_people(app, 1001, 1002)
    event_id = await add_event(app, capacity=1)
    anna, boris = app.user(1001, "Анна"), app.user(1002, "Борис")
    await anna.send(tc.MENU_EVENTS)
    await anna.press_data(EvCb(action="reg", event_id=event_id).pack())
    await boris.send(tc.MENU_EVENTS)
    await boris.press("Цифровые инструменты")
    await boris.press(te.BTN_WAITLIST)
    async with app.sessions() as s:
        registered_at = {
            r.status: r.created_at.astimezone(app.settings.tz)
            for r in (await s.execute(select(Registration))).scalars()
        }
    admin = app.user(ADMIN_ID, "Методист")
    await admin.send("/admin")
    await admin.press(ta.SECTION_EVENTS)
    await admin.press("Цифровые инструменты")

    calls = await admin.press(ta.BTN_EXPORT)
    (document,) = [c for c in calls if c.method == "sendDocument"]
    upload = document.files["document"]
    async with app.sessions() as s:
        day = (await s.get(Event, event_id)).starts_at.astimezone(app.settings.tz)  # type: ignore[union-attr]
    stem = f"участники_Цифровые_инструменты_учителя_{day:%Y-%m-%d}"
    assert upload.filename == f"{stem}.xlsx"
    sheet = load_workbook(io.BytesIO(upload.content)).active
    table = list(sheet.iter_rows(values_only=True))
    assert list(table[0]) == ta.EXPORT_HEADERS and len(table) == 3

    await admin.press(ta.BTN_REGISTRANTS)
    calls = await admin.press(ta.BTN_EXPORT_CSV)
    (document,) = [c for c in calls if c.method == "sendDocument"]
    upload = document.files["document"]
    assert upload.filename == f"{stem}.csv"
    assert upload.content.startswith("\ufeff".encode())
    text = upload.content.decode("utf-8-sig")
    assert text.splitlines()[0] == ";".join(ta.EXPORT_HEADERS)
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert lines[0] == ta.EXPORT_HEADERS and len(lines) == 3
    first, second = lines[1:]
    assert first[:2] == ["1", "Петрова Анна 1001"] and first[4] == "Педагог"
    assert first[5:7] == [ta.REG_STATUS_LABELS[RegistrationStatus.REGISTERED], ""]
    assert first[7] == f"{registered_at[RegistrationStatus.REGISTERED]:%d.%m.%Y %H:%M}"
    assert second[1] == "Петрова Анна 1002" and second[6] == "1"
    assert second[5] == ta.REG_STATUS_LABELS[RegistrationStatus.WAITLISTED]
    assert second[7] == f"{registered_at[RegistrationStatus.WAITLISTED]:%d.%m.%Y %H:%M}"


async def test_methodologist_sets_the_reminders_of_one_event(app: RunningBot) -> None:
    from bot.callbacks import AdmEvCb

    await add_people(app, ADMIN_ID, role=Role.METHODOLOGIST)
    (teacher_id,) = await add_people(app, 1001)
    event_id = await add_event(app, starts_at=utcnow().replace(microsecond=0) + timedelta(days=5))
    teacher = app.user(1001)
    await teacher.send(tc.MENU_EVENTS)
    await teacher.press_data(EvCb(action="reg", event_id=event_id).pack())

    async def pending_offsets() -> list[timedelta]:
        (event,) = await rows(app, Event)
        reminders = await rows(
            app,
            Notification,
            Notification.kind == NotificationKind.REMINDER,
            Notification.status == NotificationStatus.PENDING,
        )
        assert all(r.person_id == teacher_id for r in reminders)
        return sorted((event.starts_at - r.due_at for r in reminders), reverse=True)

    assert await pending_offsets() == [timedelta(hours=24), timedelta(hours=1)]
    admin = app.user(ADMIN_ID, "Методист")
    await admin.send("/admin")
    await admin.press_data(AdmEvCb(action="card", event_id=event_id).pack())
    assert "Напоминания: за 24 часа, за 1 час (как обычно)" in admin.last_text()
    await admin.press(ta.BTN_EDIT)
    await admin.press(ta.EDIT_FIELDS["reminder_offsets"])
    await admin.send("завтра утром")
    assert (
        admin.last_text()
        == "Не понял. Напишите до пяти промежутков через запятую, от 1 минуты до 30 дней, например 24h, 1h, или «нет»."
    )
    await admin.send("2h, 48h")
    assert "Напоминания: за 2 дня, за 2 часа" in admin.last_text()
    assert await pending_offsets() == [timedelta(hours=48), timedelta(hours=2)]

    await admin.press(ta.BTN_EDIT)
    await admin.press(ta.EDIT_FIELDS["reminder_offsets"])
    await admin.send("нет")
    assert "Напоминания: не отправляются" in admin.last_text()
    assert await pending_offsets() == []

    await admin.press(ta.BTN_EDIT)
    await admin.press(ta.EDIT_FIELDS["reminder_offsets"])
    await admin.press(ta.BTN_DEFAULT_REMINDERS)
    assert await pending_offsets() == [timedelta(hours=24), timedelta(hours=1)]
