"""Onboarding, profile, privacy and the catch-alls, through the real Dispatcher and HTTP."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.emulator import EmulatedUser
from bot.texts import common as tc
from bot.texts import onboarding as to
from bot.texts import profile as tp
from models import Organisation, Person, Role
from tests.conftest import ADMIN_ID, RunningBot, start_bot, stop_bot
from tests.factories import make_person, seed_demo


async def people_count(app: RunningBot) -> int:
    async with app.sessions() as s:
        return int((await s.execute(select(func.count(Person.id)))).scalar_one())


async def get_person(app: RunningBot, telegram_id: int) -> Person | None:
    async with app.sessions() as s:
        result = await s.execute(select(Person).where(Person.telegram_id == telegram_id))
        return result.scalar_one_or_none()


async def register(user: EmulatedUser, name: str = "иванова мария петровна") -> None:
    """The happy path up to the summary."""
    await user.send("/start")
    await user.press(to.CONSENT_YES)
    await user.send(name)
    await user.press(to.ROLE_LABELS[Role.TEACHER])
    await user.send("237")
    await user.press("ГБОУ школа № 237")
    await user.send("учитель математики")


async def test_full_onboarding_creates_one_person(app: RunningBot) -> None:
    await seed_demo(app.sessions)
    user = app.user(1001, "Мария")

    await user.send("/start")
    assert to.GREETING.split("\n")[0] in user.texts()[0]
    assert to.CONSENT_YES in [b for b, _ in user.messages()[-1].buttons]

    await user.press(to.CONSENT_YES)
    assert "Как вас зовут" in user.last_text()

    await user.send("x" * 5000)
    assert "не больше" in user.last_text()
    await user.send("🙂🙂🙂")
    assert "Не получилось распознать ФИО" in user.last_text()
    await user.send("иванова мария петровна")

    await user.send("Педагог")  # typed instead of pressed
    assert user.last_text() == tc.USE_BUTTONS
    await user.press(to.ROLE_LABELS[Role.TEACHER])

    await user.send("237")
    labels = [b for b, _ in user.messages()[-1].buttons]
    assert "ГБОУ школа № 237" in labels
    assert not any("2370" in label for label in labels)
    await user.press("ГБОУ школа № 237")
    await user.send("учитель математики")

    summary = user.last_text()
    assert "Иванова Мария Петровна" in summary
    assert "ГБОУ школа № 237" in summary
    assert await people_count(app) == 0  # nothing stored before «Всё верно»

    await user.press(to.SUMMARY_EDIT)
    await user.press(to.FIELD_POSITION)
    await user.send("учитель физики")
    assert "учитель физики" in user.last_text()
    await user.press(to.SUMMARY_OK)

    assert "Регистрация завершена" in user.last_text()
    assert tc.MENU_EVENTS in user.keyboard()
    person = await get_person(app, 1001)
    assert person is not None
    assert person.full_name == "Иванова Мария Петровна"
    assert person.role == Role.TEACHER
    assert person.position == "учитель физики"
    assert person.consent_at is not None and person.consent_version == to.POLICY_VERSION
    assert await people_count(app) == 1

    await user.send("/start")
    assert "С возвращением, Мария Петровна" in user.last_text()
    assert await people_count(app) == 1


async def test_refusing_consent_stores_nothing_and_door_stays_open(app: RunningBot) -> None:
    user = app.user(1002)
    await user.send("/start")
    await user.press(to.CONSENT_POLICY)
    assert "Политика обработки персональных данных" in user.last_text()
    await user.press(to.CONSENT_NO)
    assert "ничего о вас не сохранил" in user.last_text()
    assert await people_count(app) == 0
    await user.send("Привет")
    assert user.last_text() == tc.NEED_REGISTRATION
    await user.send("/start")
    await user.press(to.CONSENT_YES)
    assert "Как вас зовут" in user.last_text()


async def test_back_walks_the_steps_backwards(app: RunningBot) -> None:
    await seed_demo(app.sessions)
    user = app.user(1003)
    await user.send("/start")
    await user.press(to.CONSENT_YES)
    await user.send("Петров Пётр")
    assert to.ASK_ROLE in user.last_text()
    await user.press(tc.BACK)
    assert "Как вас зовут" in user.last_text()
    await user.send("Сидоров Иван")
    await user.press(to.ROLE_LABELS[Role.HEAD])
    await user.press(tc.BACK)
    assert to.ASK_ROLE in user.last_text()


async def test_forged_and_stale_buttons_change_nothing(app: RunningBot) -> None:
    await seed_demo(app.sessions)
    user = app.user(1004)
    await user.send("/start")
    await user.press(to.CONSENT_YES)
    await user.send("Петров Пётр")
    await user.press_data("onb:role:admin")  # a role one cannot choose
    assert tc.STALE_BUTTON in user.alerts()
    await user.press(to.ROLE_LABELS[Role.TEACHER])
    await user.send("237")
    await user.press_data("onb:org:99999")  # not among the organisations shown
    assert user.alerts().count(tc.STALE_BUTTON) == 2
    await user.press_data("prof:young")  # profile button of an unregistered person
    await user.press_data("nonsense")
    assert user.alerts().count(tc.STALE_BUTTON) == 4
    assert await people_count(app) == 0
    await user.send("/cancel")
    assert user.last_text() == tc.CANCELLED


async def test_organisation_not_in_list_is_added_unconfirmed(app: RunningBot) -> None:
    user = app.user(1005)
    await user.send("/start")
    await user.press(to.CONSENT_YES)
    await user.send("Петров Пётр")
    await user.press(to.ROLE_LABELS[Role.TEACHER])
    await user.send("МБОУ СОШ № 5 пос. Северный")
    assert "Не нашёл" in user.last_text()
    await user.press("Добавить")
    await user.send("учитель")
    await user.press(to.SUMMARY_OK)
    async with app.sessions() as s:
        org = (await s.execute(select(Organisation))).scalar_one()
    assert org.name == "МБОУ СОШ № 5 пос. Северный"
    assert org.is_confirmed is False

    admin = app.user(ADMIN_ID)
    async with app.sessions.begin() as s:
        await make_person(s, ADMIN_ID, role=Role.ADMIN)
    await admin.send("/admin")
    await admin.press("Новые организации")
    await admin.press("МБОУ СОШ № 5 пос. Северный")
    await admin.press("✅ Подтвердить")  # the card offers rename, merge and reject as well
    async with app.sessions() as s:
        assert (await s.get(Organisation, org.id)) is not None
        assert (await s.get(Organisation, org.id)).is_confirmed is True  # type: ignore[union-attr]


async def test_profile_edit_toggle_privacy_and_deletion(app: RunningBot) -> None:
    await seed_demo(app.sessions)
    user = app.user(1006)
    await register(user)
    await user.press(to.SUMMARY_OK)

    await user.send(tc.MENU_PROFILE)
    assert "Ваш профиль" in user.last_text()
    await user.press(tp.EDIT_POSITION)
    await user.send("учитель информатики")
    assert "учитель информатики" in user.last_text()
    await user.press("Молодой специалист")
    assert tp.SAVED in user.alerts()
    person = await get_person(app, 1006)
    assert person is not None
    assert person.position == "учитель информатики"
    assert person.is_young_specialist is True

    await user.press(tp.EDIT_FULL_NAME)
    await user.press(tc.BACK)  # back from a profile edit returns to the profile unchanged
    assert "Ваш профиль" in user.last_text()

    await user.send("/privacy")
    assert "1006" in user.last_text() and "Иванова Мария Петровна" in user.last_text()

    await user.send("/delete_me")
    await user.press(tp.DELETE_NO)
    assert await get_person(app, 1006) is not None
    await user.send("/delete_me")
    await user.press(tp.DELETE_YES)
    assert "удалены" in user.last_text()
    assert await get_person(app, 1006) is None
    async with app.sessions() as s:
        anonymous = (await s.execute(select(Person))).scalar_one()
    assert anonymous.full_name is None and anonymous.telegram_id is None
    assert anonymous.deleted_at is not None
    assert anonymous.organisation_id is not None  # kept for anonymous statistics
    await user.send("/start")
    assert to.CONSENT_YES in [b for b, _ in user.messages()[-1].buttons]


async def test_catch_alls_answer_instead_of_silence(app: RunningBot) -> None:
    user = app.user(1007)
    await user.send("/admin")
    assert user.last_text() == tc.NOT_ALLOWED
    await user.send("/nonsense")
    assert user.last_text() == tc.NEED_REGISTRATION
    async with app.sessions.begin() as s:
        await make_person(s, 1007)
    await user.send("какой-то текст")
    assert user.last_text() == tc.UNKNOWN_TEXT
    await user.send("/nonsense")
    assert user.last_text() == tc.UNKNOWN_COMMAND
    await user.send("/admin")
    assert user.last_text() == tc.NOT_ALLOWED
    await user.send("/grant_methodist 5")
    assert user.last_text() == tc.NOT_ALLOWED
    await user.send("/help")
    assert "/profile" in user.last_text() and "/admin" not in user.last_text()
    await user.send("/cancel")
    assert user.last_text() == tc.NOTHING_TO_CANCEL


async def test_admin_grants_methodologist_role(app: RunningBot) -> None:
    async with app.sessions.begin() as s:
        await make_person(s, ADMIN_ID, full_name="Админов Админ")
        await make_person(s, 2001, full_name="Методистова Анна")
    admin, future = app.user(ADMIN_ID), app.user(2001)
    await future.send("/admin")
    assert future.last_text() == tc.NOT_ALLOWED
    await admin.send("/grant_methodist abc")
    assert "числовой id" in admin.last_text()
    await admin.send("/grant_methodist 2001")
    assert "теперь методист" in admin.last_text()
    await future.send("/admin")
    assert "Раздел методиста" in future.last_text()
    await future.send("/grant_methodist 2001")  # methodologists cannot grant roles
    assert "только администратор" in future.last_text()
    await admin.send("/revoke_methodist 2001")
    await future.send("/admin")
    assert future.last_text() == tc.NOT_ALLOWED


async def test_error_in_a_handler_is_logged_and_told(app: RunningBot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.services import organisations

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database exploded")

    monkeypatch.setattr(organisations, "search", broken)
    user = app.user(1008)
    await user.send("/start")
    await user.press(to.CONSENT_YES)
    await user.send("Петров Пётр")
    await user.press(to.ROLE_LABELS[Role.TEACHER])
    await user.send("237")
    assert user.last_text() == tc.ERROR


async def test_double_tap_on_confirm_makes_one_person(
    emulator,
    sessions,
    database_url,  # type: ignore[no-untyped-def]
) -> None:
    """Updates handled concurrently, as in production: two «Всё верно» at once, one row."""
    from tests.conftest import make_settings

    await seed_demo(sessions)
    settings = make_settings(database_url, emulator.base_url)
    running, task = await start_bot(emulator, sessions, settings)
    user = running.user(1009)
    await register(user)
    await stop_bot(running, task)

    running, task = await start_bot(emulator, sessions, settings, handle_as_tasks=True)
    try:
        summary = next(m for m in reversed(user.messages()) if "Проверьте" in m.text)
        data = next(d for text, d in summary.buttons if text == to.SUMMARY_OK)
        since = len(emulator.calls)
        updates = [
            emulator.press(1009, summary.message_id, data),
            emulator.press(1009, summary.message_id, data),
            emulator.send_text(1010, "/start"),
            emulator.send_text(1010, "/start"),
        ]
        for update_id in updates:
            await emulator.wait_processed(update_id)
        await emulator.wait_for(
            lambda c: c.method == "sendMessage" and "Регистрация" in (c.text or ""), since=since
        )
        for _ in range(2):  # both greetings for 1010 arrive, neither update fails
            since = (
                await emulator.wait_for(
                    lambda c: c.chat_id == 1010 and "Согласны ли вы" in (c.text or ""),
                    since=since,
                )
            ).index + 1
        async with sessions() as s:
            count = (await s.execute(select(func.count(Person.id)))).scalar_one()
        assert count == 1
        # The losing tap is answered normally, not with the error message.
        assert not any(c.params.get("text") == tc.ERROR for c in emulator.calls)
    finally:
        await stop_bot(running, task)


async def test_restart_mid_onboarding_continues(
    emulator,
    sessions,
    database_url,  # type: ignore[no-untyped-def]
) -> None:
    from tests.conftest import make_settings

    await seed_demo(sessions)
    settings = make_settings(database_url, emulator.base_url)
    running, task = await start_bot(emulator, sessions, settings)
    user = running.user(1011)
    await user.send("/start")
    await user.press(to.CONSENT_YES)
    await user.send("Петров Пётр")
    await stop_bot(running, task)

    running, task = await start_bot(emulator, sessions, settings)
    try:
        await user.send("/start")
        assert to.CONTINUE in user.texts()[-2]
        assert to.ASK_ROLE in user.last_text()
        await user.press(to.ROLE_LABELS[Role.DEPUTY])
        await user.send("399")
        await user.press("ГБОУ гимназия № 399")
        await user.send("заместитель директора по УВР")
        assert "Петров Пётр" in user.last_text()
    finally:
        await stop_bot(running, task)


async def test_new_organisations_are_paged_and_shrink_when_confirmed(app: RunningBot) -> None:
    from bot.services import organisations

    async with app.sessions.begin() as s:
        await make_person(s, ADMIN_ID, role=Role.ADMIN)
        for n in range(10):
            await organisations.add_unconfirmed(s, f"МБОУ СОШ № {n + 1} пос. Лесной")
    admin = app.user(ADMIN_ID)
    await admin.send("/admin")
    await admin.press("Новые организации")
    first = [text for text, _ in admin.messages()[-1].buttons]
    assert len([b for b in first if "СОШ" in b]) == 8 and tc.NEXT_PAGE in first
    await admin.press(tc.NEXT_PAGE)
    second = [text for text, _ in admin.messages()[-1].buttons]
    assert [b for b in second if "СОШ" in b] == [
        "МБОУ СОШ № 9 пос. Лесной",
        "МБОУ СОШ № 10 пос. Лесной",
    ]
    await admin.press("МБОУ СОШ № 9 пос. Лесной")
    await admin.press("✅ Подтвердить")  # from the organisation's card
    assert "подтверждена" in admin.alerts()[-1]
    after = [text for text, _ in admin.messages()[-1].buttons]
    assert "МБОУ СОШ № 9 пос. Лесной" not in after and "МБОУ СОШ № 10 пос. Лесной" in after
    async with app.sessions() as s:
        assert len(await organisations.list_unconfirmed(s)) == 9


async def test_cancel_in_a_form_says_the_answers_are_kept(app: RunningBot) -> None:
    from bot.texts import forms as tf
    from handlers.common import FORM_STATE
    from handlers.questionnaire import QuestionnaireSteps
    from tests.questionnaire_helpers import load_forms

    assert QuestionnaireSteps.answering.state == FORM_STATE
    await load_forms(app.sessions)
    async with app.sessions.begin() as s:
        await make_person(s, 1020)
    user = app.user(1020)
    await user.send(tc.MENU_DIAGNOSTICS)
    await user.press(tf.DIAG_START.format(title="Диагностика профессиональных дефицитов педагога"))
    await user.send("/cancel")
    assert user.last_text() == tc.FORM_POSTPONED
    await user.send(tc.MENU_DIAGNOSTICS)
    assert tf.DIAG_CONTINUE.format(title="Диагностика профессиональных дефицитов педагога") in [
        text for text, _ in user.messages()[-1].buttons
    ]
