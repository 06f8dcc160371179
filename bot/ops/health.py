"""A small HTTP server on HEALTH_PORT: /healthz, /readyz and Prometheus /metrics.

Runs in polling and webhook mode alike, beside (not inside) the webhook server, so a balancer
or an orchestrator can ask every instance. Off unless HEALTH_PORT is set.

- /healthz: the process answers (200 «ok»).
- /readyz: 200 when the database answers, the Bot API answered getMe at start, the outbox
  scheduler runs and the outbox is not stuck; 503 otherwise. The body says which check failed.
- /metrics: prometheus_client's text format (bot.ops.metrics).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.ops import metrics
from bot.services import delivery
from models.base import utcnow

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.notifier import Notifier

log = logging.getLogger(__name__)
DB_TIMEOUT = 5.0


@dataclass
class Health:
    """What the bot tells the health server as it starts; read on every request."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    api_reached: bool = False
    notifier: Notifier | None = None
    scheduler: AsyncIOScheduler | None = None
    started: float = field(default_factory=time.monotonic)

    def scheduler_ok(self) -> tuple[bool, str]:
        if self.scheduler is None or self.notifier is None:
            return False, "not started"
        if not self.scheduler.running:
            return False, "stopped"
        notifier = self.notifier
        if notifier.ticking:
            return True, "ticking"
        interval = self.settings.outbox_tick_seconds
        since = notifier.last_tick_started or self.started
        late = time.monotonic() - since
        if late > max(3 * interval, 60.0):
            return False, f"no tick for {late:.0f} s"
        return True, "ok"

    def outbox_ok(self, oldest_due_age: float) -> tuple[bool, str]:
        """Stuck: a due row has waited longer than OUTBOX_STUCK_SECONDS and this process sent
        nothing for as long (a long broadcast that is being sent is not stuck)."""
        limit = self.settings.outbox_stuck_seconds
        if oldest_due_age <= limit:
            return True, "ok"
        sent = self.notifier.last_sent if self.notifier else None
        if sent is not None and time.monotonic() - sent < limit:
            return True, "sending"
        return False, f"the oldest due notification has waited {oldest_due_age:.0f} s"

    async def oldest_due_age(self) -> float:
        async with self.sessions() as session:
            oldest = await delivery.oldest_due(session)
        return 0.0 if oldest is None else (utcnow() - oldest).total_seconds()

    async def readiness(self) -> tuple[bool, dict[str, Any]]:
        checks: dict[str, Any] = {}
        try:
            async with asyncio.timeout(DB_TIMEOUT):
                async with self.sessions() as session:
                    await session.execute(text("SELECT 1"))
                age = await asyncio.wait_for(self.oldest_due_age(), DB_TIMEOUT)
            checks["database"] = {"ok": True}
            ok, why = self.outbox_ok(age)
            checks["outbox"] = {"ok": ok, "detail": why, "oldest_due_seconds": round(age, 1)}
        except Exception as exc:  # any failure of the database is "not ready", never a 500
            checks["database"] = {"ok": False, "detail": type(exc).__name__}
            checks["outbox"] = {"ok": False, "detail": "database unavailable"}
        checks["bot_api"] = {"ok": self.api_reached}
        ok, why = self.scheduler_ok()
        checks["scheduler"] = {"ok": ok, "detail": why}
        return all(c["ok"] for c in checks.values()), checks

    async def collect_metrics(self) -> None:
        """Read the outbox and the scheduler into the gauges right before a scrape."""
        if self.notifier is not None:
            started = self.notifier.last_tick_started
            metrics.scheduler(
                self.notifier.scheduler_lag,
                None if started is None else time.monotonic() - started,
            )
        try:
            async with asyncio.timeout(DB_TIMEOUT), self.sessions() as session:
                counts = await delivery.outbox_counts(session)
                oldest = await delivery.oldest_due(session)
        except Exception:
            log.warning("Could not read the outbox for /metrics", exc_info=True)
            return
        age = 0.0 if oldest is None else (utcnow() - oldest).total_seconds()
        metrics.outbox(counts, age)


def build_app(health: Health) -> web.Application:
    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readyz(_: web.Request) -> web.Response:
        ready, checks = await health.readiness()
        return web.json_response({"ready": ready, "checks": checks}, status=200 if ready else 503)

    async def metrics_view(_: web.Request) -> web.Response:
        await health.collect_metrics()
        body, content_type = metrics.render()
        response = web.Response(body=body)
        response.headers["Content-Type"] = content_type
        return response

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_view)
    return app


async def start_server(health: Health) -> web.AppRunner:
    """Listen on HEALTH_HOST:HEALTH_PORT; returns the runner to clean up at stop."""
    settings = health.settings
    assert settings.health_port is not None
    metrics.enable()
    runner = web.AppRunner(build_app(health), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.health_host, settings.health_port).start()
    log.info("Health and metrics on %s:%s", settings.health_host, settings.health_port)
    return runner
