"""Every request that sends a message shares one pace: a limiter inside the Bot's session.

The notifier's sends and the handlers' direct answers both go through `PacedSession`, so
together they stay under Telegram's ~30 messages a second. Direct answers go before bulk
(broadcast) sends waiting at the same moment. A 429 pauses every sender for `retry_after` and
the refused request is retried (a bounded number of times) instead of failing the update: a
person's check-in is not rolled back because its confirmation was refused once.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import logging
import time
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

from bot.ops import metrics

log = logging.getLogger(__name__)

#: Set in the notifier while it delivers a broadcast: such sends yield to everything else.
BULK: contextvars.ContextVar[bool] = contextvars.ContextVar("bulk_send", default=False)
#: Set in the notifier: its rows handle a 429 themselves (the row goes back to the outbox with
#: its attempt cleared), so a process killed while waiting never leaves a row that looks sent.
NO_RETRY: contextvars.ContextVar[bool] = contextvars.ContextVar("no_retry", default=False)
#: How many times a request refused with 429 is retried before the error reaches the caller.
MAX_RETRIES = 5
#: Methods Telegram counts against the per-bot message limit.
LIMITED_PREFIXES = ("send", "copyMessage", "copyMessages", "forwardMessage")


#: Requests reach Telegram a little unevenly (a busy event loop, the network): the window is
#: kept this much longer than Telegram's second so that a bunch never counts as too many there.
JITTER_MARGIN = 0.05


class RateLimiter:
    """At most `per_second` acquisitions in any sliding window of a second (plus a margin for
    the requests' uneven way to Telegram); direct answers before bulk sends."""

    def __init__(self, per_second: float, window: float = 1.0 + JITTER_MARGIN) -> None:
        self.limit = max(1, int(per_second))
        self.window = window
        self._times: collections.deque[float] = collections.deque()
        self._paused_until = 0.0
        self._urgent_waiting = 0

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    async def acquire(self, bulk: bool = False) -> None:
        if not bulk:
            self._urgent_waiting += 1
        try:
            while True:
                now = time.monotonic()
                if now < self._paused_until:
                    await asyncio.sleep(self._paused_until - now)
                    continue
                while self._times and now - self._times[0] >= self.window:
                    self._times.popleft()
                if bulk and self._urgent_waiting:
                    await asyncio.sleep(0.005)
                    continue
                if len(self._times) < self.limit:
                    self._times.append(now)
                    return
                await asyncio.sleep(self._times[0] + self.window - now + 0.001)
        finally:
            if not bulk:
                self._urgent_waiting -= 1


class PacedSession(AiohttpSession):
    """aiogram's HTTP session with the shared limiter and bounded 429 retries."""

    def __init__(self, limiter: RateLimiter, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.limiter = limiter
        self.retried_429 = 0

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,
    ) -> TelegramType:
        limited = method.__api_method__.startswith(LIMITED_PREFIXES)
        attempt = 0
        while True:
            if limited:
                await self.limiter.acquire(bulk=BULK.get())
            try:
                return await super().make_request(bot, method, timeout)
            except TelegramRetryAfter as exc:
                self.limiter.pause(exc.retry_after)
                attempt += 1
                self.retried_429 += 1
                if attempt > MAX_RETRIES or NO_RETRY.get():
                    raise  # counted by bot.ops.observe like any refused request
                metrics.api_request(method.__api_method__, "429")
                log.info("429 on %s: retrying after %s s", method.__api_method__, exc.retry_after)
