"""A realistic demo calendar, placed in the weeks ahead of the moment it is seeded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.event_admin import EventFields, create, series_by_title
from models import Event, EventFormat, EventKind
from models.base import utcnow

SEMINAR_SERIES = "Управление профессиональным ростом педагогов"
MARATHON_SERIES = "Школа будущего"
ORGANISERS = "Информационно-методический центр"


@dataclass(frozen=True)
class _Demo:
    title: str
    kind: EventKind
    days: int
    hour_utc: int
    minutes: int
    format: EventFormat
    topics: tuple[str, ...]
    capacity: int | None = None
    audience: tuple[str, ...] = ()
    description: str = ""
    place: str = ""
    series: str = ""


_SEMINAR_TOPICS = ("staff_development", "quality_management", "young_specialists")
_SEMINAR = [
    "Встреча 1. Диагностика профессиональных дефицитов педагогов",
    "Встреча 2. Индивидуальный образовательный маршрут педагога",
    "Встреча 3. Наставничество в образовательной организации",
    "Встреча 4. Методическое объединение как ресурс профессионального роста",
    "Встреча 5. Оценка результативности профессионального развития",
    "Встреча 6. Итоги года: карта профессионального роста коллектива",
]
_MARATHON = [
    ("Вебинар 1. Функциональная грамотность: задания нового типа", ("functional_literacy",)),
    ("Вебинар 2. Цифровые инструменты учителя", ("digital",)),
    ("Вебинар 3. Формирующее оценивание без перегрузки", ("formative_assessment",)),
    ("Вебинар 4. Проектная деятельность в основной школе", ("projects", "methods")),
]


def demo_events() -> list[_Demo]:
    items = [
        _Demo(
            title=title,
            kind=EventKind.NETWORK_SEMINAR,
            days=7 + 28 * n,
            hour_utc=12,
            minutes=90,
            format=EventFormat.ONLINE,
            topics=_SEMINAR_TOPICS,
            capacity=60,
            audience=("head", "deputy"),
            description="Сетевой семинар для руководителей и заместителей руководителей.",
            series=SEMINAR_SERIES,
        )
        for n, title in enumerate(_SEMINAR)
    ]
    items += [
        _Demo(
            title=title,
            kind=EventKind.WEBINAR,
            days=3 + 7 * n,
            hour_utc=13,
            minutes=60,
            format=EventFormat.ONLINE,
            topics=topics,
            description="Вебинарный марафон «Школа будущего» для педагогов и руководителей.",
            series=MARATHON_SERIES,
        )
        for n, (title, topics) in enumerate(_MARATHON)
    ]
    items += [
        _Demo(
            title="Муниципальная конференция «Качество образования: от диагностики к результату»",
            kind=EventKind.CONFERENCE,
            days=45,
            hour_utc=7,
            minutes=300,
            format=EventFormat.HYBRID,
            topics=("quality_management", "normative", "strategy"),
            capacity=200,
            place="Актовый зал ГБОУ гимназии № 399",
            description="Пленарное заседание и секции по управлению качеством образования.",
        ),
        _Demo(
            title="Мастер-класс «Приёмы формирующего оценивания на уроке»",
            kind=EventKind.MASTER_CLASS,
            days=10,
            hour_utc=11,
            minutes=90,
            format=EventFormat.OFFLINE,
            topics=("formative_assessment", "methods", "subject"),
            capacity=20,
            audience=("teacher",),
            place="ГБОУ школа № 237, кабинет 305",
            description="Практическое занятие: обратная связь, самооценка, листы достижений.",
        ),
        _Demo(
            title="Семинар «Инклюзивный урок: поддержка обучающихся с ОВЗ»",
            kind=EventKind.SEMINAR,
            days=17,
            hour_utc=12,
            minutes=120,
            format=EventFormat.OFFLINE,
            topics=("inclusive", "psychology", "upbringing"),
            capacity=40,
            place="ИМЦ, ауд. 12",
        ),
        _Demo(
            title="Вебинар «Трудный разговор с родителями»",
            kind=EventKind.WEBINAR,
            days=24,
            hour_utc=14,
            minutes=60,
            format=EventFormat.ONLINE,
            topics=("parents", "psychology", "team"),
        ),
    ]
    return items


async def seed_events(session: AsyncSession, now: datetime | None = None) -> int:
    """Add the demo calendar; events already there (by title) are left alone. Returns added."""
    now = now or utcnow()
    existing = set((await session.execute(select(Event.title))).scalars())
    series_ids: dict[str, int] = {}
    added = 0
    base = datetime(now.year, now.month, now.day, tzinfo=UTC)
    for item in demo_events():
        if item.title in existing:
            continue
        series_id = None
        if item.series:
            series_id = series_ids.get(item.series) or await series_by_title(session, item.series)
            series_ids[item.series] = series_id
        starts = base + timedelta(days=item.days, hours=item.hour_utc)
        fields = EventFields(
            kind=item.kind,
            title=item.title,
            format=item.format,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=item.minutes),
            description=item.description,
            organisers=ORGANISERS,
            place=item.place,
            join_link=(
                f"https://meet.example.org/imc-{len(existing) + added + 1}"
                if item.format != EventFormat.OFFLINE
                else ""
            ),
            registration_deadline=starts - timedelta(hours=2),
            capacity=item.capacity,
            audience=item.audience,
            topics=item.topics,
        )
        await create(session, fields, None, publish=True, series_id=series_id)
        added += 1
    return added
