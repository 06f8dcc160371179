"""/admin: the methodologists' menu of sections."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.callbacks import AdminCb
from bot.texts import admin as t
from bot.texts import common as tc
from bot.texts import event_admin as te
from bot.texts import feedback as tfb
from bot.texts import forms_admin as tf
from bot.texts import mentoring as tm
from bot.texts import notifications as tn
from bot.texts import series as ts
from handlers.keyboards import Button, column
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
    (ts.SECTION_SERIES, "series"),
    (ts.SECTION_ARCHIVE, "archive"),
    (tm.SECTION, "mentoring"),
]


async def on_admin(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(
        t.MENU, reply_markup=column([(label, AdminCb(section=s)) for label, s in SECTIONS])
    )


def back_to_menu() -> list[Button]:
    """The row every admin screen ends with: back to the methodologists' menu."""
    return [(ts.BTN_TO_MENU, AdminCb(section="menu"))]


def menu_keyboard() -> InlineKeyboardMarkup:
    return column([(label, AdminCb(section=s)) for label, s in SECTIONS])


async def on_menu_button(callback: CallbackQuery, state: FSMContext) -> None:
    """«В меню методиста» from any admin screen: the menu as a new message."""
    await state.clear()
    await respond(callback, t.MENU, menu_keyboard())


def build_router() -> Router:
    router = Router(name="admin_menu")
    router.callback_query.register(on_menu_button, AdminCb.filter(F.section == "menu"))
    router.message.register(on_admin, Command("admin"))
    router.message.register(on_admin, F.text == tc.MENU_STAFF)
    return router
