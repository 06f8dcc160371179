"""«Моя организация»: a confirmed head sees exactly their staff and aggregates, nothing else."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from bot.services import forms, org_view
from bot.texts import common as tc
from bot.texts import heads as th
from models import (
    Answer,
    AuditEntry,
    Form,
    Organisation,
    Person,
    Registration,
    RegistrationStatus,
    Response,
    ResponseStatus,
    Role,
    Route,
    RouteItem,
)
from models.base import utcnow
from tests.conftest import RunningBot
from tests.factories import make_event, make_org, make_person
from tests.questionnaire_helpers import load_forms

SECRET = "Секретный ответ про коллег"


@dataclass
class World:
    school: Organisation
    other: Organisation
    form: Form
    people: dict[int, Person]


async def _submit(s, form: Form, person: Person, scores: dict[str, float]) -> Response:  # type: ignore[no-untyped-def]
    response = Response(
        form_id=form.id,
        form_code=form.code,
        person_id=person.id,
        status=ResponseStatus.SUBMITTED,
        scores=scores,
        submitted_at=utcnow(),
    )
    s.add(response)
    await s.flush()
    s.add(Answer(response_id=response.id, question_id="wish", value=SECRET))
    return response


async def _world(app: RunningBot) -> World:
    await load_forms(app.sessions)
    async with app.sessions.begin() as s:
        school = await make_org(s)
        other = await make_org(s, "ГБОУ гимназия № 399")
        form = await forms.active(s, "teacher_deficits")
        assert form is not None
        areas = [a.code for a in forms.definition(form).areas]
        people = {
            1001: await make_person(
                s, 1001, Role.HEAD, "Сидорова Ольга Ивановна", school, "директор",
                head_org_id=school.id,
            ),
            1002: await make_person(
                s, 1002, Role.HEAD, "Гусев Игорь Павлович", other, "директор",
                head_org_id=other.id,
            ),
            2001: await make_person(
                s, 2001, Role.TEACHER, "Алексеева Анна Олеговна", school,
                is_young_specialist=True,
            ),
            2002: await make_person(s, 2002, Role.TEACHER, "Борисов Борис Юрьевич", school,
                                    is_management_reserve=True),
            2003: await make_person(s, 2003, Role.TEACHER, "Васильева Вера Львовна", school),
            2004: await make_person(s, 2004, Role.TEACHER, "Григорьев Глеб Ильич", school),
            2005: await make_person(s, 2005, Role.TEACHER, "Чужой Чеслав Чеславович", other),
        }  # fmt: skip
        gone = await make_person(s, 2006, Role.TEACHER, "Удалённая Ума Юрьевна", school)
        gone.telegram_id = None
        gone.full_name = None
        gone.deleted_at = utcnow()
        for tg, base in ((2001, 2.0), (2002, 3.0), (2003, 4.5)):
            await _submit(s, form, people[tg], {a: base for a in areas})
        await _submit(s, form, people[2005], {a: 1.0 for a in areas})
        return World(school, other, form, people)


async def test_head_sees_own_staff_and_aggregates_only(app: RunningBot) -> None:
    world = await _world(app)
    async with app.sessions.begin() as s:
        now = utcnow()
        this_year = await make_event(
            s, title="Формирующее оценивание", starts_at=now - timedelta(days=1)
        )
        start, _ = org_view.school_year(app.settings.tz)
        last_year = await make_event(
            s, title="Прошлогодний семинар", starts_at=start - timedelta(days=30)
        )
        for tg, event, status in (
            (2001, this_year, RegistrationStatus.ATTENDED),
            (2002, this_year, RegistrationStatus.REGISTERED),
            (2005, this_year, RegistrationStatus.ATTENDED),
            (2003, last_year, RegistrationStatus.ATTENDED),
            (2004, this_year, RegistrationStatus.CANCELLED),
        ):
            s.add(Registration(event_id=event.id, person_id=world.people[tg].id, status=status))
        route = Route(person_id=world.people[2001].id, deficits=["subject"], topics=["subject"])
        future = await make_event(s, title="Предметная неделя")
        route.items = [
            RouteItem(event_id=this_year.id, position=0),
            RouteItem(event_id=future.id, position=1),
        ]
        s.add(route)

    head = app.user(1001)
    await head.send("/start")
    assert tc.MENU_MY_ORG in head.keyboard()
    await head.send(tc.MENU_MY_ORG)
    menu = head.last_text()
    assert "ГБОУ школа № 237" in menu and "Зарегистрировано в боте: 5 человек" in menu

    await head.press(th.ORG_STAFF)
    staff = head.last_text()
    for tg in (1001, 2001, 2002, 2003, 2004):
        assert world.people[tg].full_name in staff
    assert "Чужой" not in staff and "Гусев" not in staff and "Удалённая" not in staff
    assert "Алексеева Анна Олеговна — учитель математики (молодой специалист)" in staff
    assert "Борисов Борис Юрьевич — учитель математики (кадровый резерв)" in staff

    await head.press(th.BACK_TO_ORG)
    await head.press(th.ORG_EVENTS)
    events = head.last_text()
    assert (
        "Алексеева Анна Олеговна — «Формирующее оценивание»" in events and "участвовал(а)" in events
    )
    assert "Борисов Борис Юрьевич — «Формирующее оценивание»" in events and "записан(а)" in events
    assert "Чужой" not in events and "Григорьев" not in events and "Прошлогодний" not in events
    await head.press(th.BACK_TO_ORG)
    await head.press(th.ORG_PERIOD.format(period=th.PERIOD_PREVIOUS))
    await head.press(th.ORG_EVENTS)
    assert "Васильева Вера Львовна — «Прошлогодний семинар»" in head.last_text()
    assert "Формирующее" not in head.last_text()

    await head.press(th.BACK_TO_ORG)
    await head.press(th.ORG_DIAGNOSTICS)
    form_def = forms.definition(world.form)
    assert f"{form_def.title}: ответили 3 из 4 (75 %)" in head.last_text()
    await head.press(f"{form_def.title} — 3 из 4")
    card = head.last_text()
    assert "Заполнили: 3, не заполнили: 1" in card
    assert "• Алексеева Анна Олеговна" in card and "• Григорьев" not in card
    # Aggregates computed from the database: the mean of 2.0, 3.0 and 4.5; deficits below 3.0.
    assert "средний балл 3,17, дефицит у 1 человека" in card
    assert "ответили: 3 человека" in card
    assert SECRET not in card and "1,00" not in card  # the other school's scores stay out
    await head.press(th.WHO_MISSING.format(count=1))
    assert "Григорьев Глеб Ильич" in head.last_text()

    await head.send(tc.MENU_MY_ORG)
    await head.press(th.ORG_ROUTES)
    assert "Алексеева Анна Олеговна: пройдено 1 из 2" in head.last_text()

    await head.press(th.BACK_TO_ORG)
    await head.press(th.ORG_EXPORT)
    document = head.messages()[-1].document
    assert document is not None
    # Named by the organisation and the school year.
    assert re.fullmatch(r"ГБОУ_школа_№_237_\d{4}-\d{4}\.xlsx", document.filename), document.filename
    workbook = load_workbook(io.BytesIO(document.content))
    assert workbook.sheetnames == [
        th.SHEET_STAFF,
        th.SHEET_EVENTS,
        th.SHEET_DIAGNOSTICS,
        th.SHEET_DEFICITS,
        th.SHEET_ROUTES,
    ]
    names = {row[0] for row in workbook[th.SHEET_STAFF].iter_rows(min_row=2, values_only=True)}
    async with app.sessions() as s:
        expected = set(
            (
                await s.execute(
                    select(Person.full_name).where(
                        Person.organisation_id == world.school.id, Person.telegram_id.is_not(None)
                    )
                )
            ).scalars()
        )
    assert names == expected
    deficits = list(workbook[th.SHEET_DEFICITS].iter_rows(min_row=2, values_only=True))
    teacher_rows = [r for r in deficits if r[0] == form_def.title]
    assert [r[1] for r in teacher_rows] == [a.title for a in form_def.areas]
    assert all(r[2] == 3 and r[3] == 3.17 and r[4] == 1 for r in teacher_rows)
    every_cell = " ".join(
        str(c) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for c in row
    )
    assert SECRET not in every_cell and "Чужой" not in every_cell and "Гусев" not in every_cell
    async with app.sessions() as s:
        entry = (await s.execute(select(AuditEntry))).scalar_one()
        assert entry.action == "export.organisation" and entry.object_id == world.school.id


async def test_few_respondents_and_forged_buttons(app: RunningBot) -> None:
    world = await _world(app)
    # The other school has one respondent: no aggregates at all.
    other_head = app.user(1002)
    await other_head.send(tc.MENU_MY_ORG)
    await other_head.press(th.ORG_DIAGNOSTICS)
    form_def = forms.definition(world.form)
    await other_head.press(f"{form_def.title} — 1 из 1")
    card = other_head.last_text()
    assert th.DIAG_TOO_FEW.format(minimum=3).strip() in card and "средний балл" not in card
    # Nobody in it has answered the heads' card: zero respondents, no aggregates either.
    await other_head.press(tc.BACK)
    async with app.sessions() as s:
        head_card = await forms.active(s, "head_card")
        assert head_card is not None
    await other_head.press(f"{forms.definition(head_card).title} — 0 из 1")
    assert "средний балл" not in other_head.last_text()

    # A teacher pressing the head's buttons, a head asking for another school's lists.
    teacher = app.user(2001)
    await teacher.send("/start")
    for data in (
        "morg:menu:0:0:0",
        "morg:staff:0:0:0",
        f"morg:form:0:0:{world.form.id}",
        "morg:xlsx:0:0:0",
    ):
        await teacher.press_data(data)
        assert teacher.alerts()[-1] == th.NOT_A_HEAD
    await teacher.send(tc.MENU_MY_ORG)
    assert teacher.last_text() == th.NOT_A_HEAD
    for data in (
        f"chase:list:{world.form.id}:0:{world.school.id}:0",
        f"chase:ask:{world.form.id}:0:{world.school.id}:0",
        f"chase:send:{world.form.id}:0:{world.school.id}:0",
        f"chase:scope:{world.form.id}:0:0:0",
        f"chase:list:{world.form.id}:0:0:0",
    ):
        await teacher.press_data(data)
        assert teacher.alerts()[-1] == th.CHASE_NOT_ALLOWED
    head = app.user(1001)
    await head.send("/start")
    for data in (
        f"chase:list:{world.form.id}:0:{world.other.id}:0",
        f"chase:send:{world.form.id}:0:{world.other.id}:0",
        f"chase:list:{world.form.id}:0:0:0",
        f"chase:menu:0:0:{world.other.id}:0",
    ):
        await head.press_data(data)
        assert head.alerts()[-1] == th.CHASE_NOT_ALLOWED
    every_text = " ".join(teacher.texts() + head.texts())
    assert "Чужой" not in every_text and "Гусев" not in every_text and SECRET not in every_text
    async with app.sessions() as s:
        assert (await s.execute(select(AuditEntry))).first() is None
