"""/admin: the methodologists' menu of sections."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.callbacks import AdminCb
from bot.texts import admin as t
from bot.texts import audit as ta
from bot.texts import common as tc
from bot.texts import event_admin as te
from bot.texts import feedback as tfb
from bot.texts import forms_admin as tf
from bot.texts import heads as th
from bot.texts import notifications as tn
from bot.texts import reports as tr
from handlers.keyboards import column
from handlers.views import respond

#: (label, section) in menu order; each section's module handles AdminCb(section=...).
SECTIONS: list[tuple[str, str]] = [
    (te.SECTION_EVENTS, "events"),
    (te.SECTION_IMPORT, "events_import"),
    (t.SECTION_ORGS_IMPORT, "orgs_import"),
    (t.SECTION_ORGS_PENDING, "orgs_pending"),
    (t.SECTION_STAFF, "staff"),
    (tfb.SECTION, "feedback"),
    (tn.SECTION_FAILED, "failed"),
    (tf.SECTION_FORMS, "forms"),
    (tf.SECTION_CONSULTATIONS, "consultations"),
    (th.SECTION, "heads"),
    (th.CHASE_SECTION, "chase"),
    (ta.SECTION, "audit"),
    (tr.SECTION, "reports"),
]
#: Sections shown to admins only (their handlers check again).
ADMIN_SECTIONS = frozenset({"audit"})


def menu_keyboard(is_admin: bool) -> Any:
    return column(
        [
            (label, AdminCb(section=s))
            for label, s in SECTIONS
            if is_admin or s not in ADMIN_SECTIONS
        ]
    )


async def on_admin(message: Message, state: FSMContext, is_admin: bool = False) -> None:
    await state.clear()
    await message.answer(t.MENU, reply_markup=menu_keyboard(is_admin))


async def on_menu_button(
    callback: CallbackQuery, state: FSMContext, is_admin: bool = False
) -> None:
    """«В раздел методиста» from any section."""
    await state.clear()
    await respond(callback, t.MENU, menu_keyboard(is_admin))


def build_router() -> Router:
    router = Router(name="admin_menu")
    router.message.register(on_admin, Command("admin"))
    router.message.register(on_admin, F.text == tc.MENU_STAFF)
    router.callback_query.register(on_menu_button, AdminCb.filter(F.section == "menu"))
    return router
