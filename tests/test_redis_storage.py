"""REDIS_URL set: dialog state lives in a real Redis and survives a restart of the bot."""

from __future__ import annotations

import os

from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.emulator import BotApiEmulator
from bot.texts import onboarding as to
from models import FsmState
from tests.conftest import make_settings, start_bot, stop_bot

REDIS_URL = os.environ["TEST_REDIS_URL"]  # this module is collected only when it is set


async def test_dialog_state_in_redis_survives_restart(
    emulator: BotApiEmulator, sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()
    settings = make_settings(database_url, emulator.base_url, redis_url=REDIS_URL)
    running, task = await start_bot(emulator, sessions, settings)
    user = running.user(5001)
    await user.send("/start")
    await user.press(to.CONSENT_YES)
    await user.send("Кузнецова Ольга")
    await stop_bot(running, task)
    await running.dp.storage.close()

    keys = [k.decode() for k in await redis.keys("fsm:*5001*")]
    assert any(k.endswith(":state") for k in keys)
    async with sessions() as s:
        assert (await s.execute(select(func.count()).select_from(FsmState))).scalar_one() == 0

    running, task = await start_bot(emulator, sessions, settings)
    try:
        await user.send("/start")
        assert to.ASK_ROLE in user.last_text()
    finally:
        await stop_bot(running, task)
        await running.dp.storage.close()
        await redis.flushdb()
        await redis.aclose()
