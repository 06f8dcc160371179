"""`python -m bot backup FILE` of a running bot's database, `restore` elsewhere: every row."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from bot.emulator import BotApiEmulator
from bot.texts import onboarding as to
from tests.conftest import POSTGRES_URL, _drop_database, _pg_admin
from tests.factories import make_person
from tests.test_process_e2e import BotProcess, bot_env, run_cli, said


async def all_rows(database_url: str) -> dict[str, set[tuple[Any, ...]]]:
    """Every row of every table (alembic_version included), as comparable tuples."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            metadata = MetaData()
            await conn.run_sync(metadata.reflect)
            rows = {}
            for table in metadata.sorted_tables:
                result = await conn.execute(select(table))
                rows[table.name] = {tuple(map(repr, row)) for row in result.all()}
            return rows
    finally:
        await engine.dispose()


async def test_backup_of_a_running_bot_restores_every_row(
    emulator: BotApiEmulator,
    database_url: str,
    tmp_path: Path,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as s:
        for i in range(50):
            await make_person(s, 6000 + i, full_name=f"Сотрудник {i}")
    process = BotProcess(bot_env(database_url, emulator.base_url), tmp_path)
    await process.start()
    is_sqlite = database_url.startswith("sqlite")
    backup_file = tmp_path / ("backup.db" if is_sqlite else "backup.dump")
    target = ""
    try:
        # The running bot writes (a person starts onboarding) before and during the backup.
        await emulator.wait_for(lambda c: c.method == "getUpdates", timeout=90)
        user = 3201
        mark = len(emulator.calls)
        emulator.send_text(user, "/start")
        consent = await said(emulator, user, "Согласны ли вы", mark)
        data = next(d for text, d in consent.buttons if text == to.CONSENT_YES)
        emulator.press(user, consent.result["message_id"], data)
        await said(emulator, user, "Как вас зовут", mark)
        emulator.send_text(user, "Смирнова Ольга Ивановна")
        await said(emulator, user, to.ASK_ROLE, mark)

        env = bot_env(database_url, None)
        code, out, err = await run_cli("backup", str(backup_file), env=env, cwd=tmp_path)
        assert code == 0, err
        assert "Резервная копия сохранена" in out and backup_file.is_file()

        if is_sqlite:
            # The bot runs: restoring over its database is refused and changes nothing.
            code, _, err = await run_cli(
                "restore", str(backup_file), "--yes", env=env, cwd=tmp_path
            )
            assert code == 1 and "бот работает" in err
        # Without --yes (and no terminal to ask on) nothing is restored either.
        code, _, err = await run_cli("restore", str(backup_file), env=env, cwd=tmp_path)
        assert code == 2 and "--yes" in err

        if is_sqlite:
            with sqlite3.connect(backup_file) as conn:
                names = {n for (n,) in conn.execute("SELECT full_name FROM people")}
            expected = await all_rows(f"sqlite+aiosqlite:///{backup_file}")
            target = f"sqlite+aiosqlite:///{tmp_path / 'elsewhere' / 'restored.db'}"
        else:
            assert POSTGRES_URL
            name = f"metodbot_restore_{uuid.uuid4().hex[:8]}"
            await _pg_admin(f'CREATE DATABASE "{name}"')
            target = make_url(POSTGRES_URL).set(database=name).render_as_string(False)
            names = set()
        assert await process.stop(signal.SIGTERM) == 0
        if not is_sqlite:
            expected = await all_rows(database_url)  # nothing changed since: the bot is idle
            async with sessions() as s:
                from models import Person

                names = set((await s.scalars(select(Person.full_name))).all())

        code, out, err = await run_cli(
            "restore", str(backup_file), "--yes", env=bot_env(target, None), cwd=tmp_path
        )
        assert code == 0, err
        assert "восстановлена" in out
        restored = await all_rows(target)
        assert restored == expected
        assert len(restored["people"]) == 50
        assert {f"Сотрудник {i}" for i in range(50)} <= names
        # The half-done onboarding the running bot had written (its FSM state) came along too.
        assert any("3201" in repr(row) for row in restored["fsm_states"])
        assert restored["alembic_version"] == expected["alembic_version"]
    finally:
        if process.proc is not None and process.proc.returncode is None:
            process.proc.kill()
            await process.proc.wait()
        if target.startswith("postgresql"):
            await _drop_database(make_url(target).database or "")


async def test_restore_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("не база данных")
    env = bot_env(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", None)
    code, _, err = await run_cli("restore", str(junk), "--yes", env=env, cwd=tmp_path)
    assert code == 1 and "не похож на резервную копию" in err
    assert not (tmp_path / "bot.db").exists()
    code, _, err = await run_cli("backup", str(tmp_path / "b.db"), env=env, cwd=tmp_path)
    assert code == 1 and "не найден" in err.lower()


async def test_a_bot_does_not_start_during_a_restore(tmp_path: Path) -> None:
    from bot.config import SettingsError
    from bot.migrate import file_lock
    from bot.ops import backup

    db = tmp_path / "bot.db"
    url = f"sqlite+aiosqlite:///{db}"
    with file_lock(db.with_name("bot.db.run.lock")):
        try:
            with backup.running(url):
                raise AssertionError("started during a restore")
        except SettingsError as exc:
            assert "восстановление" in str(exc)
    with backup.running(url), backup.running(url):  # several instances may run at once
        await asyncio.sleep(0)
