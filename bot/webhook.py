"""Webhook mode: Telegram (or a balancer in front of several instances) posts updates to us."""

from __future__ import annotations

import asyncio
import logging
import signal
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.config import Settings

log = logging.getLogger(__name__)


async def serve(dp: Dispatcher, bot: Bot, settings: Settings) -> None:
    """Listen on WEBHOOK_LISTEN until SIGINT/SIGTERM, then finish the requests in flight.

    Updates are handled before the answer is sent, so a stop never drops an acknowledged one.
    """
    assert settings.webhook_url
    path = urlsplit(settings.webhook_url).path or "/"
    app = web.Application()
    SimpleRequestHandler(
        dispatcher=dp,
        bot=bot,
        secret_token=settings.webhook_secret_value,
        handle_in_background=False,
    ).register(app, path=path)
    setup_application(app, dp, bot=bot)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=30)
    await runner.setup()
    host, port = settings.webhook_address
    await web.TCPSite(runner, host, port).start()
    await bot.set_webhook(
        settings.webhook_url,
        secret_token=settings.webhook_secret_value,
        allowed_updates=dp.resolve_used_update_types(),
    )
    log.info("Webhook mode: listening on %s:%s%s", host, port, path)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    try:
        await stopping.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        # Other instances may still serve the same URL: the webhook is left in place.
        await runner.cleanup()
