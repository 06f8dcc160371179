"""Roles in the chat: admins find people by name or organisation; admins cannot be demoted."""

from __future__ import annotations

from sqlalchemy import select

from bot.texts import admin as t
from models import AuditEntry, Person, Role
from tests.conftest import ADMIN_ID, RunningBot
from tests.factories import make_org, make_person


async def _roles(app: RunningBot) -> dict[int | None, Role]:
    async with app.sessions() as s:
        return {p.telegram_id: p.role for p in (await s.execute(select(Person))).scalars()}


async def test_admin_grants_and_revokes_by_search(app: RunningBot) -> None:
    async with app.sessions.begin() as s:
        school = await make_org(s)
        await make_person(s, ADMIN_ID, Role.TEACHER, "Админов Пётр Ильич")
        await make_person(s, 2001, Role.TEACHER, "Иванова Мария Петровна", school)
        await make_person(s, 2002, Role.TEACHER, "Смирнов Олег Ильич", school)
    admin = app.user(ADMIN_ID)
    await admin.send("/admin")
    await admin.press(t.SECTION_STAFF)
    await admin.press(t.STAFF_FIND)
    await admin.send("ив")
    assert admin.last_text() == t.STAFF_QUERY_SHORT
    await admin.send("школа 237")  # by organisation: both teachers
    labels = [label for label, _ in admin.messages()[-1].buttons]
    assert "Иванова Мария Петровна — ГБОУ школа № 237" in labels
    assert "Смирнов Олег Ильич — ГБОУ школа № 237" in labels
    await admin.send("иванова")  # still asking: by name
    await admin.press("Иванова Мария Петровна — ГБОУ школа № 237")
    assert "Назначить методистом Иванова Мария Петровна" in admin.last_text()
    assert (await _roles(app))[2001] == Role.TEACHER  # nothing before the confirmation
    await admin.press(t.STAFF_YES_GRANT)
    assert admin.last_text() == t.STAFF_GRANTED.format(name="Иванова Мария Петровна")
    assert (await _roles(app))[2001] == Role.METHODOLOGIST

    await admin.send("/admin")
    await admin.press(t.SECTION_STAFF)
    assert "Иванова Мария Петровна — методист, ГБОУ школа № 237" in admin.last_text()
    await admin.press(t.STAFF_REVOKE_BUTTON.format(name="Иванова Мария Петровна"))
    await admin.press(t.STAFF_YES_REVOKE)
    assert (await _roles(app))[2001] == Role.TEACHER
    async with app.sessions() as s:
        entries = list((await s.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())
    assert [e.action for e in entries] == ["role.grant", "role.revoke"]
    assert all(e.actor_id is not None and e.subject_person_id is not None for e in entries)


async def test_nobody_demotes_an_admin(app: RunningBot) -> None:
    async with app.sessions.begin() as s:
        configured = await make_person(s, ADMIN_ID, Role.METHODOLOGIST, "Админов Пётр Ильич")
        other_admin = await make_person(s, 4001, Role.ADMIN, "Главная Анна Ивановна")
        methodist = await make_person(s, 3001, Role.METHODOLOGIST, "Белова Анна Сергеевна")
    # A methodologist: no buttons, refusals on commands and forged buttons.
    user = app.user(3001)
    await user.send("/admin")
    await user.press(t.SECTION_STAFF)
    assert t.STAFF_ONLY_ADMIN in user.last_text()
    assert t.STAFF_FIND not in str(user.messages()[-1].buttons)
    await user.send("/revoke_methodist 4001")
    assert user.last_text() == t.STAFF_ONLY_ADMIN
    for data in (f"astf:revoke:{other_admin.id}:0", f"astf:revoke:{configured.id}:0",
                 f"astf:pick_revoke:{configured.id}:0", "astf:find:0:0"):  # fmt: skip
        await user.press_data(data)
        assert user.alerts()[-1] == t.STAFF_ONLY_ADMIN
    # The admin in the database cannot demote the one in ADMIN_IDS (a methodologist in the
    # database), nor the configured admin the database one.
    second = app.user(4001)
    await second.send("/admin")
    await second.press_data(f"astf:revoke:{configured.id}:0")
    assert "ADMIN_IDS" in second.last_text()
    await second.send(f"/revoke_methodist {ADMIN_ID}")
    assert "ADMIN_IDS" in second.last_text()
    first = app.user(ADMIN_ID)
    await first.send("/admin")
    await first.press_data(f"astf:pick_revoke:{other_admin.id}:0")
    assert "администратор" in first.alerts()[-1]
    await first.press_data(f"astf:revoke:{other_admin.id}:0")
    assert "администратор" in first.last_text()
    roles = await _roles(app)
    assert roles[ADMIN_ID] == Role.METHODOLOGIST and roles[4001] == Role.ADMIN
    assert roles[3001] == Role.METHODOLOGIST
    async with app.sessions() as s:
        assert (await s.execute(select(AuditEntry))).first() is None
    del methodist
