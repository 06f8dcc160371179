"""«Отчёты и выгрузки» through the real Dispatcher and the Bot API emulator."""

from __future__ import annotations

import csv
import io

from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from bot.callbacks import ReportCb
from bot.emulator import ApiCall
from bot.services import indicators
from bot.services.exports import KINDS
from bot.texts import admin as ta
from bot.texts import common as tc
from bot.texts import indicators as ti
from bot.texts import profile as tp
from bot.texts import reports as t
from models import AuditEntry, Person, ReportTemplate, Role
from tests.conftest import ADMIN_ID, RunningBot
from tests.factories import make_person
from tests.report_seed import YEAR, seed


def _documents(calls: list[ApiCall]) -> list[tuple[str, bytes]]:
    return [
        (c.files["document"].filename, c.files["document"].content)
        for c in calls
        if c.method == "sendDocument"
    ]


async def test_methodologist_gets_reports_and_exports(app: RunningBot) -> None:
    await seed(app.sessions)
    admin = app.user(ADMIN_ID, "Методист")
    await admin.send("/admin")
    await admin.press(t.SECTION)
    assert "Отчёты и выгрузки" in admin.last_text()
    # Choose the year by typing it: a wrong period first, which changes nothing.
    await admin.press(t.CHANGE_PERIOD)
    await admin.press(t.PERIOD_TYPE)
    await admin.send("31.03.2026–01.01.2026")
    assert t.PERIOD_END_BEFORE_START in admin.last_text()
    await admin.send(YEAR)
    assert "2025/2026 учебный год" in admin.last_text()

    calls = await admin.press(t.INDICATORS)
    text = next(c.text for c in calls if c.method == "sendMessage" and c.text)
    assert "Прошли диагностику</b>: 3 из 6 — 50,0 %" in (
        next(c.params["text"] for c in calls if c.method == "sendMessage")
    )
    assert "Алексеева" not in text  # no names in the chat summary
    photos = [c for c in calls if c.method == "sendPhoto"]
    assert len(photos) == 3 and all(c.files["photo"].content.startswith(b"\x89PNG") for c in photos)

    calls = await admin.press(t.ANNUAL)
    files = dict(_documents(calls))
    docx = Document(io.BytesIO(files["аналитический_отчёт_2025-2026.docx"]))
    assert any("Всего проведено мероприятий: 4" in p.text for p in docx.paragraphs)
    book = load_workbook(io.BytesIO(files["аналитический_отчёт_2025-2026.xlsx"]))
    assert "Показатели" in book.sheetnames

    await admin.press(t.EXPORTS)
    calls = await admin.press(
        "CSV",
    )  # the first CSV button: people
    ((name, content),) = _documents(calls)
    assert name == "участники_2025-2026.csv" and content.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == list(t.PEOPLE_HEADERS) and len(lines) == 8
    calls = await admin.press_data(ReportCb(a="file", p=YEAR, k="registrations", f="xlsx").pack())
    ((name, content),) = _documents(calls)
    sheet = load_workbook(io.BytesIO(content)).active
    assert name == "записи_2025-2026.xlsx" and sheet.max_row == 11

    # An empty month: a message, not an empty file.
    calls = await admin.press_data(ReportCb(a="file", p="2024-03", k="events", f="xlsx").pack())
    assert not _documents(calls)
    assert "нет данных" in admin.last_text()
    await admin.press_data(ReportCb(a="annual", p="2024-03").pack())
    assert admin.last_text() == t.ANNUAL_NO_DATA.format(period="март 2024")
    await admin.press_data(ReportCb(a="ind", p="2024-03").pack())
    assert admin.last_text().startswith(ti.NOTHING.format(period="март 2024")[:20])

    # Forged buttons: a period the end of which is before its start, an unknown table.
    await admin.press_data("arep:file:2026-03-31..2026-01-01:people:xlsx")
    await admin.press_data(ReportCb(a="file", p=YEAR, k="passwords", f="xlsx").pack())
    assert admin.alerts()[-2:] == [t.STALE, t.STALE]

    await admin.press_data(ReportCb(a="menu", p=YEAR).pack())
    await admin.press(ta.BTN_TO_MENU)
    assert admin.last_text().startswith("Раздел методиста")
    assert ta.MENU.startswith("<b>Раздел методиста")

    async with app.sessions() as s:
        actions = (await s.execute(select(AuditEntry.action))).scalars().all()
    assert {"report.indicators", "report.annual", "export.people", "export.registrations"} <= set(
        actions
    )


async def test_teacher_cannot_ask_for_reports(app: RunningBot) -> None:
    await seed(app.sessions)
    teacher = app.user(101, "Анна")
    await teacher.send("/admin")
    assert teacher.last_text() == tc.NOT_ALLOWED
    calls = await teacher.press_data(ReportCb(a="file", p=YEAR, k="people", f="xlsx").pack())
    await teacher.press_data(ReportCb(a="annual", p=YEAR).pack())
    assert not _documents(calls)
    assert teacher.alerts() == [tc.STALE_BUTTON, tc.STALE_BUTTON]
    async with app.sessions() as s:
        assert (await s.execute(select(AuditEntry))).first() is None
    assert set(KINDS) == set(t.EXPORT_KINDS)


async def test_template_upload_in_chat(app: RunningBot) -> None:
    async with app.sessions.begin() as s:
        await make_person(s, 3001, role=Role.METHODOLOGIST, full_name="Белова Анна Сергеевна")
    methodologist = app.user(3001, "Анна")
    await methodologist.send("/admin")
    await methodologist.press(t.SECTION)
    await methodologist.press(t.TEMPLATE)
    assert t.TEMPLATE_DEFAULT in methodologist.last_text()
    calls = await methodologist.press(t.TEMPLATE_GET)
    ((name, default),) = _documents(calls)
    assert name == t.TEMPLATE_FILE
    await methodologist.press(t.TEMPLATE_UPLOAD)
    await methodologist.send_document("отчёт.docx", b"PK\x03\x04 broken")
    assert "Шаблон не принят" in methodologist.last_text()
    doc = Document()
    doc.add_paragraph("Отчёт за {{ period } и {% for %}")
    buffer = io.BytesIO()
    doc.save(buffer)
    await methodologist.send_document("отчёт.docx", buffer.getvalue())
    assert "в нём ошибка" in methodologist.last_text()
    async with app.sessions() as s:
        assert (await s.execute(select(ReportTemplate))).first() is None
    await methodologist.send_document("отчёт.docx", default)
    assert t.TEMPLATE_ACCEPTED.format(name="отчёт.docx") in methodologist.texts()
    async with app.sessions() as s:
        (stored,) = (await s.execute(select(ReportTemplate))).scalars().all()
    assert stored.content == default and stored.filename == "отчёт.docx"


async def test_year_work_began_in_profile(app: RunningBot) -> None:
    async with app.sessions.begin() as s:
        await make_person(s, 2002, is_young_specialist=True)
    user = app.user(2002, "Мария")
    await user.send(tc.MENU_PROFILE)
    await user.press(tp.EDIT_WORK_YEAR)
    await user.send("в прошлом году")
    assert user.last_text().startswith("Напишите год четырьмя цифрами")
    await user.send("1900")
    assert user.last_text().startswith("Напишите год четырьмя цифрами")
    await user.send("2024 г.")
    assert "Год начала работы в образовании: 2024" in user.last_text()
    async with app.sessions() as s:
        person = (await s.execute(select(Person).where(Person.telegram_id == 2002))).scalar_one()
    assert person.work_start_year == 2024
    assert indicators.is_young(True, 2024, 2026) and not indicators.is_young(True, 2023, 2026)
    assert indicators.is_young(True, None, 2026) and not indicators.is_young(False, 2026, 2026)
