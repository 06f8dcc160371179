"""The one access filter: who counts as staff (methodologist or admin) or admin."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import TelegramObject


class StaffOnly(Filter):
    """Passes methodologists and admins (decided once per update by PersonMiddleware)."""

    async def __call__(self, event: TelegramObject, is_staff: bool = False, **_: Any) -> bool:
        return is_staff


class AdminOnly(Filter):
    """Passes admins only: ADMIN_IDS or the admin role."""

    async def __call__(self, event: TelegramObject, is_admin: bool = False, **_: Any) -> bool:
        return is_admin


class Registered(Filter):
    """Passes people who have completed registration."""

    async def __call__(self, event: TelegramObject, person: Any = None, **_: Any) -> bool:
        return person is not None
