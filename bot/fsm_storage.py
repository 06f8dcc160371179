"""aiogram FSM storage on the bot's own SQL database (the default when REDIS_URL is unset).

Inside an update the storage works in that update's session (see `use_session`) and never
commits: bot.transaction writes the update's state changes there right before the update's
commit, so rows and state are durable together (SQLite's single writer is never asked for a
second lock by the same update). Outside an update each change is its own short transaction.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)
from sqlalchemy import ScalarSelect, bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import FsmState
from models.base import utcnow

#: The bound parameter of `SqlStorage.state_columns`.
FSM_KEY = "fsm_key"

_update_session: ContextVar[AsyncSession | None] = ContextVar("fsm_update_session", default=None)


@contextmanager
def use_session(session: AsyncSession) -> Iterator[None]:
    """Make the storage work in `session` while an update is being handled."""
    token = _update_session.set(session)
    try:
        yield
    finally:
        _update_session.reset(token)


def decode_data(raw: str | None) -> dict[str, Any]:
    """The FSM data stored as JSON (absent or malformed: empty)."""
    if not raw:
        return {}
    loaded = json.loads(raw)
    return loaded if isinstance(loaded, dict) else {}


class SqlStorage(BaseStorage):
    """FSM state and data in the `fsm_states` table."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        key_builder: KeyBuilder | None = None,
    ) -> None:
        self._sessions = session_factory
        self._keys = key_builder or DefaultKeyBuilder(with_destiny=True)

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        current = _update_session.get()
        if current is not None:
            yield current
            return
        async with self._sessions.begin() as session:
            yield session

    async def _upsert(self, key: StorageKey, values: dict[str, Any]) -> None:
        async with self._session() as session:
            dialect = session.get_bind().dialect.name
            insert = pg_insert if dialect == "postgresql" else sqlite_insert
            row = {"key": self._keys.build(key), "updated_at": utcnow(), **values}
            row.setdefault("data", "{}")
            stmt = insert(FsmState).values(**row)
            update = {k: stmt.excluded[k] for k in values} | {
                "updated_at": stmt.excluded.updated_at
            }
            await session.execute(stmt.on_conflict_do_update(index_elements=["key"], set_=update))

    def key_of(self, key: StorageKey) -> str:
        """The row key of a storage key (the value for the `FSM_KEY` parameter)."""
        return self._keys.build(key)

    @staticmethod
    def state_columns() -> tuple[ScalarSelect[Any], ScalarSelect[Any]]:
        """The state and the data of the row whose key is the `FSM_KEY` parameter, as two
        columns to add to another SELECT: the per-update middleware reads them in the same
        statement as the person."""
        where = FsmState.key == bindparam(FSM_KEY)
        return (
            select(FsmState.state).where(where).scalar_subquery(),
            select(FsmState.data).where(where).scalar_subquery(),
        )

    async def _load(self, key: StorageKey) -> tuple[str | None, str] | None:
        # Plain columns, not ORM objects: the identity map would hand back stale rows.
        async with self._session() as session:
            result = await session.execute(
                select(FsmState.state, FsmState.data).where(FsmState.key == self._keys.build(key))
            )
            row = result.first()
            return (row[0], row[1]) if row else None

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._upsert(key, {"state": value})
        await self._drop_if_empty(key)

    async def get_state(self, key: StorageKey) -> str | None:
        row = await self._load(key)
        return row[0] if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._upsert(key, {"data": json.dumps(dict(data), ensure_ascii=False)})
        await self._drop_if_empty(key)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await self._load(key)
        return decode_data(row[1] if row else None)

    async def _drop_if_empty(self, key: StorageKey) -> None:
        # Rows of finished dialogs are deleted so the table holds only dialogs in progress.
        async with self._session() as session:
            await session.execute(
                delete(FsmState).where(
                    FsmState.key == self._keys.build(key),
                    FsmState.state.is_(None),
                    FsmState.data == "{}",
                )
            )

    async def close(self) -> None:
        """The engine is owned and disposed of by the application."""
