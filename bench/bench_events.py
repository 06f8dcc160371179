"""Benchmark: browsing and registering through the real Dispatcher vs a bare echo handler.

    .venv/bin/python bench/bench_events.py [--rounds 150] [--floor]

A SQLite file with 5,000 people, 300 events and ~25,000 registrations; each round a random
teacher presses «Мероприятия», opens page 2, opens a card and presses «Записаться». Every update
goes through `dp.feed_update` with a bot whose session is a fake that records requests and
returns minimal valid results (no network); the echo baseline runs through a bare Dispatcher with
the same fake session in the same run. Prints p50/p95 per update for both and the ratio, then SQL
statements, commits and aiosqlite worker-thread round trips per step (a separate pass, so the
counting does not slow the timed one). `--floor` also times the parts every update pays.

Targets (issue 8): the floor — the echo handler behind our middlewares — at most 2.5 x the
bare echo, and the journey's p95 at most 8 x the bare echo's p95, both in the same run.

Figures on the 2-core dev box (Python 3.11, SQLAlchemy 2.1, aiogram 3.x, aiosqlite 0.22), three
runs on a quiet machine (this VM's speed itself moves by ~30 % between runs, so only the ratios
within one run mean anything):

    before (the person, then the FSM state in the write transaction, then COMMIT):
      floor 1.69 ms vs bare echo 0.37 ms = 4.5 x; journey p95 13.5 ms vs 0.47 ms = 29 x
    after (bot.middlewares.PersonMiddleware + bot.sqlite_driver.before_transaction):
      floor 0.97-1.11 ms vs 0.34-0.46 ms = 2.42 / 2.55 / 2.89 x   (target 2.5 x: at the edge)
      journey p95 8.1-11.3 ms vs 0.44-0.55 ms = 18.7 / 19.6 / 24.3 x   (target 8 x: missed)

What the floor costs now: one statement reads the person and their FSM state together, before
the transaction begins, on the event loop's thread (a WAL reader outside a transaction never
waits for a lock, and an indexed lookup is cheaper than the hop to aiosqlite's thread); nothing
is begun, so nothing is committed. What is left is SQLAlchemy's ORM loading one Person (with its
organisation joined) — ~0.25 ms, three quarters of a whole bare echo by itself — and ~0.1 ms of
session and transaction bookkeeping. Going further means not loading the person as an ORM
object for every update.

Why the journey stays at ~20 x: its handlers are CPU-bound in SQLAlchemy and aiogram, not
waiting on SQLite. In a profile of «Мероприятия» SQLAlchemy's Python is ~40 % of the time,
aiogram's ~12 %, waiting for the worker thread ~13 % (4-9 hops a step), our own code ~6 %.
Each statement costs ~0.3-0.4 ms of Python (building, cache key, result processing) against
tens of microseconds in SQLite; the steps run 4-9 of them (list 5, page 2 4, card 4,
register 9 with the registration, its log, two reminders in the outbox and the card again),
plus a keyboard of ~12 pydantic buttons and, on registering, an .ics file. Even the lightest
step, the card, is ~15 x the echo. An 8 x journey would need handlers without the ORM (Core
statements built once, rows as tuples) and fewer statements per step — a rewrite of the
catalogue and registration handlers, not a tuning of the database layer. Counting the month
facets in SQL (a CASE per month) instead of reading ~180 (kind, start) rows was tried and was
slower: 25 bound datetimes per statement cost more than the rows they saved.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.methods import TelegramMethod
from aiogram.types import CallbackQuery, Chat, Message, Update, User
from sqlalchemy import event, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import build_dispatcher, create_storage
from bot.callbacks import EvCb, EvListCb
from bot.config import Settings
from bot.db import create_engine, create_session_factory
from bot.migrate import upgrade_async
from bot.texts import common as tc
from models import (
    Event,
    EventFormat,
    EventKind,
    EventStatus,
    Organisation,
    OrgKind,
    Person,
    Registration,
    RegistrationStatus,
    Role,
)

TOKEN = "123456789:AAE_bench-token-for-the-fake-session-01"
PEOPLE = 5000
EVENTS = 300


class FakeSession(BaseSession):
    """Answers every Bot API call at once with a minimal valid result, counting the calls."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    async def close(self) -> None:
        return None

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        self.calls += 1
        chat_id = getattr(method, "chat_id", None) or 1
        returning = getattr(method, "__returning__", None)
        if returning is bool or method.__api_method__ == "answerCallbackQuery":
            return True
        return Message(
            message_id=self.calls,
            date=datetime.now(UTC),
            chat=Chat(id=int(chat_id), type="private"),
            text="ok",
        )

    async def stream_content(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError


def _user(tg_id: int) -> User:
    return User(id=tg_id, is_bot=False, first_name="Учитель")


def text_update(n: int, tg_id: int, text: str) -> Update:
    message = Message(
        message_id=n,
        date=datetime.now(UTC),
        chat=Chat(id=tg_id, type="private"),
        from_user=_user(tg_id),
        text=text,
    )
    return Update(update_id=n, message=message)


def callback_update(n: int, tg_id: int, data: str) -> Update:
    message = Message(
        message_id=n,
        date=datetime.now(UTC),
        chat=Chat(id=tg_id, type="private"),
        text="Ближайшие мероприятия",
    )
    query = CallbackQuery(
        id=str(n), from_user=_user(tg_id), chat_instance="bench", data=data, message=message
    )
    return Update(update_id=n, callback_query=query)


async def populate(database_url: str) -> list[int]:
    """People, organisations, events and registrations; returns the events' ids."""
    engine = create_engine(database_url)
    now = datetime.now(UTC)
    rng = random.Random(7)
    async with engine.begin() as conn:
        await conn.execute(
            insert(Organisation),
            [
                {
                    "name": f"ГБОУ школа № {n}",
                    "search_name": f"гбоу школа № {n}",
                    "kind": OrgKind.SCHOOL,
                    "municipality": "",
                    "is_confirmed": True,
                    "created_at": now,
                }
                for n in range(1, 101)
            ],
        )
        roles = [Role.TEACHER] * 8 + [Role.HEAD, Role.DEPUTY]
        await conn.execute(
            insert(Person),
            [
                {
                    "telegram_id": 10_000 + i,
                    "full_name": f"Учитель Номер {i}",
                    "role": rng.choice(roles),
                    "organisation_id": rng.randint(1, 100),
                    "position": "учитель",
                    "consent_at": now,
                    "consent_version": "2026-1",
                    "is_young_specialist": False,
                    "is_management_reserve": False,
                    "is_active": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(PEOPLE)
            ],
        )
        events = []
        for i in range(EVENTS):
            starts = now + timedelta(days=rng.randint(-60, 240), hours=rng.randint(0, 8))
            events.append(
                {
                    "kind": rng.choice(list(EventKind)),
                    "title": f"Мероприятие № {i}: методическая мастерская",
                    "description": "Описание мероприятия",
                    "goal": "",
                    "organisers": "ИМЦ",
                    "format": EventFormat.ONLINE,
                    "place": "",
                    "join_link": "https://meet.example.org/x",
                    "materials_link": "",
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=1),
                    "capacity": rng.choice([None, 30, 100, 300]),
                    "audience": rng.choice([[], [], ["teacher"], ["head", "deputy"]]),
                    "topics": ["methods"],
                    "status": EventStatus.PUBLISHED,
                    "cancel_reason": "",
                    "checkin_code": "123456",
                    "created_at": now,
                    "updated_at": now,
                }
            )
        await conn.execute(insert(Event), events)
        registrations = []
        seen: set[tuple[int, int]] = set()
        while len(registrations) < 25_000:
            key = (rng.randint(1, EVENTS), rng.randint(1, PEOPLE))
            if key in seen:
                continue
            seen.add(key)
            registrations.append(
                {
                    "event_id": key[0],
                    "person_id": key[1],
                    "status": RegistrationStatus.REGISTERED,
                    "checkin_attempts": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        await conn.execute(insert(Registration), registrations)
    await engine.dispose()
    return list(range(1, EVENTS + 1))


def echo_router() -> Router:
    router = Router()

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    @router.callback_query()
    async def ack(callback: CallbackQuery) -> None:
        await callback.answer()

    return router


def echo_dispatcher() -> Dispatcher:
    dp = Dispatcher()
    dp.include_router(echo_router())
    return dp


def wired_echo_dispatcher(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> Dispatcher:
    """The echo handler behind our middlewares and SQL FSM storage: the per-update DB floor."""
    dp = build_dispatcher(settings, sessions, create_storage(settings, sessions))
    dp.sub_routers.clear()
    dp.include_router(echo_router())
    return dp


def rounds_of_updates(rounds: int, upcoming: list[int], seed: int = 11) -> list[Update]:
    rng = random.Random(seed)
    updates: list[Update] = []
    n = 0
    for _ in range(rounds):
        tg_id = 10_000 + rng.randrange(PEOPLE)
        event_id = rng.choice(upcoming)
        steps = [
            (None, tc.MENU_EVENTS),
            (EvListCb(page=1).pack(), None),
            (EvCb(action="card", event_id=event_id).pack(), None),
            (EvCb(action="reg", event_id=event_id).pack(), None),
        ]
        for data, typed in steps:
            n += 1
            if typed is not None:
                updates.append(text_update(n, tg_id, typed))
            else:
                assert data is not None
                updates.append(callback_update(n, tg_id, data))
    return updates


async def measure(dp: Dispatcher, bot: Bot, updates: list[Update]) -> list[float]:
    timings = []
    for update in updates:
        started = time.perf_counter()
        await dp.feed_update(bot, update)
        timings.append(time.perf_counter() - started)
    return timings


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


STEPS = ("list", "page 2", "card", "register")


class Counter:
    """SQL statements, commits and worker-thread round trips (aiosqlite runs every call in its
    thread). Installed only for a separate counting pass, never while timing."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.statements = self.commits = self.hops = 0
        self._engine = engine.sync_engine
        self._original_execute = aiosqlite.Connection._execute

    def _on_statement(self, *args: Any) -> None:
        self.statements += 1

    def _on_commit(self, *args: Any) -> None:
        self.commits += 1

    def reset(self) -> None:
        self.statements = self.commits = self.hops = 0

    def __enter__(self) -> Counter:
        counter = self
        original = self._original_execute

        async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
            counter.hops += 1
            return await original(self, fn, *args, **kwargs)

        aiosqlite.Connection._execute = counted  # type: ignore[method-assign]
        event.listen(self._engine, "before_cursor_execute", self._on_statement)
        event.listen(self._engine, "commit", self._on_commit)
        return self

    def __exit__(self, *exc: object) -> None:
        aiosqlite.Connection._execute = self._original_execute  # type: ignore[method-assign]
        event.remove(self._engine, "before_cursor_execute", self._on_statement)
        event.remove(self._engine, "commit", self._on_commit)


async def count_per_step(
    dp: Dispatcher, bot: Bot, engine: AsyncEngine, updates: list[Update]
) -> dict[str, tuple[float, float, float]]:
    """Mean statements, commits and thread round trips per update, by step of the round."""
    totals = {step: [0, 0, 0] for step in STEPS}
    with Counter(engine) as counter:
        for n, update in enumerate(updates):
            counter.reset()
            await dp.feed_update(bot, update)
            row = totals[STEPS[n % len(STEPS)]]
            row[0] += counter.statements
            row[1] += counter.commits
            row[2] += counter.hops
    rounds = len(updates) / len(STEPS)
    return {step: (s / rounds, c / rounds, h / rounds) for step, (s, c, h) in totals.items()}


async def timed(
    label: str, call: Callable[[], Awaitable[Any]], times: int = 400
) -> tuple[str, float]:
    """The printed line and the p50 in ms."""
    for _ in range(20):
        await call()
    timings = []
    for _ in range(times):
        started = time.perf_counter()
        await call()
        timings.append(time.perf_counter() - started)
    p50 = pct(timings, 0.5)
    return f"  {label:<58} p50 {p50:6.3f} ms   p95 {pct(timings, 0.95):6.3f} ms", p50


async def floor(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    bot: Bot,
    dp: Dispatcher,
) -> list[str]:
    """What an update costs before any handler work: the parts, measured one by one."""
    lines = []
    async with engine.connect() as conn:
        lines.append(
            (await timed("SELECT 1, bare connection", lambda: conn.exec_driver_sql("SELECT 1")))[0]
        )

    async def select_in_session() -> None:
        async with sessions() as session:
            await session.execute(text("SELECT 1"))
            await session.commit()

    async def empty_session() -> None:
        async with sessions() as session:
            await session.commit()

    async def write_in_session() -> None:
        async with sessions() as session:
            await session.execute(text("UPDATE organisations SET municipality = '' WHERE id = 1"))
            await session.commit()

    for label, call in (
        ("session with nothing done, commit", empty_session),
        ("session: BEGIN IMMEDIATE + SELECT 1 + COMMIT", select_in_session),
        ("session: BEGIN IMMEDIATE + UPDATE 1 row + COMMIT", write_in_session),
    ):
        lines.append((await timed(label, call))[0])
    wired = wired_echo_dispatcher(settings, sessions)
    echo = echo_dispatcher()
    p50s = []
    for label, target in (
        ("echo handler, bare Dispatcher", echo),
        ("echo handler + our middlewares (session, FSM, person)", wired),
        ("our bot, /help (+ routing through every router)", dp),
    ):
        # Built beforehand: making an Update is not part of handling it.
        updates = iter([text_update(1_000_000 + n, 10_005, "/help") for n in range(500)])
        line, p50 = await timed(
            label, lambda t=target, u=updates: t.feed_update(bot, next(u)), times=450
        )
        lines.append(line)
        p50s.append(p50)
    lines.append(
        f"  floor ratio (our middlewares / bare echo, p50): {p50s[1] / p50s[0]:.2f} x "
        "(target <= 2.5 x)"
    )
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=150)
    parser.add_argument("--floor", action="store_true", help="also measure the parts of the floor")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await upgrade_async(url)
        await populate(url)
        settings = Settings(_env_file=None, bot_token=TOKEN, database_url=url)  # type: ignore[call-arg]
        engine = create_engine(url)
        sessions = create_session_factory(engine)
        dp = build_dispatcher(settings, sessions, create_storage(settings, sessions))
        session = FakeSession()
        bot = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
        async with sessions() as s:
            now = datetime.now(UTC)
            upcoming = list(
                (await s.execute(select(Event.id).where(Event.starts_at > now))).scalars()
            )
        warmup = rounds_of_updates(10, upcoming, seed=1)
        updates = rounds_of_updates(args.rounds, upcoming)
        echo = echo_dispatcher()
        await measure(dp, bot, warmup)
        await measure(echo, bot, warmup)
        bot_times = await measure(dp, bot, updates)
        echo_times = await measure(echo, bot, updates)
        calls = session.calls
        counts = await count_per_step(dp, bot, engine, rounds_of_updates(25, upcoming, seed=5))
        floor_lines = await floor(settings, sessions, engine, bot, dp) if args.floor else []
        await engine.dispose()
    p50, p95 = pct(bot_times, 0.5), pct(bot_times, 0.95)
    e50, e95 = pct(echo_times, 0.5), pct(echo_times, 0.95)
    print(f"updates: {len(updates)} ({args.rounds} rounds of list, page 2, card, register)")
    print(f"events bot : p50 {p50:7.2f} ms   p95 {p95:7.2f} ms")
    print(f"echo bot   : p50 {e50:7.2f} ms   p95 {e95:7.2f} ms")
    print(f"ratio      : p50 {p50 / e50:7.1f} x   p95 {p95 / e95:7.1f} x   (target p95 <= 8 x)")
    print(f"mean events {statistics.mean(bot_times) * 1000:.2f} ms; Bot API requests {calls}")
    print("per update (separate counting pass):")
    for n, step in enumerate(STEPS):
        times = bot_times[n :: len(STEPS)]
        statements, commits, hops = counts[step]
        print(
            f"  {step:<9} p50 {pct(times, 0.5):6.2f} ms  p95 {pct(times, 0.95):6.2f} ms  "
            f"SQL statements {statements:4.1f}  commits {commits:3.1f}  thread round trips {hops:4.1f}"
        )
    if floor_lines:
        print("floor:")
        print("\n".join(floor_lines))


if __name__ == "__main__":
    asyncio.run(main())
