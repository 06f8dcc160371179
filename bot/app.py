"""Wiring: the Bot, the Dispatcher with its middlewares and routers, and the polling run."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.commands import register_commands
from bot.config import Settings, SettingsError
from bot.db import create_engine, create_session_factory
from bot.errors import on_error
from bot.fsm_storage import SqlStorage
from bot.limiter import PacedSession, RateLimiter
from bot.middlewares import DbSessionMiddleware, PersonMiddleware
from bot.migrate import prepare_in_child
from bot.notifier import Notifier, add_hourly_job, start_ticker
from bot.ops import backup, metrics, observe
from bot.services import form_hooks, forms, retention
from bot.texts import cli as tcli
from bot.transaction import CheckpointBeforeSending, TransactionalStorage
from handlers import build_form_finishers, build_routers

if TYPE_CHECKING:
    from bot.ops.health import Health

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
    bot = Bot(
        settings.require_token(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )
    bot.session.middleware(CheckpointBeforeSending())
    if metrics.enabled():
        bot.session.middleware(observe.ApiObserver())
    return bot


def create_storage(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> TransactionalStorage:
    """Redis when REDIS_URL is set (several instances), else the SQL database; either way its
    changes follow the update's transaction (bot.transaction)."""
    if settings.redis_url:
        from aiogram.fsm.storage.base import DefaultKeyBuilder
        from aiogram.fsm.storage.redis import RedisStorage

        return TransactionalStorage(
            RedisStorage.from_url(
                settings.redis_url, key_builder=DefaultKeyBuilder(with_destiny=True)
            )
        )
    return TransactionalStorage(SqlStorage(sessions))


def build_dispatcher(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], storage: BaseStorage
) -> Dispatcher:
    """A fresh Dispatcher with every router; tests build one per test."""
    dp = Dispatcher(storage=storage, settings=settings, session_factory=sessions)
    # The update's session opens first; the person middleware then reads the person and the
    # FSM state in one statement, which aiogram's FSM middleware (after it) finds remembered.
    outer = dp.update.outer_middleware
    if dp.fsm in outer:
        outer.unregister(dp.fsm)
    transactional = storage if isinstance(storage, TransactionalStorage) else None
    db_session = DbSessionMiddleware(sessions, transactional)
    outer.register(db_session)
    dp["updates_in_flight"] = db_session.in_flight
    outer.register(PersonMiddleware(settings, dp.fsm, transactional))
    outer.register(dp.fsm)
    dp.include_routers(*build_routers())
    # Built per Dispatcher and injected into handlers: nothing is registered at import time.
    dp["form_hooks"] = form_hooks.default()
    dp["form_finishers"] = build_form_finishers()
    dp.errors.register(on_error)
    observe.install(dp)  # last: it places itself before the session and the FSM
    return dp


async def run(settings: Settings) -> None:
    """Migrate, then poll (or serve the webhook) until SIGINT/SIGTERM; updates in flight are
    finished before closing. On SQLite the run holds a shared lock that `restore` checks."""
    with backup.running(settings.database_url):
        await _run(settings)


async def _run(settings: Settings) -> None:
    # A malformed form file stops the start here with FormFileError naming the file.
    await prepare_in_child(
        settings.database_url, forms.forms_dir(), settings.log_level, settings.log_format
    )
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)
    storage = create_storage(settings, sessions)
    health = None
    background: list[Callable[[], Awaitable[None]]] = []
    if settings.health_port:
        metrics.enable()  # before the Bot is made, so its requests are counted
    bot = create_bot(settings)
    dp = build_dispatcher(settings, sessions, storage)
    try:
        if settings.health_port:
            from bot.ops.health import Health, start_server

            health = Health(settings, sessions)
            background.append((await start_server(health)).cleanup)
        me = await _introduce(bot)
        if health is not None:
            health.api_reached = True
        background[:0] = await start_background(bot, sessions, settings, health)
        await register_commands(bot, settings.admin_ids)
        log.info("Bot @%s started, database %s", me.username, settings.database_url_safe)
        if settings.webhook_url:
            from bot import webhook

            await webhook.serve(dp, bot, settings)
        else:
            # A webhook left from an earlier deployment would make every getUpdates fail.
            await bot.delete_webhook(drop_pending_updates=False)
            await dp.start_polling(bot, handle_signals=True, close_bot_session=False)
        in_flight: set[asyncio.Task[Any]] = dp["updates_in_flight"]
        if in_flight:
            log.info("Finishing %d updates in flight", len(in_flight))
            await asyncio.wait(set(in_flight), timeout=30)
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
    bot: Bot,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    health: Health | None = None,
) -> list[Callable[[], Awaitable[None]]]:
    """Start background services; returns the functions that stop them."""
    notifier = Notifier(bot, sessions, settings)
    scheduler = start_ticker(notifier, settings.outbox_tick_seconds)
    if settings.personal_data_retention is not None:
        add_hourly_job(scheduler, retention.run, "retention", sessions, settings)
    if health is not None:
        health.notifier, health.scheduler = notifier, scheduler

    async def stop_notifier() -> None:
        scheduler.shutdown(wait=False)
        await notifier.stop()

    return [stop_notifier]
