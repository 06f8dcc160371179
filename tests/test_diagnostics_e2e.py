"""Diagnostics end to end: the real Dispatcher polling the Bot API emulator over HTTP."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.emulator import BotApiEmulator, EmulatedUser
from bot.texts import common as tc
from bot.texts import forms as t
from models import Answer, EventStatus, Registration, RegistrationStatus, Response, Role, Route
from models.base import utcnow
from tests.conftest import RunningBot, make_settings, start_bot, stop_bot
from tests.factories import make_org, make_person
from tests.questionnaire_helpers import (
    button_data,
    current_question,
    fill,
    load_forms,
    make_event,
    newest_form_message,
    repo_form,
)

HEAD = repo_form("head_card")
TEACHER = repo_form("teacher_deficits")
#: Low self-assessment in quality management and finance: those two areas are the deficits.
HEAD_WEAK = {"quality_system": 2, "quality_data": 2, "finance_plan": 1, "finance_grants": 2}


async def _setup(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    await load_forms(sessions)
    async with sessions.begin() as s:
        org = await make_org(s)
        await make_person(
            s, 2001, role=Role.HEAD, full_name="Смирнова Ольга Ивановна", organisation=org
        )
        await make_person(s, 2002, role=Role.TEACHER, organisation=org)
        await make_person(
            s, 2003, role=Role.TEACHER, full_name="Орлов Иван Сергеевич", is_management_reserve=True
        )
        events = {
            "quality": await make_event(
                s, "Качество образования: ВСОКО", ["quality_management"], days=3
            ),
            "grants": await make_event(
                s,
                "Грантовые конкурсы",
                ["finance", "strategy"],
                days=6,
                audience=["head", "deputy"],
            ),
            "digital": await make_event(s, "Цифровая среда", ["digital"], days=4),
            "draft": await make_event(
                s, "Черновик ВСОКО", ["quality_management"], status=EventStatus.DRAFT
            ),
            "past": await make_event(s, "Прошедший семинар", ["finance"], days=-2),
            "teachers": await make_event(
                s, "Финграмотность для учителей", ["finance"], audience=["teacher"]
            ),
            "assessment": await make_event(
                s, "Формирующее оценивание", ["formative_assessment"], days=2
            ),
        }
        return {k: e.id for k, e in events.items()}


async def _open_form(user: EmulatedUser, title: str) -> None:
    await user.send(tc.MENU_DIAGNOSTICS)
    assert "Диагностика профессиональных дефицитов" in user.last_text()
    await user.press(t.DIAG_START.format(title=title))
    assert current_question(user) is not None


async def _route(sessions: async_sessionmaker[AsyncSession], telegram_id: int) -> Route:
    from models import Person

    async with sessions() as s:
        person = (
            await s.execute(select(Person).where(Person.telegram_id == telegram_id))
        ).scalar_one()
        route = (await s.execute(select(Route).where(Route.person_id == person.id))).scalar_one()
        return route


async def test_head_fills_the_card_and_gets_exactly_the_matching_events(app: RunningBot) -> None:
    events = await _setup(app.sessions)
    head = app.user(2001, "Ольга")
    await _open_form(head, HEAD.title)
    # Position and organisation come from the profile: not asked, not counted.
    intro = head.texts()[-2]
    assert "Должность и организацию мы взяли из профиля: Руководитель организации" in intro
    assert "Раздел 1 из 6 · вопрос 1 из 22" in head.last_text()  # «deputy_field» hidden

    asked = await fill(head, HEAD, HEAD_WEAK)
    assert "deputy_field" not in asked and "share_topic" in asked  # conditions both ways
    assert "position" not in asked and "organisation" not in asked
    assert "Из профиля: <i>Руководитель организации, " in (head.messages()[-1].raw_text or "")
    assert "Проверьте ответы перед отправкой" in head.last_text()
    calls = await head.press(t.SUBMIT)

    photos = [c for c in calls if c.method == "sendPhoto"]
    assert len(photos) == 1 and photos[0].files["photo"].content.startswith(b"\x89PNG")
    texts = "\n".join(c.text or "" for c in calls)
    assert "Управление качеством образования" in texts and "<b>2,0</b>" in texts
    assert "Дефициты" in texts

    route = await _route(app.sessions, 2001)
    assert sorted(route.deficits) == ["finance", "quality"]
    assert [i.event_id for i in route.items] == [events["quality"], events["grants"]]
    route_text = head.last_text()
    assert "Посещено 0 из 2" in route_text
    for other in ("Цифровая среда", "Черновик", "Прошедший", "Финграмотность"):
        assert f"— {other}" not in route_text and other not in str(head.messages()[-1].buttons)
    # Deficit by deficit, and the strongest areas named but never proposed.
    finance, quality = route_text.index("🟠 Финансово"), route_text.index("🟠 Управление кач")
    assert finance < route_text.index("Грантовые") < quality  # the weakest first
    assert quality < route_text.index("Качество образования: ВСОКО")
    assert "Сильные стороны" in route_text

    # «Записаться» on a route item goes through the events' registration.
    await head.press("Качество образования")
    async with app.sessions.begin() as s:
        registration = (
            await s.execute(select(Registration).where(Registration.event_id == events["quality"]))
        ).scalar_one()
        assert registration.status == RegistrationStatus.REGISTERED
        registration.status = RegistrationStatus.ATTENDED  # the methodologist marks attendance
        registration.attended_at = utcnow()
    await head.send(tc.MENU_DIAGNOSTICS)
    await head.press(t.DIAG_ROUTE)
    assert "Посещено 1 из 2" in head.last_text()
    assert "✅" in head.last_text()


async def test_restart_mid_form_continues_at_the_same_question(
    emulator: BotApiEmulator, sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    await _setup(sessions)
    settings = make_settings(database_url, emulator.base_url)
    running, task = await start_bot(emulator, sessions, settings)
    head = running.user(2001, "Ольга")
    try:
        await _open_form(head, HEAD.title)
        await fill(head, HEAD, HEAD_WEAK, until="digital_env")
        before = head.last_text()
        assert "Раздел 3 из 6 · вопрос 6 из 22" in before
    finally:
        await stop_bot(running, task)

    running, task = await start_bot(emulator, sessions, settings)
    try:
        await head.send("/start")
        await head.send(tc.MENU_DIAGNOSTICS)
        assert t.DIAG_CONTINUE.format(title=HEAD.title) in [
            b for b, _ in head.messages()[-1].buttons
        ]
        await head.press(t.DIAG_CONTINUE.format(title=HEAD.title))
        assert head.last_text() == before
        await fill(head, HEAD, HEAD_WEAK)
        await head.press(t.SUBMIT)
        route = await _route(sessions, 2001)
        assert sorted(route.deficits) == ["finance", "quality"]
    finally:
        await stop_bot(running, task)


async def test_back_changes_an_earlier_answer(app: RunningBot) -> None:
    await _setup(app.sessions)
    head = app.user(2001, "Ольга")
    await _open_form(head, HEAD.title)
    await fill(head, HEAD, {"years": 3}, until="quality_system")
    await head.press_data(button_data(head, "back"))  # at «years»
    found = current_question(head)
    assert found is not None and found[1] == "years"
    assert "Сейчас ответ: <i>3</i>" in (newest_form_message(head).raw_text or "")
    # «position» came from the profile: «Назад» does not lead there.
    await head.press_data(button_data(head, "back"))
    assert head.alerts()[-1] == t.FIRST_QUESTION
    await fill(head, HEAD, {"years": 4}, until="quality_system")
    async with app.sessions() as s:
        answers = dict((await s.execute(select(Answer.question_id, Answer.value))).all())
    assert answers["position"] == "director" and answers["years"] == 4
    # A wrong answer at the summary is fixed through «Изменить ответ».
    await fill(head, HEAD, HEAD_WEAK)
    await head.press(t.EDIT_ANSWER)
    await head.press("1. Сколько полных лет")
    await head.send("7")
    found = current_question(head)
    assert found is not None and found[1] == "quality_system"
    await fill(head, HEAD, HEAD_WEAK)
    await head.press(t.SUBMIT)
    async with app.sessions() as s:
        response = (await s.execute(select(Response))).scalar_one()
        years = (
            await s.execute(select(Answer.value).where(Answer.question_id == "years"))
        ).scalar_one()
    assert response.submitted_at is not None and years == 7


async def test_teachers_form_and_reserve_gets_the_heads_card(app: RunningBot) -> None:
    events = await _setup(app.sessions)
    teacher = app.user(2002, "Мария")
    await _open_form(teacher, TEACHER.title)
    weak = {
        "assessment_criteria": 1,
        "assessment_use": 2,
        "experience": "up_to_3",
        "has_mentor": "want",
    }
    asked = await fill(teacher, TEACHER, weak)
    assert "has_mentor" in asked
    await teacher.press(t.SUBMIT)
    route = await _route(app.sessions, 2002)
    assert route.deficits == ["assessment"]
    assert [i.event_id for i in route.items] == [events["assessment"]]

    reserve = app.user(2003, "Иван")
    await reserve.send(tc.MENU_DIAGNOSTICS)
    buttons = [b for b, _ in reserve.messages()[-1].buttons]
    assert t.DIAG_START.format(title=HEAD.title) in buttons


async def test_bad_inputs_change_nothing(app: RunningBot) -> None:
    await _setup(app.sessions)
    head = app.user(2001, "Ольга")
    teacher = app.user(2002, "Мария")
    await _open_form(head, HEAD.title)
    rid, qid = current_question(head) or (0, "")
    assert qid == "years"  # «organisation» and «position» came from the profile
    for bad in ("120", "-3", "пять", "2,5"):
        await head.send(bad)
        assert current_question(head) == (rid, "years")
    assert "от 0 до 50" in head.texts()[-4]
    await head.send("5")
    assert current_question(head) == (rid, "quality_system")

    # Text where a choice is expected.
    await head.send("я директор")
    assert head.last_text() == t.USE_BUTTONS
    # Someone else pressing (forged) the head's button; another form's question; the profile's
    # question that was never asked; another response; a malformed button.
    await teacher.send(tc.MENU_DIAGNOSTICS)
    await teacher.press_data(f"q:ans:{rid}:quality_system:1")
    assert teacher.alerts()[-1] == t.STALE_QUESTION
    await head.press_data(f"q:ans:{rid}:experience:0")
    await head.press_data(f"q:ans:{rid}:position:1")
    await head.press_data(f"q:ans:{rid + 100}:quality_system:1")
    await head.press_data("q:ans:x:quality_system:1")
    assert head.alerts()[-4:] == [t.STALE_QUESTION] * 3 + [tc.STALE_BUTTON]
    async with app.sessions() as s:
        answers = dict((await s.execute(select(Answer.question_id, Answer.value))).all())
    assert answers == {"organisation": answers["organisation"], "position": "director", "years": 5}

    await fill(head, HEAD, until="request")
    await head.send("Очень длинный запрос. " * 455)  # about 10 000 characters
    assert "слишком длинный" in head.last_text()
    assert current_question(head) == (rid, "request")
    await head.send("Хочу выстроить ВСОКО.")
    async with app.sessions() as s:
        answers = dict((await s.execute(select(Answer.question_id, Answer.value))).all())
    assert answers["position"] == "director" and answers["years"] == 5
    assert answers["request"] == "Хочу выстроить ВСОКО."

    # Submitting someone else's response from the summary.
    await fill(head, HEAD)
    await teacher.press_data(f"q:sub:{rid}::")
    assert teacher.alerts()[-1] == t.STALE_QUESTION
    async with app.sessions() as s:
        status = (await s.execute(select(Response.status))).scalar_one()
    assert status.value == "in_progress"
