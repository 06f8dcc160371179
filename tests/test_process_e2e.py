"""The real `python -m bot` process against the Bot API emulator: start-up, kill -9, SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.emulator import ApiCall, BotApiEmulator
from bot.texts import onboarding as to
from models import Role
from tests.conftest import ADMIN_ID, TOKEN

ROOT = Path(__file__).resolve().parent.parent


def bot_env(database_url: str, api_base: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_", "TEST_"))}
    env.update(
        {
            "BOT_TOKEN": TOKEN,
            "DATABASE_URL": database_url,
            "ADMIN_IDS": str(ADMIN_ID),
            "LOG_LEVEL": "INFO",
            "OUTBOX_TICK_SECONDS": "1",
            **extra,
        }
    )
    if api_base:
        env["TELEGRAM_API_BASE"] = api_base
    return env


async def run_cli(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


class BotProcess:
    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd = env, cwd
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        env = dict(self.env, PYTHONPATH=str(ROOT))
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", env=env, cwd=self.cwd, stderr=asyncio.subprocess.PIPE
        )

    async def stop(self, sig: int) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        await asyncio.wait_for(self.proc.wait(), timeout=30)
        assert self.proc.returncode is not None
        return self.proc.returncode

    async def stderr(self) -> str:
        assert self.proc is not None and self.proc.stderr is not None
        return (await self.proc.stderr.read()).decode()


@pytest.fixture
async def process(
    emulator: BotApiEmulator, database_url: str, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    proc = BotProcess(bot_env(database_url, emulator.base_url), tmp_path)
    yield proc
    if proc.proc is not None and proc.proc.returncode is None:
        proc.proc.kill()
        await proc.proc.wait()


async def said(emu: BotApiEmulator, chat_id: int, fragment: str, since: int) -> ApiCall:
    return await emu.wait_for(
        lambda c: c.chat_id == chat_id and c.ok and fragment in (c.text or ""),
        since=since,
        timeout=30,
    )


async def test_kill_9_mid_onboarding_then_continue(
    process: BotProcess, emulator: BotApiEmulator
) -> None:
    await process.start()
    await emulator.wait_for(lambda c: c.method == "getUpdates", timeout=60)
    assert emulator.commands_key() in emulator.commands
    admin_scope = emulator.commands_key({"type": "chat", "chat_id": ADMIN_ID})
    assert "admin" in [c["command"] for c in emulator.commands[admin_scope]]
    assert "admin" not in [c["command"] for c in emulator.commands[emulator.commands_key()]]

    user = 3001
    mark = len(emulator.calls)
    emulator.send_text(user, "/start")
    consent = await said(emulator, user, "Согласны ли вы", mark)
    data = next(d for text, d in consent.buttons if text == to.CONSENT_YES)
    emulator.press(user, consent.result["message_id"], data)
    await said(emulator, user, "Как вас зовут", mark)
    emulator.send_text(user, "Петрова Анна Сергеевна")
    await said(emulator, user, to.ASK_ROLE, mark)

    assert await process.stop(signal.SIGKILL) == -signal.SIGKILL
    await process.start()
    mark = len(emulator.calls)
    emulator.send_text(user, "/start")
    await said(emulator, user, to.CONTINUE, mark)
    role_prompt = await said(emulator, user, to.ASK_ROLE, mark)
    data = next(d for text, d in role_prompt.buttons if text == to.ROLE_LABELS[Role.TEACHER])
    emulator.press(user, role_prompt.result["message_id"], data)
    await said(emulator, user, "В какой организации", mark)

    assert await process.stop(signal.SIGTERM) == 0
    assert "Bot stopped" in await process.stderr()


async def test_settings_errors_exit_with_one_line(tmp_path: Path, database_url: str) -> None:
    env = bot_env(database_url, None)
    env.pop("BOT_TOKEN")
    code, _, err = await run_cli(env=env, cwd=tmp_path)
    assert code == 2
    assert err.strip().splitlines() == [err.strip()] and "BOT_TOKEN" in err
    assert "Traceback" not in err

    code, _, err = await run_cli("migrate", env=dict(env, TIMEZONE="Nowhere/City"), cwd=tmp_path)
    assert code == 2 and "TIMEZONE" in err and "Traceback" not in err


async def test_a_rejected_token_or_an_unreachable_api_is_one_line(
    tmp_path: Path, database_url: str, emulator: BotApiEmulator
) -> None:
    other_token = "987654321:AAE_another-token-the-emulator-rejects"
    env = bot_env(database_url, emulator.base_url, BOT_TOKEN=other_token)
    code, _, err = await run_cli(env=env, cwd=tmp_path)
    assert code == 2 and "BOT_TOKEN: Telegram не принял токен" in err
    assert "Traceback" not in err
    env = bot_env(database_url, "http://127.0.0.1:9")
    code, _, err = await run_cli(env=env, cwd=tmp_path)
    assert code == 2 and "не удалось связаться с Bot API" in err and "Traceback" not in err


async def test_cli_import_orgs_all_or_nothing(tmp_path: Path, database_url: str) -> None:
    env = bot_env(database_url, None)
    bad = tmp_path / "bad.csv"
    bad.write_text("Название;Тип\nГБОУ школа № 1;школа\nГБОУ школа № 2;техникум\n", "utf-8")
    code, _, err = await run_cli("import-orgs", str(bad), env=env, cwd=tmp_path)
    assert code == 1 and "строка 3, столбец «Тип»" in err

    workbook = Workbook()
    workbook.active.append(["Название", "Тип"])
    workbook.active.append(["ГБОУ школа № 1", "школа"])
    good = tmp_path / "good.xlsx"
    workbook.save(good)
    code, out, _ = await run_cli("import-orgs", str(good), env=env, cwd=tmp_path)
    assert code == 0 and "добавлено 1" in out

    code, out, _ = await run_cli("seed-demo", env=env, cwd=tmp_path)
    assert code == 0 and "organisations_added=36" in out
    code, out, _ = await run_cli("seed-demo", env=env, cwd=tmp_path)
    assert code == 0 and "organisations_added=0" in out

    code, _, err = await run_cli(
        "import-orgs", str(tmp_path / "missing.xlsx"), env=env, cwd=tmp_path
    )
    assert code == 2 and "не найден" in err


async def test_kill_9_while_sending_loses_nothing_and_sends_nothing_twice(
    emulator: BotApiEmulator, database_url: str, tmp_path: Path, sessions
) -> None:  # type: ignore[no-untyped-def]
    """Rows claimed by a killed process are sent by the next one once their lease runs out."""
    from bot.services import outbox
    from models import NotificationKind
    from tests.factories import make_person

    async with sessions.begin() as s:
        for i in range(20):
            person = await make_person(s, 7000 + i)
            await outbox.enqueue(
                s, kind=NotificationKind.MESSAGE, person_id=person.id, text=f"Новость {i}"
            )
    # Telegram slows us down: the sender pauses for retry_after with a batch claimed.
    emulator.set_rate_limit(2, retry_after=5)
    env = bot_env(
        database_url, emulator.base_url, OUTBOX_TICK_SECONDS="1", OUTBOX_LEASE_SECONDS="2"
    )
    process = BotProcess(env, tmp_path)
    await process.start()
    try:
        await emulator.wait_for(lambda c: c.status == 429, timeout=60)
        await asyncio.sleep(0.5)
        assert await process.stop(signal.SIGKILL) == -signal.SIGKILL
        delivered_before = {c.chat_id for c in emulator.calls if c.method == "sendMessage" and c.ok}
        assert 0 < len(delivered_before) < 20

        emulator.set_rate_limit(None)
        await process.start()
        for _ in range(120):
            ok = [c for c in emulator.calls if c.method == "sendMessage" and c.ok]
            if len({c.chat_id for c in ok}) == 20:
                break
            await asyncio.sleep(0.25)
        await asyncio.sleep(1.5)  # a further tick must not send anything again
        ok = [c for c in emulator.calls if c.method == "sendMessage" and c.ok]
        assert sorted(c.chat_id for c in ok) == [7000 + i for i in range(20)]
    finally:
        if process.proc is not None and process.proc.returncode is None:
            process.proc.kill()
            await process.proc.wait()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_two_instances_in_webhook_mode_share_the_outbox(
    emulator: BotApiEmulator, database_url: str, tmp_path: Path, sessions
) -> None:  # type: ignore[no-untyped-def]
    """Two processes on one database: updates arrive by webhook, each notification goes once."""
    from bot.services import outbox
    from models import NotificationKind
    from tests.factories import make_person

    count = 100
    async with sessions.begin() as s:
        people = [await make_person(s, 8000 + i) for i in range(count)]
    port_a, port_b = free_port(), free_port()
    public = f"http://127.0.0.1:{port_a}/telegram"
    processes = [
        BotProcess(
            bot_env(
                database_url,
                emulator.base_url,
                WEBHOOK_URL=public,
                WEBHOOK_LISTEN=f"127.0.0.1:{port}",
                WEBHOOK_SECRET="s3cret-token",
                OUTBOX_BATCH_SIZE="5",
                SEND_RATE_PER_SECOND="25",
            ),
            tmp_path,
        )
        for port in (port_a, port_b)
    ]
    try:
        for process in processes:
            await process.start()
        # Both instances are up (each sets the webhook) before the notifications appear, so both
        # tick while they are being sent.
        first = await emulator.wait_for(lambda c: c.method == "setWebhook", timeout=60)
        await emulator.wait_for(lambda c: c.method == "setWebhook", since=first.index + 1)
        async with sessions.begin() as s:
            for i, person in enumerate(people):
                await outbox.enqueue(
                    s, kind=NotificationKind.MESSAGE, person_id=person.id, text=f"Анонс {i}"
                )
        mark = len(emulator.calls)
        emulator.send_text(9001, "/start")
        await said(emulator, 9001, "Согласны ли вы", mark)
        for _ in range(240):
            ok = [c for c in emulator.calls if c.method == "sendMessage" and c.ok]
            if len({c.chat_id for c in ok if c.chat_id != 9001}) == count:
                break
            await asyncio.sleep(0.25)
        await asyncio.sleep(1.5)
        ok = [c for c in emulator.calls if c.method == "sendMessage" and c.ok]
        delivered = sorted(c.chat_id for c in ok if c.chat_id != 9001)
        assert delivered == [8000 + i for i in range(count)]  # all of them, none twice
        assert not any(c.method == "getUpdates" for c in emulator.calls)
        logs = []
        for process in processes:
            assert await process.stop(signal.SIGTERM) == 0
            logs.append(await process.stderr())
        assert all("Outbox tick: sent" in log for log in logs), "both instances sent"
    finally:
        for process in processes:
            if process.proc is not None and process.proc.returncode is None:
                process.proc.kill()
                await process.proc.wait()


async def test_reminder_comes_on_time_and_once_across_kill_9(
    emulator: BotApiEmulator, database_url: str, tmp_path: Path, sessions
) -> None:  # type: ignore[no-untyped-def]
    import time
    from datetime import timedelta

    from bot.services import registrations
    from models import Event, EventFormat, EventKind, EventStatus
    from models.base import utcnow
    from tests.conftest import make_settings
    from tests.factories import make_person

    settings = make_settings(database_url, reminder_offsets=(timedelta(seconds=30),))
    async with sessions.begin() as s:
        person = await make_person(s, 7501)
        starts = utcnow() + timedelta(seconds=42)
        event = Event(
            kind=EventKind.WEBINAR,
            title="Наставничество в школе",
            format=EventFormat.ONLINE,
            join_link="https://meet.example.org/mentor",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            status=EventStatus.PUBLISHED,
        )
        s.add(event)
        await s.flush()
        await registrations.register(s, settings, person, event.id)
    due_in = (starts - timedelta(seconds=30) - utcnow()).total_seconds()
    scheduled = time.monotonic()

    env = bot_env(database_url, emulator.base_url, OUTBOX_LEASE_SECONDS="2")
    process = BotProcess(env, tmp_path)
    await process.start()
    try:
        reminder = await emulator.wait_for(
            lambda c: c.chat_id == 7501 and c.ok and "Наставничество в школе" in (c.text or ""),
            timeout=60,
        )
        late = reminder.time - scheduled - due_in
        assert -0.5 <= late <= 3.0, f"the reminder came {late:.1f} s after it was due"
        assert "Через 1 минуту" in (reminder.text or "")
        assert "https://meet.example.org/mentor" in (reminder.text or "")
        assert await process.stop(signal.SIGKILL) == -signal.SIGKILL
        await process.start()
        await emulator.wait_for(lambda c: c.method == "getUpdates", since=reminder.index)
        await asyncio.sleep(3.5)  # past the lease: a row left half-sent would go out again now
        reminders_sent = [
            c for c in emulator.calls if c.chat_id == 7501 and c.method == "sendMessage" and c.ok
        ]
        assert len(reminders_sent) == 1
        assert await process.stop(signal.SIGTERM) == 0
    finally:
        if process.proc is not None and process.proc.returncode is None:
            process.proc.kill()
            await process.proc.wait()
