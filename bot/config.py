"""Settings: the only place environment variables are read."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import time, timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/bot.db"
_TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$")
_ASYNC_DRIVERS = {"sqlite+aiosqlite", "postgresql+asyncpg"}


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it in one line."""


class Settings(BaseSettings):
    """Runtime settings from the environment and `.env`."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Secrets print as '**********' in any repr, log line or validation error.
    bot_token: SecretStr = SecretStr("")
    database_url: str = Field(default=DEFAULT_DATABASE_URL, repr=False)
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(default_factory=frozenset)
    timezone: str = "Europe/Moscow"
    telegram_api_base: str | None = None
    redis_url: str | None = Field(default=None, repr=False)
    log_level: str = "INFO"
    # Webhook mode when set: the public HTTPS URL Telegram posts updates to (else long polling).
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0:8080"
    webhook_secret: SecretStr | None = None
    # Notifications (bot.notifier): reminder offsets before the start, e.g. "24h,1h" or "90m".
    reminder_offsets: Annotated[tuple[timedelta, ...], NoDecode] = (
        timedelta(hours=24),
        timedelta(hours=1),
    )
    feedback_delay: Annotated[timedelta, NoDecode] = timedelta(hours=2)
    # The one follow-up to those who have not answered, this long after the request.
    feedback_followup_delay: Annotated[timedelta, NoDecode] = timedelta(hours=24)
    outbox_tick_seconds: float = Field(default=20.0, gt=0, le=3600)
    # Local time span when notifications that can wait are held; empty turns it off.
    quiet_hours: Annotated[tuple[time, time] | None, NoDecode] = (time(22, 0), time(8, 0))
    # Telegram allows about 30 messages a second per bot.
    send_rate_per_second: float = Field(default=28.0, gt=0, le=1000)
    # How many due notifications one tick claims at a time (several instances share the rest).
    outbox_batch_size: int = Field(default=200, gt=0, le=10_000)
    # A claimed notification whose process died is claimed again after this long.
    outbox_lease_seconds: float = Field(default=60.0, gt=0)
    # 152-ФЗ: people inactive this long are anonymised by a daily job: (months, days); None = never.
    personal_data_retention: Annotated[tuple[int, int] | None, NoDecode] = None
    # Operations (bot/ops): /healthz, /readyz and /metrics on this port when set (off otherwise).
    health_port: int | None = Field(default=None, gt=0, lt=65536)
    health_host: str = "0.0.0.0"
    # /readyz fails when a due notification has waited this long while this process sent nothing.
    outbox_stuck_seconds: float = Field(default=900.0, gt=0)
    # "text" (one line per record) or "json" (one JSON object per line, for log collectors).
    log_format: str = "text"
    # `python -m bot sandbox`: the port of its web chat on 127.0.0.1.
    sandbox_port: int = Field(default=8080, gt=0, lt=65536)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError("ожидаются числовые id через запятую") from None
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("reminder_offsets", mode="before")
    @classmethod
    def _parse_offsets(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            return tuple(sorted((parse_duration(p) for p in parts), reverse=True))
        return value

    @field_validator("feedback_delay", "feedback_followup_delay", mode="before")
    @classmethod
    def _parse_delay(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value

    @field_validator("personal_data_retention", mode="before")
    @classmethod
    def _parse_retention(cls, value: object) -> object:
        return parse_retention(value) if isinstance(value, str) else value

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _parse_quiet_hours(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        if not value.strip():
            return None
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", value)
        if not match:
            raise ValueError("ожидается промежуток вида 22:00-08:00 или пустое значение")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        try:
            return (time(h1, m1), time(h2, m2))
        except ValueError:
            raise ValueError("неверное время в промежутке") from None

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"неизвестный часовой пояс {value!r}") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError("не похоже на адрес базы данных SQLAlchemy") from None
        if url.drivername not in _ASYNC_DRIVERS:
            raise ValueError(
                f"драйвер {url.drivername!r} не поддерживается; "
                "используйте sqlite+aiosqlite:// или postgresql+asyncpg://"
            )
        return value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("ожидается DEBUG, INFO, WARNING или ERROR")
        return level

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        if value and not re.match(r"^https?://[^/\s]+(/\S*)?$", value):
            raise ValueError("ожидается адрес вида https://bot.example.org/telegram")
        return value or None

    @field_validator("webhook_listen")
    @classmethod
    def _check_listen(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("ожидается адрес и порт вида 0.0.0.0:8080")
        return value

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _check_secret(cls, value: object) -> object:
        # Telegram allows 1–256 characters A-Z, a-z, 0-9, _ and -.
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, str) and value and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
            raise ValueError("допустимы 1–256 символов: латинские буквы, цифры, _ и -")
        return value or None

    @field_validator("health_port", mode="before")
    @classmethod
    def _empty_port(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_format")
    @classmethod
    def _check_log_format(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in {"text", "json"}:
            raise ValueError("ожидается text или json")
        return value

    @property
    def webhook_secret_value(self) -> str | None:
        return self.webhook_secret.get_secret_value() if self.webhook_secret else None

    @property
    def database_url_safe(self) -> str:
        """DATABASE_URL with its password replaced by '***', for logs and messages."""
        return make_url(self.database_url).render_as_string(hide_password=True)

    @property
    def webhook_address(self) -> tuple[str, int]:
        host, _, port = self.webhook_listen.rpartition(":")
        return host, int(port)

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def require_token(self) -> str:
        """Return the bot token, or raise SettingsError when it is missing or malformed."""
        token = self.bot_token.get_secret_value()
        if not token:
            raise SettingsError("BOT_TOKEN не задан: укажите токен бота от @BotFather в .env")
        if not _TOKEN_RE.match(token):
            raise SettingsError("BOT_TOKEN имеет неверный формат: ожидается «123456:ABC…»")
        return token


_DURATION_RE = re.compile(r"^(\d+)\s*(d|h|m|s|д|ч|мин|м|с)?$")
_UNIT_SECONDS = {"d": 86400, "д": 86400, "h": 3600, "ч": 3600, "m": 60, "м": 60, "мин": 60}


def parse_duration(text: str) -> timedelta:
    """«24h», «1h», «90m», «30s», «2d»; a bare number is minutes."""
    match = _DURATION_RE.match(text.strip().lower())
    if not match:
        raise ValueError(f"не понимаю длительность {text!r}: ожидается вида 24h, 90m, 30s")
    amount, unit = int(match.group(1)), match.group(2) or "m"
    return timedelta(seconds=amount * _UNIT_SECONDS.get(unit, 1))


_RETENTION_RE = re.compile(r"^(\d{1,4})\s*(y|г|л|лет|года?|m|мес|d|д|дн|дней)$")


def parse_retention(text: str) -> tuple[int, int] | None:
    """«3y» (years), «18m» (months), «400d» (days) → (months, days); empty → None (never)."""
    text = text.strip().lower()
    if not text:
        return None
    match = _RETENTION_RE.match(text)
    if not match or int(match.group(1)) == 0:
        raise ValueError(
            "ожидается срок вида 3y (лет), 18m (месяцев) или 400d (дней), либо пустое значение"
        )
    amount, unit = int(match.group(1)), match.group(2)
    if unit in ("m", "мес"):
        return (amount, 0)
    if unit in ("d", "д", "дн", "дней"):
        return (0, amount)
    return (amount * 12, 0)


#: Settings that may come from a file (Docker/systemd secrets): NAME_FILE=/run/secrets/name.
FILE_SETTINGS = ("BOT_TOKEN", "WEBHOOK_SECRET", "DATABASE_URL", "REDIS_URL", "DATABASE_PASSWORD")


def _from_files(environ: Mapping[str, str]) -> dict[str, str]:
    """Values of NAME_FILE variables (when NAME itself is not set), read from their files."""
    values: dict[str, str] = {}
    for name in FILE_SETTINGS:
        path = environ.get(f"{name}_FILE")
        if path and not environ.get(name):
            try:
                values[name] = Path(path).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SettingsError(
                    f"{name}_FILE: не удалось прочитать {path} ({exc.strerror})"
                ) from None
        elif environ.get(name):
            values[name] = environ[name]
    return values


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read settings, turning validation errors into one SettingsError line naming the setting.

    NAME_FILE reads a secret from a file; DATABASE_PASSWORD (or DATABASE_PASSWORD_FILE) fills in
    the password of a DATABASE_URL written without one.
    """
    environ = os.environ if environ is None else environ
    files = _from_files(environ)
    overrides: dict[str, object] = {
        name.lower(): files[name]
        for name in ("BOT_TOKEN", "WEBHOOK_SECRET", "REDIS_URL")
        if f"{name}_FILE" in environ and name in files
    }
    url = files.get("DATABASE_URL")
    password = files.get("DATABASE_PASSWORD")
    if url and password:
        try:
            parsed = make_url(url)
        except ArgumentError:
            pass  # the validator names DATABASE_URL
        else:
            if parsed.password is None:
                url = parsed.set(password=password).render_as_string(hide_password=False)
    if url and ("DATABASE_URL_FILE" in environ or password):
        overrides["database_url"] = url
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "?"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{name}: {message}") from None
