"""A fresh, migrated database for one benchmark run, and dropping it afterwards.

SQLite by default (a file in the run's folder); with a PostgreSQL URL, a new database on that
server, which `drop_database` removes at the end.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.migrate import upgrade_async


async def fresh_database(base_url: str | None, folder: Path) -> tuple[str, str | None]:
    """The URL of a new migrated database, and its name on PostgreSQL (None for SQLite)."""
    if not base_url:
        url = f"sqlite+aiosqlite:///{folder / f'bench-{uuid.uuid4().hex[:6]}.db'}"
        await upgrade_async(url)
        return url, None
    name = f"metodbot_bench_{uuid.uuid4().hex[:8]}"
    await _admin(base_url, f'CREATE DATABASE "{name}"')
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    await upgrade_async(url)
    return url, name


async def drop_database(base_url: str | None, name: str | None) -> None:
    """Drop what `fresh_database` made on PostgreSQL (nothing to do for SQLite)."""
    if base_url and name:
        await _admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _admin(base_url: str, statement: str) -> None:
    engine = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(statement))
    await engine.dispose()
