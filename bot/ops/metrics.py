"""Prometheus metrics behind HEALTH_PORT's /metrics.

`enable()` imports prometheus_client and creates the metrics in a registry of their own; until
then every function here does nothing, so callers (middlewares, the sender, services) need no
check of their own and the bot without HEALTH_PORT never imports prometheus_client.

Broadcasts: the broadcast sender reports its progress with `broadcast_progress(...)` (a gauge
per broadcast and state) and calls `broadcast_finished(id)` when one ends; this module imports
nothing of aiogram, so services may call it.
"""

from __future__ import annotations

import contextlib
from typing import Any

NAMESPACE = "metodbot"
_m: _Metrics | None = None


class _Metrics:
    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = registry = CollectorRegistry(auto_describe=True)
        ns = NAMESPACE
        self.updates = Counter(
            "updates", "Updates received, by kind", ["kind"], namespace=ns, registry=registry
        )
        self.handler_seconds = Histogram(
            "handler_seconds",
            "Time to handle an update (database transaction included), by handler",
            ["handler"],
            namespace=ns,
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.errors = Counter(
            "errors",
            "Errors: an update whose handler failed, a notification Telegram refused, ...",
            ["where"],
            namespace=ns,
            registry=registry,
        )
        self.api_requests = Counter(
            "bot_api_requests",
            "Requests to the Bot API by method and result (ok, 429, 403, 400, network, error)",
            ["method", "result"],
            namespace=ns,
            registry=registry,
        )
        self.api_429 = Counter(
            "bot_api_rate_limited",
            "Bot API answers 429 Too Many Requests (retry_after honoured)",
            namespace=ns,
            registry=registry,
        )
        self.outbox_rows = Gauge(
            "outbox_rows",
            "Notifications (outbox rows) by status, read when /metrics is scraped",
            ["status"],
            namespace=ns,
            registry=registry,
        )
        self.outbox_oldest_due = Gauge(
            "outbox_oldest_due_seconds",
            "Age of the oldest pending notification that is due (0 when none)",
            namespace=ns,
            registry=registry,
        )
        self.scheduler_lag = Gauge(
            "scheduler_lag_seconds",
            "How late the last outbox tick started after its scheduled time",
            namespace=ns,
            registry=registry,
        )
        self.last_tick_age = Gauge(
            "outbox_last_tick_age_seconds",
            "Seconds since the last outbox tick started",
            namespace=ns,
            registry=registry,
        )
        self.broadcast = Gauge(
            "broadcast_recipients",
            "Recipients of a running broadcast by state (total, sent, failed, pending)",
            ["broadcast_id", "state"],
            namespace=ns,
            registry=registry,
        )


def enable() -> None:
    """Create the metrics (idempotent): called when HEALTH_PORT is set."""
    global _m
    if _m is None:
        _m = _Metrics()


def enabled() -> bool:
    return _m is not None


def update_handled(kind: str, handler: str, seconds: float, *, failed: bool) -> None:
    if _m is None:
        return
    _m.updates.labels(kind).inc()
    _m.handler_seconds.labels(handler).observe(seconds)
    if failed:
        _m.errors.labels("handler").inc()


def error(where: str) -> None:
    if _m is not None:
        _m.errors.labels(where).inc()


def api_request(method: str, result: str) -> None:
    if _m is None:
        return
    _m.api_requests.labels(method, result).inc()
    if result == "429":
        _m.api_429.inc()


def outbox(by_status: dict[str, int], oldest_due_seconds: float) -> None:
    if _m is None:
        return
    from models import NotificationStatus

    for status in NotificationStatus:
        _m.outbox_rows.labels(status.value).set(by_status.get(status.value, 0))
    _m.outbox_oldest_due.set(max(0.0, oldest_due_seconds))


def scheduler(lag_seconds: float | None, last_tick_age: float | None) -> None:
    if _m is None:
        return
    if lag_seconds is not None:
        _m.scheduler_lag.set(max(0.0, lag_seconds))
    if last_tick_age is not None:
        _m.last_tick_age.set(last_tick_age)


def broadcast_progress(broadcast_id: int, *, total: int, sent: int, failed: int) -> None:
    """Hook for the broadcast sender: set after each batch of a running broadcast."""
    if _m is None:
        return
    label = str(broadcast_id)
    for state, value in (
        ("total", total),
        ("sent", sent),
        ("failed", failed),
        ("pending", max(0, total - sent - failed)),
    ):
        _m.broadcast.labels(label, state).set(value)


def broadcast_finished(broadcast_id: int) -> None:
    """Drop a finished (or cancelled) broadcast's series."""
    if _m is None:
        return
    for state in ("total", "sent", "failed", "pending"):
        with contextlib.suppress(KeyError):
            _m.broadcast.remove(str(broadcast_id), state)


def render() -> tuple[bytes, str]:
    """The text exposition and its content type."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    assert _m is not None
    return generate_latest(_m.registry), CONTENT_TYPE_LATEST


def _reset_for_tests() -> Any:
    """Forget the metrics (tests enable them afresh)."""
    global _m
    _m = None
