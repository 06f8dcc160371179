"""Chasing non-responders: lists against the database, one reminder a day however often pressed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services import forms, notification_texts, questionnaire
from bot.texts import common as tc
from bot.texts import heads as th
from models import (
    AuditEntry,
    Notification,
    NotificationKind,
    Person,
    Registration,
    RegistrationStatus,
    Response,
    ResponseStatus,
    Role,
)
from models.base import utcnow
from tests.conftest import RunningBot
from tests.factories import make_event, make_org, make_person
from tests.questionnaire_helpers import load_forms

NAMES = {
    2001: "Алексеева Анна Олеговна",
    2002: "Борисов Борис Юрьевич",
    2003: "Васильева Вера Львовна",
    2004: "Гусева Галина Петровна",
    2005: "Дмитриев Денис Ильич",
}


async def _world(app: RunningBot) -> dict[int, Person]:
    await load_forms(app.sessions)
    async with app.sessions.begin() as s:
        school = await make_org(s)
        other = await make_org(s, "ГБОУ гимназия № 399")
        people = {
            3001: await make_person(s, 3001, Role.METHODOLOGIST, "Белова Анна Сергеевна"),
            1001: await make_person(
                s, 1001, Role.HEAD, "Сидорова Ольга Ивановна", school, head_org_id=school.id
            ),
        }
        for tg, name in NAMES.items():
            org = school if tg <= 2003 else other
            people[tg] = await make_person(s, tg, Role.TEACHER, name, org)
        form = await forms.active(s, "teacher_deficits")
        assert form is not None
        s.add(
            Response(
                form_id=form.id,
                form_code=form.code,
                person_id=people[2001].id,
                status=ResponseStatus.SUBMITTED,
                submitted_at=utcnow(),
            )
        )
        return people


async def _reminders(app: RunningBot) -> list[Notification]:
    async with app.sessions() as s:
        result = await s.execute(
            select(Notification)
            .where(Notification.kind == NotificationKind.FORM_REMINDER)
            .order_by(Notification.id)
        )
        return list(result.scalars())


async def test_form_nonresponders_and_one_reminder_a_day(app: RunningBot) -> None:
    people = await _world(app)
    async with app.sessions() as s:
        form = await forms.active(s, "teacher_deficits")
        assert form is not None
        title = forms.definition(form).title
        # The database's answer: teachers with no submitted response.
        submitted = set(
            (
                await s.execute(
                    select(Response.person_id).where(
                        Response.form_code == form.code,
                        Response.status == ResponseStatus.SUBMITTED,
                    )
                )
            ).scalars()
        )
        teachers = (await s.execute(select(Person).where(Person.role == Role.TEACHER))).scalars()
        expected = sorted(p.full_name or "" for p in teachers if p.id not in submitted)
    assert len(expected) == 4

    methodist = app.user(3001)
    await methodist.send("/admin")
    await methodist.press(th.CHASE_SECTION)
    await methodist.press(th.CHASE_FORM_BUTTON.format(title=title))
    assert "Не ответили: 4" in methodist.last_text()
    assert "ГБОУ школа № 237 (2)" in str(methodist.messages()[-1].buttons)
    await methodist.press(th.CHASE_ALL.format(count=4))
    listed = methodist.last_text()
    for name in expected:
        assert name in listed
    assert NAMES[2001] not in listed
    await methodist.press(th.CHASE_REMIND.format(count=4))
    assert methodist.last_text().startswith("Отправить напоминание 4 получателям?")
    assert await _reminders(app) == []  # nothing before the confirmation
    send_data = next(d for label, d in methodist.messages()[-1].buttons if label == th.CHASE_SEND)
    await methodist.press(th.CHASE_SEND)
    assert methodist.last_text().startswith("Напоминания поставлены в очередь: 4 напоминания.")
    for _ in range(10):
        await methodist.press_data(send_data)
    assert methodist.last_text() == th.CHASE_SENT_NONE.format(skipped="4 человека")
    reminders = await _reminders(app)
    assert sorted(r.person_id for r in reminders) == sorted(
        people[tg].id for tg in (2002, 2003, 2004, 2005)
    )
    day = utcnow().astimezone(app.settings.tz).date().isoformat()
    assert all(r.holdable and r.dedup_key and r.dedup_key.endswith(day) for r in reminders)

    # The head of the first school: their two, already reminded today by the methodologist.
    head = app.user(1001)
    await head.send(tc.MENU_MY_ORG)
    await head.press(th.ORG_CHASE)
    await head.press(th.CHASE_FORM_BUTTON.format(title=title))
    own = head.last_text()
    assert NAMES[2002] in own and NAMES[2003] in own
    assert NAMES[2004] not in own and NAMES[2005] not in own and NAMES[2001] not in own
    await head.press(th.CHASE_REMIND.format(count=2))
    await head.press(th.CHASE_SEND)
    assert head.last_text() == th.CHASE_SENT_NONE.format(skipped="2 человека")
    assert len(await _reminders(app)) == 4

    # The message carries the form's button, and is dropped once the person has answered.
    async with app.sessions.begin() as s:
        row = await s.get(Notification, reminders[0].id)
        assert row is not None
        rendered = await notification_texts.render(s, row, utcnow(), app.settings.tz)
        assert rendered is not None and rendered.form_button is not None
        assert rendered.form_button.form_code == "teacher_deficits"
        s.add(
            Response(
                form_id=form.id,
                form_code=form.code,
                person_id=row.person_id,
                status=ResponseStatus.SUBMITTED,
                submitted_at=utcnow(),
            )
        )
        await s.flush()
        assert await notification_texts.render(s, row, utcnow(), app.settings.tz) is None

    async with app.sessions() as s:
        entries = list((await s.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())
    assert [e.action for e in entries] == ["reminder.form"] * 12
    assert entries[0].details["queued"] == 4 and entries[1].details["queued"] == 0
    assert entries[-1].details["organisation_id"] == people[1001].organisation_id


async def test_event_feedback_nonresponders(app: RunningBot) -> None:
    people = await _world(app)
    async with app.sessions.begin() as s:
        ended = utcnow() - timedelta(days=1)
        event = await make_event(
            s, title="Сетевой семинар по функциональной грамотности", starts_at=ended
        )
        event.feedback_requested_at = utcnow()
        for tg, status in (
            (2002, RegistrationStatus.ATTENDED),
            (2003, RegistrationStatus.NO_SHOW),
            (2004, RegistrationStatus.ATTENDED),
            (2005, RegistrationStatus.ATTENDED),
        ):
            s.add(Registration(event_id=event.id, person_id=people[tg].id, status=status))
        feedback_form = await forms.active(s, "event_feedback")
        assert feedback_form is not None
        context = {"event_id": event.id}
        s.add(
            Response(
                form_id=feedback_form.id,
                form_code=feedback_form.code,
                person_id=people[2005].id,
                status=ResponseStatus.SUBMITTED,
                context=context,
                context_key=questionnaire.context_key(context),
                submitted_at=utcnow(),
            )
        )
        event_id = event.id

    methodist = app.user(3001)
    await methodist.send("/admin")
    await methodist.press(th.CHASE_SECTION)
    await methodist.press(th.CHASE_EVENTS)
    await methodist.press("Сетевой семинар")
    await methodist.press(th.CHASE_ALL.format(count=2))
    listed = methodist.last_text()
    assert NAMES[2002] in listed and NAMES[2004] in listed
    assert NAMES[2003] not in listed and NAMES[2005] not in listed

    head = app.user(1001)
    await head.send(tc.MENU_MY_ORG)
    await head.press(th.ORG_CHASE)
    await head.press(th.CHASE_EVENTS)
    await head.press("Сетевой семинар")
    own = head.last_text()
    assert NAMES[2002] in own and NAMES[2004] not in own
    await head.press(th.CHASE_REMIND.format(count=1))
    await head.press(th.CHASE_SEND)
    reminders = await _reminders(app)
    assert [(r.person_id, r.event_id) for r in reminders] == [(people[2002].id, event_id)]
    assert reminders[0].payload["form"] == {
        "code": "event_feedback",
        "context": {"event_id": event_id},
    }


async def test_long_lists_are_paged_and_one_organisation_can_be_chosen(app: RunningBot) -> None:
    people = await _world(app)
    async with app.sessions.begin() as s:
        colleague = await s.get(Person, people[2002].id)
        assert colleague is not None and colleague.organisation is not None
        for n in range(23):
            name = f"Учителев{n:02d} Иван Ильич"
            await make_person(s, 5000 + n, Role.TEACHER, name, colleague.organisation)
        form = await forms.active(s, "teacher_deficits")
        assert form is not None
        title = forms.definition(form).title
    methodist = app.user(3001)
    await methodist.send("/admin")
    await methodist.press(th.CHASE_SECTION)
    await methodist.press(th.CHASE_FORM_BUTTON.format(title=title))
    await methodist.press("ГБОУ школа № 237 (25)")
    first = methodist.last_text()
    assert "Не ответили: 25" in first and "1. " in first and "20. " in first and "21. " not in first
    assert NAMES[2004] not in first  # the other school is not in this list
    await methodist.press(tc.NEXT_PAGE)
    second = methodist.last_text()
    assert "21. " in second and "25. " in second and "1. Б" not in second
    await methodist.press(th.CHASE_REMIND.format(count=25))
    assert methodist.last_text().startswith("Отправить напоминание 25 получателям?")
    await methodist.press(th.CHASE_SEND)
    assert len(await _reminders(app)) == 25
