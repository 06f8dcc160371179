"""The one-round-trip aiosqlite adapter (bot.sqlite_driver) keeps SQLite's transaction rules."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.db import create_engine, create_session_factory
from bot.sqlite_driver import OneHopConnection, before_transaction


async def _engine(tmp_path: Path) -> Any:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
    return engine


def count_round_trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, the name of every call sent to aiosqlite's worker thread."""
    calls: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(fn, "__name__", "?"))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return calls


async def test_a_read_only_transaction_is_two_round_trips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = await _engine(tmp_path)
    sessions = create_session_factory(engine)
    async with sessions() as session:
        raw = await (await session.connection()).get_raw_connection()
        assert isinstance(raw.dbapi_connection, OneHopConnection)
        await session.commit()
    calls = count_round_trips(monkeypatch)
    async with sessions() as session:
        assert (await session.execute(text("SELECT 41 + 1"))).scalar_one() == 42
        await session.commit()
    async with sessions() as session:
        await session.commit()  # nothing was begun: no round trip at all
    assert calls == ["in_thread", "commit"]
    await engine.dispose()


async def test_a_read_before_the_transaction_takes_no_lock_and_leaves_begin_for_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = await _engine(tmp_path)
    sessions = create_session_factory(engine)
    async with sessions() as writer:
        await writer.execute(text("INSERT INTO t (v) VALUES ('held')"))  # holds the write lock
        calls = count_round_trips(monkeypatch)
        async with sessions() as session:
            with before_transaction():
                # Not blocked by the writer, and no hop to the worker thread.
                seen = await asyncio.wait_for(
                    session.execute(text("SELECT count(*) FROM t")), timeout=2
                )
            assert seen.scalar_one() == 0  # the writer's row is not committed yet
            await session.commit()  # nothing was begun: no COMMIT travels
            # (a new pooled connection registers its SQL functions on connecting: not ours)
            assert [c for c in calls if c != "create_function"] == []

            later = asyncio.create_task(session.execute(text("INSERT INTO t (v) VALUES ('x')")))
            await asyncio.sleep(0.2)
            assert not later.done()  # the next statement does take the lock (and waits)
            await writer.commit()
            await asyncio.wait_for(later, 5)
            await session.commit()
    async with sessions() as session:
        rows = (await session.execute(text("SELECT v FROM t ORDER BY id"))).scalars().all()
    assert rows == ["held", "x"]
    await engine.dispose()


async def test_the_write_lock_is_taken_with_the_first_statement(tmp_path: Path) -> None:
    engine = await _engine(tmp_path)
    sessions = create_session_factory(engine)
    async with sessions() as reader:
        await reader.execute(text("SELECT count(*) FROM t"))  # BEGIN IMMEDIATE went with it

        async def write() -> None:
            async with sessions() as writer:
                await writer.execute(text("INSERT INTO t (v) VALUES ('b')"))
                await writer.commit()

        blocked = asyncio.create_task(write())
        await asyncio.sleep(0.2)
        assert not blocked.done()  # waits for the lock instead of failing later
        await reader.execute(text("INSERT INTO t (v) VALUES ('a')"))
        await reader.commit()
        await asyncio.wait_for(blocked, 5)
    async with sessions() as session:
        rows = (await session.execute(text("SELECT v FROM t ORDER BY id"))).scalars().all()
    assert rows == ["a", "b"]
    await engine.dispose()


async def test_a_failed_statement_rolls_back_and_rowcounts_are_right(tmp_path: Path) -> None:
    engine = await _engine(tmp_path)
    sessions = create_session_factory(engine)
    async with sessions() as session:
        await session.execute(text("INSERT INTO t (v) VALUES ('a'), ('b')"))
        await session.commit()
    async with sessions() as session:
        await session.execute(text("INSERT INTO t (v) VALUES ('c')"))
        with pytest.raises(IntegrityError):
            await session.execute(text("INSERT INTO t (v) VALUES ('a')"))
        await session.rollback()
        result = await session.execute(text("UPDATE t SET v = v || '!' WHERE v IN ('a', 'b')"))
        assert result.rowcount == 2  # type: ignore[attr-defined]
        await session.commit()
    async with sessions() as session:
        rows = (await session.execute(text("SELECT v FROM t ORDER BY id"))).scalars().all()
    assert rows == ["a!", "b!"]
    await engine.dispose()
