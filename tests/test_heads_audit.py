"""The audit log after a round of admin actions: paged in the chat, filtered, exported."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import select

from bot.services import heads
from bot.texts import audit as ta
from bot.texts import heads as th
from bot.texts import profile as tp
from models import AuditEntry, Person, Registration, RegistrationStatus, Role
from tests.conftest import ADMIN_ID, RunningBot
from tests.factories import make_event, make_org, make_person


async def test_round_of_admin_actions_is_logged(app: RunningBot) -> None:
    async with app.sessions.begin() as s:
        school = await make_org(s)
        await make_person(s, ADMIN_ID, Role.TEACHER, "Админов Пётр Ильич")
        await make_person(s, 2001, Role.TEACHER, "Белова Анна Сергеевна", school)
        teacher = await make_person(s, 2003, Role.TEACHER, "Удалова Ирина Петровна", school)
        head = await make_person(s, 1001, Role.HEAD, "Сидорова Ольга Ивановна", school)
        await heads.request_if_needed(s, head)
        event = await make_event(s, title="Вебинар для отмены")
        s.add(
            Registration(
                event_id=event.id, person_id=teacher.id, status=RegistrationStatus.REGISTERED
            )
        )
        event_id = event.id

    admin = app.user(ADMIN_ID)
    await admin.send("/grant_methodist 2001")
    methodist = app.user(2001)
    await methodist.send("/admin")
    await methodist.press_data(f"aev:export:{event_id}:0")
    assert methodist.messages()[-1].document is not None
    await methodist.press_data(f"aev:cancel:{event_id}:0")
    await methodist.send("Лектор заболел")
    await methodist.press_data(f"aev:cancel_yes:{event_id}:0")
    await methodist.send("/admin")
    await methodist.press(th.SECTION)
    await methodist.press("Сидорова Ольга Ивановна")
    await methodist.press(th.CONFIRM)
    leaving = app.user(2003)
    await leaving.send("/delete_me")
    await leaving.press(tp.DELETE_YES)

    async with app.sessions() as s:
        entries = list((await s.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())
        ids = {p.telegram_id: p.id for p in (await s.execute(select(Person))).scalars()}
    assert [e.action for e in entries] == [
        "role.grant",
        "export.registrations",
        "event.cancel",
        "head.confirm",
        "privacy.delete",
    ]
    assert entries[1].actor_id == ids[2001] and entries[1].object_id == event_id
    assert entries[2].details == {"notified": 1}
    assert "Лектор" not in str([e.details for e in entries])

    # A methodologist has no access to the log, nor by a forged button.
    await methodist.send("/admin")
    assert ta.SECTION not in str(methodist.messages()[-1].buttons)
    await methodist.press_data("alog:list::0:0")
    assert methodist.alerts()[-1] == ta.ONLY_ADMIN
    await methodist.press_data("adm:audit")
    assert methodist.alerts()[-1] == ta.ONLY_ADMIN

    await admin.send("/admin")
    await admin.press(ta.SECTION)
    page = admin.last_text()
    assert "Записей: 5" in page
    assert "Белова Анна Сергеевна: отменил(а) мероприятие (мероприятие № 1)" in page
    assert "Админов Пётр Ильич: назначил(а) методистом → Белова Анна Сергеевна" in page
    await admin.press(ta.KIND_BUTTON.format(kind=ta.KIND_ALL))
    await admin.press(ta.KINDS["export"])
    assert "Записей: 1" in admin.last_text() and "выгрузил(а) записавшихся" in admin.last_text()
    await admin.press_data("alog:list:nonsense:3:0")  # forged filters: everything
    assert "Записей: 5" in admin.last_text()
    await admin.press(ta.PERIOD_BUTTON.format(period=ta.PERIODS[0]))
    await admin.press(ta.PERIODS[1])
    assert "Записей: 5" in admin.last_text()

    await admin.press(ta.EXPORT_XLSX)
    document = admin.messages()[-1].document
    assert document is not None and document.filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(document.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ta.EXPORT_HEADERS
    assert [r[3] for r in rows[1:]] == [e.action for e in reversed(entries)]
    await admin.press(ta.EXPORT_CSV)
    document = admin.messages()[-1].document
    assert document is not None
    text = document.content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert table[0] == ta.EXPORT_HEADERS and len(table) == 1 + 6  # the XLSX export is in it now
    async with app.sessions() as s:
        actions = [e.action for e in (await s.execute(select(AuditEntry))).scalars()]
    assert actions[-2:] == ["export.audit", "export.audit"]
