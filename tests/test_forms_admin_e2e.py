"""Methodologists and forms: a new version sent in the chat, coverage, averages, answers,
XLSX and CSV exports."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from bot.forms import FORMS_DIR
from bot.services import questionnaire
from bot.texts import common as tc
from bot.texts import forms as tf
from bot.texts import forms_admin as t
from models import Form, Person, Response, ResponseStatus, Role
from models.base import utcnow
from tests.conftest import ADMIN_ID, RunningBot
from tests.factories import make_org, make_person
from tests.questionnaire_helpers import fill, load_forms, repo_form

HEAD = repo_form("head_card")
SOURCE = (FORMS_DIR / "head_card.yaml").read_text(encoding="utf-8")
BOM = "\ufeff".encode()


async def _setup(app: RunningBot) -> None:
    await load_forms(app.sessions)
    async with app.sessions.begin() as s:
        school = await make_org(s, "ГБОУ школа № 237")
        lyceum = await make_org(s, "ГБОУ лицей № 101")
        await make_person(s, ADMIN_ID, role=Role.ADMIN, full_name="Админова Нина Павловна")
        await make_person(
            s, 2001, role=Role.HEAD, full_name="Смирнова Ольга Ивановна", organisation=school
        )
        await make_person(
            s, 2004, role=Role.DEPUTY, full_name="Кузнецов Илья Андреевич", organisation=lyceum
        )
        await make_person(s, 2005, role=Role.TEACHER, organisation=lyceum)


async def _open_forms(admin_user: object) -> None:
    from bot.emulator import EmulatedUser

    assert isinstance(admin_user, EmulatedUser)
    await admin_user.send("/admin")
    await admin_user.press(t.SECTION_FORMS)


async def test_new_version_in_the_chat_keeps_a_half_filled_response(app: RunningBot) -> None:
    await _setup(app)
    head = app.user(2001, "Ольга")
    await head.send(tc.MENU_DIAGNOSTICS)
    await head.press(tf.DIAG_START.format(title=HEAD.title))
    await fill(head, HEAD, {"position": "director"}, until="quality_system")

    admin = app.user(ADMIN_ID, "Нина")
    await _open_forms(admin)
    await admin.press(t.UPLOAD)
    await admin.send("вот файл")
    assert admin.last_text() == t.UPLOAD_WAITING
    broken = SOURCE.replace(
        "kind: scale\n        area: quality", "kind: stars\n        area: quality", 1
    )
    await admin.send_document("head_card.yaml", broken.encode())
    assert admin.last_text().startswith("Файл не принят.\nhead_card.yaml: вопрос «quality_system»")
    await admin.send_document("head_card.xlsx", b"PK\x03\x04")
    assert "расширением .yaml" in admin.last_text()
    await admin.send_document("head_card.yaml", SOURCE.encode())
    assert "совпадает с версией 1" in admin.last_text()

    await admin.press(t.UPLOAD)
    new_source = SOURCE.replace(
        "Какую должность вы занимаете?", "Какую должность вы занимаете в 2027 году?"
    ).replace(
        "      - id: years\n",
        "      - id: years_total\n        kind: number\n        text: Общий стаж\n        min: 0\n        max: 60\n      - id: years\n",
    )
    await admin.send_document("head_card_2027.yaml", new_source.encode())
    preview = admin.last_text()
    assert "Станет версией 2" in preview and "вопросов: 27" in preview
    await admin.press(t.UPLOAD_ACTIVATE)
    assert admin.last_text() == t.UPLOAD_DONE.format(version=2, title=HEAD.title)
    async with app.sessions() as s:
        active = (
            await s.execute(select(Form).where(Form.code == "head_card", Form.is_active))
        ).scalar_one()
        assert active.version == 2 and active.created_by_id is not None

    # The head goes on with version 1, at the same question, and sends it.
    await head.send(tc.MENU_DIAGNOSTICS)
    await head.press(tf.DIAG_CONTINUE.format(title=HEAD.title))
    assert "Выстраиваю внутреннюю систему оценки качества" in head.last_text()
    await fill(head, HEAD)
    await head.press(tf.SUBMIT)
    async with app.sessions() as s:
        response = (await s.execute(select(Response))).scalar_one()
        assert response.status == ResponseStatus.SUBMITTED and response.form.version == 1
    # A new start uses the new wording.
    await head.send(tc.MENU_DIAGNOSTICS)
    await head.press(tf.DIAG_AGAIN.format(title=HEAD.title))
    assert "Общий стаж" in head.last_text()  # the new version's first question asked


async def test_coverage_averages_answers_and_export(app: RunningBot) -> None:
    await _setup(app)
    head = app.user(2001, "Ольга")
    await head.send(tc.MENU_DIAGNOSTICS)
    await head.press(tf.DIAG_START.format(title=HEAD.title))
    await fill(
        head, HEAD, {"quality_system": 1, "quality_data": 2, "request": "Нужна помощь с ВСОКО"}
    )
    await head.press(tf.SUBMIT)
    async with app.sessions.begin() as s:  # the deputy has begun but not finished
        deputy = (await s.execute(select(Person).where(Person.telegram_id == 2004))).scalar_one()
        form = (await s.execute(select(Form).where(Form.code == "head_card"))).scalar_one()
        await questionnaire.start(s, deputy, form)

    admin = app.user(ADMIN_ID, "Нина")
    await _open_forms(admin)
    await admin.press(t.LIST_ITEM.format(title=HEAD.title, version=1))
    assert "Отправлено ответов: 1, заполняются сейчас: 1" in admin.last_text()

    await admin.press(t.COVERAGE)
    coverage = admin.last_text()
    assert "ГБОУ лицей № 101: заполнили 0 из 1, заполняют 1" in coverage
    assert "не заполнили: Кузнецов Илья Андреевич" in coverage
    assert "ГБОУ школа № 237: заполнили 1 из 1" in coverage
    assert "Иванова" not in coverage  # the teacher is not in the card's audience

    await admin.press(t.AVERAGES)
    averages = admin.last_text()
    assert "Управление качеством образования: 1,50 · ответов 1, дефицит у 1 человека" in averages
    assert "Воспитательная работа: 4,00" in averages

    await admin.press(t.ANSWERS)
    await admin.send("смирнова")
    answers = admin.last_text()
    assert "Смирнова Ольга Ивановна" in answers and "Нужна помощь с ВСОКО" in answers

    await _open_forms(admin)
    await admin.press(t.LIST_ITEM.format(title=HEAD.title, version=1))
    calls = await admin.press(t.EXPORT)
    documents = [c for c in calls if c.method == "sendDocument"]
    assert len(documents) == 1
    # Named by the form's title and the day, not by its code.
    today = utcnow().astimezone(app.settings.tz).date().isoformat()
    stem = f"ответы_Информационно-диагностическая_карта_руководителя_{today}"
    assert documents[0].files["document"].filename == f"{stem}.xlsx"
    workbook = load_workbook(io.BytesIO(documents[0].files["document"].content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:5] == ("ФИО", "Организация", "Роль", "Должность", "Статус")
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["Смирнова Ольга Ивановна"][4] == "отправлена"
    assert by_name["Кузнецов Илья Андреевич"][4] == "заполняется"
    assert "Нужна помощь с ВСОКО" in by_name["Смирнова Ольга Ивановна"]

    calls = await admin.press(t.EXPORT_CSV)
    (document,) = [c for c in calls if c.method == "sendDocument"]
    upload = document.files["document"]
    assert upload.filename == f"{stem}.csv" and upload.content.startswith(BOM)
    lines = list(csv.reader(io.StringIO(upload.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][:8] == list(t.EXPORT_HEADERS)
    by_name_csv = {r[0]: r for r in lines[1:]}
    assert by_name_csv.keys() == {"Смирнова Ольга Ивановна", "Кузнецов Илья Андреевич"}
    smirnova = by_name_csv["Смирнова Ольга Ивановна"]
    assert smirnova[4] == "отправлена" and "Нужна помощь с ВСОКО" in smirnova
    async with app.sessions() as s:
        submitted = (
            await s.execute(select(Response).where(Response.status == ResponseStatus.SUBMITTED))
        ).scalar_one()
    local = submitted.submitted_at.astimezone(app.settings.tz)
    assert smirnova[7] == f"{local:%d.%m.%Y %H:%M}"
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", smirnova[6])


async def test_forms_section_is_for_staff_only(app: RunningBot) -> None:
    await _setup(app)
    head = app.user(2001, "Ольга")
    async with app.sessions() as s:
        before = len((await s.execute(select(Form))).scalars().all())
    await head.send("/start")
    await head.press_data("afrm:up:0:0")
    assert head.alerts()[-1] == tc.STALE_BUTTON
    await head.send_document("head_card.yaml", SOURCE.encode())
    async with app.sessions() as s:
        assert len((await s.execute(select(Form))).scalars().all()) == before
