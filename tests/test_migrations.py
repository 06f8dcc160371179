"""Migrations: the models match them, each one downgrades and upgrades again, and several
processes starting at once never run the same migration twice (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url

import models
from bot.db import create_engine
from bot.migrate import alembic_config, downgrade, upgrade
from tests.conftest import BACKENDS, POSTGRES_URL, _drop_database, _pg_admin, in_thread
from tests.test_process_e2e import bot_env

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(params=BACKENDS)
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    assert POSTGRES_URL
    name = f"metodbot_m_{uuid.uuid4().hex[:10]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    await _drop_database(name)


async def differences(database_url: str) -> list[Any]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:

            def compare(sync_conn: Any) -> list[Any]:
                context = MigrationContext.configure(
                    sync_conn, opts={"compare_type": True, "render_as_batch": True}
                )
                return list(compare_metadata(context, models.Base.metadata))

            return await conn.run_sync(compare)
    finally:
        await engine.dispose()


async def current(database_url: str) -> str | None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            exists = await conn.run_sync(lambda c: c.dialect.has_table(c, "alembic_version"))
            if not exists:
                return None
            return await conn.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        await engine.dispose()


def revisions() -> list[str]:
    """Revision ids from the first to the head."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


async def test_models_match_the_migrations(database_url: str) -> None:
    assert await differences(database_url) == []


async def test_every_migration_downgrades_and_upgrades_again(empty_url: str) -> None:
    revs = revisions()
    assert len(revs) >= 6
    in_thread(upgrade, empty_url)
    for index in range(len(revs) - 1, -1, -1):
        below = revs[index - 1] if index > 0 else "base"
        in_thread(downgrade, empty_url, below)
        assert await current(empty_url) == (None if below == "base" else below)
        in_thread(upgrade, empty_url, revs[index])  # up again …
        assert await current(empty_url) == revs[index]
        in_thread(downgrade, empty_url, below)  # … and down, to test the one below
    in_thread(upgrade, empty_url)
    assert await current(empty_url) == revs[-1]
    assert await differences(empty_url) == []


async def test_instances_starting_at_once_run_each_migration_once(
    empty_url: str, tmp_path: Path
) -> None:
    env = bot_env(empty_url, None, PYTHONPATH=str(ROOT))
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "migrate",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(3)
    ]
    outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), 120)
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
    ran = [
        line
        for _, err in outputs
        for line in err.decode().splitlines()
        if "Running upgrade" in line
    ]
    revs = revisions()
    assert len(ran) == len(revs), "\n".join(ran)
    for rev in revs:
        assert sum(f"-> {rev}," in line for line in ran) == 1
    assert await current(empty_url) == revs[-1]
