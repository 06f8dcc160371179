"""Exploratory QA as real users (teacher, head, methodologist, admin): the rough edges found.

Each test drives the real Dispatcher through the Bot API emulator and fails without its fix.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.callbacks import AdmEvCb, AdmRegCb, EvCb
from bot.services.tables import to_xlsx
from bot.texts import common as tc
from bot.texts import event_admin as ta
from bot.texts import events as te
from bot.texts import onboarding as to
from handlers.onboarding import Steps
from models import EventFormat, Person, Registration, Role
from models import RegistrationStatus as RS
from models.base import utcnow
from tests.conftest import ADMIN_ID, RunningBot
from tests.factories import make_event, make_org, make_person

MAX_TEXT = 4096


async def add_event(app: RunningBot, **overrides: Any) -> int:
    overrides.setdefault("topics", [])
    async with app.sessions.begin() as s:
        return (await make_event(s, **overrides)).id


def sent_ok(calls: list[Any]) -> list[Any]:
    return [c for c in calls if c.method in ("sendMessage", "editMessageText") and c.ok]


def failed(calls: list[Any]) -> list[Any]:
    return [c for c in calls if not c.ok and c.method != "answerCallbackQuery"]


# Onboarding ------------------------------------------------------------------------------------


async def test_old_consent_buttons_change_nothing_for_registered_or_half_way(
    app: RunningBot,
) -> None:
    async with app.sessions.begin() as s:
        await make_person(s, 1001)
    anna = app.user(1001, "Анна")
    await anna.send("/start")
    # A consent message left from before registration: «Не согласен» must not claim that
    # nothing is stored, nor touch the person's data.
    calls = await anna.press_data("onb:consent_no:")
    assert te.NOT_FOUND not in anna.alerts()
    assert to.CONSENT_DECLINED not in [c.text for c in sent_ok(calls)]
    assert tc.STALE_BUTTON in anna.alerts()
    async with app.sessions() as s:
        assert (await s.execute(select(Person))).scalar_one().full_name

    # A newcomer half-way through: an old «Согласен» must not wipe what they typed.
    boris = app.user(1002, "Борис")
    await boris.send("/start")
    await boris.press(to.CONSENT_YES)
    await boris.send("Петров Борис Иванович")
    assert boris.last_text() == to.ASK_ROLE
    await boris.press_data("onb:consent_yes:")
    assert tc.STALE_BUTTON in boris.alerts()
    await boris.press(to.ROLE_LABELS[Role.TEACHER])
    assert boris.last_text().startswith("В какой организации")
    state = await app.dp.storage.get_state(_key(app, 1002))
    data = await app.dp.storage.get_data(_key(app, 1002))
    assert state == Steps.organisation.state and data["full_name"] == "Петров Борис Иванович"


def _key(app: RunningBot, user_id: int) -> Any:
    from aiogram.fsm.storage.base import StorageKey

    return StorageKey(bot_id=app.bot.id, chat_id=user_id, user_id=user_id)


# Admin roles -----------------------------------------------------------------------------------


async def test_grant_and_revoke_never_demote_an_admin_and_say_the_truth(app: RunningBot) -> None:
    async with app.sessions.begin() as s:
        await make_person(s, ADMIN_ID, role=Role.ADMIN, full_name="Админова Ольга")
        await make_person(s, 2002, role=Role.ADMIN, full_name="Второва Нина")
        await make_person(s, 2003, role=Role.TEACHER, full_name="Учителева Вера")
    admin = app.user(ADMIN_ID, "Ольга")
    await admin.send("/grant_methodist 2002")
    assert "администратор" in admin.last_text()
    await admin.send("/revoke_methodist 2002")
    assert "администратор" in admin.last_text()
    await admin.send("/revoke_methodist 2003")
    assert "не методист" in admin.last_text() and "больше" not in admin.last_text()
    async with app.sessions() as s:
        roles = {p.telegram_id: p.role for p in (await s.execute(select(Person))).scalars()}
    assert roles[2002] == Role.ADMIN and roles[2003] == Role.TEACHER


# Events: long texts ----------------------------------------------------------------------------


async def test_event_with_the_longest_allowed_texts_still_opens(app: RunningBot) -> None:
    """Every field at its limit: the card, the admin card and the list stay under 4096."""
    long_link = "https://meet.example.org/" + "x" * 970
    event_id = await add_event(
        app,
        title="Т" * 300,
        description="Описание & <детали> " * 150,
        goal="Цель " * 100,
        organisers="ИМЦ " * 125,
        format=EventFormat.HYBRID,
        place="Адрес " * 83,
        join_link=long_link,
        materials_link=long_link,
        capacity=30,
    )
    async with app.sessions.begin() as s:
        await make_person(s, 1001)
        await make_person(s, ADMIN_ID, role=Role.METHODOLOGIST)
    anna = app.user(1001, "Анна")
    await anna.send(tc.MENU_EVENTS)
    await anna.press_data(EvCb(action="card", event_id=event_id).pack())
    calls = await anna.press_data(EvCb(action="reg", event_id=event_id).pack())
    assert not failed(calls), failed(calls)
    assert any(te.BTN_CANCEL in [b for b, _ in m.buttons] for m in anna.messages())
    assert any(m.document for m in anna.messages())  # the .ics came after the confirmation
    assert all(len(t) <= MAX_TEXT for t in anna.texts())

    admin = app.user(ADMIN_ID, "Методист")
    await admin.send("/admin")
    calls = await admin.press_data(AdmEvCb(action="card", event_id=event_id).pack())
    assert not failed(calls), failed(calls)
    assert "Статус: опубликовано" in admin.last_text()


async def test_registrants_of_a_big_event_fit_in_one_message(app: RunningBot) -> None:
    event_id = await add_event(app, capacity=300)
    long_org = (
        "Государственное бюджетное общеобразовательное учреждение средняя "
        "общеобразовательная школа № {n} с углублённым изучением английского языка "
        "Адмиралтейского района Санкт-Петербурга"
    )
    async with app.sessions.begin() as s:
        await make_person(s, ADMIN_ID, role=Role.METHODOLOGIST)
        for n in range(60):
            org = await make_org(s, long_org.format(n=n))
            person = await make_person(
                s, 5000 + n, full_name=f"Константинопольская Александра {n}", organisation=org
            )
            s.add(Registration(event_id=event_id, person_id=person.id, status=RS.REGISTERED))
    admin = app.user(ADMIN_ID, "Методист")
    await admin.send("/admin")
    calls = await admin.press_data(AdmEvCb(action="regs", event_id=event_id).pack())
    assert not failed(calls), failed(calls)
    assert "Записано: 60" in admin.last_text()
    assert "полный список — в выгрузке XLSX" in admin.last_text()


# Attendance by an admin known only from ADMIN_IDS ------------------------------------------------


async def test_admin_not_registered_can_mark_attendance(app: RunningBot) -> None:
    event_id = await add_event(app)
    async with app.sessions.begin() as s:
        person = await make_person(s, 1001)
        registration = Registration(event_id=event_id, person_id=person.id, status=RS.REGISTERED)
        s.add(registration)
        await s.flush()
        registration_id = registration.id
    admin = app.user(ADMIN_ID, "Админ")
    await admin.send("/admin")
    await admin.press_data(AdmEvCb(action="regs", event_id=event_id).pack())
    calls = await admin.press_data(
        AdmRegCb(event_id=event_id, registration_id=registration_id).pack()
    )
    assert any(c.method == "answerCallbackQuery" for c in calls)
    async with app.sessions() as s:
        assert (await s.get(Registration, registration_id)).status == RS.ATTENDED  # type: ignore[union-attr]


# Imports: what the file says is shown as text, never parsed as markup ---------------------------


async def test_import_errors_quote_cells_with_angle_brackets_safely(app: RunningBot) -> None:
    async with app.sessions.begin() as s:
        await make_person(s, ADMIN_ID, role=Role.METHODOLOGIST)
    admin = app.user(ADMIN_ID, "Методист")
    await admin.send("/admin")
    await admin.press(ta.SECTION_IMPORT)
    day = (utcnow() + timedelta(days=20)).astimezone(app.settings.tz)
    bad = to_xlsx(
        ["Название", "Вид", "Начало", "Окончание", "Формат"],
        [["Вебинар", "<вебинар>", f"{day:%d.%m.%Y} 10:00", "11:00", "онлайн & очно"]],
    )
    calls = await admin.send_document("calendar.xlsx", bad)
    assert not failed(calls), failed(calls)
    assert "«<вебинар>»" in admin.last_text() and "строка 2, столбец «Вид»" in admin.last_text()
    assert tc.ERROR not in admin.texts()

    await admin.send("/admin")
    await admin.press("Загрузить организации")
    bad_orgs = to_xlsx(["Название", "Тип"], [["ГБОУ школа № 1", "<школа>"]])
    calls = await admin.send_document("orgs.xlsx", bad_orgs)
    assert not failed(calls), failed(calls)
    assert "«<школа>»" in admin.last_text()


# «Мои записи» with a full year of registrations ------------------------------------------------


async def test_my_registrations_with_many_long_titles_fit(app: RunningBot) -> None:
    async with app.sessions.begin() as s:
        person = await make_person(s, 1001)
        person_id = person.id
    for n in range(40):
        event_id = await add_event(
            app,
            title=f"Сетевой семинар «Управление профессиональным ростом педагогов» {n} " * 3,
            starts_at=utcnow().replace(microsecond=0) + timedelta(days=3 + n),
        )
        async with app.sessions.begin() as s:
            s.add(Registration(event_id=event_id, person_id=person_id, status=RS.REGISTERED))
    anna = app.user(1001, "Анна")
    calls = await anna.send(tc.MENU_MY)
    assert not failed(calls), failed(calls)
    assert te.MY_UPCOMING.removeprefix("<b>").removesuffix("</b>") in anna.last_text()


# Check-in ----------------------------------------------------------------------------------------


async def test_checkin_button_of_a_cancelled_registration_is_refused(app: RunningBot) -> None:
    event_id = await add_event(
        app, starts_at=utcnow().replace(microsecond=0) - timedelta(minutes=5)
    )
    async with app.sessions.begin() as s:
        person = await make_person(s, 1001)
        s.add(Registration(event_id=event_id, person_id=person.id, status=RS.CANCELLED))
    anna = app.user(1001, "Анна")
    await anna.send("/start")
    await anna.press_data(EvCb(action="checkin", event_id=event_id).pack())
    assert anna.alerts()[-1] == te.NOT_YOUR_REGISTRATION
    assert await app.dp.storage.get_state(_key(app, 1001)) is None


# Buttons on messages too old for the bot to see (InaccessibleMessage) ---------------------------


async def press_on_inaccessible(app: RunningBot, user_id: int, data: str) -> list[Any]:
    """A press on a message older than 48 hours: Telegram sends it with date 0 and no text."""
    from bot.emulator import _CallbackQuery

    emu = app.emu
    message_id = emu.messages_to(user_id)[-1].message_id
    query_id = f"qa-{user_id}-{len(emu.calls)}"
    emu._callbacks[query_id] = _CallbackQuery(user_id=user_id, message_id=message_id)
    since = len(emu.calls)
    update_id = emu.push_update(
        "callback_query",
        {
            "id": query_id,
            "from": emu._user_payload(user_id),
            "message": {
                "message_id": message_id,
                "date": 0,
                "chat": emu._chat_payload(user_id),
            },
            "chat_instance": "1",
            "data": data,
        },
    )
    await emu.wait_processed(update_id)
    return [c for c in emu.calls[since:] if c.method != "getUpdates"]


async def test_import_sections_send_the_template_from_an_old_menu(app: RunningBot) -> None:
    from bot.callbacks import AdminCb

    async with app.sessions.begin() as s:
        await make_person(s, ADMIN_ID, role=Role.METHODOLOGIST)
    admin = app.user(ADMIN_ID, "Методист")
    await admin.send("/admin")
    for section in ("events_import", "orgs_import"):
        calls = await press_on_inaccessible(app, ADMIN_ID, AdminCb(section=section).pack())
        assert [c.method for c in calls if c.method == "sendDocument"] == ["sendDocument"]
