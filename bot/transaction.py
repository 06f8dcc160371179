"""One transaction per update, with the same meaning whatever holds the FSM state.

An update's database work and its FSM state changes are made durable together, at one of two
checkpoints: right before the bot first speaks (any Bot API request that sends, edits or
answers), so that nothing the person has been told can be lost to a kill -9; and at the end of
the update. A handler that fails before a checkpoint leaves nothing behind: its rows are rolled
back and its state changes are dropped — in the SQL storage and in Redis alike.

State changes are held in memory during the update (reads see them) and written at the
checkpoint: the SQL storage writes them inside the update's transaction, just before its commit;
Redis, which cannot share the transaction, right after the commit. With the SQL storage the
state is read once, in the same statement as the person (bot.middlewares), and remembered for
the update.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from aiogram.methods import GetFile, GetMe, GetUpdates, TelegramMethod
from aiogram.methods.base import TelegramType
from sqlalchemy import ScalarSelect
from sqlalchemy.ext.asyncio import AsyncSession

from bot.fsm_storage import FSM_KEY, SqlStorage, decode_data, use_session

#: Requests that tell the person nothing, so need no checkpoint before them.
_SILENT = (GetUpdates, GetMe, GetFile)

_NOT_SET: Any = object()


@dataclass
class _PendingState:
    state: Any = _NOT_SET  # str | None once set
    data: Any = _NOT_SET  # dict once set


class UpdateTransaction:
    """The database session and the held FSM changes of one update."""

    def __init__(self, session: AsyncSession, storage: TransactionalStorage | None) -> None:
        self.session = session
        self._storage = storage
        self.pending: dict[StorageKey, _PendingState] = {}
        #: State and data read at the start of the update (TransactionalStorage.remember).
        self.loaded: dict[StorageKey, tuple[str | None, dict[str, Any]]] = {}
        self._lock = asyncio.Lock()

    async def checkpoint(self) -> None:
        """Make the update's work so far durable: rows and FSM state together."""
        async with self._lock:
            atomic = self._storage is not None and self._storage.shares_transaction
            if atomic:
                await self._flush_state()
            if self.session.in_transaction():
                await self.session.commit()
            if not atomic:
                await self._flush_state()

    async def _flush_state(self) -> None:
        pending, self.pending = self.pending, {}
        if self._storage is None:
            return
        for key, change in pending.items():
            self.loaded.pop(key, None)
            await self._storage.write(key, change)

    async def rollback(self) -> None:
        """Drop the update's rows and held state changes."""
        self.pending.clear()
        await self.session.rollback()


_current: ContextVar[UpdateTransaction | None] = ContextVar("update_transaction", default=None)


@contextmanager
def active(tx: UpdateTransaction) -> Iterator[None]:
    """Make `tx` the current update's transaction (for the storage and the request checkpoint)."""
    token = _current.set(tx)
    try:
        with use_session(tx.session):
            yield
    finally:
        _current.reset(token)


class TransactionalStorage(BaseStorage):
    """Wraps the FSM storage so that an update's state changes follow its transaction."""

    def __init__(self, inner: BaseStorage) -> None:
        self.inner = inner
        # The SQL storage writes in the update's own session, so its writes commit with the rows.
        self.shares_transaction = isinstance(inner, SqlStorage)

    def _pending(self, key: StorageKey) -> _PendingState | None:
        tx = _current.get()
        if tx is None:
            return None
        return tx.pending.setdefault(key, _PendingState())

    def prefetch_columns(self) -> tuple[ScalarSelect[Any], ...]:
        """Columns that read a key's state and data within another SELECT (the SQL storage
        only; the key goes in `prefetch_params`)."""
        return SqlStorage.state_columns() if isinstance(self.inner, SqlStorage) else ()

    def prefetch_params(self, key: StorageKey) -> dict[str, str]:
        return {FSM_KEY: self.inner.key_of(key)} if isinstance(self.inner, SqlStorage) else {}

    def remember(self, key: StorageKey, state: str | None, raw_data: str | None) -> None:
        """Keep what `prefetch_columns` read for the rest of the update: no second read."""
        tx = _current.get()
        if tx is not None:
            tx.loaded[key] = (state, decode_data(raw_data))

    async def write(self, key: StorageKey, change: _PendingState) -> None:
        if change.data is not _NOT_SET:
            await self.inner.set_data(key, change.data)
        if change.state is not _NOT_SET:
            await self.inner.set_state(key, change.state)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        pending = self._pending(key)
        if pending is None:
            await self.inner.set_state(key, state)
            return
        pending.state = state.state if isinstance(state, State) else state

    async def get_state(self, key: StorageKey) -> str | None:
        tx = _current.get()
        change = tx.pending.get(key) if tx else None
        if change is not None and change.state is not _NOT_SET:
            return change.state  # type: ignore[no-any-return]
        if tx is not None and key in tx.loaded:
            return tx.loaded[key][0]
        return await self.inner.get_state(key)

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        pending = self._pending(key)
        if pending is None:
            await self.inner.set_data(key, data)
            return
        pending.data = dict(data)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        tx = _current.get()
        change = tx.pending.get(key) if tx else None
        if change is not None and change.data is not _NOT_SET:
            return dict(change.data)
        if tx is not None and key in tx.loaded:
            return dict(tx.loaded[key][1])
        return await self.inner.get_data(key)

    async def close(self) -> None:
        await self.inner.close()


class CheckpointBeforeSending(BaseRequestMiddleware):
    """Bot API request middleware: the update's work is committed before the bot speaks."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        tx = _current.get()
        if tx is not None and not isinstance(method, _SILENT):
            await tx.checkpoint()
        return await make_request(bot, method)
