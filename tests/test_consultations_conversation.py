"""Consultations as conversations: topics by role, messages both ways until the methodologist
closes, a proposed meeting the person accepts, closed requests listed and counted by topic."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.callbacks import ConsCb, for_target
from bot.texts import common as tc
from bot.texts import consultations as t
from bot.texts import forms as tf
from bot.texts import forms_admin as tfa
from models import (
    ConsultationMessage,
    ConsultationRequest,
    ConsultationStatus,
    Notification,
    Role,
)
from models.base import utcnow
from tests.conftest import RunningBot
from tests.factories import make_org, make_person
from tests.questionnaire_helpers import load_forms


async def rows(app: RunningBot, model: Any, *where: Any) -> list[Any]:
    async with app.sessions() as s:
        return list((await s.execute(select(model).where(*where))).scalars())


async def people(app: RunningBot) -> dict[str, int]:
    await load_forms(app.sessions)
    async with app.sessions.begin() as s:
        org = await make_org(s)
        head = await make_person(s, 2001, role=Role.HEAD, organisation=org, full_name="Главная Г.")
        teacher = await make_person(s, 2002, role=Role.TEACHER, organisation=org)
        staff = await make_person(s, 3001, role=Role.METHODOLOGIST, full_name="Белова Анна")
        return {"head": head.id, "teacher": teacher.id, "staff": staff.id}


async def test_topics_depend_on_the_role(app: RunningBot) -> None:
    await people(app)
    head, teacher = app.user(2001), app.user(2002)
    await head.send(tc.MENU_DIAGNOSTICS)
    await head.press(tf.DIAG_CONSULT)
    labels = [b for b, _ in head.messages()[-1].buttons]
    assert "Управление качеством образования" in labels
    assert "Методика преподавания" not in labels
    await head.press_data(ConsCb(a="topic", v="methods").pack())  # a teacher's topic, forged
    assert head.alerts()[-1] == t.TOPIC_UNKNOWN
    await teacher.send(tc.MENU_DIAGNOSTICS)
    await teacher.press(tf.DIAG_CONSULT)
    labels = [b for b, _ in teacher.messages()[-1].buttons]
    assert "Методика преподавания" in labels
    assert "Стратегическое и проектное управление" not in labels


async def test_a_conversation_with_a_meeting_until_closed(app: RunningBot) -> None:
    ids = await people(app)
    head, staff, teacher = app.user(2001), app.user(3001), app.user(2002)
    await head.send(tc.MENU_DIAGNOSTICS)
    await head.press(tf.DIAG_CONSULT)
    await head.press("Управление качеством образования")
    await head.send("Как выстроить внутреннюю систему оценки качества?")
    await head.press(t.SEND)

    await staff.send("/admin")
    await staff.press(tfa.SECTION_CONSULTATIONS)
    await staff.press("№ 1")
    await staff.press(t.TAKE)
    await staff.send("Пришлите, пожалуйста, ваше положение о ВСОКО.")
    (request,) = await rows(app, ConsultationRequest)
    assert request.status == ConsultationStatus.IN_WORK
    (to_head,) = [n for n in await rows(app, Notification, Notification.person_id == ids["head"])]
    (button,) = to_head.payload["buttons"][0]
    assert for_target(button[1]["target"], button[1]["id"]) == ConsCb(a="reply", v="1")

    # A stranger's «Ответить» on the same request is refused.
    await teacher.send("/start")
    await teacher.press_data(ConsCb(a="reply", v="1").pack())
    assert teacher.alerts()[-1] == t.NOT_YOURS

    await head.press_data(ConsCb(a="reply", v="1").pack())
    await head.send("Положение есть, но мониторинг не ведём.")
    assert head.last_text() == t.REPLY_SENT.format(number=1)
    staff_notices = await rows(app, Notification, Notification.person_id == ids["staff"])
    assert any("мониторинг не ведём" in n.text for n in staff_notices)

    # A meeting proposed and accepted.
    await staff.send("/admin")
    await staff.press(tfa.SECTION_CONSULTATIONS)
    await staff.press("№ 1")
    assert "Положение есть" in staff.last_text() and "Пришлите, пожалуйста" in staff.last_text()
    await staff.press(t.BTN_PROPOSE)
    await staff.send("01.01.2020 10:00")
    assert "в прошлом" in staff.last_text()
    when = (utcnow() + timedelta(days=3)).astimezone(app.settings.tz)
    await staff.send(f"{when:%d.%m.%Y} 15:00")
    await staff.send("https://meet.example.org/vsoko")
    assert "Предложение отправлено" in staff.last_text()
    await head.press_data(ConsCb(a="accept", v="1").pack())
    assert "время подходит" in head.last_text()
    (request,) = await rows(app, ConsultationRequest)
    assert request.meeting_accepted_at is not None
    assert request.meeting_link == "https://meet.example.org/vsoko"

    # The head starts a reply, the methodologist closes meanwhile: the reply is refused.
    await head.press_data(ConsCb(a="reply", v="1").pack())
    await staff.send("/admin")
    await staff.press(tfa.SECTION_CONSULTATIONS)
    await staff.press("№ 1")
    assert t.MEETING_ACCEPTED in staff.last_text()
    await staff.press(t.BTN_CLOSE)
    await head.send("И ещё вопрос")
    assert head.last_text() == t.CLOSED_NO_REPLY
    await head.press_data(ConsCb(a="reply", v="1").pack())
    assert head.alerts()[-1] == t.CLOSED_NO_REPLY
    messages = await rows(app, ConsultationMessage)
    assert [m.from_staff for m in messages] == [True, False, True]
    (request,) = await rows(app, ConsultationRequest)
    assert request.status == ConsultationStatus.DONE and request.closed_at is not None

    # Closed requests stay listed and are counted by topic.
    await staff.send("/admin")
    await staff.press(tfa.SECTION_CONSULTATIONS)
    await staff.press(t.BTN_CLOSED_LIST)
    assert any("№ 1" in b for b, _ in staff.messages()[-1].buttons)
    await staff.press(tc.BACK)
    await staff.press(t.BTN_STATS)
    assert "Управление качеством образования — 1 (100 %) (закрыто 1)" in staff.last_text()
