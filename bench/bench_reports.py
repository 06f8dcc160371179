"""Reports benchmark, side by side in one run.

1. Export of diagnostic answers to XLSX (one row per response, one column per question):
   the whole export from the database (what a methodologist waits for) and our sheet writer on
   the same rows, both against XlsxWriter writing those rows raw in constant-memory mode.
   Prints time and peak memory (tracemalloc) and the ratios (targets ≤ 1.5× time, ≤ 1.2× memory).
2. The annual report (DOCX + XLSX + charts) for a school year with 300 events, 25,000
   registrations and 5,000 feedback responses. Prints the time (target ≤ 10 s).

    .venv/bin/python bench/bench_reports.py                       # 100,000 rows
    .venv/bin/python bench/bench_reports.py --rows 20000          # quicker
    .venv/bin/python bench/bench_reports.py --database-url postgresql+asyncpg://…/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_db import drop_database, fresh_database

from bot.db import create_engine, create_session_factory
from bot.reports import annual
from bot.services import exports, forms, period
from bot.services.tables import SheetWriter
from models import (
    Answer,
    ConsultationRequest,
    Event,
    EventFormat,
    EventKind,
    EventStatus,
    Form,
    Organisation,
    OrgKind,
    Person,
    Registration,
    RegistrationStatus,
    Response,
    ResponseStatus,
    Role,
)

TZ = ZoneInfo("Europe/Moscow")
YEAR = period.school_year(2025)
BATCH = 5000
USE_ANSWERS = [
    "Проектное управление в работе школы",
    "элементы проектного управления",
    "приёмы формирующего оценивания",
    "Формирующее оценивание на уроках",
    "цифровые инструменты для опросов",
    "работу с родителями",
    "задания на функциональную грамотность",
    "Всё понравилось, спасибо",
]


def moment(rng: random.Random) -> datetime:
    """A moment within the 2025/2026 school year."""
    start = datetime(2025, 9, 2, 6, tzinfo=UTC)
    return start + timedelta(minutes=rng.randrange(0, 360 * 24 * 60))


async def _bulk(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), BATCH):
        await session.execute(insert(model), rows[i : i + BATCH])


async def populate_people(session: AsyncSession, count: int, rng: random.Random) -> list[int]:
    await _bulk(
        session,
        Organisation,
        [
            {
                "name": f"Школа № {i}",
                "search_name": f"школа № {i}",
                "kind": OrgKind.SCHOOL,
                "municipality": "",
                "is_confirmed": True,
                "staff_count": 60,
                "created_at": datetime(2025, 1, 1, tzinfo=UTC),
            }
            for i in range(100)
        ],
    )
    org_ids = (await session.execute(select(Organisation.id))).scalars().all()
    roles = [Role.TEACHER] * 8 + [Role.HEAD, Role.DEPUTY]
    created = datetime(2025, 8, 1, tzinfo=UTC)
    await _bulk(
        session,
        Person,
        [
            {
                "telegram_id": 20_000_000 + i,
                "full_name": f"Педагогова Анна {i}",
                "role": rng.choice(roles),
                "organisation_id": rng.choice(org_ids),
                "position": "учитель",
                "is_young_specialist": rng.random() < 0.15,
                "is_management_reserve": False,
                "is_active": True,
                "created_at": created,
                "updated_at": created,
            }
            for i in range(count)
        ],
    )
    return list((await session.execute(select(Person.id))).scalars().all())


async def populate_diagnostics(
    sessions: async_sessionmaker[AsyncSession], rows: int, rng: random.Random
) -> None:
    """`rows` submitted teachers' diagnostics with every question answered."""
    async with sessions.begin() as session:
        await forms.load_all(session)
        people = await populate_people(session, 5000, rng)
        form = (
            await session.execute(select(Form).where(Form.code == "teacher_deficits"))
        ).scalar_one()
        form_def = forms.definition(form)
        areas = [a.code for a in form_def.areas]
        last = (await session.execute(select(Response.id).order_by(Response.id.desc()))).first()
        next_id = (last[0] if last else 0) + 1
        for start in range(0, rows, BATCH):
            count = min(BATCH, rows - start)
            responses = []
            answers = []
            for i in range(count):
                when = moment(rng)
                rid = next_id + start + i
                responses.append(
                    {
                        "id": rid,
                        "form_id": form.id,
                        "form_code": form.code,
                        "person_id": rng.choice(people),
                        "status": ResponseStatus.SUBMITTED,
                        "context": {},
                        "context_key": "",
                        "scores": {a: round(rng.uniform(1, 5), 2) for a in areas},
                        "started_at": when - timedelta(minutes=15),
                        "updated_at": when,
                        "submitted_at": when,
                    }
                )
                for question in form_def.questions:
                    if question.kind == "scale":
                        value: Any = rng.randint(1, 5)
                    elif question.kind == "single":
                        value = question.options[0].value
                    elif question.kind == "multi":
                        value = [question.options[0].value]
                    elif question.kind == "number":
                        value = rng.randint(0, 30)
                    else:
                        value = "математика"
                    answers.append(
                        {
                            "response_id": rid,
                            "question_id": question.id,
                            "value": value,
                            "skipped": False,
                            "answered_at": when,
                        }
                    )
            await session.execute(insert(Response), responses)
            await _bulk(session, Answer, answers)


async def timed(action: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    gc.collect()
    started = time.perf_counter()
    result = await action()
    return time.perf_counter() - started, result


async def traced(action: Callable[[], Awaitable[Any]]) -> float:
    """Peak MiB allocated during the run (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    await action()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


async def bench_export(sessions: async_sessionmaker[AsyncSession], folder: Path, rows: int) -> None:
    """Time on the whole year; peak memory on one month of it (tracemalloc slows Python down
    several times over, and a constant-memory writer's peak does not grow with the rows)."""
    rng = random.Random(7)
    started = time.perf_counter()
    await populate_diagnostics(sessions, rows, rng)
    print(f"seeded {rows:,} diagnostic responses in {time.perf_counter() - started:.1f} s")

    async def materialise(chosen: period.Period) -> tuple[list[str], list[list[Any]]]:
        async with sessions() as session:
            export = await exports.build(session, "diagnostics", chosen, TZ)
            return export.headers, [row async for row in export.rows]

    def variants(
        chosen: period.Period, headers: list[str], table: list[list[Any]]
    ) -> list[tuple[str, Callable[[], Awaitable[Any]]]]:
        async def raw() -> int:
            import xlsxwriter

            book = xlsxwriter.Workbook(str(folder / "raw.xlsx"), {"constant_memory": True})
            sheet = book.add_worksheet()
            sheet.write_row(0, 0, headers)
            for r, row in enumerate(table, start=1):
                sheet.write_row(r, 0, row)
            book.close()
            return len(table)

        async def writer() -> int:
            ours = SheetWriter(str(folder / "ours.xlsx"), headers, "Данные", constant_memory=True)
            for row in table:
                ours.add(row)
            ours.finish()
            return ours.rows

        async def full() -> int:
            async with sessions() as session:
                return await exports.write(
                    session, None, "diagnostics", chosen, TZ, "xlsx", str(folder / "full.xlsx")
                )

        return [
            ("XlsxWriter raw (constant_memory), rows in memory", raw),
            ("our sheet writer, the same rows", writer),
            ("our export, read from the database", full),
        ]

    headers, table = await materialise(YEAR)
    assert len(table) == rows
    seconds = [await timed(action) for _, action in variants(YEAR, headers, table)]
    assert seconds[2][1] == rows
    del table
    month = period.month(2026, 1)
    headers, sample = await materialise(month)
    peaks = [await traced(action) for _, action in variants(month, headers, sample)]
    names = [name for name, _ in variants(month, headers, sample)]
    print(
        f"\nExport of {rows:,} diagnostic responses × {len(headers)} columns to XLSX "
        f"(time: the whole year; peak memory: January, {len(sample):,} rows)"
    )
    base_s, base_mb = seconds[0][0], peaks[0]
    for name, (secs, _), peak in zip(names, seconds, peaks, strict=True):
        print(
            f"  {name:<50} {secs:7.2f} s  ×{secs / base_s:.2f}   "
            f"peak {peak:6.2f} MiB  ×{peak / base_mb:.2f}"
        )
    print("  targets: time ≤ 1.5×, peak memory ≤ 1.2× of the raw writer")


async def populate_year(sessions: async_sessionmaker[AsyncSession], rng: random.Random) -> None:
    """300 events, 25,000 registrations, 5,000 feedback responses, diagnostics, consultations."""
    async with sessions.begin() as session:
        await forms.load_all(session)
        people = await populate_people(session, 4000, rng)
        kinds = list(EventKind)
        topics = ["quality_management", "functional_literacy", "digital", "young_specialists"]
        events = []
        for i in range(300):
            starts = moment(rng)
            events.append(
                {
                    "kind": rng.choice(kinds),
                    "title": f"Мероприятие {i}",
                    "description": "",
                    "goal": "Повышение профессиональной компетентности",
                    "organisers": "Иванова И. И., ИМЦ",
                    "format": EventFormat.ONLINE,
                    "place": "",
                    "join_link": "",
                    "materials_link": "",
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=2),
                    "audience": [],
                    "topics": [rng.choice(topics)],
                    "status": EventStatus.FINISHED,
                    "cancel_reason": "",
                    "checkin_code": "",
                    "created_at": starts,
                    "updated_at": starts,
                }
            )
        await _bulk(session, Event, events)
        event_ids = list((await session.execute(select(Event.id))).scalars().all())
        pairs: set[tuple[int, int]] = set()
        while len(pairs) < 25_000:
            pairs.add((rng.choice(event_ids), rng.choice(people)))
        registrations = [
            {
                "event_id": e,
                "person_id": p,
                "status": RegistrationStatus.ATTENDED
                if rng.random() < 0.8
                else RegistrationStatus.REGISTERED,
                "checkin_attempts": 0,
                "created_at": datetime(2025, 9, 1, tzinfo=UTC),
                "updated_at": datetime(2025, 9, 1, tzinfo=UTC),
            }
            for e, p in pairs
        ]
        await _bulk(session, Registration, registrations)
        feedback = (
            await session.execute(select(Form).where(Form.code == "event_feedback"))
        ).scalar_one()
        chosen = rng.sample(sorted(pairs), 5000)
        responses = []
        answers = []
        for rid, (event_id, person_id) in enumerate(chosen, start=1):
            when = moment(rng)
            responses.append(
                {
                    "id": rid,
                    "form_id": feedback.id,
                    "form_code": "event_feedback",
                    "person_id": person_id,
                    "status": ResponseStatus.SUBMITTED,
                    "context": {"event_id": event_id},
                    "context_key": f"event_id={event_id}",
                    "scores": {},
                    "started_at": when,
                    "updated_at": when,
                    "submitted_at": when,
                }
            )
            for qid, value in (
                ("satisfaction", rng.choice(["fully", "fully", "enough", "rather_not"])),
                ("relevance", rng.randint(3, 5)),
                ("use", rng.choice(USE_ANSWERS)),
            ):
                answers.append(
                    {
                        "response_id": rid,
                        "question_id": qid,
                        "value": value,
                        "skipped": False,
                        "answered_at": when,
                    }
                )
        await _bulk(session, Response, responses)
        await _bulk(session, Answer, answers)
        await _bulk(
            session,
            ConsultationRequest,
            [
                {
                    "person_id": rng.choice(people),
                    "topic": rng.choice(topics),
                    "text": "Вопрос",
                    "status": "new",
                    "answer": "",
                    "created_at": moment(rng),
                }
                for _ in range(300)
            ],
        )


async def bench_annual(sessions: async_sessionmaker[AsyncSession]) -> None:
    rng = random.Random(11)
    started = time.perf_counter()
    await populate_year(sessions, rng)
    print(f"\nseeded the year in {time.perf_counter() - started:.1f} s")

    async def build() -> annual.Built | None:
        async with sessions.begin() as session:
            return await annual.build(session, None, YEAR, TZ)

    started = time.perf_counter()
    built = await build()
    cold = time.perf_counter() - started
    started = time.perf_counter()
    built = await build()
    seconds = time.perf_counter() - started
    assert built is not None
    print("Annual report: 300 events, 25,000 registrations, 5,000 feedback responses")
    print(
        f"  first build in a fresh process (imports matplotlib, docxtpl, pymorphy3's "
        f"dictionaries): {cold:.2f} s"
    )
    print(
        f"  built in {seconds:.2f} s (target ≤ 10 s): DOCX {len(built.docx) / 1024:.0f} KiB, "
        f"XLSX {len(built.xlsx) / 1024:.0f} KiB, {len(built.data.charts)} charts, "
        f"{built.data.events_total} events, {built.data.participants_total} participations"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--skip-annual", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for part in ("export", "annual"):
            if getattr(args, f"skip_{part}"):
                continue
            url, name = await fresh_database(args.database_url, Path(folder))
            engine = create_engine(url)
            try:
                sessions = create_session_factory(engine)
                if part == "export":
                    await bench_export(sessions, Path(folder), args.rows)
                else:
                    await bench_annual(sessions)
            finally:
                await engine.dispose()
                await drop_database(args.database_url, name)


if __name__ == "__main__":
    asyncio.run(main())
