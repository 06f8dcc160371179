"""Reports and exports as services: periods, the indicators on a hand-made year, exports read
back with openpyxl and csv, the annual report's DOCX and XLSX, templates, themes of answers."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.reports import annual, themes
from bot.services import InvalidInput, exports, indicators, period
from bot.texts import reports as t
from models import AuditEntry, Event, Organisation, Registration
from tests.report_seed import YEAR, seed

TZ = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 1, tzinfo=UTC)


# Periods


def test_periods_parse_and_bounds() -> None:
    year = period.parse("2025-2026", TZ)
    assert (year.first, year.last, year.kind) == (date(2025, 9, 1), date(2026, 8, 31), "year")
    assert year.label == "2025/2026 учебный год" and year.code == "2025-2026"
    # Bounds are local midnights: 1 September 00:00 in Moscow is 31 August 21:00 UTC.
    assert year.start_utc(TZ) == datetime(2025, 8, 31, 21, tzinfo=UTC)
    assert year.end_utc(TZ) == datetime(2026, 8, 31, 21, tzinfo=UTC)
    assert period.parse("2026-02", TZ).last == date(2026, 2, 28)
    assert period.parse("02.2024", TZ).last == date(2024, 2, 29)
    span = period.parse("2026-01-01..2026-03-31", TZ)
    assert (span.first, span.last, span.label) == (
        date(2026, 1, 1),
        date(2026, 3, 31),
        "с 1 января 2026 по 31 марта 2026",
    )
    assert period.parse("01.01.2026–31.03.2026", TZ) == span
    assert period.parse(span.code, TZ) == span
    # The default is the current school year, in TIMEZONE.
    assert period.parse("", TZ, now=datetime(2026, 8, 31, 22, tzinfo=UTC)).code == "2026-2027"
    assert period.parse("", TZ, now=datetime(2026, 8, 31, 20, tzinfo=UTC)).code == "2025-2026"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-03-31..2026-01-01", t.PERIOD_END_BEFORE_START),
        ("31.03.2026–01.01.2026", t.PERIOD_END_BEFORE_START),
        ("2025-2027", t.PERIOD_BAD_YEAR),
        ("2026-13", t.PERIOD_BAD_MONTH),
        ("2026-01-01..2026-02-30", t.PERIOD_BAD_DATE.format(value="2026-02-30")),
        ("вчера", t.PERIOD_UNKNOWN),
        ("2000-01-01..2026-01-01", t.PERIOD_TOO_LONG),
    ],
)
def test_bad_periods_are_refused_in_russian(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        period.parse(text, TZ)
    assert str(caught.value) == message


# Themes


def test_themes_count_word_forms_together() -> None:
    answers = [
        "Проектное управление в школе",
        "буду применять проектное управление",
        "Элементы проектного управления",
        "займусь проектным управлением",
        "приёмы формирующего оценивания",
        "Формирующее оценивание!",
        "цифровых инструментов",
        "Всё понравилось, спасибо",
    ]
    found = {theme.label: theme.count for theme in themes.group(answers)}
    assert found["Проектное управление"] == 4
    assert found["Формирующее оценивание"] == 2
    # Only ever written in the genitive: shown in the nominative.
    assert found["Цифровые инструменты"] == 1
    assert themes.group([]) == []


# Indicators on the hand-made year


async def test_indicators_on_known_data(sessions: async_sessionmaker[AsyncSession]) -> None:
    await seed(sessions)
    async with sessions() as s:
        report = await indicators.compute(s, period.parse(YEAR, TZ), TZ, now=NOW)
    got = {i.code: i for i in report.indicators}
    # Counted: three teachers, a head, a deputy and the person who deleted their data; not the
    # methodologist, not the one registered after the year.
    assert report.denominator.source == "bot" and report.denominator.value == 6
    assert (got["diagnosed"].numerator, got["diagnosed"].denominator) == (3, 6)
    assert got["diagnosed"].names == ["Алексеева Анна", "Власова Вера"]
    assert got["diagnosed"].anonymous == 1
    assert (got["route"].numerator, got["route_event"].numerator) == (2, 2)
    assert got["route_event"].names == ["Алексеева Анна"] and got["route_event"].anonymous == 1
    assert (got["quality"].numerator, got["quality"].denominator) == (1, 2)
    assert got["quality"].names == ["ГБОУ школа № 1"]
    assert (got["young"].numerator, got["young"].denominator, got["young"].anonymous) == (2, 2, 1)
    assert got["diagnosed"].percent == "50,0 %"
    # Young: the flag, made exact by the year work began (2019 is past the first three years).
    assert all(None not in i.names for i in report.indicators)
    per_event = {row.event.title: row.participants for row in report.events}
    assert per_event == {
        "Управление качеством: ВСОКО": 2,  # attended only; the no-show does not count
        "Встреча 1: читательская грамотность": 2,  # no marks: the registered
        "Встреча 2: математическая грамотность": 1,
        "Муниципальная конференция": 2,
    }
    assert report.by_org == [("ГБОУ школа № 1", 6), ("ГБОУ лицей № 2", 1)]
    assert report.satisfaction == [
        ("Вполне удовлетворён(а)", 2),
        ("Удовлетворён(а) в достаточной мере", 1),
        ("Скорее не удовлетворён(а)", 0),
        ("Не удовлетворён(а)", 0),
    ]


async def test_staff_numbers_become_the_denominator(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    seeded = await seed(sessions)
    async with sessions.begin() as s:
        org = await s.get(Organisation, seeded.orgs["a"])
        assert org is not None
        org.staff_count = 40
    async with sessions() as s:
        report = await indicators.compute(s, period.parse(YEAR, TZ), TZ, now=NOW)
    # 40 from the file for the school; the lyceum has no number: its two registered people.
    assert report.denominator.source == "staff" and report.denominator.value == 42
    assert "из файла организаций" in report.denominator.note
    diagnosed = report.indicators[0]
    assert (diagnosed.numerator, diagnosed.denominator) == (3, 42)


async def test_empty_period_has_no_data(sessions: async_sessionmaker[AsyncSession]) -> None:
    await seed(sessions)
    async with sessions.begin() as s:
        empty = period.parse("2024-03", TZ)
        report = await indicators.compute(s, empty, TZ, now=NOW)
        assert report.is_empty
        assert await annual.build(s, None, empty, TZ, now=NOW) is None
        assert all(i.share is None or i.numerator == 0 for i in report.indicators)


# Exports


async def test_every_export_reads_back(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await seed(sessions)
    year = period.parse(YEAR, TZ)
    counts = {}
    async with sessions.begin() as s:
        for kind in exports.KINDS:
            for fmt in ("xlsx", "csv"):
                path = tmp_path / f"{kind}.{fmt}"
                counts[kind, fmt] = await exports.write(s, None, kind, year, TZ, fmt, str(path))
    assert all(counts[k, "xlsx"] == counts[k, "csv"] for k in exports.KINDS)
    # Recomputed from the database independently: the registrations of the year's events.
    async with sessions() as s:
        regs = (
            await s.execute(
                select(func.count(Registration.id))
                .join(Event, Event.id == Registration.event_id)
                .where(Event.starts_at >= year.start_utc(TZ), Event.starts_at < year.end_utc(TZ))
            )
        ).scalar_one()
    assert counts["registrations", "xlsx"] == regs == 10
    assert counts["people", "xlsx"] == 7  # the one registered after the year is not listed
    assert counts["events", "xlsx"] == 5 and counts["feedback", "xlsx"] == 3
    assert counts["diagnostics", "xlsx"] == 3 and counts["consultations", "xlsx"] == 2
    assert counts["routes", "xlsx"] == 2 and counts["organisations", "xlsx"] == 2

    book = load_workbook(tmp_path / "events.xlsx")
    sheet = book.active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:O6"
    header = [c.value for c in sheet[1]]
    assert header == list(t.EVENT_HEADERS) and sheet["A1"].font.b
    first = [c.value for c in sheet[2]]
    assert first[1] == "Вебинар" and first[2] == "Управление качеством: ВСОКО"
    assert first[4] == datetime(2025, 10, 10, 15, 0)  # a real date, in Moscow time
    assert sheet["E2"].number_format == "dd.mm.yyyy hh:mm"
    assert first[8] == "Петрова П. П., ИМЦ" and first[12:14] == [3, 2]
    assert sheet.column_dimensions["C"].width > 20

    diag = load_workbook(tmp_path / "diagnostics.xlsx").active
    rows = list(diag.iter_rows(values_only=True))
    header = rows[0]
    assert header[:10] == t.DIAGNOSTIC_HEADERS
    names = [r[3] for r in rows[1:]]
    assert names == ["Власова Вера", "Алексеева Анна", t.DELETED_PERSON]
    head_row = dict(zip(header, rows[1], strict=True))
    assert head_row["Управление качеством образования (балл)"] == 2.5  # a number
    assert "Проектное управление" in rows[1]

    text = (tmp_path / "feedback.csv").read_bytes()
    assert text.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(text.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][:4] == list(t.FEEDBACK_HEADERS)
    assert lines[0][4] == "Насколько вы удовлетворены мероприятием?"
    assert lines[1][1] == "Управление качеством: ВСОКО" and lines[1][2] == "10.10.2025 15:00"
    assert sorted(line[4] for line in lines[1:]) == [
        "Вполне удовлетворён(а)",
        "Вполне удовлетворён(а)",
        "Удовлетворён(а) в достаточной мере",
    ]
    async with sessions() as s:
        logged = (await s.execute(select(AuditEntry.action))).scalars().all()
    assert sorted(set(logged)) == sorted(f"export.{k}" for k in exports.KINDS)


async def test_deleted_person_is_never_named(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await seed(sessions)
    year = period.parse(YEAR, TZ)
    async with sessions.begin() as s:
        for kind in ("people", "registrations", "routes", "diagnostics"):
            await exports.write(s, None, kind, year, TZ, "xlsx", str(tmp_path / f"{kind}.xlsx"))
    for kind in ("people", "registrations", "routes", "diagnostics"):
        values = [
            v
            for row in load_workbook(tmp_path / f"{kind}.xlsx").active.iter_rows(values_only=True)
            for v in row
        ]
        assert t.DELETED_PERSON in values, kind


# The annual report


async def test_annual_report_docx_and_xlsx(sessions: async_sessionmaker[AsyncSession]) -> None:
    await seed(sessions)
    async with sessions.begin() as s:
        built = await annual.build(s, None, period.parse(YEAR, TZ), TZ, now=NOW)
    assert built is not None
    doc = Document(io.BytesIO(built.docx))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Период: 2025/2026 учебный год" in text
    assert "Всего проведено мероприятий: 4; участий в них: 7." in text
    assert "Проектное управление – 2 чел." in text  # feedback «use», two word forms together
    assert "{{" not in text and "{%" not in text
    tables = [[[c.text for c in row.cells] for row in table.rows] for table in doc.tables]
    webinar = next(tb for tb in tables if tb[1][1] == "Управление качеством: ВСОКО")
    assert webinar[1] == [
        "Вебинар",
        "Управление качеством: ВСОКО",
        "10 октября 2025",
        "Петрова П. П., ИМЦ",
        "Разобрать внутреннюю систему оценки качества",
        "2",
    ]
    satisfaction = next(tb for tb in tables if tb[0] == ["Ответ", "Человек", "Доля"])
    assert satisfaction[1] == ["Вполне удовлетворён(а)", "2", "66,7 %"]
    meetings = next(tb for tb in tables if tb[0][0] == "Встреча")
    assert [row[2] for row in meetings[1:]] == ["2", "1"]
    assert any("Сетевой семинар «Функциональная грамотность»" in p.text for p in doc.paragraphs)
    assert len(doc.inline_shapes) >= 2  # the charts

    book = load_workbook(io.BytesIO(built.xlsx))
    assert book.sheetnames[:3] == ["Показатели", "Мероприятия", "Циклы"]
    shares = list(book["Показатели"].iter_rows(values_only=True))
    assert shares[1][1:4] == (3, 6, 50.0)
    consultations = list(book["Консультации"].iter_rows(values_only=True))
    assert sorted(r[1] for r in consultations[1:]) == [1, 1]
    async with sessions() as s:
        assert (
            await s.execute(select(func.count()).where(AuditEntry.action == "report.annual"))
        ).scalar_one() == 1


async def test_template_upload_is_validated(sessions: async_sessionmaker[AsyncSession]) -> None:
    await seed(sessions)
    good = annual.TEMPLATE_PATH.read_bytes()
    async with sessions.begin() as s:
        with pytest.raises(InvalidInput, match="не удаётся открыть"):
            await annual.upload_template(s, None, "report.docx", b"not a zip at all", TZ)
        with pytest.raises(InvalidInput, match="DOCX"):
            await annual.upload_template(s, None, "report.pdf", good, TZ)
        broken = _docx_with("Отчёт за {{ period ")
        with pytest.raises(InvalidInput, match="теги в фигурных скобках записаны с ошибкой"):
            await annual.upload_template(s, None, "report.docx", broken, TZ)
        unknown = _docx_with("Отчёт за {{ nothing_like_this }}")
        with pytest.raises(InvalidInput, match="неизвестное поле «nothing_like_this»"):
            await annual.upload_template(s, None, "report.docx", unknown, TZ)
        mine = _docx_with("Мой отчёт: {{ period }}, мероприятий {{ events_total }}")
        await annual.upload_template(s, None, "мой.docx", mine, TZ)
    async with sessions.begin() as s:
        built = await annual.build(s, None, period.parse(YEAR, TZ), TZ, now=NOW)
    assert built is not None
    texts = [p.text for p in Document(io.BytesIO(built.docx)).paragraphs]
    assert texts == ["Мой отчёт: 2025/2026 учебный год, мероприятий 4"]


def _docx_with(text: str) -> bytes:
    doc = Document()
    doc.add_paragraph(text)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


async def test_indicators_workbook_lists_names_but_not_deleted(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await seed(sessions)
    async with sessions.begin() as s:
        content = await annual.indicators_xlsx(s, None, period.parse(YEAR, TZ), TZ)
    book = load_workbook(io.BytesIO(content))
    listed = [r[0] for r in book["Прошли диагностику"].iter_rows(min_row=2, values_only=True)]
    assert listed[:2] == ["Алексеева Анна", "Власова Вера"]
    assert "удалили свои данные" in listed[2]


async def test_command_line_export(
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.__main__ import main
    from tests.conftest import in_thread

    await seed(sessions)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TIMEZONE", "Europe/Moscow")
    out = tmp_path / "events.xlsx"
    argv = ["export", "events", "--period", "2025-09-01..2026-08-31", "--out", str(out)]
    assert in_thread(main, argv) == 0
    assert load_workbook(out).active.max_row == 6
    empty = tmp_path / "empty.csv"
    argv = ["export", "people", "--period", "2024-03", "--format", "csv", "--out", str(empty)]
    assert in_thread(main, argv) == 1 and not empty.exists()
    bad = ["export", "people", "--period", "2026-03-31..2026-01-01", "--out", str(empty)]
    assert in_thread(main, bad) == 2
    assert t.PERIOD_END_BEFORE_START in capsys.readouterr().err
    report = tmp_path / "report.docx"
    argv = ["export", "annual", "--period", YEAR, "--format", "docx", "--out", str(report)]
    assert in_thread(main, argv) == 0
    assert any("Проектное управление" in p.text for p in Document(str(report)).paragraphs)
