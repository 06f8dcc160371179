"""Fixtures: a migrated database per test (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set),
the Bot API emulator, and the real Dispatcher polling it over HTTP."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiogram import Bot, Dispatcher
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from bot.app import build_dispatcher, create_bot, create_storage
from bot.config import Settings
from bot.db import create_engine, create_session_factory
from bot.emulator import BotApiEmulator, EmulatedUser
from bot.migrate import upgrade

T = TypeVar("T")
TOKEN = "123456789:AAE_test-token-for-the-emulator-0123"
ADMIN_ID = 900001
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
# The Redis test needs a server (`make test` starts one); without it the module is not collected.
collect_ignore = (
    [] if os.environ.get("TEST_REDIS_URL") else ["test_redis_storage.py"]
)  # a server URL; each test gets its own database
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run blocking set-up that starts its own event loop (Alembic's env.py) off the test loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()


def pytest_report_header() -> str:
    where = POSTGRES_URL and make_url(POSTGRES_URL).render_as_string(hide_password=True)
    redis = "Redis FSM test on" if os.environ.get("TEST_REDIS_URL") else "no Redis FSM test"
    return f"metodbot databases: SQLite{', PostgreSQL at ' + where if where else ' only'}; {redis}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test copies it instead of migrating again."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    in_thread(upgrade, f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A PostgreSQL database migrated once, used as CREATE DATABASE … TEMPLATE."""
    assert POSTGRES_URL
    name = f"metodbot_tpl_{uuid.uuid4().hex[:8]}"
    in_thread(asyncio.run, _pg_admin(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    in_thread(upgrade, url)
    yield name
    in_thread(asyncio.run, _drop_database(name))


async def _pg_admin(statement: str) -> None:
    assert POSTGRES_URL
    engine = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def _drop_database(name: str) -> None:
    """Drop a test database. An autovacuum worker (a superuser process) busy in it cannot be
    terminated by the test role, so a failed attempt is repeated once it has had time to finish."""
    for attempt in range(20):
        try:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except DBAPIError:
            if attempt == 19:
                raise
            await asyncio.sleep(0.25)


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of a fresh, migrated database of the parametrised back end."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "bot.db"
        shutil.copy(template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    template_name: str = request.getfixturevalue("postgres_template")
    assert POSTGRES_URL
    name = f"metodbot_t_{uuid.uuid4().hex[:10]}"
    await _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    await _drop_database(name)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    yield create_session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessions() as s:
        yield s


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    emu = BotApiEmulator(token=TOKEN)
    await emu.start()
    yield emu
    await emu.stop()


def make_settings(database_url: str, api_base: str | None = None, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "bot_token": TOKEN,
        "database_url": database_url,
        "admin_ids": frozenset({ADMIN_ID}),
        "timezone": "Europe/Moscow",
        "telegram_api_base": api_base,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class RunningBot:
    """The real Dispatcher polling the emulator over HTTP, as in production but in-process."""

    emu: BotApiEmulator
    bot: Bot
    dp: Dispatcher
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings

    def user(self, user_id: int, first_name: str = "Тест") -> EmulatedUser:
        return self.emu.user(user_id, first_name)


async def start_bot(
    emu: BotApiEmulator,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    handle_as_tasks: bool = False,
) -> tuple[RunningBot, asyncio.Task[None]]:
    bot = create_bot(settings)
    dp = build_dispatcher(settings, sessions, create_storage(settings, sessions))
    task = asyncio.create_task(
        dp.start_polling(
            bot, handle_signals=False, handle_as_tasks=handle_as_tasks, polling_timeout=1
        )
    )
    return RunningBot(emu, bot, dp, sessions, settings), task


async def stop_bot(running: RunningBot, task: asyncio.Task[None]) -> None:
    if not task.done():
        await running.dp.stop_polling()
    await asyncio.wait_for(task, timeout=10)


@pytest.fixture
async def app(
    emulator: BotApiEmulator, sessions: async_sessionmaker[AsyncSession], database_url: str
) -> AsyncIterator[RunningBot]:
    """The bot polling the emulator; updates are handled one by one so tests are deterministic."""
    settings = make_settings(database_url, emulator.base_url)
    running, task = await start_bot(emulator, sessions, settings)
    yield running
    await stop_bot(running, task)
