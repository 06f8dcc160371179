"""aiosqlite with one worker-thread round trip per statement instead of four.

aiosqlite runs every sqlite3 call in its worker thread; SQLAlchemy's adapter makes four such calls
per statement (open a cursor, execute, fetch the rows, close the cursor), and each round trip costs
~50–100 µs of thread wake-ups and GIL hand-overs — far more than SQLite's own work for a lookup
by key. The adapter below does the four steps in one round trip, sends `BEGIN IMMEDIATE` together
with a transaction's first statement, and does not travel at all for a COMMIT or ROLLBACK when no
transaction is open (sqlite3 would do nothing then either).

A statement run inside `before_transaction()` does not open the transaction: it reads in
autocommit and leaves `BEGIN IMMEDIATE` for the next statement. The per-update middleware reads
the person and their FSM state that way, so an update that only reads takes no write lock and
ends without a COMMIT round trip. Such a read runs right on the event loop's thread: a WAL
reader outside a transaction never waits for a lock, and an indexed lookup costs less than the
hop to the worker thread (hence `check_same_thread=False` in bot.db; the connection is still
used by one coroutine at a time, under the adapter's mutex).

It subclasses SQLAlchemy 2.1's aiosqlite adapter and calls aiosqlite's `Connection._execute`;
`one_hop_dbapi()` returns None when either is not what it expects, and the stock adapter is used.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any

try:
    import aiosqlite
    from sqlalchemy.dialects.sqlite.aiosqlite import (
        AsyncAdapt_aiosqlite_connection,
        AsyncAdapt_aiosqlite_cursor,
        AsyncAdapt_aiosqlite_dbapi,
    )
except ImportError:  # pragma: no cover - another SQLAlchemy layout: the stock adapter is used
    AVAILABLE = False
else:
    AVAILABLE = hasattr(aiosqlite.Connection, "_execute") and hasattr(
        AsyncAdapt_aiosqlite_cursor, "_execute_async"
    )

_Result = tuple[Any, list[Any], int, int | None]

_before_transaction: ContextVar[bool] = ContextVar("sqlite_before_transaction", default=False)


@contextmanager
def before_transaction() -> Iterator[None]:
    """Statements run here read in autocommit: a pending BEGIN IMMEDIATE waits for the next one.

    Only for reads whose result may be a moment old (as under READ COMMITTED on PostgreSQL);
    anything that reads in order to write belongs in the transaction.
    """
    token = _before_transaction.set(True)
    try:
        yield
    finally:
        _before_transaction.reset(token)


if AVAILABLE:

    class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
        """Executes, fetches and closes a sqlite3 cursor inside one call to the worker thread."""

        __slots__ = ("_description", "_lastrowid", "_rowcount")

        def __init__(self, adapt_connection: Any) -> None:
            self._adapt_connection = adapt_connection
            self._connection = adapt_connection._connection
            self._soft_closed_memoized = {}  # type: ignore[assignment]
            self._rows = collections.deque()
            self._description: Any = None
            self._rowcount = -1
            self._lastrowid: int | None = None

        @property
        def description(self) -> Any:
            return self._description

        @property
        def rowcount(self) -> int:
            return self._rowcount

        @property
        def lastrowid(self) -> Any:
            return self._lastrowid

        @property
        def arraysize(self) -> int:
            return 1

        @arraysize.setter
        def arraysize(self, value: int) -> None:
            return None

        async def _run(self, operation: Any, parameters: Any, many: bool) -> None:
            adapted = self._adapt_connection
            assert isinstance(adapted, OneHopConnection)
            conn: Any = self._connection
            begin = adapted.pending_begin and not _before_transaction.get()
            if begin:
                adapted.pending_begin = False

            def in_thread() -> _Result:
                db: sqlite3.Connection = conn._conn
                if begin:
                    db.execute("BEGIN IMMEDIATE")
                cursor = db.cursor()
                try:
                    if many:
                        cursor.executemany(operation, parameters)
                    elif parameters is None:
                        cursor.execute(operation)
                    else:
                        cursor.execute(operation, parameters)
                    description = cursor.description
                    rows = cursor.fetchall() if description else []
                    return description, rows, cursor.rowcount, cursor.lastrowid
                finally:
                    cursor.close()

            async with adapted._execute_mutex:
                if _before_transaction.get() and not adapted.in_transaction_now():
                    result: _Result = in_thread()  # see the module's docstring
                else:
                    result = await conn._execute(in_thread)
            self._description, rows, self._rowcount, self._lastrowid = result
            self._rows = collections.deque(rows)

        async def _execute_async(self, operation: Any, parameters: Any) -> None:
            await self._run(operation, parameters, many=False)

        async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
            await self._run(operation, seq_of_parameters, many=True)

        async def _async_soft_close(self) -> None:
            return None

        def close(self) -> None:
            self._rows.clear()

        def nextset(self) -> None:
            return None

        def setinputsizes(self, *inputsizes: Any) -> None:
            return None

    class OneHopConnection(AsyncAdapt_aiosqlite_connection):
        __slots__ = ("pending_begin",)
        _cursor_cls = OneHopCursor

        def __init__(self, dbapi: Any, connection: Any) -> None:
            super().__init__(dbapi, connection)
            self.pending_begin = False

        def begin_with_next_statement(self) -> None:
            """BEGIN IMMEDIATE is sent in the same round trip as the next statement."""
            self.pending_begin = True

        def in_transaction_now(self) -> bool:
            sqlite_conn = self._connection._connection
            return sqlite_conn is None or sqlite_conn.in_transaction

        def _nothing_to_end(self) -> bool:
            pending, self.pending_begin = self.pending_begin, False
            sqlite_conn = self._connection._connection  # None once closed
            return pending or sqlite_conn is None or not sqlite_conn.in_transaction

        def commit(self) -> None:
            if not self._nothing_to_end():
                super().commit()

        def rollback(self) -> None:
            if not self._nothing_to_end():
                super().rollback()

    class OneHopDbapi(AsyncAdapt_aiosqlite_dbapi):
        def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
            adapted = super().connect(*arg, **kw)
            return OneHopConnection(self, adapted._connection)


@cache
def one_hop_dbapi() -> Any | None:
    """The DBAPI module to pass to create_async_engine(module=...), or None if unavailable."""
    if not AVAILABLE:  # pragma: no cover
        return None
    return OneHopDbapi(aiosqlite, sqlite3)
