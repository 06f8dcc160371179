"""Per-update wiring: one database session, the current person and their rights."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.types import TelegramObject, User
from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import transaction
from bot.config import Settings
from bot.sqlite_driver import before_transaction
from bot.transaction import TransactionalStorage, UpdateTransaction
from models import Person, Role
from models.base import utcnow

#: last_seen_at is written at most this often: one UPDATE a day per person, not one per update.
SEEN_GRANULARITY = timedelta(days=1)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DbSessionMiddleware(BaseMiddleware):
    """One session and transaction per update (bot.transaction): committed with the update's
    FSM state changes before the bot first speaks and when the handler returns; on an error
    everything not yet committed — rows and state changes — is dropped."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        storage: TransactionalStorage | None = None,
    ) -> None:
        self._sessions = session_factory
        self._storage = storage
        #: Updates being handled, so a shutdown can let them finish.
        self.in_flight: set[asyncio.Task[Any]] = set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        task = asyncio.current_task()
        if task is not None:
            self.in_flight.add(task)
        try:
            async with self._sessions() as session:
                tx = UpdateTransaction(session, self._storage)
                data["session"] = session
                with transaction.active(tx):
                    try:
                        result = await handler(event, data)
                        await tx.checkpoint()
                    except BaseException:
                        await tx.rollback()
                        raise
                return result
        finally:
            if task is not None:
                self.in_flight.discard(task)


class PersonMiddleware(BaseMiddleware):
    """Loads the current person once and decides their rights, for every handler and filter.

    The person and their FSM state (SQL storage) come in one statement, read before the
    update's transaction begins (bot.sqlite_driver.before_transaction): an update that only
    reads takes no write lock. Registered before aiogram's FSM middleware, whose state read
    then finds the remembered state. Admin rights come from ADMIN_IDS or the admin role in the
    database; methodologists are staff.
    """

    def __init__(
        self,
        settings: Settings,
        fsm: FSMContextMiddleware | None = None,
        storage: TransactionalStorage | None = None,
    ) -> None:
        self._admin_ids = settings.admin_ids
        # Built once: the statements are the same for every update, only their parameters change.
        by_id = Person.telegram_id == bindparam("telegram_id")
        self._person_only = select(Person).where(by_id)
        columns = storage.prefetch_columns() if storage is not None else ()
        self._with_state = (
            (fsm, storage, select(Person, *columns).where(by_id))
            if fsm is not None and storage is not None and columns
            else None
        )

    async def _load(self, data: dict[str, Any], telegram_id: int) -> Person | None:
        session: AsyncSession = data["session"]
        params: dict[str, Any] = {"telegram_id": telegram_id}
        statement: Select[Any] = self._person_only
        remember = None
        if self._with_state is not None:
            fsm, storage, with_state = self._with_state
            context = fsm.resolve_event_context(data["bot"], data)
            if context is not None:
                statement = with_state
                params |= storage.prefetch_params(context.key)
                remember = (storage, context.key)
        with before_transaction():
            row = (await session.execute(statement, params)).first()
        if row is None:
            return None  # a newcomer: the storage reads their state itself
        if remember is not None:
            storage, key = remember
            storage.remember(key, row[1], row[2])
        person: Person = row[0]
        return person

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        person = None
        if user is not None:
            person = await self._load(data, user.id)
            if person is not None and not person.is_active:
                person.is_active = True  # they write to us, so they have unblocked the bot
            if person is not None:
                now = utcnow()
                if person.last_seen_at is None or now - person.last_seen_at >= SEEN_GRANULARITY:
                    person.last_seen_at = now  # retention counts inactivity from here
        is_admin = user is not None and (
            user.id in self._admin_ids or (person is not None and person.role == Role.ADMIN)
        )
        data["person"] = person
        data["is_admin"] = is_admin
        data["is_staff"] = is_admin or (person is not None and person.is_staff)
        # A head whose claim a methodologist confirmed for their current organisation.
        data["is_head"] = person is not None and person.confirmed_org_id is not None
        return await handler(event, data)
