"""A deficit with no event says so in the route and offers a consultation on its topic in one
tap."""

from __future__ import annotations

from sqlalchemy import select

from bot.texts import common as tc
from bot.texts import consultations as tcons
from bot.texts import forms as tf
from bot.texts import routes as tr
from models import ConsultationRequest, Role
from tests.conftest import RunningBot
from tests.factories import make_person
from tests.questionnaire_helpers import fill, load_forms, repo_form

TEACHER = repo_form("teacher_deficits")


async def test_uncovered_deficit_offers_a_consultation(app: RunningBot) -> None:
    await load_forms(app.sessions)
    async with app.sessions.begin() as s:
        await make_person(s, 2002, role=Role.TEACHER)
    teacher = app.user(2002)
    await teacher.send(tc.MENU_DIAGNOSTICS)
    await teacher.press(tf.DIAG_START.format(title=TEACHER.title))
    await fill(teacher, TEACHER, {"assessment_criteria": 1, "assessment_use": 2})
    await teacher.press(tf.SUBMIT)
    area = TEACHER.area("assessment")
    assert area is not None
    assert tr.ROUTE_NO_EVENT.split(".")[0] in teacher.last_text()
    buttons = [b for b, _ in teacher.messages()[-1].buttons]
    assert f"💬 Консультация: {area.short or area.title}" in buttons
    await teacher.press("💬 Консультация:")
    assert "Опишите ваш вопрос" in teacher.last_text()
    await teacher.send("Как вводить критериальное оценивание?")
    await teacher.press(tcons.SEND)
    async with app.sessions() as s:
        request = (await s.execute(select(ConsultationRequest))).scalar_one()
    assert request.topic == area.topics[0]
