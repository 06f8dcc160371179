"""Serve the emulator standalone: ``python -m bot.emulator --port 8081``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Iterable

from bot.emulator.model import DEFAULT_TOKEN
from bot.emulator.server import BotApiEmulator


async def _serve(port: int, rate_limit: float | None, token: str, host: str) -> None:
    emulator = BotApiEmulator(token=token)
    emulator.set_rate_limit(rate_limit)
    await emulator.start(port, host)
    print(f"Bot API emulator: {emulator.base_url} (token {token})", flush=True)
    print(f"Control API: {emulator.base_url}/_emulator/{{calls,stats,send_text,...}}", flush=True)
    stopped = asyncio.Event()
    # SIGTERM (e.g. from a benchmark script) should shut down as gracefully as Ctrl-C does.
    with contextlib.suppress(NotImplementedError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopped.set)
    try:
        await stopped.wait()
    finally:
        await emulator.stop()


def main(argv: Iterable[str] | None = None) -> None:
    """Serve the emulator until Ctrl-C (``python -m bot.emulator``)."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.emulator", description="Local Telegram Bot API emulator"
    )
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--rate-limit", type=float, default=None, help="send* calls per second")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    # 0.0.0.0 in a container of deploy/smoke.sh, where the bot runs in another container
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(None if argv is None else list(argv))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.rate_limit, args.token, args.host))


if __name__ == "__main__":
    main()
