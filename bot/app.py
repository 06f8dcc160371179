"""Wiring: the Bot, the Dispatcher with its middlewares and routers, and the polling run."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import webhook
from bot.commands import register_commands
from bot.config import Settings, SettingsError
from bot.db import create_engine, create_session_factory
from bot.errors import on_error
from bot.fsm_storage import SqlStorage
from bot.limiter import PacedSession, RateLimiter
from bot.middlewares import DbSessionMiddleware, PersonMiddleware
from bot.migrate import upgrade_async
from bot.notifier import Notifier, start_ticker
from bot.services import feedback, forms
from bot.texts import cli as tcli
from handlers import build_routers

log = logging.getLogger(__name__)


def create_bot(settings: Settings) -> Bot:
    """The Bot, whose session paces every sending request (bot.limiter): the notifier's and
    the handlers' answers share Telegram's ~30 messages a second."""
    limiter = RateLimiter(settings.send_rate_per_second)
    if settings.telegram_api_base:
        api = TelegramAPIServer.from_base(settings.telegram_api_base.rstrip("/"))
        session = PacedSession(limiter, api=api)
    else:
        session = PacedSession(limiter)
    return Bot(
        settings.require_token(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def create_storage(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> BaseStorage:
    """Redis when REDIS_URL is set (several instances), else the SQL database."""
    if settings.redis_url:
        from aiogram.fsm.storage.base import DefaultKeyBuilder
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(
            settings.redis_url, key_builder=DefaultKeyBuilder(with_destiny=True)
        )
    return SqlStorage(sessions)


def build_dispatcher(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], storage: BaseStorage
) -> Dispatcher:
    """A fresh Dispatcher with every router; tests build one per test."""
    dp = Dispatcher(storage=storage, settings=settings, session_factory=sessions)
    # The update's session opens before aiogram's FSM middleware reads the state, so that read
    # (SqlStorage) runs in the update's transaction instead of a transaction of its own.
    outer = dp.update.outer_middleware
    fsm_first = dp.fsm in outer
    if fsm_first:
        outer.unregister(dp.fsm)
    outer.register(DbSessionMiddleware(sessions))
    if fsm_first:
        outer.register(dp.fsm)
    outer.register(PersonMiddleware(settings))
    dp.include_routers(*build_routers())
    feedback.register_hooks()
    dp.errors.register(on_error)
    return dp


async def run(settings: Settings) -> None:
    """Migrate, then poll (or serve the webhook) until SIGINT/SIGTERM; updates in flight are
    finished before closing."""
    await upgrade_async(settings.database_url)
    # A malformed form file stops the start here with FormFileError naming the file.
    await forms.load_into(settings.database_url)
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)
    storage = create_storage(settings, sessions)
    bot = create_bot(settings)
    dp = build_dispatcher(settings, sessions, storage)
    background: list[Callable[[], Awaitable[None]]] = []
    try:
        me = await _introduce(bot)
        background = await start_background(bot, sessions, settings)
        await register_commands(bot, settings.admin_ids)
        log.info("Bot @%s started, database %s", me.username, engine.url.render_as_string())
        if settings.webhook_url:
            await webhook.serve(dp, bot, settings)
        else:
            # A webhook left from an earlier deployment would make every getUpdates fail.
            await bot.delete_webhook(drop_pending_updates=False)
            await dp.start_polling(bot, handle_signals=True, close_bot_session=False)
        in_flight: set[asyncio.Task[Any]] = getattr(dp, "_handle_update_tasks", set())
        if in_flight:
            log.info("Finishing %d updates in flight", len(in_flight))
            await asyncio.wait(in_flight, timeout=30)
    finally:
        for stop in background:
            await stop()
        await bot.session.close()
        await storage.close()
        await engine.dispose()
        log.info("Bot stopped")


async def _introduce(bot: Bot) -> User:
    """getMe, turning the two start-up failures a new operator meets into one clear line."""
    try:
        return await bot.get_me()
    except TelegramUnauthorizedError:
        raise SettingsError(tcli.TOKEN_REJECTED) from None
    except TelegramNetworkError as exc:
        raise SettingsError(tcli.API_UNREACHABLE.format(error=exc.message)) from None


async def start_background(
    bot: Bot, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> list[Callable[[], Awaitable[None]]]:
    """Start background services; returns the functions that stop them."""
    notifier = Notifier(bot, sessions, settings)
    scheduler = start_ticker(notifier, settings.outbox_tick_seconds)

    async def stop_notifier() -> None:
        scheduler.shutdown(wait=False)
        await notifier.stop()

    return [stop_notifier]
