"""Benchmark: browsing and registering through the real Dispatcher vs a bare echo handler.

    .venv/bin/python bench/bench_events.py [--rounds 150]

A SQLite file with 5,000 people, 300 events and ~25,000 registrations; each round a random
teacher presses «Мероприятия», opens page 2, opens a card and presses «Записаться». Every update
goes through `dp.feed_update` with a bot whose session is a fake that records requests and
returns minimal valid results (no network). Prints p50/p95 per update for both and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.methods import TelegramMethod
from aiogram.types import CallbackQuery, Chat, Message, Update, User
from sqlalchemy import insert

from bot.app import build_dispatcher, create_storage
from bot.config import Settings
from bot.db import create_engine, create_session_factory
from bot.migrate import upgrade_async
from bot.texts import common as tc
from handlers.events import EvCb, EvListCb
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


def echo_dispatcher() -> Dispatcher:
    router = Router()

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    @router.callback_query()
    async def ack(callback: CallbackQuery) -> None:
        await callback.answer()

    dp = Dispatcher()
    dp.include_router(router)
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
        for data, text in steps:
            n += 1
            if text is not None:
                updates.append(text_update(n, tg_id, text))
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


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=150)
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
            from sqlalchemy import select

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
        await engine.dispose()
    p50, p95 = pct(bot_times, 0.5), pct(bot_times, 0.95)
    e50, e95 = pct(echo_times, 0.5), pct(echo_times, 0.95)
    print(f"updates: {len(updates)} ({args.rounds} rounds of list, page 2, card, register)")
    print(f"events bot : p50 {p50:7.2f} ms   p95 {p95:7.2f} ms")
    print(f"echo bot   : p50 {e50:7.2f} ms   p95 {e95:7.2f} ms")
    print(f"ratio      : p50 {p50 / e50:7.1f} x   p95 {p95 / e95:7.1f} x   (target p95 < 3 x)")
    print(f"mean events {statistics.mean(bot_times) * 1000:.2f} ms; requests {session.calls}")


if __name__ == "__main__":
    asyncio.run(main())
