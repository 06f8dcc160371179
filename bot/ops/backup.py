"""Backups: `python -m bot backup FILE` and `python -m bot restore FILE`.

SQLite: the backup is a consistent copy made with SQLite's online backup API, so it can be taken
while the bot runs and writes. The bot holds a shared lock on `<database>.run.lock` while it runs;
`restore` takes that lock exclusively (and refuses when it cannot: the bot is running), then
copies the backup into the database through the same API. A bot started during a restore stops
with one line.

PostgreSQL: `backup` runs `pg_dump -Fc` (the custom format) and `restore` runs
`pg_restore --clean --if-exists --no-owner`, refusing while another session (a bot) is connected
to the database. The password goes to the tools in PGPASSWORD, never on their command line.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from bot.migrate import file_lock, sqlite_path
from bot.texts import cli as t


class BackupError(Exception):
    """One line for the operator (in Russian, without secrets)."""


def _run_lock(db: Path) -> Path:
    return db.with_name(db.name + ".run.lock")


@contextlib.contextmanager
def running(database_url: str) -> Iterator[None]:
    """Held by a running bot (shared: several instances may share a SQLite file)."""
    db = sqlite_path(database_url)
    if db is None:
        yield
        return
    with file_lock(_run_lock(db), shared=True, wait=False) as acquired:
        if not acquired:
            from bot.config import SettingsError

            raise SettingsError(t.RESTORE_IN_PROGRESS)
        yield


def backup(database_url: str, dest: Path) -> Path:
    """Write a backup of the database to `dest` (replaced when it exists)."""
    dest = dest.expanduser().resolve()
    dest.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_path(database_url)
    if db is None:
        _pg_dump(make_url(database_url), dest)
        return dest
    if not db.is_file():
        raise BackupError(t.NO_FILE.format(path=db))
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(db, timeout=30)
    try:
        target = sqlite3.connect(partial)
        try:
            # One step copies everything under one read transaction: a consistent snapshot
            # (WAL mode lets the bot keep writing meanwhile).
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    finally:
        source.close()
    os.replace(partial, dest)
    return dest


def restore(database_url: str, src: Path) -> None:
    """Replace the database's contents with the backup `src`; refuses while the bot runs."""
    src = src.expanduser().resolve()
    if not src.is_file():
        raise BackupError(t.NO_FILE.format(path=src))
    db = sqlite_path(database_url)
    if db is None:
        _pg_restore(make_url(database_url), src)
        return
    _check_sqlite_backup(src)
    with file_lock(_run_lock(db), wait=False) as acquired:
        if not acquired:
            raise BackupError(t.BOT_RUNNING)
        db.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
        try:
            target = sqlite3.connect(db, timeout=30)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()


def _check_sqlite_backup(path: Path) -> None:
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            conn.execute("SELECT version_num FROM alembic_version").fetchone()
            (ok,) = conn.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError:
        raise BackupError(t.NOT_A_BACKUP.format(path=path)) from None
    if ok != "ok":
        raise BackupError(t.NOT_A_BACKUP.format(path=path))


def _pg_args(url: URL) -> tuple[list[str], dict[str, str]]:
    args = ["--dbname", str(url.database or "postgres")]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(t.PG_TOOL_MISSING.format(tool=name))
    return found


def _pg_dump(url: URL, dest: Path) -> None:
    args, env = _pg_args(url)
    partial = dest.with_name(dest.name + ".partial")
    cmd = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial), *args]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(result.stderr.strip().splitlines()[-1] if result.stderr else "pg_dump")
    os.replace(partial, dest)


def _pg_restore(url: URL, src: Path) -> None:
    import asyncio

    if asyncio.run(_pg_other_sessions(url)):
        raise BackupError(t.BOT_RUNNING)
    args, env = _pg_args(url)
    cmd = [
        _pg_tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        *args,
        str(src),
    ]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(result.stderr.strip().splitlines()[-1] if result.stderr else "pg_restore")


async def _pg_other_sessions(url: URL) -> int:
    """Sessions other than ours connected to the database (a running bot holds some)."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            count = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
    finally:
        await engine.dispose()
    return int(count or 0)
