"""Consultation requests: asked by a teacher, taken and answered by a methodologist."""

from __future__ import annotations

from sqlalchemy import select

from bot.texts import common as tc
from bot.texts import consultations as t
from bot.texts import forms as tf
from bot.texts import forms_admin as tfa
from models import (
    ConsultationRequest,
    ConsultationStatus,
    Notification,
    NotificationKind,
    Person,
    Role,
)
from tests.conftest import ADMIN_ID, RunningBot
from tests.factories import make_org, make_person
from tests.questionnaire_helpers import load_forms


async def _people(app: RunningBot) -> dict[int, int]:
    await load_forms(app.sessions)
    async with app.sessions.begin() as s:
        org = await make_org(s)
        people = [
            await make_person(s, 2002, role=Role.TEACHER, organisation=org),
            await make_person(s, 3001, role=Role.METHODOLOGIST, full_name="Белова Анна Сергеевна"),
            await make_person(s, 3002, role=Role.METHODOLOGIST, full_name="Котов Олег Ильич"),
            await make_person(s, ADMIN_ID, role=Role.TEACHER, full_name="Админов Пётр Ильич"),
        ]
        return {p.telegram_id or 0: p.id for p in people}


async def _notices(app: RunningBot) -> list[Notification]:
    async with app.sessions() as s:
        result = await s.execute(
            select(Notification)
            .where(Notification.kind == NotificationKind.CONSULTATION)
            .order_by(Notification.id)
        )
        return list(result.scalars())


async def test_request_is_taken_and_answered(app: RunningBot) -> None:
    ids = await _people(app)
    teacher = app.user(2002, "Мария")
    await teacher.send(tc.MENU_DIAGNOSTICS)
    await teacher.press(tf.DIAG_CONSULT)
    assert "Выберите тему" in teacher.last_text()
    await teacher.press("Формирующее оценивание")
    await teacher.send("Как " + "оценивать " * 1200)  # over the limit
    assert "Слишком длинное сообщение" in teacher.last_text()
    await teacher.send("Как выстроить критериальное оценивание в 5 классе?")
    assert "Отправить методистам?" in teacher.last_text()
    await teacher.press(tc.BACK)  # back to the text, then on again
    await teacher.send("Как выстроить критериальное оценивание в 5 классе?")
    await teacher.press(t.SEND)
    assert "Запрос № 1 отправлен" in teacher.last_text()

    notices = await _notices(app)
    assert sorted(n.person_id for n in notices) == sorted([ids[3001], ids[3002], ids[ADMIN_ID]])
    notice = notices[0]
    assert "Иванова Мария Петровна" in notice.text and "ГБОУ школа № 237" in notice.text
    assert (
        "критериальное оценивание" in notice.text and "Диагностику ещё не проходил" in notice.text
    )
    assert notice.payload["buttons"] == [[[t.TAKE, {"target": "take_consultation", "id": 1}]]]

    # A teacher cannot take it; the first methodologist can; the second is told who has it.
    await teacher.press_data("acons:take:1")
    assert teacher.alerts()[-1] == tc.STALE_BUTTON
    first = app.user(3001, "Анна")
    second = app.user(3002, "Олег")
    await first.send("/admin")
    await first.press(tfa.SECTION_CONSULTATIONS)
    assert "№ 1 · новый" in first.messages()[-1].buttons[0][0]
    await first.press_data("acons:take:1")
    assert "Напишите ответ следующим сообщением" in first.last_text()
    await second.send("/admin")
    await second.press_data("acons:take:1")
    assert second.alerts()[-1] == t.ALREADY_TAKEN.format(name="Белова Анна Сергеевна")

    await first.send("Начните с листа критериев к каждой работе; пример пришлю на семинаре.")
    assert first.last_text() == t.ANSWER_SENT.format(number=1)
    async with app.sessions() as s:
        request = (await s.execute(select(ConsultationRequest))).scalar_one()
        assert request.status == ConsultationStatus.IN_WORK and request.taken_by_id == ids[3001]
        teacher_row = await s.get(Person, ids[2002])
        assert teacher_row is not None
    answers = [n for n in await _notices(app) if n.person_id == ids[2002]]
    assert len(answers) == 1 and "листа критериев" in answers[0].text
    assert "Белова Анна Сергеевна" in answers[0].text

    # Closed requests leave the open list; the old «Взять в работу» now says so.
    await first.press(t.BTN_CLOSE)
    assert first.last_text() == t.CLOSED.format(number=1)
    await first.send("/admin")
    await first.press(tfa.SECTION_CONSULTATIONS)
    assert first.last_text() == t.ADMIN_LIST_EMPTY
    await second.press_data("acons:take:1")
    assert second.alerts()[-1] == t.ALREADY_DONE


async def test_forged_topic_and_stale_steps(app: RunningBot) -> None:
    await _people(app)
    teacher = app.user(2002, "Мария")
    await teacher.send(tc.MENU_DIAGNOSTICS)
    await teacher.press(tf.DIAG_CONSULT)
    await teacher.press_data("cons:topic:cooking")
    assert teacher.alerts()[-1] == t.TOPIC_UNKNOWN
    await teacher.press_data("cons:send:")  # no question written yet
    assert teacher.alerts()[-1] == tc.STALE_BUTTON
    async with app.sessions() as s:
        assert (await s.execute(select(ConsultationRequest))).first() is None
    assert await _notices(app) == []
