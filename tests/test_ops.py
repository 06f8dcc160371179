"""Operations: /healthz, /readyz and /metrics of the real process, JSON logs without personal
data, secrets never printed, metrics of Bot API requests and 429s."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_bot
from bot.config import Settings
from bot.emulator import BotApiEmulator
from bot.ops import logs, metrics
from bot.ops.health import Health
from bot.services import outbox
from bot.texts import onboarding as to
from models import NotificationKind
from models.base import utcnow
from tests.conftest import TOKEN, make_settings
from tests.factories import make_person
from tests.test_process_e2e import BotProcess, bot_env, free_port, run_cli, said


@pytest.fixture
def fresh_metrics() -> Iterator[None]:
    metrics._reset_for_tests()
    metrics.enable()
    yield
    metrics._reset_for_tests()


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


async def wait_ready(base: str, timeout: float = 90) -> dict[str, object]:
    deadline = asyncio.get_running_loop().time() + timeout
    last: object = None
    while asyncio.get_running_loop().time() < deadline:
        try:
            status, body = await get(f"{base}/readyz")
            last = body
            if status == 200:
                data: dict[str, object] = json.loads(body)
                return data
        except aiohttp.ClientError as exc:
            last = exc
        await asyncio.sleep(0.3)
    raise AssertionError(f"/readyz never answered 200: {last}")


def metric_value(text: str, name: str, **labels: str) -> float | None:
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        if key == (f"{name}{{{want}}}" if labels else name):
            return float(value)
    return None


async def test_health_metrics_and_json_logs_of_the_polling_process(
    emulator: BotApiEmulator, database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = bot_env(
        database_url,
        emulator.base_url,
        HEALTH_PORT=str(port),
        HEALTH_HOST="127.0.0.1",
        LOG_FORMAT="json",
    )
    process = BotProcess(env, tmp_path)
    base = f"http://127.0.0.1:{port}"
    await process.start()
    try:
        ready = await wait_ready(base)
        checks = ready["checks"]
        assert isinstance(checks, dict)
        assert {"database", "bot_api", "scheduler", "outbox"} <= checks.keys()
        assert await get(f"{base}/healthz") == (200, "ok\n")

        user = 3101
        mark = len(emulator.calls)
        emulator.send_text(user, "/start")
        consent = await said(emulator, user, "Согласны ли вы", mark)
        data = next(d for text, d in consent.buttons if text == to.CONSENT_YES)
        emulator.press(user, consent.result["message_id"], data)
        await said(emulator, user, "Как вас зовут", mark)
        emulator.send_text(user, "Петрова Анна Сергеевна")
        await said(emulator, user, to.ASK_ROLE, mark)

        status, text = await get(f"{base}/metrics")
        assert status == 200
        assert (metric_value(text, "metodbot_updates_total", kind="message") or 0) >= 2
        assert (metric_value(text, "metodbot_updates_total", kind="callback_query") or 0) >= 1
        assert 'metodbot_handler_seconds_bucket{handler="handlers.' in text
        sent = metric_value(
            text, "metodbot_bot_api_requests_total", method="sendMessage", result="ok"
        )
        assert sent is not None and sent >= 2
        assert metric_value(text, "metodbot_outbox_rows", status="pending") is not None
        assert metric_value(text, "metodbot_outbox_oldest_due_seconds") == 0
        assert metric_value(text, "metodbot_scheduler_lag_seconds") is not None
        assert "metodbot_bot_api_rate_limited_total" in text

        assert await process.stop(signal.SIGTERM) == 0
        err = await process.stderr()
    finally:
        if process.proc is not None and process.proc.returncode is None:
            process.proc.kill()
            await process.proc.wait()
    records = [json.loads(line) for line in err.splitlines() if line.strip()]
    assert records and all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    handled = [r for r in records if r.get("update_id") and r.get("user_id") == user]
    assert handled, "update lines carry the update id and the user id"
    assert any(
        r.get("handler", "").startswith("handlers.") and r.get("duration_ms") is not None
        for r in handled
    )
    # No personal data in the log: the name typed in the chat appears nowhere.
    assert "Петрова" not in err and "Анна" not in err
    assert TOKEN.split(":")[1] not in err


async def test_readiness_reports_each_failed_check(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    settings = make_settings(database_url, outbox_stuck_seconds=60)
    health = Health(settings, sessions)
    ready, checks = await health.readiness()
    assert not ready
    assert checks["database"]["ok"] and checks["outbox"]["ok"]
    assert not checks["bot_api"]["ok"] and not checks["scheduler"]["ok"]

    # A due notification that has waited two minutes while nothing was sent: stuck.
    async with sessions.begin() as s:
        person = await make_person(s, 5101)
        await outbox.enqueue(
            s,
            kind=NotificationKind.MESSAGE,
            person_id=person.id,
            text="Проверка",
            due_at=utcnow() - timedelta(minutes=2),
        )
    _, checks = await health.readiness()
    assert not checks["outbox"]["ok"] and checks["outbox"]["oldest_due_seconds"] >= 119

    broken = Health(make_settings("sqlite+aiosqlite:////nonexistent/dir/x.db"), sessions)
    broken.sessions = _failing_sessions()
    ready, checks = await broken.readiness()
    assert not ready and not checks["database"]["ok"]


def _failing_sessions() -> async_sessionmaker[AsyncSession]:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine("sqlite+aiosqlite:////nonexistent/dir/x.db")
    return async_sessionmaker(engine)


async def test_bot_api_requests_and_429s_are_counted(
    emulator: BotApiEmulator, database_url: str, fresh_metrics: None
) -> None:
    bot = create_bot(make_settings(database_url, emulator.base_url))
    try:
        emulator.set_rate_limit(1, retry_after=1)
        await bot.send_message(4001, "Первое")
        # Refused once with 429: the session waits retry_after and sends it again.
        await bot.send_message(4001, "Второе")
    finally:
        emulator.set_rate_limit(None)
        await bot.session.close()
    text = metrics.render()[0].decode()
    assert (
        metric_value(text, "metodbot_bot_api_requests_total", method="sendMessage", result="ok")
        == 2
    )
    assert (
        metric_value(text, "metodbot_bot_api_requests_total", method="sendMessage", result="429")
        == 1
    )
    assert metric_value(text, "metodbot_bot_api_rate_limited_total") == 1


def test_broadcast_progress_hook(fresh_metrics: None) -> None:
    metrics.broadcast_progress(7, total=100, sent=40, failed=2)
    text = metrics.render()[0].decode()
    assert metric_value(text, "metodbot_broadcast_recipients", broadcast_id="7", state="sent") == 40
    assert (
        metric_value(text, "metodbot_broadcast_recipients", broadcast_id="7", state="pending") == 58
    )
    metrics.broadcast_finished(7)
    assert 'broadcast_id="7"' not in metrics.render()[0].decode()


def test_metrics_off_import_nothing_and_do_nothing() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, bot.app, bot.ops.metrics as m;"
        "m.update_handled('message', 'h', 0.1, failed=False); m.api_request('getMe', 'ok');"
        "print('prometheus_client' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def test_json_formatter_and_redaction(capsys: pytest.CaptureFixture[str]) -> None:
    secret_token = "123456789:AAE_very-secret-token-value-xyz"
    logs.add_secret(secret_token)
    record = logging.LogRecord("bot", logging.INFO, __file__, 1, "token %s", (secret_token,), None)
    with logs.context(update_id=5, user_id=42, handler="handlers.start.start"):
        logs._ContextFilter().filter(record)
    line = logs.JsonFormatter().format(record)
    data = json.loads(line)
    assert data["update_id"] == 5 and data["user_id"] == 42
    assert data["handler"] == "handlers.start.start"
    assert "very-secret" not in line and "***" in data["message"]


def test_settings_never_show_secrets() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TOKEN,
        webhook_secret="hook-secret-abc",
        database_url="postgresql+asyncpg://bot:Pa55word-xyz@db:5432/metodbot",
    )
    shown = repr(settings) + str(settings)
    assert TOKEN not in shown and "hook-secret-abc" not in shown and "Pa55word" not in shown
    assert settings.require_token() == TOKEN
    assert settings.webhook_secret_value == "hook-secret-abc"
    assert "Pa55word" not in settings.database_url_safe and "***" in settings.database_url_safe


async def test_failing_starts_print_no_secrets(
    tmp_path: Path, database_url: str, emulator: BotApiEmulator
) -> None:
    # Telegram unreachable: the token is not in the line.
    env = bot_env(database_url, "http://127.0.0.1:9", WEBHOOK_SECRET="hook-secret-abc")
    code, out, err = await run_cli(env=env, cwd=tmp_path)
    assert code == 2 and "Traceback" not in err
    assert TOKEN.split(":")[1] not in out + err

    # The database refuses the connection: one line naming it, without the password.
    pg = "postgresql+asyncpg://metodbot:Sup3r-Secret-pw@127.0.0.1:9/metodbot"
    env = bot_env(pg, emulator.base_url)
    for args in ((), ("migrate",)):
        code, out, err = await run_cli(*args, env=env, cwd=tmp_path)
        assert code == 2, err
        assert "Не удалось подключиться к базе данных" in err and "Traceback" not in err
        assert "Sup3r-Secret-pw" not in out + err and "metodbot:***@127.0.0.1:9" in err


def test_secrets_from_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.config import SettingsError, load_settings

    monkeypatch.chdir(tmp_path)  # no .env here
    (tmp_path / "token").write_text(TOKEN + "\n")
    (tmp_path / "pw").write_text("p@ss/word\n")
    settings = load_settings(
        {
            "BOT_TOKEN_FILE": str(tmp_path / "token"),
            "DATABASE_URL": "postgresql+asyncpg://metodbot@db:5432/metodbot",
            "DATABASE_PASSWORD_FILE": str(tmp_path / "pw"),
        }
    )
    assert settings.require_token() == TOKEN
    from sqlalchemy.engine import make_url

    assert make_url(settings.database_url).password == "p@ss/word"
    assert "p@ss" not in settings.database_url_safe
    with pytest.raises(SettingsError, match="BOT_TOKEN_FILE"):
        load_settings({"BOT_TOKEN_FILE": str(tmp_path / "missing")})


async def test_notification_log_lines_carry_the_notification_id(
    emulator: BotApiEmulator, sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    import io

    from bot.notifier import Notifier

    settings = make_settings(database_url, emulator.base_url, quiet_hours=None)
    async with sessions.begin() as s:
        person = await make_person(s, 5301, full_name="Кузнецова Вера Павловна")
        row = await outbox.enqueue(
            s, kind=NotificationKind.MESSAGE, person_id=person.id, text="Ответ на вопрос"
        )
    assert row is not None
    emulator.block_user(5301)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs._ContextFilter())
    logger = logging.getLogger("bot.notifier")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    bot = create_bot(settings)
    try:
        await Notifier(bot, sessions, settings).tick()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        await bot.session.close()
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    blocked = [r for r in records if "blocked the bot" in r["message"]]
    assert blocked and blocked[0]["notification_id"] == row.id
    assert blocked[0]["notification_kind"] == "message"
    assert "Кузнецова" not in stream.getvalue() and "Ответ на вопрос" not in stream.getvalue()
