"""Confirmed leadership: a self-declared head sees nothing until a methodologist confirms them."""

from __future__ import annotations

from sqlalchemy import select

from bot.services import chase, form_stats, forms
from bot.texts import common as tc
from bot.texts import heads as th
from bot.texts import onboarding as to
from bot.texts import profile as tp
from models import AuditEntry, Notification, Person, Role, RoleRequest, RoleRequestStatus
from tests.conftest import ADMIN_ID, RunningBot
from tests.factories import make_org, make_person
from tests.questionnaire_helpers import load_forms


async def _register(app: RunningBot, user_id: int, name: str, role: Role) -> None:
    user = app.user(user_id)
    await user.send("/start")
    await user.press(to.CONSENT_YES)
    await user.send(name)
    await user.press(to.ROLE_LABELS[role])
    await user.send("237")
    await user.press("ГБОУ школа № 237")
    await user.send("директор")
    await user.press(to.SUMMARY_OK)


async def _person(app: RunningBot, telegram_id: int) -> Person:
    async with app.sessions() as s:
        person = (
            await s.execute(select(Person).where(Person.telegram_id == telegram_id))
        ).scalar_one()
        return person


async def test_head_claim_is_confirmed_then_dropped_by_org_change(app: RunningBot) -> None:
    async with app.sessions.begin() as s:
        org = await make_org(s)
        await make_org(s, "ГБОУ гимназия № 399")
        await make_person(s, 3001, role=Role.METHODOLOGIST, full_name="Белова Анна Сергеевна")
        await make_person(s, 2001, organisation=org, full_name="Петров Пётр Петрович")
    await _register(app, 1001, "Сидорова Ольга Ивановна", Role.HEAD)
    head = app.user(1001)
    assert th.REQUEST_SENT_HEAD in head.last_text()
    assert tc.MENU_MY_ORG not in head.keyboard()
    # Unconfirmed: «Моя организация» typed, or its buttons forged, reveal nothing.
    await head.send(tc.MENU_MY_ORG)
    assert head.last_text() == th.NOT_A_HEAD
    await head.press_data("morg:staff:0:0:0")
    assert head.alerts()[-1] == th.NOT_A_HEAD
    assert "Петров Пётр" not in " ".join(head.texts())

    # A teacher cannot open the confirmation section; a methodologist confirms.
    teacher = app.user(2001)
    await teacher.send("/start")
    await teacher.press_data("hreq:yes:1:0")
    assert (await _person(app, 1001)).head_org_id is None
    methodist = app.user(3001)
    await methodist.send("/admin")
    await methodist.press(th.SECTION)
    assert "Сидорова Ольга Ивановна — руководитель" in str(methodist.messages()[-1].buttons)
    await methodist.press("Сидорова Ольга Ивановна")
    card = methodist.last_text()
    assert "ГБОУ школа № 237" in card and "директор" in card
    await methodist.press(th.CONFIRM)
    assert "подтверждён(а)" in methodist.last_text()
    await methodist.press_data("hreq:yes:1:0")  # a second press changes nothing
    assert "уже рассмотрели" in methodist.last_text()

    person = await _person(app, 1001)
    assert person.confirmed_org_id == person.organisation_id
    async with app.sessions() as s:
        notices = list((await s.execute(select(Notification))).scalars())
        assert [n.person_id for n in notices] == [person.id]
        assert "подтвердил" in notices[0].text
        assert notices[0].payload["buttons"] == [
            [[th.MY_ORG_BUTTON, {"target": "my_org", "id": 0}]]
        ]
        actions = [a.action for a in (await s.execute(select(AuditEntry))).scalars()]
        assert actions == ["head.confirm"]

    await head.send("/start")
    assert tc.MENU_MY_ORG in head.keyboard()
    await head.send(tc.MENU_MY_ORG)
    assert "ГБОУ школа № 237" in head.last_text()

    # Changing the organisation drops the confirmation and asks again.
    await head.send("/profile")
    await head.press(tp.EDIT_ORGANISATION)
    await head.send("399")
    await head.press("ГБОУ гимназия № 399")
    assert th.REQUEST_SENT_HEAD in " ".join(head.texts()[-3:])
    person = await _person(app, 1001)
    assert person.head_org_id is None and person.confirmed_org_id is None
    await head.send(tc.MENU_MY_ORG)
    assert head.last_text() == th.NOT_A_HEAD
    async with app.sessions() as s:
        requests = list((await s.execute(select(RoleRequest).order_by(RoleRequest.id))).scalars())
        assert [r.status for r in requests] == [
            RoleRequestStatus.DROPPED,
            RoleRequestStatus.PENDING,
        ]
        actions = [a.action for a in (await s.execute(select(AuditEntry))).scalars()]
        assert actions == ["head.confirm", "head.drop"]


async def test_reject_and_revoke(app: RunningBot) -> None:
    async with app.sessions.begin() as s:
        await make_org(s)
        await make_person(s, 3001, role=Role.METHODOLOGIST, full_name="Белова Анна Сергеевна")
    await _register(app, 1001, "Сидорова Ольга Ивановна", Role.HEAD)
    await _register(app, 1002, "Кузнецов Иван Ильич", Role.DEPUTY)
    methodist = app.user(3001)
    await methodist.send("/admin")
    await methodist.press(th.SECTION)
    await methodist.press("Кузнецов Иван Ильич")
    await methodist.press(th.REJECT)
    assert "отклонена" in methodist.last_text()
    await methodist.press(tc.BACK)
    await methodist.press("Сидорова Ольга Ивановна")
    await methodist.press(th.CONFIRM)
    assert (await _person(app, 1002)).confirmed_org_id is None
    assert (await _person(app, 1001)).confirmed_org_id is not None

    await methodist.press(tc.BACK)
    await methodist.press(th.CONFIRMED_LIST)
    await methodist.press("Сидорова Ольга Ивановна")
    await methodist.press(th.REVOKE_YES)
    assert "отозвано" in methodist.last_text()
    assert (await _person(app, 1001)).confirmed_org_id is None
    head = app.user(1001)
    await head.send(tc.MENU_MY_ORG)
    assert head.last_text() == th.NOT_A_HEAD
    async with app.sessions() as s:
        actions = [a.action for a in (await s.execute(select(AuditEntry))).scalars()]
        assert actions == ["head.reject", "head.confirm", "head.revoke"]


async def test_methodical_staff_waits_for_an_admin(app: RunningBot) -> None:
    async with app.sessions.begin() as s:
        await make_org(s)
        await make_person(s, 3001, role=Role.METHODOLOGIST, full_name="Белова Анна Сергеевна")
        await make_person(s, ADMIN_ID, role=Role.ADMIN, full_name="Админов Пётр Ильич")
    await _register(app, 1003, "Орлова Вера Павловна", Role.METHODICAL_STAFF)
    newcomer = app.user(1003)
    assert th.REQUEST_SENT_METHODIST in newcomer.last_text()
    assert (await _person(app, 1003)).role == Role.METHODICAL_STAFF
    await newcomer.send("/admin")
    assert "Раздел методиста" not in newcomer.last_text()
    # Not counted among the teachers: neither in a form's coverage nor among non-responders.
    await load_forms(app.sessions)
    async with app.sessions() as s:
        form = await forms.active(s, "teacher_deficits")
        assert form is not None
        covered = [n for c in await form_stats.coverage(s, form) for n in c.not_started]
        subject = await chase.form_subject(s, form.id)
        assert subject is not None
        chased = [p.full_name for p in await chase.missing(s, subject, None)]
    assert "Орлова Вера Павловна" not in covered + chased

    methodist = app.user(3001)
    await methodist.send("/admin")
    await methodist.press(th.SECTION)
    assert methodist.last_text() == th.LIST_EMPTY  # not theirs to decide
    await methodist.press_data("hreq:yes:1:0")
    assert methodist.alerts()[-1] == th.REQUEST_GONE
    assert (await _person(app, 1003)).role == Role.METHODICAL_STAFF

    admin = app.user(ADMIN_ID)
    await admin.send("/admin")
    await admin.press(th.SECTION)
    await admin.press("Орлова Вера Павловна")
    await admin.press(th.CONFIRM)
    assert (await _person(app, 1003)).role == Role.METHODOLOGIST
    await newcomer.send("/admin")
    assert "Раздел методиста" in newcomer.last_text()
