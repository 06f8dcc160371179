"""A hand-made school year 2025/2026 whose indicators are known (see EXPECTED)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import forms
from models import (
    Answer,
    ConsultationRequest,
    ConsultationStatus,
    EventKind,
    EventSeries,
    EventStatus,
    Person,
    Registration,
    RegistrationStatus,
    Response,
    ResponseStatus,
    Role,
    Route,
    RouteItem,
)
from tests import factories

YEAR = "2025-2026"


def at(day: str, hour: int = 12) -> datetime:
    """A moment of the test year (in UTC; Moscow is UTC+3, so 12:00 UTC is the same day)."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@dataclass
class Seeded:
    ids: dict[str, int] = field(default_factory=dict)
    orgs: dict[str, int] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)


async def _person(s: AsyncSession, seeded: Seeded, key: str, **values: Any) -> Person:
    values.setdefault("created_at", at("2025-09-01"))
    person = await factories.make_person(s, **values)
    seeded.ids[key] = person.id
    return person


async def _response(
    s: AsyncSession,
    code: str,
    person: Person,
    when: datetime,
    answers: dict[str, Any],
    scores: dict[str, float] | None = None,
    context: dict[str, Any] | None = None,
) -> Response:
    form = await forms.active(s, code)
    assert form is not None
    response = Response(
        form_id=form.id,
        form_code=code,
        person_id=person.id,
        status=ResponseStatus.SUBMITTED,
        context=context or {},
        context_key=";".join(f"{k}={v}" for k, v in sorted((context or {}).items())),
        scores=scores or {},
        started_at=when - timedelta(minutes=10),
        submitted_at=when,
    )
    s.add(response)
    await s.flush()
    for question_id, value in answers.items():
        s.add(Answer(response_id=response.id, question_id=question_id, value=value))
    await s.flush()
    return response


async def seed(sessions: async_sessionmaker[AsyncSession]) -> Seeded:
    seeded = Seeded()
    async with sessions.begin() as s:
        await forms.load_all(s)
        a = await factories.make_org(s, "ГБОУ школа № 1")
        b = await factories.make_org(s, "ГБОУ лицей № 2")
        seeded.orgs = {"a": a.id, "b": b.id}
        t1 = await _person(
            s, seeded, "t1", telegram_id=101, full_name="Алексеева Анна", organisation=a,
            is_young_specialist=True, work_start_year=2024,
        )  # fmt: skip
        t2 = await _person(
            s, seeded, "t2", telegram_id=102, full_name="Борисов Борис", organisation=a
        )
        h1 = await _person(
            s, seeded, "h1", telegram_id=103, full_name="Власова Вера", organisation=a,
            role=Role.HEAD, position="директор",
        )  # fmt: skip
        d1 = await _person(
            s, seeded, "d1", telegram_id=104, full_name="Громов Глеб", organisation=b,
            role=Role.DEPUTY, position="заместитель директора",
        )  # fmt: skip
        await _person(
            s, seeded, "m1", telegram_id=105, full_name="Методистова Мария", role=Role.METHODOLOGIST
        )
        # Flagged young, but began work in 2019: not in the first three years any more.
        await _person(
            s, seeded, "old", telegram_id=108, full_name="Старова Софья", organisation=b,
            is_young_specialist=True, work_start_year=2019,
        )  # fmt: skip
        # Deleted their data in the spring: counted, never named.
        x = await _person(
            s, seeded, "x", telegram_id=None, full_name=None, organisation=a,
            is_young_specialist=True, deleted_at=at("2026-04-01"), position=None,
        )  # fmt: skip
        # Registered after the year: not counted in it.
        await _person(
            s, seeded, "late", telegram_id=107, full_name="Поздняя Полина", organisation=b,
            created_at=at("2026-10-01"),
        )  # fmt: skip
        series = EventSeries(title="Сетевой семинар «Функциональная грамотность»")
        s.add(series)
        await s.flush()

        async def event(key: str, **values: Any) -> int:
            starts = values.pop("starts_at")
            made = await factories.make_event(
                s, starts_at=starts, ends_at=starts + timedelta(hours=2), **values
            )
            seeded.events[key] = made.id
            return made.id

        e1 = await event(
            "e1", starts_at=at("2025-10-10"), title="Управление качеством: ВСОКО",
            topics=["quality_management"], organisers="Петрова П. П., ИМЦ",
            goal="Разобрать внутреннюю систему оценки качества",
        )  # fmt: skip
        e2 = await event(
            "e2", starts_at=at("2025-11-05"), title="Встреча 1: читательская грамотность",
            kind=EventKind.NETWORK_SEMINAR, series_id=series.id, topics=["functional_literacy"],
        )  # fmt: skip
        e3 = await event(
            "e3", starts_at=at("2026-02-01"), title="Встреча 2: математическая грамотность",
            kind=EventKind.NETWORK_SEMINAR, series_id=series.id, topics=["functional_literacy"],
        )  # fmt: skip
        e4 = await event(
            "e4", starts_at=at("2026-01-15"), title="Отменённый вебинар",
            status=EventStatus.CANCELLED,
        )  # fmt: skip
        e5 = await event(
            "e5", starts_at=at("2026-03-03"), title="Муниципальная конференция",
            kind=EventKind.CONFERENCE, topics=["methods"],
        )  # fmt: skip
        await event("e6", starts_at=at("2026-09-10"), title="Следующий год")

        def reg(event_id: int, person: Person, status: RegistrationStatus) -> None:
            s.add(
                Registration(
                    event_id=event_id,
                    person_id=person.id,
                    status=status,
                    created_at=at("2025-09-05"),
                    attended_at=at("2025-10-10") if status == RegistrationStatus.ATTENDED else None,
                )
            )

        A, R, C = (
            RegistrationStatus.ATTENDED,
            RegistrationStatus.REGISTERED,
            RegistrationStatus.CANCELLED,
        )
        reg(e1, h1, A)
        reg(e1, t1, A)
        reg(e1, t2, RegistrationStatus.NO_SHOW)
        reg(e2, t2, R)  # no attendance marked at e2: the registered took part
        reg(e2, x, R)
        reg(e3, t1, A)
        reg(e3, t2, C)
        reg(e4, d1, R)  # cancelled event: nobody took part
        reg(e5, d1, A)
        reg(e5, t2, A)
        await s.flush()

        await _response(s, "head_card", h1, at("2025-10-01"), {"request": "Проектное управление"},
                        {"quality": 2.5, "strategy": 4.0})  # fmt: skip
        await _response(s, "teacher_deficits", t1, at("2025-12-01"), {}, {"normative": 2.0})
        await _response(s, "teacher_deficits", x, at("2026-01-20"), {}, {"normative": 4.0})
        # A diagnostic of the previous year does not count.
        await _response(s, "teacher_deficits", t2, at("2025-05-01"), {}, {"normative": 3.0})
        for person, event_id in ((t1, e3), (x, e2)):
            route = Route(person_id=person.id, deficits=["normative"], topics=["normative"],
                          created_at=at("2025-12-01"))  # fmt: skip
            s.add(route)
            await s.flush()
            s.add(RouteItem(route_id=route.id, event_id=event_id, topics=["normative"]))
        feedback = [
            (h1, "fully", "Проектное управление в школе"),
            (t1, "fully", "элементы проектного управления"),
            (t2, "enough", "Формирующее оценивание"),
        ]
        for person, satisfaction, use in feedback:
            await _response(s, "event_feedback", person, at("2025-10-11"),
                            {"satisfaction": satisfaction, "relevance": 5, "use": use},
                            context={"event_id": e1})  # fmt: skip
        s.add_all(
            [
                ConsultationRequest(
                    person_id=t1.id,
                    topic="digital",
                    text="Как вести журнал?",
                    created_at=at("2025-11-11"),
                ),
                ConsultationRequest(
                    person_id=d1.id,
                    topic="quality_management",
                    text="ВСОКО",
                    status=ConsultationStatus.DONE,
                    answer="Ответ",
                    created_at=at("2026-02-02"),
                ),
            ]
        )
    return seeded
