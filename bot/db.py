"""Engine and session factory for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.sqlite_driver import one_hop_dbapi


def ensure_sqlite_folder(database_url: str) -> None:
    """Create the folder of a SQLite file so the first start on a fresh machine just works."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; on SQLite every transaction takes the write lock up front.

    SQLite allows one writer. A deferred transaction that read first and writes later fails with
    "database is locked" when another writer got in between; BEGIN IMMEDIATE makes concurrent
    updates wait their turn (busy_timeout) instead, which also keeps seat counting exact.
    """
    ensure_sqlite_folder(database_url)
    # Errors and SQL logs never carry the values (names, answers) a statement was run with.
    kwargs.setdefault("hide_parameters", True)
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return create_async_engine(database_url, **kwargs)

    module = one_hop_dbapi() if url.get_driver_name() == "aiosqlite" else None
    if module is not None:
        kwargs.setdefault("module", module)  # see bot.sqlite_driver
    # check_same_thread=False: reads before a transaction run on the loop's thread (sqlite_driver).
    connect_args = {"timeout": 30, "check_same_thread": False}
    engine = create_async_engine(database_url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        adapted = conn.connection.dbapi_connection
        if hasattr(adapted, "begin_with_next_statement"):
            adapted.begin_with_next_statement()  # saves a round trip to the worker thread
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"
