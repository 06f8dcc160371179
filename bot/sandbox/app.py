"""`python -m bot sandbox`: the real bot, the emulator and the web chat in one process."""

from __future__ import annotations

import asyncio
import errno
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from bot.app import build_dispatcher, create_bot, create_storage, start_background
from bot.commands import register_commands
from bot.config import Settings
from bot.db import create_engine, create_session_factory
from bot.emulator import BotApiEmulator
from bot.migrate import upgrade_async
from bot.sandbox import personas
from bot.sandbox.web import Chat
from bot.services import demo, forms
from bot.texts import sandbox as t

log = logging.getLogger(__name__)

DATABASE = Path("data/sandbox.db")
HOST = "127.0.0.1"
#: A well-formed token that only the built-in emulator accepts.
TOKEN = "7000000001:SANDBOX-local-emulator-token-000"


def sandbox_settings(base: Settings, api_base: str, database: Path = DATABASE) -> Settings:
    """The operator's settings with everything that could reach Telegram or the production data
    replaced: the emulator's address and token, the sandbox's own SQLite file, the methodologist
    persona as the only admin; notifications quick (no quiet hours, a 2-second tick, feedback
    asked 2 minutes after an event)."""
    return base.model_copy(
        update={
            "bot_token": SecretStr(TOKEN),
            "telegram_api_base": api_base,
            "database_url": f"sqlite+aiosqlite:///{database}",
            "admin_ids": frozenset({personas.METHODOLOGIST_ID}),
            "redis_url": None,
            "webhook_url": None,
            "webhook_secret": None,
            "outbox_tick_seconds": 2.0,
            "feedback_delay": timedelta(minutes=2),
            "feedback_followup_delay": timedelta(minutes=10),
            "quiet_hours": None,
        }
    )


async def start_web(chat: Chat, port: int) -> web.AppRunner | None:
    """Bind the web chat to 127.0.0.1:port; None (after one line on stderr) when it is taken."""
    runner = web.AppRunner(chat.app(), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, HOST, port).start()
    except OSError as exc:
        await runner.cleanup()
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            print(t.PORT_BUSY.format(port=port), file=sys.stderr)
            return None
        raise
    return runner


async def serve(base: Settings, port: int, fresh: bool = False) -> int:
    """Run until Ctrl+C / SIGTERM; 2 when the port is busy."""
    emulator = BotApiEmulator(token=TOKEN, username="metodbot_sandbox_bot")
    chat = Chat(emulator)
    runner = await start_web(chat, port)
    if runner is None:
        return 2
    stops: list[Callable[[], Awaitable[None]]] = [runner.cleanup]
    try:
        await emulator.start()
        stops.insert(0, emulator.stop)
        settings = sandbox_settings(base, emulator.base_url)
        if fresh:
            DATABASE.unlink(missing_ok=True)
        print(t.STARTING.format(path=DATABASE), flush=True)
        await upgrade_async(settings.database_url)
        await forms.load_into(settings.database_url)
        engine = create_engine(settings.database_url)
        stops.append(engine.dispose)
        sessions = create_session_factory(engine)
        async with sessions.begin() as session:
            await demo.seed_demo(session)
            await personas.seed(session, settings)
        await chat.load_newcomers(sessions)
        storage = create_storage(settings, sessions)
        stops.insert(0, storage.close)
        bot = create_bot(settings)
        stops.insert(0, bot.session.close)
        dp = build_dispatcher(settings, sessions, storage)
        for stop in reversed(await start_background(bot, sessions, settings)):
            stops.insert(0, stop)
        await register_commands(bot, settings.admin_ids)
        print(t.READY.format(port=port), flush=True)
        await dp.start_polling(bot, handle_signals=True, close_bot_session=False)
        in_flight: set[asyncio.Task[Any]] = getattr(dp, "_handle_update_tasks", set())
        if in_flight:
            await asyncio.wait(in_flight, timeout=10)
    finally:
        for stop in stops:
            try:
                await stop()
            except Exception:  # pragma: no cover - shutting down anyway
                log.exception("Sandbox shutdown step failed")
    print(t.STOPPED, flush=True)
    return 0
