"""Notifications that could not be delivered, for admins and methodologists to see."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AdminCb
from bot.config import Settings
from bot.services import delivery
from bot.texts import fmt_datetime
from bot.texts import notifications as t
from handlers.admin.menu import back_to_menu
from handlers.keyboards import inline
from handlers.views import respond
from models import Notification, NotificationStatus


async def on_failed(callback: CallbackQuery, session: AsyncSession, settings: Settings) -> None:
    rows = await delivery.failed_with_people(session, limit=30)
    if not rows:
        await respond(callback, t.FAILED_NONE, inline(back_to_menu()))
        return
    lines = [
        t.FAILED_LINE.format(
            when=fmt_datetime(n.due_at, settings.tz),
            kind=t.KIND_LABELS.get(n.kind, n.kind),
            person=escape(name or t.ANONYMOUS),
            error=_reason(n),
        )
        for n, name in rows
    ]
    await respond(callback, "\n".join([t.FAILED_TITLE, *lines]), inline(back_to_menu()))


def _reason(notification: Notification) -> str:
    """Why it was not delivered, in words: a methodologist should not read Telegram's codes."""
    error = notification.last_error
    if notification.status == NotificationStatus.DROPPED:
        return t.FAILED_EXPIRED
    if "blocked" in error or "deactivated" in error:
        return t.FAILED_BLOCKED
    if "Bad Request" in error:
        return t.FAILED_REJECTED.format(
            error=escape(error.split("Bad Request:", 1)[-1].strip()[:120])
        )
    return t.FAILED_NETWORK


def build_router() -> Router:
    router = Router(name="admin_notifications")
    router.callback_query.register(on_failed, AdminCb.filter(F.section == "failed"))
    return router
