"""Mentoring: a young teacher asks in the profile, a methodologist pairs them with a mentor (a
person in the bot), both are told with each other's contact; a mentor who deleted their data
or the mentee themself cannot be chosen."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.callbacks import AMentCb, MentCb, for_target
from bot.emulator import EmulatedUser
from bot.texts import common as tc
from bot.texts import mentoring as t
from bot.texts import profile as tp
from models import AuditEntry, Mentoring, MentoringStatus, Notification, Person, Role
from models.base import utcnow
from tests.conftest import ADMIN_ID, RunningBot
from tests.factories import make_org, make_person


async def rows(app: RunningBot, model: Any, *where: Any) -> list[Any]:
    async with app.sessions() as s:
        return list((await s.execute(select(model).where(*where))).scalars())


async def test_request_pair_and_contacts(app: RunningBot) -> None:
    async with app.sessions.begin() as s:
        org = await make_org(s)
        await make_person(s, ADMIN_ID, role=Role.METHODOLOGIST, full_name="Методистова О.")
        young = await make_person(
            s, 1001, full_name="Молодова Юлия", organisation=org, is_young_specialist=True
        )
        mentor = await make_person(s, 1002, full_name="Опытнова Вера", organisation=org)
        gone = await make_person(s, 1003, full_name="Опытнова Галина")
        ids = {"young": young.id, "mentor": mentor.id, "gone": gone.id}
        org_name = org.name
    teacher = app.user(1001)
    await teacher.send(tc.MENU_PROFILE)
    await teacher.press(t.BTN_ASK)
    assert teacher.last_text() == t.ASKED
    await teacher.press(t.BTN_ASK)
    assert teacher.last_text() == t.ALREADY_ASKED
    (item,) = await rows(app, Mentoring)
    assert item.status == MentoringStatus.REQUESTED and item.source == "profile"

    admin = app.user(ADMIN_ID)
    await admin.send("/admin")
    await admin.press(t.SECTION)
    await admin.press("Молодова Юлия")
    await admin.press(t.BTN_PICK)
    await admin.send("Молодова")  # the mentee themself is not offered
    assert admin.last_text() == t.NOBODY
    await admin.send("опытнова")
    names = [b for b, _ in admin.messages()[-1].buttons]
    assert "Опытнова Вера" in names and "Опытнова Галина" in names
    await admin.press("Опытнова Галина")
    async with app.sessions.begin() as s:  # she deletes her data meanwhile
        person = await s.get(Person, ids["gone"])
        assert person is not None
        person.deleted_at = utcnow()
    await admin.press(t.BTN_PAIR)
    assert t.MENTOR_GONE in admin.alerts()
    await admin.press_data(AMentCb(a="pair", i=item.id, p=ids["young"]).pack())
    assert t.SELF_MENTOR in admin.alerts()
    (item,) = await rows(app, Mentoring)
    assert item.status == MentoringStatus.REQUESTED

    await admin.send("опытнова вера")
    await admin.press("Опытнова Вера")
    await admin.press(t.BTN_PAIR)
    (item,) = await rows(app, Mentoring)
    assert item.status == MentoringStatus.ACTIVE and item.mentor_id == ids["mentor"]
    assert item.started_at is not None
    notices = {n.person_id: n for n in await rows(app, Notification)}
    assert "Опытнова Вера" in notices[ids["young"]].text
    assert "Молодова Юлия" in notices[ids["mentor"]].text
    # … and a button to their own mentoring screen, where the contact link is (no tg://user
    # button, which Telegram refuses for people whose privacy settings hide them).
    assert all(
        "url" not in spec for row in notices[ids["young"]].payload["buttons"] for _, spec in row
    )
    ((label, target),) = notices[ids["mentor"]].payload["buttons"][0]
    assert label == t.BTN_MINE
    assert for_target(target["target"], target["id"]) == MentCb(a="mine")
    assert "mentoring.pair" in {a.action for a in await rows(app, AuditEntry)}
    # The teacher now sees the mentor; a stale «Да, назначить» changes nothing.
    await teacher.press(t.BTN_ASK)
    assert "Ваш наставник: Опытнова Вера" in teacher.last_text()
    await admin.press_data(AMentCb(a="pair", i=item.id, p=ids["gone"]).pack())
    assert t.NOT_FOUND in admin.alerts()

    # Each sees the other on their own screen, from /profile: organisation, start, status,
    # and a link to write in Telegram.
    mentor_user = app.user(1002)
    await mentor_user.send("/profile")
    await mentor_user.press(t.BTN_MINE)
    screen = mentor_user.messages()[-1].raw_text or ""
    assert "<b>Вы наставник</b>: 1 наставляемый" in screen
    assert f"Молодова Юлия, учитель математики, {org_name}" in screen
    assert t.MINE_STATUS_ACTIVE in screen and "С " in screen
    assert '<a href="tg://user?id=1001">' in screen
    await teacher.send("/profile")
    await teacher.press(t.BTN_MINE)
    screen = teacher.messages()[-1].raw_text or ""
    assert screen.startswith(t.MINE_TITLE) and t.MINE_MENTOR in screen
    assert "Опытнова Вера" in screen and '<a href="tg://user?id=1002">' in screen
    # Someone in no pair has no such button, and a forged one changes nothing.
    assert t.BTN_MINE not in [b for b, _ in await _profile_buttons(admin)]
    assert tp.EDIT_FULL_NAME in [b for b, _ in admin.messages()[-1].buttons]
    await admin.press_data("ment:mine")
    assert admin.alerts()[-1] == t.MINE_NONE

    # The pair finishes and the mentee deletes their data: the mentor keeps the history,
    # without the name or a link.
    await admin.send("/admin")
    await admin.press(t.SECTION)
    await admin.press_data(AMentCb(a="card", i=item.id).pack())
    await admin.press(t.BTN_FINISH)
    await teacher.send("/delete_me")
    await teacher.press(tp.DELETE_YES)
    await mentor_user.send("/profile")
    await mentor_user.press(t.BTN_MINE)
    screen = mentor_user.messages()[-1].raw_text or ""
    assert "Молодова" not in screen and "tg://user" not in screen
    assert t.ANONYMOUS in screen and t.MINE_CONTACT_GONE in screen
    assert "завершено" in screen


async def _profile_buttons(user: EmulatedUser) -> list[tuple[str, str]]:
    await user.send("/profile")
    return list(user.messages()[-1].buttons)


async def test_wanting_a_mentor_in_the_diagnostics_makes_a_request(app: RunningBot) -> None:
    from bot.texts import forms as tf
    from tests.questionnaire_helpers import fill, load_forms, repo_form

    teacher_form = repo_form("teacher_deficits")
    await load_forms(app.sessions)
    async with app.sessions.begin() as s:
        await make_person(s, 2002, role=Role.TEACHER)
    teacher = app.user(2002)
    await teacher.send(tc.MENU_DIAGNOSTICS)
    await teacher.press(tf.DIAG_START.format(title=teacher_form.title))
    await fill(teacher, teacher_form, {"experience": "up_to_3", "has_mentor": "want"})
    await teacher.press(tf.SUBMIT)
    (item,) = await rows(app, Mentoring)
    assert item.source == "diagnostic" and item.status == MentoringStatus.REQUESTED
