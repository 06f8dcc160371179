"""Outbox benchmark.

1. Throughput: N registrations whose reminders fall due in the same minute are sent to the Bot API
   emulator, which enforces Telegram's ~30 messages/s (429 with retry_after beyond it). Prints the
   achieved rate as a ratio of the limit (target ≥ 0.9), duplicates and losses (target 0 and 0).
2. Tick cost: the claim query with 1,000,000 already-sent rows in the table against the same query
   on a table with only the due rows, measured in the same run; prints the ratio and the query
   plan (it must use the partial index, not scan the table).

    .venv/bin/python bench/bench_outbox.py                 # 10,000 reminders, 1,000,000 rows
    .venv/bin/python bench/bench_outbox.py --count 1000 --history 200000   # quicker
    .venv/bin/python bench/bench_outbox.py --database-url postgresql+asyncpg://…/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_db import drop_database, fresh_database

from bot.app import create_bot
from bot.config import Settings
from bot.db import create_engine, create_session_factory
from bot.emulator import BotApiEmulator
from bot.notifier import Notifier
from bot.services import delivery, reminders
from models import (
    Event,
    EventFormat,
    EventKind,
    EventStatus,
    Notification,
    NotificationKind,
    NotificationStatus,
    Person,
    Registration,
    RegistrationStatus,
    Role,
)
from models.base import utcnow

TOKEN = "123456789:AAE_bench-token-for-the-emulator-0123"
LIMIT = 30


async def populate(sessions: async_sessionmaker[AsyncSession], count: int) -> None:
    now = utcnow()
    async with sessions.begin() as s:
        await s.execute(
            insert(Person),
            [
                {
                    "telegram_id": 10_000_000 + i,
                    "full_name": f"Педагог {i}",
                    "role": Role.TEACHER,
                    "is_young_specialist": False,
                    "is_management_reserve": False,
                    "is_active": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(count)
            ],
        )
        event = Event(
            kind=EventKind.WEBINAR,
            title="Вебинар для всех",
            format=EventFormat.ONLINE,
            join_link="https://meet.example.org/all",
            starts_at=now + timedelta(hours=1, seconds=30),
            ends_at=now + timedelta(hours=2),
            status=EventStatus.PUBLISHED,
            reminder_offsets=[60],
        )
        s.add(event)
        await s.flush()
        person_ids = (await s.execute(text("SELECT id FROM people ORDER BY id"))).scalars().all()
        await s.execute(
            insert(Registration),
            [
                {
                    "event_id": event.id,
                    "person_id": pid,
                    "status": RegistrationStatus.REGISTERED,
                    "checkin_attempts": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for pid in person_ids
            ],
        )
    async with sessions.begin() as s:
        result = await s.execute(text("SELECT id FROM registrations"))
        ids = list(result.scalars())
    for start in range(0, len(ids), 1000):
        async with sessions.begin() as s:
            from sqlalchemy import select

            regs = (
                await s.execute(
                    select(Registration).where(Registration.id.in_(ids[start : start + 1000]))
                )
            ).scalars()
            for registration in regs:
                await reminders.schedule(s, registration, [timedelta(hours=1)])
    # All of them fall due within the same minute.
    async with sessions.begin() as s:
        await s.execute(text("UPDATE notifications SET due_at = :due"), {"due": _naive(now, s)})


def _naive(moment, session):  # type: ignore[no-untyped-def]
    return moment.replace(tzinfo=None) if session.get_bind().dialect.name == "sqlite" else moment


async def throughput(count: int, base_url: str | None, folder: Path) -> None:
    url, dbname = await fresh_database(base_url, folder)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    await populate(sessions, count)
    emu = BotApiEmulator(token=TOKEN)
    await emu.start()
    emu.set_rate_limit(LIMIT, retry_after=1)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        bot_token=TOKEN,
        database_url=url,
        telegram_api_base=emu.base_url,
        quiet_hours=None,
    )
    bot = create_bot(settings)
    notifier = Notifier(bot, sessions, settings)
    started = time.monotonic()
    while True:
        await notifier.tick()
        async with sessions() as s:
            pending = (
                await s.execute(
                    text("SELECT count(*) FROM notifications WHERE status IN ('pending','sending')")
                )
            ).scalar_one()
        if not pending or time.monotonic() - started > count / 10 + 120:
            break
        await asyncio.sleep(0.2)
    sends = [c for c in emu.calls if c.method == "sendMessage"]
    ok = [c for c in sends if c.ok]
    rejected = len(sends) - len(ok)
    span = ok[-1].time - ok[0].time if len(ok) > 1 else float("nan")
    rate = (len(ok) - 1) / span if span else float("nan")
    per_chat = collections.Counter(c.chat_id for c in ok)
    duplicates = sum(n - 1 for n in per_chat.values() if n > 1)
    async with sessions() as s:
        sent_rows = (
            await s.execute(text("SELECT count(*) FROM notifications WHERE status = 'sent'"))
        ).scalar_one()
    lost = count - len(per_chat)
    print(f"backend: {make_url(url).get_backend_name()}")
    print(f"reminders due at once: {count}; Telegram limit enforced by the emulator: {LIMIT}/s")
    print(f"delivered: {len(ok)} in {span:.1f} s; 429 answers: {rejected}")
    print(f"achieved rate: {rate:.2f}/s = {rate / LIMIT:.3f} x limit (target >= 0.9)")
    print(f"duplicates: {duplicates}; lost: {lost}; rows marked sent: {sent_rows}")
    await bot.session.close()
    await emu.stop()
    await engine.dispose()
    await drop_database(base_url, dbname)


async def tick_cost(history: int, base_url: str | None, folder: Path) -> None:
    url, dbname = await fresh_database(base_url, folder)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    now = utcnow()
    async with sessions.begin() as s:
        person = Person(telegram_id=1, full_name="Педагог", role=Role.TEACHER)
        s.add(person)
        await s.flush()
        person_id = person.id
    due_rows = 100

    async def measure(label: str) -> float:
        timings = []
        for _ in range(30):
            async with sessions.begin() as s:
                t0 = time.perf_counter()
                claimed = await delivery.claim_due(s, 200, now=utcnow())
                timings.append(time.perf_counter() - t0)
                assert len(claimed) == due_rows, len(claimed)
                await s.rollback()
        median = statistics.median(timings)
        print(f"claim of {due_rows} due rows, {label}: median {median * 1000:.2f} ms")
        return median

    async with sessions.begin() as s:
        await s.execute(
            insert(Notification),
            [
                {
                    "kind": NotificationKind.MESSAGE,
                    "person_id": person_id,
                    "due_at": now - timedelta(minutes=1),
                    "text": "due",
                    "status": NotificationStatus.PENDING,
                    "holdable": False,
                    "payload": {},
                    "attempts": 0,
                    "last_error": "",
                    "created_at": now,
                }
                for _ in range(due_rows)
            ],
        )
    baseline = await measure("table with only them (baseline)")
    chunk = 50_000
    t0 = time.perf_counter()
    for start in range(0, history, chunk):
        async with sessions.begin() as s:
            await s.execute(
                insert(Notification),
                [
                    {
                        "kind": NotificationKind.REMINDER,
                        "person_id": person_id,
                        "due_at": now - timedelta(days=1, seconds=i),
                        "text": "",
                        "status": NotificationStatus.SENT,
                        "holdable": False,
                        "payload": {},
                        "attempts": 1,
                        "last_error": "",
                        "sent_at": now,
                        "created_at": now,
                    }
                    for i in range(start, min(history, start + chunk))
                ],
            )
    print(f"inserted {history:,} sent rows in {time.perf_counter() - t0:.1f} s")
    async with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("ANALYZE notifications"))
            plan = await conn.execute(
                text(
                    "EXPLAIN SELECT id FROM notifications WHERE status = 'pending' "
                    "AND due_at <= now() ORDER BY due_at LIMIT 200"
                )
            )
        else:
            await conn.execute(text("ANALYZE"))
            plan = await conn.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT id FROM notifications WHERE status = 'pending' "
                    "AND due_at <= :now ORDER BY due_at LIMIT 200"
                ),
                {"now": now.replace(tzinfo=None)},
            )
        print("query plan:", " | ".join(str(tuple(r)[-1]) for r in plan))
    loaded = await measure(f"with {history:,} sent rows")
    print(f"tick cost ratio (with history / baseline): {loaded / baseline:.2f}")
    await engine.dispose()
    await drop_database(base_url, dbname)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="PostgreSQL server URL; default: a SQLite file")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-tick-cost", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if not args.skip_throughput:
            await throughput(args.count, args.database_url, Path(folder))
        if not args.skip_tick_cost:
            await tick_cost(args.history, args.database_url, Path(folder))


if __name__ == "__main__":
    asyncio.run(main())
