"""Organisations typed in by people: a methodologist renames, merges (people move; a merge into
itself is refused) or rejects them, each in the audit log, so a school is never counted twice."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.callbacks import OrgFixCb
from bot.texts import admin as tadm
from bot.texts import orgs as t
from models import AuditEntry, Organisation, OrgKind, Person, Role
from tests.conftest import ADMIN_ID, RunningBot
from tests.factories import make_org, make_person


async def rows(app: RunningBot, model: Any, *where: Any) -> list[Any]:
    async with app.sessions() as s:
        return list((await s.execute(select(model).where(*where))).scalars())


async def setup(app: RunningBot) -> dict[str, int]:
    async with app.sessions.begin() as s:
        await make_person(s, ADMIN_ID, role=Role.METHODOLOGIST, organisation=None)
        real = await make_org(s, "ГБОУ школа № 237")
        typed = Organisation(kind=OrgKind.OTHER, municipality="", is_confirmed=False)
        typed.set_name("школа 237 на Невском")
        other = Organisation(kind=OrgKind.OTHER, municipality="", is_confirmed=False)
        other.set_name("шк 5")
        s.add_all([typed, other])
        await s.flush()
        await make_person(s, 1001, organisation=typed)
        await make_person(s, 1002, organisation=typed)
        await make_person(s, 1003, organisation=other)
        return {"real": real.id, "typed": typed.id, "other": other.id}


async def test_merge_moves_people_and_refuses_itself(app: RunningBot) -> None:
    ids = await setup(app)
    admin = app.user(ADMIN_ID)
    await admin.send("/admin")
    await admin.press(tadm.SECTION_ORGS_PENDING)
    await admin.press("школа 237 на Невском")
    assert "Людей с этой организацией: 2" in admin.last_text()
    await admin.press(t.BTN_MERGE)
    await admin.send("237")
    buttons = [b for b, _ in admin.messages()[-1].buttons]
    assert "ГБОУ школа № 237" in buttons and "школа 237 на Невском" not in buttons
    # A forged button merging the organisation into itself is refused.
    await admin.press_data(OrgFixCb(a="into", o=ids["typed"], t=ids["typed"]).pack())
    await admin.press_data(OrgFixCb(a="into_yes", o=ids["typed"], t=ids["typed"]).pack())
    assert admin.alerts().count(t.MERGE_SELF) == 2
    assert len(await rows(app, Organisation)) == 3
    await admin.press("ГБОУ школа № 237")
    assert "2 человека перейдут в «ГБОУ школа № 237»" in admin.last_text()
    await admin.press(t.BTN_MERGE_YES)
    assert "2 человека перешли" in admin.last_text()
    moved = await rows(app, Person, Person.telegram_id.in_([1001, 1002]))
    assert {p.organisation_id for p in moved} == {ids["real"]}
    assert await rows(app, Organisation, Organisation.id == ids["typed"]) == []
    (entry,) = await rows(app, AuditEntry, AuditEntry.action == "org.merge")
    assert entry.object_id == ids["real"] and entry.details["people"] == 2
    # The confirmation pressed again finds nothing to merge.
    await admin.press_data(OrgFixCb(a="into_yes", o=ids["typed"], t=ids["real"]).pack())
    assert t.NOT_FOUND in admin.alerts()


async def test_rename_and_reject(app: RunningBot) -> None:
    ids = await setup(app)
    admin = app.user(ADMIN_ID)
    await admin.send("/admin")
    await admin.press(tadm.SECTION_ORGS_PENDING)
    await admin.press("шк 5")
    await admin.press(t.BTN_RENAME)
    await admin.send("гбоу  школа № 237")
    assert t.NAME_TAKEN in admin.last_text()
    await admin.send("МБОУ СОШ № 5")
    assert "Название изменено: «МБОУ СОШ № 5»" in admin.last_text()
    (org,) = await rows(app, Organisation, Organisation.id == ids["other"])
    assert org.name == "МБОУ СОШ № 5" and not org.is_confirmed

    await admin.send("/admin")
    await admin.press(tadm.SECTION_ORGS_PENDING)
    await admin.press("школа 237 на Невском")
    await admin.press(t.BTN_REJECT)
    assert "Людей с ней: 2" in admin.last_text()
    await admin.press(t.BTN_REJECT_YES)
    people = await rows(app, Person, Person.telegram_id.in_([1001, 1002]))
    assert all(p.organisation_id is None for p in people)
    await admin.press_data(OrgFixCb(a="reject_yes", o=ids["typed"]).pack())
    assert t.NOT_FOUND in admin.alerts()
    actions = [a.action for a in await rows(app, AuditEntry)]
    assert "org.rename" in actions and "org.reject" in actions

    await admin.send("/admin")
    await admin.press(tadm.SECTION_ORGS_PENDING)
    await admin.press("МБОУ СОШ № 5")
    await admin.press(t.BTN_CONFIRM)
    (org,) = await rows(app, Organisation, Organisation.id == ids["other"])
    assert org.is_confirmed
    assert t.PENDING_EMPTY in admin.last_text()
