"""Findings of a QA pass over diagnostics, routes and consultations, played as real users."""

from __future__ import annotations

import asyncio
import html
import re

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import InvalidInput, consultations, questionnaire
from bot.services.form_schema import FormFileError, Question, parse_form
from bot.texts import common as tc
from bot.texts import consultations as tcons
from bot.texts import events as te
from bot.texts import forms as t
from bot.texts import forms_admin as tfa
from bot.texts import routes as tr
from models import (
    ConsultationRequest,
    ConsultationStatus,
    Notification,
    NotificationKind,
    Person,
    Registration,
    RegistrationStatus,
    Role,
)
from tests.conftest import ADMIN_ID, RunningBot
from tests.factories import make_org, make_person
from tests.questionnaire_helpers import (
    button_data,
    current_question,
    fill,
    load_forms,
    make_event,
    repo_form,
)

HEAD = repo_form("head_card")
TEACHER = repo_form("teacher_deficits")
HEAD_WEAK = {"quality_system": 2, "quality_data": 2, "finance_plan": 1, "finance_grants": 2}


def _plain(text: str) -> str:
    """What Telegram counts against 4096: the text after HTML parsing."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


async def _people(app: RunningBot) -> None:
    await load_forms(app.sessions)
    async with app.sessions.begin() as s:
        org = await make_org(s, "МБОУ СОШ № 5")
        await make_person(
            s, 2001, role=Role.HEAD, full_name="Смирнова Ольга Ивановна", organisation=org
        )
        await make_person(s, 2004, role=Role.TEACHER, full_name="Иванова Мария", organisation=org)
        await make_person(s, 3001, role=Role.METHODOLOGIST, full_name="Белова Анна Сергеевна")
        await make_person(s, 3002, role=Role.METHODOLOGIST, full_name="Котов Олег Ильич")
        await make_person(s, ADMIN_ID, role=Role.ADMIN, full_name="Админова Нина Павловна")


async def _open(user: object, title: str) -> None:
    from bot.emulator import EmulatedUser

    assert isinstance(user, EmulatedUser)
    await user.send(tc.MENU_DIAGNOSTICS)
    await user.press(t.DIAG_START.format(title=title))


async def test_summary_back_inputs_and_a_sent_form(app: RunningBot) -> None:
    await _people(app)
    head = app.user(2001, "Ольга")
    await _open(head, HEAD.title)
    await fill(head, HEAD, HEAD_WEAK, until="years")
    # A file where a number is expected is told what to send, not «press a button».
    await head.send_document("years.pdf", b"%PDF")
    assert head.last_text() == t.NUMBER_EXPECTED
    await fill(head, HEAD, HEAD_WEAK, until="request")
    assert "до 1500 знаков" in head.last_text()
    await head.send_document("request.docx", b"PK")
    assert head.last_text() == t.TEXT_EXPECTED
    await head.send("а" * 1501)
    assert "1501 знак при" in head.last_text()
    await fill(head, HEAD, HEAD_WEAK)
    await head.send("Всё верно")
    assert head.last_text() == t.SUMMARY_USE_BUTTONS

    # «Назад» under the list of answers returns to the summary, not to the last question.
    await head.press(t.EDIT_ANSWER)
    await head.press_data(button_data(head, "sum"))
    assert "Проверьте ответы перед отправкой" in head.last_text()
    found = current_question(head)
    assert found is not None and found[1] == ""

    submit = button_data(head, "sub")
    await head.press(t.SUBMIT)
    await head.press_data(submit)
    assert head.alerts()[-1] == t.ALREADY_SUBMITTED

    # The profile seen again later does not thank for a form sent days ago.
    await head.send(tc.MENU_DIAGNOSTICS)
    await head.press(t.DIAG_RESULT)
    profile = next(m for m in reversed(head.texts()) if "Результаты диагностики" in m)
    assert "Спасибо" not in profile


def test_length_errors_use_plurals() -> None:
    question = Question(id="q", kind="text", text="Вопрос", max_length=20)
    for length, word in ((21, "21 знак"), (22, "22 знака"), (25, "25 знаков")):
        with pytest.raises(InvalidInput) as error:
            questionnaire.parse_value(question, "я" * length)
        assert f"{word} при допустимых 20" in str(error.value)
    with pytest.raises(InvalidInput) as error:
        consultations.check_text("я" * (consultations.TEXT_LIMIT + 2))
    assert f"{consultations.TEXT_LIMIT + 2} знака" in str(error.value)


async def test_route_fits_one_message_and_a_full_event_offers_the_waitlist(
    app: RunningBot,
) -> None:
    await _people(app)
    async with app.sessions.begin() as s:
        full = await make_event(s, "Гранты для школ", ["finance"], days=2, capacity=1)
        other = await make_person(s, 2009, role=Role.HEAD, full_name="Занятов Иван")
        s.add(
            Registration(event_id=full.id, person_id=other.id, status=RegistrationStatus.REGISTERED)
        )
        for i in range(12):
            title = f"Семинар № {i}: " + "управление качеством образования в школе " * 7
            topic = "finance" if i % 2 == 0 else "quality_management"
            await make_event(s, title[:300], [topic, "strategy"], days=3 + i)
        full_id, other_id = full.id, other.id
    head = app.user(2001, "Ольга")
    await _open(head, HEAD.title)
    await fill(head, HEAD, HEAD_WEAK)
    await head.press(t.SUBMIT)
    route = head.last_text()
    assert route.startswith("Мой индивидуальный маршрут") and "Посещено 0 из 10" in route
    assert len(route) < 4096
    messages_before = len(head.messages())

    # A full event says so in the route, whose button offers the waitlist instead.
    assert f"Гранты для школ · {tr.ROUTE_ITEM_FULL}" in route
    wait = button_data_any(head, "в лист ожидания")
    # A signup pressed on it anyway (the seat went meanwhile): an alert, the route in place.
    await head.press_data(wait.replace("dg:wait:", "dg:signup:"))
    assert "Все места на «Гранты для школ» заняты" in head.alerts()[-1]
    assert len(head.messages()) == messages_before
    async with app.sessions() as s:
        mine = await s.execute(
            select(Registration).where(
                Registration.event_id == full_id, Registration.person_id != other_id
            )
        )
        assert mine.first() is None  # nothing until the person asks for the waitlist
    await head.press("в лист ожидания")
    assert "место в очереди: 1" in head.alerts()[-1]
    assert "в листе ожидания" in head.last_text()
    assert len(head.messages()) == messages_before
    await head.press_data(wait)
    assert head.alerts()[-1] == te.ALREADY_WAITLISTED.format(position=1)
    async with app.sessions() as s:
        status = (
            await s.execute(
                select(Registration.status).where(
                    Registration.event_id == full_id, Registration.person_id != other_id
                )
            )
        ).scalar_one()
    assert status == RegistrationStatus.WAITLISTED


def button_data_any(user: object, text: str) -> str:
    from bot.emulator import EmulatedUser

    assert isinstance(user, EmulatedUser)
    for message in reversed(user.messages()):
        for label, data in message.buttons:
            if text in label:
                return data
    raise AssertionError(text)


async def test_route_without_deficits_has_no_empty_progress(app: RunningBot) -> None:
    await _people(app)
    teacher = app.user(2004, "Мария")
    await _open(teacher, TEACHER.title)
    await fill(teacher, TEACHER, scale=5)
    await teacher.press(t.SUBMIT)
    assert tr.ROUTE_NO_DEFICITS in teacher.last_text()
    assert "0 из 0" not in teacher.last_text() and "Темы: —" not in teacher.last_text()


async def test_consultation_hints_status_and_the_longest_answer(app: RunningBot) -> None:
    await _people(app)
    teacher = app.user(2004, "Мария")
    await teacher.send(tc.MENU_DIAGNOSTICS)
    await teacher.press(t.DIAG_CONSULT)
    assert "Ваши запросы" not in teacher.last_text()
    await teacher.send("Хочу спросить про оценивание")
    assert teacher.last_text() == tcons.CHOOSE_TOPIC
    await teacher.press("Формирующее оценивание")
    question = "Как выстроить критериальное оценивание? " * 60
    await teacher.send(question[: consultations.TEXT_LIMIT])
    await teacher.send("И ещё одно")
    assert teacher.last_text() == tcons.CONFIRM_BUTTONS
    await teacher.press(tcons.SEND)

    methodologist = app.user(3001, "Анна")
    await methodologist.send("/admin")
    await methodologist.press(tfa.SECTION_CONSULTATIONS)
    await methodologist.press("№ 1")
    await methodologist.press(tcons.TAKE)
    assert "я передам его автору запроса (Иванова Мария)" in methodologist.last_text()
    await methodologist.send("Ответ & <совет>. " * 250)  # 4249 after strip: refused
    assert "4249 знаков при допустимых 3500" in methodologist.last_text()
    await methodologist.send(("Ответ & <совет>. " * 250)[: consultations.ANSWER_LIMIT])
    assert methodologist.last_text() == tcons.ANSWER_SENT.format(number=1)
    async with app.sessions() as s:
        notice = (
            await s.execute(
                select(Notification)
                .where(Notification.kind == NotificationKind.CONSULTATION)
                .order_by(Notification.id.desc())
                .limit(1)
            )
        ).scalar_one()
    assert "Ваш вопрос" in notice.text and len(_plain(notice.text)) <= 4096

    await teacher.send(tc.MENU_DIAGNOSTICS)
    await teacher.press(t.DIAG_CONSULT)
    assert "№ 1 · Формирующее оценивание · в работе" in teacher.last_text()


async def test_two_methodologists_take_the_same_request_at_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as s:
        teacher = await make_person(s, 2004, role=Role.TEACHER)
        first = await make_person(s, 3001, role=Role.METHODOLOGIST, full_name="Белова Анна")
        second = await make_person(s, 3002, role=Role.METHODOLOGIST, full_name="Котов Олег")
        request = await consultations.create(s, teacher, "digital", "Как вести уроки в Сферуме?")
        ids = (request.id, first.id, second.id)

    async def take_as(staff_id: int) -> None:
        async with sessions.begin() as s:
            staff = await s.get(Person, staff_id)
            assert staff is not None
            await consultations.take(s, ids[0], staff)

    async with sessions.begin() as s:
        staff = await s.get(Person, ids[1])
        assert staff is not None
        await consultations.take(s, ids[0], staff)
        rival = asyncio.create_task(take_as(ids[2]))
        await asyncio.sleep(0.3)  # the rival is now waiting for the row (or the SQLite lock)
    with pytest.raises(InvalidInput) as error:
        await rival
    assert str(error.value) == tcons.ALREADY_TAKEN.format(name="Белова Анна")
    async with sessions() as s:
        stored = await s.get(ConsultationRequest, ids[0])
        assert stored is not None
        assert stored.status == ConsultationStatus.IN_WORK and stored.taken_by_id == ids[1]


async def test_one_persons_answers_are_shortened_readably(app: RunningBot) -> None:
    await _people(app)
    head = app.user(2001, "Ольга")
    await _open(head, HEAD.title)
    await fill(head, HEAD, HEAD_WEAK)
    await head.press(t.SUBMIT)
    admin = app.user(ADMIN_ID, "Нина")
    await admin.send("/admin")
    await admin.press(tfa.SECTION_FORMS)
    await admin.press(HEAD.title[:40])
    await admin.press(tfa.ANSWERS)
    await admin.send("Смирнова")
    text = admin.last_text()
    assert "показатели, процедуры, использование результатов для…" in text
    assert "2 — владею слабо" in text


def test_a_broken_yaml_file_is_explained_in_russian() -> None:
    with pytest.raises(FormFileError) as error:
        parse_form("head_card.yaml", "code: [unclosed\n  title: x\n")
    message = str(error.value)
    assert message.startswith("head_card.yaml: строка 2, позиция")
    assert "expected" not in message and "отступы" in message
