"""One transaction per update, the same with the FSM state in SQL and in Redis: a handler that
fails half-way leaves neither rows nor state behind; what the bot has said is durable."""

from __future__ import annotations

import os

import pytest
from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import bot.app
import handlers
from bot.emulator import BotApiEmulator
from models import Organisation, OrgKind
from models.base import utcnow
from tests.conftest import make_settings, start_bot, stop_bot
from tests.factories import make_person

REDIS_URL = os.environ.get("TEST_REDIS_URL")
MODES = ["sql", *(["redis"] if REDIS_URL else [])]


class Probe(StatesGroup):
    step = State()


def _org(name: str) -> Organisation:
    org = Organisation(kind=OrgKind.SCHOOL, municipality="", is_confirmed=True)
    org.set_name(name)
    return org


def probe_router() -> Router:
    router = Router(name="probe")

    @router.message(Command("fail_silently"))
    async def fail_before_speaking(
        message: Message, session: AsyncSession, state: FSMContext
    ) -> None:
        session.add(_org("Школа до сбоя"))
        await session.flush()
        await state.set_state(Probe.step)
        await state.update_data(half="written")
        raise RuntimeError("fault injected half-way")

    @router.message(Command("fail_after_reply"))
    async def fail_after_speaking(
        message: Message, session: AsyncSession, state: FSMContext
    ) -> None:
        session.add(_org("Школа до ответа"))
        await state.set_state(Probe.step)
        await message.answer("Записано.")
        session.add(_org("Школа после ответа"))
        raise RuntimeError("fault injected after the reply")

    @router.message(Command("probe"))
    async def enter(message: Message, state: FSMContext) -> None:
        await state.set_state(Probe.step)
        await message.answer("Шаг начат.")

    @router.message(Probe.step, F.text == "где я")
    async def where(message: Message, state: FSMContext) -> None:
        await message.answer(f"шаг: {await state.get_state()}")

    return router


@pytest.mark.parametrize("mode", MODES)
async def test_a_failing_handler_leaves_nothing_and_a_reply_is_durable(
    emulator: BotApiEmulator,
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    mode: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        bot.app, "build_routers", lambda: [probe_router(), *handlers.build_routers()]
    )
    redis = None
    if mode == "redis":
        from redis.asyncio import Redis

        assert REDIS_URL
        redis = Redis.from_url(REDIS_URL)
        await redis.flushdb()
    overrides = {"redis_url": REDIS_URL} if mode == "redis" else {}
    settings = make_settings(database_url, emulator.base_url, **overrides)
    running, task = await start_bot(emulator, sessions, settings)
    try:
        user = running.user(6001)
        await user.send("/fail_silently")
        async with sessions() as s:
            count = await s.scalar(select(func.count()).select_from(Organisation))
        assert count == 0
        await user.send("где я")
        assert not any(text.startswith("шаг:") for text in user.texts())  # no state was left

        await user.send("/fail_after_reply")
        async with sessions() as s:
            names = set((await s.execute(select(Organisation.name))).scalars())
        assert names == {"Школа до ответа"}
        await user.send("где я")
        assert user.last_text() == f"шаг: {Probe.step.state}"
    finally:
        await stop_bot(running, task)
        await running.dp.storage.close()
        if redis is not None:
            await redis.flushdb()
            await redis.aclose()


async def test_the_person_and_the_state_are_read_in_one_statement(
    emulator: BotApiEmulator,
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An update whose handler only reads the state costs one statement: the person and the
    FSM state come together (bot.middlewares), and nothing is written or committed."""
    monkeypatch.setattr(
        bot.app, "build_routers", lambda: [probe_router(), *handlers.build_routers()]
    )
    async with sessions.begin() as s:
        await make_person(s, 6101, last_seen_at=utcnow())
    statements: list[str] = []

    def count(conn: object, cursor: object, sql: str, *args: object) -> None:
        statements.append(sql)

    engine = sessions.kw["bind"].sync_engine
    settings = make_settings(database_url, emulator.base_url)
    running, task = await start_bot(emulator, sessions, settings)
    try:
        user = running.user(6101)
        await user.send("/probe")
        event.listen(engine, "before_cursor_execute", count)
        try:
            await user.send("где я")
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert user.last_text() == f"шаг: {Probe.step.state}"
        assert len(statements) == 1, statements
        assert "fsm_states" in statements[0] and "people" in statements[0]
    finally:
        await stop_bot(running, task)
