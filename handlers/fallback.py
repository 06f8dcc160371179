"""Whatever no other handler took: a short hint, never silence; stale buttons get a polite no."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.texts import common as t
from handlers.admin import STAFF_COMMANDS
from models import Person

NOT_READY_SECTIONS: set[str] = set()


async def on_message(
    message: Message, state: FSMContext, person: Person | None, is_staff: bool
) -> None:
    text = message.text or ""
    if text.startswith("/"):
        command = text.split()[0].split("@")[0].lstrip("/").lower()
        if command in STAFF_COMMANDS and not is_staff:
            await message.answer(t.NOT_ALLOWED)
        elif person is None and await state.get_state() is None:
            await message.answer(t.NEED_REGISTRATION)
        else:
            await message.answer(t.UNKNOWN_COMMAND)
        return
    if person is None and await state.get_state() is None:
        await message.answer(t.NEED_REGISTRATION)
    elif text in NOT_READY_SECTIONS and person is not None:
        await message.answer(t.SECTION_NOT_READY)
    elif text == t.MENU_STAFF and not is_staff:
        await message.answer(t.NOT_ALLOWED)
    else:
        await message.answer(t.UNKNOWN_TEXT)


async def on_callback(callback: CallbackQuery) -> None:
    await callback.answer(t.STALE_BUTTON, show_alert=True)


def build_router() -> Router:
    router = Router(name="fallback")
    router.message.register(on_message)
    router.callback_query.register(on_callback)
    return router
