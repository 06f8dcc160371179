"""/admin: the methodologists' menu of sections."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.callbacks import AdminCb
from bot.texts import admin as t
from bot.texts import audit as ta
from bot.texts import broadcasts as tbc
from bot.texts import common as tc
from bot.texts import event_admin as te
from bot.texts import feedback as tfb
from bot.texts import forms_admin as tf
from bot.texts import heads as th
from bot.texts import mentoring as tm
from bot.texts import notifications as tn
from bot.texts import reports as tr
from bot.texts import routes as troutes
from bot.texts import series as ts
from handlers.keyboards import Button, column
from handlers.views import respond

#: (label, section) in menu order; each section's module handles AdminCb(section=...).
SECTIONS: list[tuple[str, str]] = [
    (te.SECTION_EVENTS, "events"),
    (tbc.SECTION, "broadcasts"),
    (te.SECTION_IMPORT, "events_import"),
    (t.SECTION_ORGS_IMPORT, "orgs_import"),
    (t.SECTION_ORGS_PENDING, "orgs_pending"),
    (t.SECTION_STAFF, "staff"),
    (tfb.SECTION, "feedback"),
    (tn.SECTION_FAILED, "failed"),
    (tf.SECTION_FORMS, "forms"),
    (tf.SECTION_CONSULTATIONS, "consultations"),
    (troutes.SECTION, "routes"),
    (ts.SECTION_SERIES, "series"),
    (ts.SECTION_ARCHIVE, "archive"),
    (tm.SECTION, "mentoring"),
    (th.SECTION, "heads"),
    (th.CHASE_SECTION, "chase"),
    (tr.SECTION, "reports"),
    (ta.SECTION, "audit"),
]
#: Sections shown to admins only (their handlers check again).
ADMIN_SECTIONS = frozenset({"audit"})


def menu_keyboard(is_admin: bool) -> InlineKeyboardMarkup:
    return column(
        [
            (label, AdminCb(section=s))
            for label, s in SECTIONS
            if is_admin or s not in ADMIN_SECTIONS
        ]
    )


def back_to_menu() -> list[Button]:
    """The row every admin screen ends with: back to the methodologists' menu."""
    return [(t.BTN_TO_MENU, AdminCb(section="menu"))]


async def on_admin(message: Message, state: FSMContext, is_admin: bool = False) -> None:
    await state.clear()
    await message.answer(t.MENU, reply_markup=menu_keyboard(is_admin))


async def on_menu_button(
    callback: CallbackQuery, state: FSMContext, is_admin: bool = False
) -> None:
    """«В меню методиста» from any admin screen."""
    await state.clear()
    await respond(callback, t.MENU, menu_keyboard(is_admin))


def build_router() -> Router:
    router = Router(name="admin_menu")
    router.message.register(on_admin, Command("admin"))
    router.message.register(on_admin, F.text == tc.MENU_STAFF)
    router.callback_query.register(on_menu_button, AdminCb.filter(F.section == "menu"))
    return router
