"""Importing the yearly calendar of events from CSV/XLSX: every row validated first, then all
written or nothing. A «Цикл» column groups rows into a series; a row matching an existing event
(same title and start) updates it instead of adding a copy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import InvalidInput
from bot.services.event_admin import (
    AUDIENCE_ROLES,
    CAPACITY_LIMIT,
    EventFields,
    assign_fields,
    create,
    parse_end,
    parse_local_datetime,
    series_by_title,
)
from bot.services.tables import RowErrors, Table, normalize_header, require_columns, to_xlsx
from bot.texts import event_admin as t
from bot.texts import events as te
from bot.texts import tables as tt
from bot.texts.onboarding import ROLE_LABELS
from bot.topics import TOPICS, topic_code
from models import Event, EventFormat, EventKind, Person, Role
from models.base import utcnow

COL_TITLE = "Название"
COL_KIND = "Вид"
COL_START = "Начало"
COL_END = "Окончание"
COL_FORMAT = "Формат"
COL_PLACE = "Место"
COL_LINK = "Ссылка"
COL_DESCRIPTION = "Описание"
COL_GOAL = "Цель"
COL_ORGANISERS = "Организаторы"
COL_CAPACITY = "Мест"
COL_DEADLINE = "Запись до"
COL_AUDIENCE = "Для кого"
COL_TOPICS = "Темы"
COL_SERIES = "Цикл"
COL_STATUS = "Статус"
COL_MATERIALS = "Материалы"
REQUIRED = [COL_TITLE, COL_KIND, COL_START, COL_END, COL_FORMAT]
ALL_COLUMNS = [
    COL_TITLE,
    COL_KIND,
    COL_START,
    COL_END,
    COL_FORMAT,
    COL_PLACE,
    COL_LINK,
    COL_CAPACITY,
    COL_DEADLINE,
    COL_AUDIENCE,
    COL_TOPICS,
    COL_SERIES,
    COL_ORGANISERS,
    COL_DESCRIPTION,
    COL_GOAL,
    COL_MATERIALS,
    COL_STATUS,
]

KIND_ALIASES: dict[str, EventKind] = {
    **{label.casefold(): kind for kind, label in te.KIND_LABELS.items()},
    **{kind.value: kind for kind in EventKind},
    "мастер класс": EventKind.MASTER_CLASS,
    "педсовет": EventKind.PEDAGOGICAL_COUNCIL,
}
FORMAT_ALIASES: dict[str, EventFormat] = {
    "онлайн": EventFormat.ONLINE,
    "дистанционно": EventFormat.ONLINE,
    "очно": EventFormat.OFFLINE,
    "очный": EventFormat.OFFLINE,
    "смешанный": EventFormat.HYBRID,
    "гибрид": EventFormat.HYBRID,
    "гибридный": EventFormat.HYBRID,
    "очно и онлайн": EventFormat.HYBRID,
    **{f.value: f for f in EventFormat},
}
ROLE_ALIASES: dict[str, Role] = {
    **{ROLE_LABELS[r].casefold(): r for r in AUDIENCE_ROLES},
    "педагоги": Role.TEACHER,
    "учителя": Role.TEACHER,
    "руководители": Role.HEAD,
    "заместители": Role.DEPUTY,
    "заместители руководителя": Role.DEPUTY,
    **{r.value: r for r in AUDIENCE_ROLES},
}
#: Audiences beyond roles (young specialists, the management reserve), typed in the file.
EXTRA_ALIASES: dict[str, str] = {
    **{label.casefold(): key for key, label in t.EXTRA_AUDIENCE_LABELS.items()},
    **{key: key for key in t.EXTRA_AUDIENCE_LABELS},
    "молодой специалист": "young_specialist",
    "молодые педагоги": "young_specialist",
    "резерв": "management_reserve",
}
PUBLISHED_WORDS = {"опубликовано", "опубликовать", "да", "published"}
DRAFT_WORDS = {"черновик", "нет", "draft"}


@dataclass(frozen=True)
class ImportRow:
    number: int
    fields: EventFields
    series: str
    publish: bool


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    series: int


def _text(record: dict[str, Any], column: str) -> str:
    value = record.get(normalize_header(column))
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _moment(value: Any, tz: ZoneInfo, start: datetime | None = None) -> datetime:
    """A cell as an aware UTC moment: Excel dates are local; text is «05.12.2026 15:00»."""
    if isinstance(value, datetime):
        local = value.replace(tzinfo=tz) if value.tzinfo is None else value
        return local.astimezone(ZoneInfo("UTC"))
    if isinstance(value, time) and start is not None:
        return parse_end(value.strftime("%H:%M"), start, tz)
    if isinstance(value, date):
        raise InvalidInput(t.CELL_BAD_DATETIME.format(value=value.strftime("%d.%m.%Y")))
    text = " ".join(str(value).split())
    try:
        if start is not None:
            return parse_end(text, start, tz)
        return parse_local_datetime(text, tz)
    except InvalidInput:
        raise InvalidInput(t.CELL_BAD_DATETIME.format(value=text[:40])) from None


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]


def parse(
    table: Table, tz: ZoneInfo, now: datetime | None = None
) -> tuple[list[ImportRow], RowErrors]:
    """Validate every row; the rows may be written only when there are no errors."""
    now = now or utcnow()
    require_columns(table, REQUIRED)
    errors = RowErrors()
    rows: list[ImportRow] = []
    seen: dict[tuple[str, datetime], int] = {}
    for number, record in table.rows:
        if all(v is None for v in record.values()):
            continue
        row = _parse_row(number, record, tz, now, errors)
        if row is None:
            continue
        key = (row.fields.title.casefold(), row.fields.starts_at)
        if key in seen:
            errors.add(number, COL_TITLE, t.CELL_DUPLICATE.format(row=seen[key]))
            continue
        seen[key] = number
        rows.append(row)
    if not rows and not errors:
        errors.add(table.rows[0][0], COL_TITLE, tt.REQUIRED)
    return rows, errors


def _parse_row(
    number: int, record: dict[str, Any], tz: ZoneInfo, now: datetime, errors: RowErrors
) -> ImportRow | None:
    before = len(errors.items)

    def fail(column: str, message: str) -> None:
        errors.add(number, column, message)

    title = _text(record, COL_TITLE)
    if not title:
        fail(COL_TITLE, tt.REQUIRED)
    elif len(title) > 300:
        fail(COL_TITLE, tt.TOO_LONG.format(limit=300))
    kind_text = _text(record, COL_KIND)
    kind = KIND_ALIASES.get(kind_text.casefold())
    if not kind_text:
        fail(COL_KIND, tt.REQUIRED)
    elif kind is None:
        allowed = ", ".join(label.lower() for label in te.KIND_LABELS.values())
        fail(COL_KIND, t.UNKNOWN_KIND.format(value=kind_text, allowed=allowed))
    format_text = _text(record, COL_FORMAT)
    event_format = FORMAT_ALIASES.get(format_text.casefold())
    if not format_text:
        fail(COL_FORMAT, tt.REQUIRED)
    elif event_format is None:
        fail(COL_FORMAT, t.UNKNOWN_FORMAT.format(value=format_text))
    starts_at = ends_at = deadline = None
    raw_start = record.get(normalize_header(COL_START))
    if raw_start is None:
        fail(COL_START, tt.REQUIRED)
    else:
        try:
            starts_at = _moment(raw_start, tz)
            if starts_at <= now:
                fail(COL_START, t.CELL_IN_PAST)
        except InvalidInput as exc:
            fail(COL_START, str(exc))
    raw_end = record.get(normalize_header(COL_END))
    if raw_end is None:
        fail(COL_END, tt.REQUIRED)
    elif starts_at is not None:
        try:
            ends_at = _moment(raw_end, tz, starts_at)
            if ends_at <= starts_at:
                fail(COL_END, t.CELL_END_BEFORE_START)
        except InvalidInput as exc:
            fail(COL_END, str(exc))
    raw_deadline = record.get(normalize_header(COL_DEADLINE))
    if raw_deadline is not None:
        try:
            deadline = _moment(raw_deadline, tz)
            if starts_at is not None and deadline > starts_at:
                fail(COL_DEADLINE, t.CELL_DEADLINE_AFTER_START)
        except InvalidInput as exc:
            fail(COL_DEADLINE, str(exc))
    capacity: int | None = None
    capacity_text = _text(record, COL_CAPACITY)
    if capacity_text:
        if capacity_text.isdigit() and 1 <= int(capacity_text) <= CAPACITY_LIMIT:
            capacity = int(capacity_text)
        else:
            fail(COL_CAPACITY, t.CELL_BAD_CAPACITY)
    link = _text(record, COL_LINK)
    if link and not link.startswith(("http://", "https://")):
        fail(COL_LINK, t.CELL_BAD_LINK)
    audience: list[str] = []
    for word in _split(_text(record, COL_AUDIENCE)):
        if word.casefold() in {"все", "для всех"}:
            continue
        role = ROLE_ALIASES.get(word.casefold())
        value = role.value if role is not None else EXTRA_ALIASES.get(word.casefold())
        if value is None:
            labels = [ROLE_LABELS[r] for r in AUDIENCE_ROLES]
            labels += list(t.EXTRA_AUDIENCE_LABELS.values())
            allowed = ", ".join(label.lower() for label in labels)
            fail(COL_AUDIENCE, t.UNKNOWN_ROLE.format(value=word, allowed=allowed))
        elif value not in audience:
            audience.append(value)
    topics: list[str] = []
    for word in _split(_text(record, COL_TOPICS)):
        code = topic_code(word)
        if code is None:
            fail(COL_TOPICS, t.UNKNOWN_TOPIC.format(value=word))
        elif code not in topics:
            topics.append(code)
    status_text = _text(record, COL_STATUS).casefold()
    if status_text and status_text not in PUBLISHED_WORDS | DRAFT_WORDS:
        fail(COL_STATUS, t.UNKNOWN_STATUS.format(value=status_text))
    if len(errors.items) > before:
        return None
    assert kind and event_format and starts_at and ends_at
    fields = EventFields(
        kind=kind,
        title=title,
        format=event_format,
        starts_at=starts_at,
        ends_at=ends_at,
        description=_text(record, COL_DESCRIPTION),
        goal=_text(record, COL_GOAL),
        organisers=_text(record, COL_ORGANISERS)[:500],
        place=_text(record, COL_PLACE)[:500],
        join_link=link,
        materials_link=_text(record, COL_MATERIALS)[:1000],
        registration_deadline=deadline,
        capacity=capacity,
        audience=tuple(audience),
        topics=tuple(topics),
    )
    series = _text(record, COL_SERIES)[:300]
    return ImportRow(number, fields, series, publish=status_text not in DRAFT_WORDS)


async def _existing(
    session: AsyncSession, rows: list[ImportRow]
) -> dict[tuple[str, datetime], Event]:
    titles = {r.fields.title for r in rows}
    if not titles:
        return {}
    result = await session.execute(select(Event).where(Event.title.in_(titles)))
    return {(e.title.casefold(), e.starts_at): e for e in result.scalars()}


async def plan(session: AsyncSession, rows: list[ImportRow]) -> ImportResult:
    """How many events the import would add and update, and how many series it names."""
    existing = await _existing(session, rows)
    added = sum(1 for r in rows if (r.fields.title.casefold(), r.fields.starts_at) not in existing)
    return ImportResult(added, len(rows) - added, len({r.series for r in rows if r.series}))


async def apply(
    session: AsyncSession, rows: list[ImportRow], by: Person | None = None
) -> ImportResult:
    """Write the validated rows in the caller's transaction."""
    existing = await _existing(session, rows)
    series_ids: dict[str, int] = {}
    for title in sorted({r.series for r in rows if r.series}):
        series_ids[title] = await series_by_title(session, title)
    added = 0
    for row in rows:
        series_id = series_ids.get(row.series)
        event = existing.get((row.fields.title.casefold(), row.fields.starts_at))
        if event is None:
            await create(session, row.fields, by, publish=row.publish, series_id=series_id)
            added += 1
            continue
        assign_fields(event, row.fields)
        event.series_id = series_id
        event.updated_at = utcnow()
    await session.flush()
    return ImportResult(added, len(rows) - added, len(series_ids))


def template(tz: ZoneInfo) -> bytes:
    """An XLSX template with every column and example rows, dated a few weeks ahead."""
    day = (utcnow() + timedelta(days=30)).astimezone(tz)
    later = day + timedelta(days=14)

    def on(moment: datetime, hh_mm: str) -> str:
        return f"{moment:%d.%m.%Y} {hh_mm}"

    topics = f"{TOPICS['staff_development']}, {TOPICS['methods']}"
    example = [
        "Вебинар «Формирующее оценивание на уроке»",
        te.KIND_LABELS[EventKind.WEBINAR].lower(),
        on(day, "15:00"),
        on(day, "16:30"),
        "онлайн",
        "",
        "https://example.org/webinar",
        "",
        on(day - timedelta(days=1), "18:00"),
        "педагог",
        TOPICS["formative_assessment"],
        "",
        "ИМЦ",
        "Приёмы формирующего оценивания",
        "Освоить приёмы обратной связи",
        "",
        "опубликовано",
    ]
    series_row = [
        "Встреча 1. Диагностика профессиональных дефицитов",
        te.KIND_LABELS[EventKind.NETWORK_SEMINAR].lower(),
        on(later, "15:00"),
        "16:30",
        "онлайн",
        "",
        "https://example.org/seminar",
        "60",
        "",
        "руководитель, заместитель руководителя",
        topics,
        "Управление профессиональным ростом педагогов",
        "ИМЦ, ГБОУ школа № 237",
        "",
        "",
        "",
        "",
    ]
    return to_xlsx(ALL_COLUMNS, [example, series_row], title="Календарь")
