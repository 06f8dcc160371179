"""Granting and revoking the methodologist role (admins only)."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AdminCb
from bot.services import people
from bot.texts import admin as t
from handlers.admin.menu import back_to_menu
from handlers.keyboards import inline
from handlers.views import respond
from models import Role


async def on_staff(callback: CallbackQuery, session: AsyncSession) -> None:
    staff = await people.list_staff(session)
    lines = [f"• {escape(p.full_name or '')} — id {p.telegram_id}" for p in staff]
    text = t.STAFF_LIST.format(people="\n".join(lines) or t.STAFF_NONE) + "\n\n" + t.STAFF_USAGE
    await respond(callback, text, inline(back_to_menu()))


async def on_role_command(
    message: Message, command: CommandObject, session: AsyncSession, is_admin: bool
) -> None:
    if not is_admin:
        await message.answer(t.STAFF_ONLY_ADMIN)
        return
    arg = (command.args or "").strip()
    if not arg.isdigit():
        await message.answer(t.STAFF_BAD_ID)
        return
    person = await people.get_by_telegram_id(session, int(arg))
    if person is None:
        await message.answer(t.STAFF_NOT_FOUND.format(telegram_id=int(arg)))
        return
    granting = command.command == "grant_methodist"
    # An admin is never demoted by these commands; asking for what is already so changes nothing.
    if person.role == Role.ADMIN:
        text = t.STAFF_IS_ADMIN
    elif granting:
        text = t.STAFF_ALREADY if person.role == Role.METHODOLOGIST else t.STAFF_GRANTED
        person.role = Role.METHODOLOGIST
    elif person.role != Role.METHODOLOGIST:
        text = t.STAFF_NOT_METHODIST
    else:
        text = t.STAFF_REVOKED
        person.role = Role.TEACHER
    await message.answer(text.format(name=escape(person.full_name or "")))


def build_router() -> Router:
    router = Router(name="admin_staff")
    router.callback_query.register(on_staff, AdminCb.filter(F.section == "staff"))
    router.message.register(on_role_command, Command("grant_methodist", "revoke_methodist"))
    return router
