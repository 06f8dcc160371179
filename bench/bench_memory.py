"""Benchmark: resident memory of the idle bot against a bare aiogram polling bot.

    .venv/bin/python bench/bench_memory.py [--people 50000]

Three real processes poll the same local Bot API emulator (in this process) and each answers a
few updates first, so all are warm: a bare aiogram bot with one echo handler (the baseline), the
real bot (`python -m bot`) on an empty SQLite file, and the real bot on a file with 50,000
people, 300 events and 25,000 registrations after a teacher browsed the calendar. Each one's
RSS (VmRSS) is read after it has idled a few seconds. Targets: empty ≤ 1.2 ×, large ≤ 1.3 ×.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))
import bench_events  # noqa: E402

from bot.emulator import BotApiEmulator  # noqa: E402
from bot.migrate import upgrade_async  # noqa: E402

TOKEN = "123456789:AAE_bench-token-for-the-emulator-0123"

BARE_BOT = """
import asyncio, sys
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

router = Router()

@router.message()
async def echo(message: Message) -> None:
    await message.answer(message.text or "")

async def main() -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(sys.argv[1]))
    bot = Bot(sys.argv[2], session=session)
    dp = Dispatcher()
    dp.include_router(router)
    await dp.start_polling(bot, handle_signals=True)

asyncio.run(main())
"""


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def run_one(
    emulator: BotApiEmulator,
    user_id: int,
    command: list[str],
    env: dict[str, str],
    texts: list[str],
) -> float:
    """Start a process, warm it with a few updates, let it idle, read its RSS, stop it."""
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    try:
        user = emulator.user(user_id, "Бенч")
        for _ in range(200):  # until it polls
            if any(c.method == "getUpdates" for c in emulator.calls[-50:]):
                break
            await asyncio.sleep(0.1)
        for text in texts:
            await user.send(text, timeout=30)
        await asyncio.sleep(4)
        return rss_mb(process.pid)
    finally:
        process.terminate()
        await process.wait()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=50_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    emulator = BotApiEmulator(token=TOKEN)
    await emulator.start()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    base_env |= {"BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": emulator.base_url, "LOG_LEVEL": "ERROR"}
    python = sys.executable
    try:
        bare = await run_one(
            emulator,
            1,
            [python, "-c", BARE_BOT, emulator.base_url, TOKEN],
            base_env,
            ["раз", "два", "три"],
        )
        empty_url = f"sqlite+aiosqlite:///{folder / 'empty.db'}"
        empty = await run_one(
            emulator,
            2,
            [python, "-m", "bot"],
            base_env | {"DATABASE_URL": empty_url},
            ["/start", "/help", "/start"],
        )
        large_url = f"sqlite+aiosqlite:///{folder / 'large.db'}"
        await upgrade_async(large_url)
        bench_events.PEOPLE = args.people
        await bench_events.populate(large_url)
        teacher = 10_000 + 5  # a registered teacher of the populated district
        large = await run_one(
            emulator,
            teacher,
            [python, "-m", "bot"],
            base_env | {"DATABASE_URL": large_url},
            ["/start", "📅 Мероприятия", "📝 Мои записи", "/profile"],
        )
    finally:
        await emulator.stop()
    print(f"bare aiogram polling bot:            {bare:6.1f} MB")
    print(f"metodbot, empty database:            {empty:6.1f} MB  ratio {empty / bare:4.2f} x")
    print(
        f"metodbot, {args.people:,} people/300 events: {large:6.1f} MB  ratio {large / bare:4.2f} x"
    )


if __name__ == "__main__":
    asyncio.run(main())
