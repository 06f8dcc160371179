"""Log set-up: plain lines or one JSON object per line (LOG_FORMAT=json), with the update's
context (update id, user id, handler) and no secrets.

Personal data (names, answers, message texts) is never put in log records at INFO; the engine
hides SQL parameters in error messages (bot.db). Secrets (the bot token, the webhook secret, the
database password) are replaced by '***' in every formatted record, whoever logged it.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

#: Fields of the current update (or notification) added to every record logged while it is handled.
_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "log_context", default=None
)
#: Record attributes that go into JSON output when a log call passes them in `extra`.
CONTEXT_FIELDS = (
    "update_id",
    "user_id",
    "update_kind",
    "handler",
    "duration_ms",
    "notification_id",
    "notification_kind",
    "broadcast_id",
)
_secrets: list[str] = []


def add_secret(value: str | None) -> None:
    """Never print `value` (a token, a password) in a log record or a redacted message."""
    if value and len(value) >= 4 and value not in _secrets:
        _secrets.append(value)
        # The token's part after the colon is the secret one; aiogram may print the bot id apart.
        if ":" in value:
            add_secret(value.split(":", 1)[1])


def redact(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, "***")
    return text


@contextlib.contextmanager
def context(**fields: Any) -> Iterator[dict[str, Any]]:
    """Add fields to every record logged inside the block (the dict may be filled in later)."""
    current = dict(_context.get() or {})
    current.update(fields)
    token = _context.set(current)
    try:
        yield current
    finally:
        _context.reset(token)


def current_context() -> dict[str, Any]:
    return dict(_context.get() or {})


def add_to_context(**fields: Any) -> None:
    """Add fields to the innermost open `context` block (none open: nothing to do)."""
    current = _context.get()
    if current is not None:
        current.update(fields)


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (_context.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, context fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in CONTEXT_FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                data[key] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(data, ensure_ascii=False, default=str))


def setup(level: str, fmt: str = "text") -> None:
    """Configure the root logger, as logging.basicConfig would: when something else (a test
    runner) has configured logging already, its handlers are left alone."""
    root = logging.getLogger()
    if not any(not getattr(h, "_metodbot", False) for h in root.handlers):
        for old in list(root.handlers):
            root.removeHandler(old)
        handler = logging.StreamHandler()
        handler._metodbot = True  # type: ignore[attr-defined]
        handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
        handler.addFilter(_ContextFilter())
        root.addHandler(handler)
        root.setLevel(level)
    # APScheduler reports every tick at INFO; the outbox logs what was actually sent.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, root.level))
    # aiogram's line per update says less than ours (bot.ops.observe: «Update … handled by …»).
    logging.getLogger("aiogram.event").setLevel(max(logging.WARNING, root.level))
