"""Routes that fit, on the demo district through the emulator: a teacher's and a head's routes
deficit by deficit (each with events of their role level), registering in place, a deficit
without an event offering a consultation in one tap, and the methodologists' view."""

from __future__ import annotations

from sqlalchemy import select

from bot.emulator import EmulatedUser
from bot.services.demo import seed_demo
from bot.texts import common as tc
from bot.texts import consultations as tcons
from bot.texts import forms as tf
from bot.texts import routes as t
from models import (
    ConsultationRequest,
    Event,
    Organisation,
    Person,
    Registration,
    RegistrationStatus,
    Role,
)
from tests.conftest import ADMIN_ID, RunningBot
from tests.factories import make_person
from tests.questionnaire_helpers import fill, load_forms, repo_form

TEACHER = repo_form("teacher_deficits")
HEAD = repo_form("head_card")
#: The teacher is weak in formative assessment and work with parents, strong in the rest.
TEACHER_WEAK = {"assessment_criteria": 1, "assessment_use": 2, "parents_dialogue": 2,
                "parents_involve": 2}  # fmt: skip
#: The head is weak in quality management and finance (no demo event is about finance).
HEAD_WEAK = {"quality_system": 2, "quality_data": 2, "finance_plan": 1, "finance_grants": 2}
TO_MENU = "« В меню методиста"


def route_message(user: EmulatedUser) -> tuple[int, str, list[str]]:
    for message in reversed(user.messages()):
        if message.text and message.text.startswith("Мой индивидуальный маршрут"):
            return message.message_id, message.text, [b for b, _ in message.buttons]
    raise AssertionError("no route in the chat")


async def _diagnose(user: EmulatedUser, title: str, form: object, weak: dict[str, int]) -> None:
    await user.send(tc.MENU_DIAGNOSTICS)
    await user.press(tf.DIAG_START.format(title=title))
    await fill(user, form, weak, scale=5)  # type: ignore[arg-type]
    await user.press(tf.SUBMIT)


async def test_routes_on_the_demo_district(app: RunningBot) -> None:
    await load_forms(app.sessions)
    async with app.sessions.begin() as s:
        await seed_demo(s)
        school = (
            await s.execute(select(Organisation).where(Organisation.name == "ГБОУ школа № 237"))
        ).scalar_one()
        await make_person(s, 3001, role=Role.TEACHER, full_name="Петрова Анна", organisation=school)
        await make_person(s, 3002, role=Role.HEAD, full_name="Смирнов Игорь", organisation=school)
        await make_person(s, ADMIN_ID, role=Role.METHODOLOGIST, full_name="Орлова Елена")

    # The teacher: two deficits, each with the events meant for teachers (or for everyone).
    teacher = app.user(3001, "Анна")
    await _diagnose(teacher, TEACHER.title, TEACHER, TEACHER_WEAK)
    message_id, text, buttons = route_message(teacher)
    assessment = text.index("🟠 Формирующее оценивание")
    parents = text.index("🟠 Работа с родителями")
    assert assessment < text.index("Приёмы формирующего оценивания") < parents
    assert assessment < text.index("Формирующее оценивание без перегрузки") < parents
    assert parents < text.index("Трудный разговор с родителями")
    assert "Встреча 1" not in text  # the heads' network seminar is not for teachers
    assert "Цифровые инструменты учителя" not in text  # a strong area is never proposed
    assert "Сильные стороны" in text and "Консультация:" not in " ".join(buttons)
    assert all(len(label) <= 40 for label in buttons), buttons
    chat_size = len(teacher.messages())

    # Registering from the route edits that very message: no copy of the route is sent.
    await teacher.press("· Мастер-класс «")
    assert len(teacher.messages()) == chat_size
    same_id, text, buttons = route_message(teacher)
    assert same_id == message_id
    assert "Приёмы формирующего оценивания на уроке» · вы записаны" in text
    assert "записаны на 1" in text and not any("Мастер-класс" in b for b in buttons)
    assert "Вы записаны на «Мастер-класс" in teacher.alerts()[-1]

    # The head: the heads' series and the conference for quality; nothing on finance.
    head = app.user(3002, "Игорь")
    await _diagnose(head, HEAD.title, HEAD, HEAD_WEAK)
    message_id, text, buttons = route_message(head)
    finance = text.index("🟠 Финансово-экономическая деятельность")
    quality = text.index("🟠 Управление качеством образования")
    assert finance < text.index("Ближайших мероприятий по этой теме нет") < quality
    assert quality < text.index("Встреча 1. Диагностика профессиональных дефицитов")
    assert "Приёмы формирующего оценивания" not in text  # the teachers' master class
    assert "💬 Консультация: Финансы и гранты" in buttons
    assert any(b.startswith("✍️ Весь цикл") for b in buttons)
    assert all(len(label) <= 40 for label in buttons), buttons
    chat_size = len(head.messages())
    await head.press("✍️ Весь цикл")
    assert "записаны на 6 из 6 встреч" in head.alerts()[-1]
    same_id, text, buttons = route_message(head)
    assert same_id == message_id and len(head.messages()) == chat_size
    # The route holds five events for the deficit: four meetings and the conference.
    assert text.count("· вы записаны") == 4 and "записаны на 4" in text
    assert not any("Весь цикл" in b for b in buttons)
    assert any("Муниципальная" in b for b in buttons)
    async with app.sessions() as s:
        head_id = (await s.execute(select(Person.id).where(Person.telegram_id == 3002))).scalar()
        seminar = await s.execute(
            select(Registration.status)
            .join(Event, Event.id == Registration.event_id)
            .where(Registration.person_id == head_id, Event.series_id.is_not(None))
        )
        assert list(seminar.scalars()) == [RegistrationStatus.REGISTERED] * 6

    # Someone else's route button (forged or forwarded) is refused politely.
    conference = next(d for m in head.messages() for b, d in m.buttons if "Муниципальная" in b)
    await teacher.press_data(conference)
    assert teacher.alerts()[-1] == tc.STALE_BUTTON

    # The deficit without an event: a consultation on its topic in one tap.
    await head.press("💬 Консультация: Финансы и гранты")
    assert "Опишите ваш вопрос" in head.last_text() and "Финансово" in head.last_text()
    await head.send("Как готовить заявку на грант?")
    await head.press(tcons.SEND)
    async with app.sessions() as s:
        request = (await s.execute(select(ConsultationRequest))).scalar_one()
        assert (request.topic, request.person_id) == ("finance", head_id)

    # The methodologist: the table of deficits by organisation, and a person's route.
    admin = app.user(ADMIN_ID, "Елена")
    await admin.send("/admin")
    await admin.press(t.SECTION)
    assert "Маршрутов: 2" in admin.last_text()
    await admin.press(t.BTN_TABLE)
    table = admin.last_text()
    assert "ГБОУ школа № 237" in table
    assert "Финансы и гранты (руководители) — 1 человек · ⚠️ мероприятий нет" in table
    assert "Формирующее оценивание (педагоги) — 1 человек · ✅ есть мероприятие" in table
    assert "Качество образования (руководители) — 1 человек · ✅" in table
    assert TO_MENU in [b for b, _ in admin.messages()[-1].buttons]
    calls = await admin.press(t.BTN_XLSX)
    documents = [c for c in calls if c.method == "sendDocument"]
    assert documents and documents[0].files["document"].filename.startswith(
        "Дефициты_по_организациям_"
    )
    await admin.press(t.BTN_BACK)
    await admin.press(t.BTN_PEOPLE)
    assert "Петрова Анна · 0/" in " ".join(b for b, _ in admin.messages()[-1].buttons)
    await admin.press("Петрова Анна")
    card = admin.last_text()
    assert "Маршрут: Петрова Анна" in card and "ГБОУ школа № 237" in card
    assert "Формирующее оценивание · 1,5 из 5 — посещено 0 из 2, записан(а) на 1" in card
    assert (
        "на уроке» · записан(а)" in card
        and "вы записаны" not in card
        and TO_MENU in [b for b, _ in admin.messages()[-1].buttons]
    )
