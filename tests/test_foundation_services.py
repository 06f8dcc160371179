"""Services of the foundation: validation, organisation search and import, tables, settings."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import SettingsError, load_settings, parse_duration
from bot.services import InvalidInput, org_import, organisations, outbox, people
from bot.services.tables import read_table, to_csv, to_xlsx
from bot.texts import plural, quantity
from models import NotificationKind, NotificationStatus, Organisation, OrgKind
from tests.conftest import make_settings
from tests.factories import make_org, make_person


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("иванова мария петровна", "Иванова Мария Петровна"),
        ("  Петрова-водкина   Анна ", "Петрова-Водкина Анна"),
        ("Ли Вэй", "Ли Вэй"),
        ("O'Brien John", "O'Brien John"),
    ],
)
def test_full_name_normalised(raw: str, expected: str) -> None:
    assert people.normalize_full_name(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["Мария", "🙂🙂🙂", "Иванова 123", "a b c d e", "x" * 5000, "Иванова -", "-- --", ""],
)
def test_bad_full_names_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        people.normalize_full_name(raw)


def test_plural_forms() -> None:
    forms = ("участник", "участника", "участников")
    assert [quantity(n, *forms) for n in (1, 2, 5, 11, 21, 22, 112, 0)] == [
        "1 участник",
        "2 участника",
        "5 участников",
        "11 участников",
        "21 участник",
        "22 участника",
        "112 участников",
        "0 участников",
    ]
    assert plural(14, *forms) == "участников"


async def test_search_by_number_and_words(session: AsyncSession) -> None:
    for name in ("ГБОУ школа № 237", "ГБОУ школа № 2370", "ГБОУ гимназия № 237", "ГБОУ лицей № 23"):
        await make_org(session, name)
    found = [o.name for o in await organisations.search(session, "237")]
    assert found == ["ГБОУ гимназия № 237", "ГБОУ школа № 237"]
    found = [o.name for o in await organisations.search(session, "школа 237")]
    assert found == ["ГБОУ школа № 237"]
    found = [o.name for o in await organisations.search(session, "ЛИЦЕЙ")]
    assert found == ["ГБОУ лицей № 23"]
    assert await organisations.search(session, "детский сад") == []
    with pytest.raises(InvalidInput):
        await organisations.search(session, "   ")


async def test_unconfirmed_organisation_reused_by_name(session: AsyncSession) -> None:
    first = await organisations.add_unconfirmed(session, "МБОУ СОШ  №5")
    second = await organisations.add_unconfirmed(session, "мбоу сош №5")
    assert first.id == second.id and first.is_confirmed is False


async def test_register_is_idempotent(session: AsyncSession) -> None:
    org = await make_org(session)
    draft = people.ProfileDraft("Иванова Мария", people.Role.TEACHER, org.id, "учитель", "2026-1")
    a = await people.register(session, 42, draft)
    b = await people.register(session, 42, draft)
    assert a.id == b.id


async def test_anonymise_keeps_row_without_personal_data(session: AsyncSession) -> None:
    org = await make_org(session)
    person = await make_person(session, 77, organisation=org)
    news = await outbox.enqueue(
        session, kind=NotificationKind.MESSAGE, person_id=person.id, text="Новость"
    )
    await people.anonymise(session, person, make_settings("sqlite+aiosqlite:///unused.db"))
    assert await people.get_by_telegram_id(session, 77) is None
    assert person.full_name is None and person.position is None and person.consent_at is None
    assert person.organisation_id == org.id
    assert news is not None
    await session.refresh(news)
    assert news.status == NotificationStatus.CANCELLED  # nothing more is sent to them


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_read_table_csv_variants() -> None:
    utf8_bom = "\ufeffНазвание;Тип\nШкола № 1;школа\n".encode()
    cp1251 = "Название,Тип\nШкола № 1,школа\n".encode("cp1251")
    for content in (utf8_bom, cp1251):
        table = read_table("orgs.csv", content)
        assert table.rows == [(2, {"название": "Школа № 1", "тип": "школа"})]
    with pytest.raises(InvalidInput, match="XLSX или CSV"):
        read_table("orgs.txt", b"hello")
    with pytest.raises(InvalidInput, match="повреждён"):
        read_table("orgs.xlsx", b"not a zip")
    with pytest.raises(InvalidInput, match="слишком большой"):
        read_table("orgs.csv", b"x" * (10 * 1024 * 1024))
    with pytest.raises(InvalidInput, match="только строка заголовков"):
        read_table("orgs.csv", "Название;Тип\n".encode())


async def test_org_import_refuses_whole_file_naming_row_and_column(session: AsyncSession) -> None:
    content = _xlsx(
        [
            ["Название", "Тип", "Муниципалитет"],
            ["ГБОУ школа № 1", "школа", "Район"],
            ["", "лицей", "Район"],
            ["ГБОУ школа № 2", "колледж", "Район"],
            ["гбоу школа № 1", "школа", "Район"],
        ]
    )
    _, errors = org_import.parse(read_table("orgs.xlsx", content))
    report = errors.report()
    assert "строка 3, столбец «Название»: обязательное поле не заполнено" in report
    assert "строка 4, столбец «Тип»: неизвестный тип «колледж»" in report
    assert "строка 5, столбец «Название»: организация уже есть в строке 2" in report
    assert (await session.execute(select(func.count(Organisation.id)))).scalar_one() == 0

    with pytest.raises(InvalidInput, match="«Тип»"):
        org_import.parse(read_table("orgs.csv", "Название\nШкола\n".encode()))


async def test_org_import_adds_then_updates(session: AsyncSession) -> None:
    content = _xlsx([["Название", "Тип"], ["ГБОУ школа № 1", "школа"], ["ГБДОУ № 5", "ДОУ"]])
    rows, errors = org_import.parse(read_table("orgs.xlsx", content))
    assert not errors
    assert (await org_import.plan(session, rows)).added == 2
    result = await org_import.apply(session, rows)
    assert (result.added, result.updated) == (2, 0)
    again = await org_import.apply(session, rows)
    assert (again.added, again.updated) == (0, 2)
    kinds = (await session.execute(select(Organisation.kind).order_by(Organisation.name))).all()
    assert [k for (k,) in kinds] == [OrgKind.KINDERGARTEN, OrgKind.SCHOOL]


def test_template_and_exports_read_back() -> None:
    workbook = load_workbook(io.BytesIO(org_import.template()))
    assert [c.value for c in workbook.active[1]] == [
        "Название",
        "Тип",
        "Муниципалитет",
        "Численность педагогов",
    ]
    data = to_xlsx(["ФИО", "Число"], [["Иванова", 3]])
    assert [c.value for c in load_workbook(io.BytesIO(data)).active[2]] == ["Иванова", 3]
    csv_bytes = to_csv(["ФИО", "Число"], [["Иванова", 3]])
    assert csv_bytes.startswith("\ufeff".encode()) and "ФИО;Число" in csv_bytes.decode("utf-8-sig")


def test_settings_errors_name_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir("/")
    for name, value, fragment in [
        ("TIMEZONE", "Mars/Olympus", "TIMEZONE"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
        ("DATABASE_URL", "::::", "DATABASE_URL"),
        ("ADMIN_IDS", "12,abc", "ADMIN_IDS"),
        ("REMINDER_OFFSETS", "tomorrow", "REMINDER_OFFSETS"),
        ("QUIET_HOURS", "25:00-08:00", "QUIET_HOURS"),
    ]:
        monkeypatch.setenv(name, value)
        with pytest.raises(SettingsError, match=fragment):
            load_settings()
        monkeypatch.delenv(name)
    monkeypatch.setenv("ADMIN_IDS", "12, 34")
    monkeypatch.setenv("REMINDER_OFFSETS", "1h,24h,30m")
    settings = load_settings()
    assert settings.admin_ids == frozenset({12, 34})
    assert [int(o.total_seconds()) for o in settings.reminder_offsets] == [86400, 3600, 1800]
    with pytest.raises(SettingsError, match="BOT_TOKEN"):
        settings.require_token()
    assert parse_duration("90") == parse_duration("90m")
