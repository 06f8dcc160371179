"""/admin: the methodologists' menu of sections."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.callbacks import AdminCb
from bot.texts import admin as t
from bot.texts import broadcasts as tbc
from bot.texts import common as tc
from bot.texts import event_admin as te
from bot.texts import feedback as tfb
from bot.texts import forms_admin as tf
from bot.texts import notifications as tn
from handlers.keyboards import column

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
    (tbc.SECTION, "broadcasts"),
]


async def on_admin(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(
        t.MENU, reply_markup=column([(label, AdminCb(section=s)) for label, s in SECTIONS])
    )


def build_router() -> Router:
    router = Router(name="admin_menu")
    router.message.register(on_admin, Command("admin"))
    router.message.register(on_admin, F.text == tc.MENU_STAFF)
    return router
