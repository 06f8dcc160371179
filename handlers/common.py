"""/cancel and /help work everywhere; a main-menu button leaves whatever dialog was open."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.texts import common as t
from handlers.keyboards import main_menu
from models import Person

#: The questionnaire's answering state (handlers.questionnaire imports this module, hence a name).
FORM_STATE = "QuestionnaireSteps:answering"

MENU_TEXTS = {
    t.MENU_EVENTS,
    t.MENU_MY,
    t.MENU_DIAGNOSTICS,
    t.MENU_PROFILE,
    t.MENU_HELP,
    t.MENU_STAFF,
    t.MENU_MY_ORG,
}


async def on_cancel(
    message: Message,
    state: FSMContext,
    person: Person | None,
    is_staff: bool,
    is_head: bool = False,
) -> None:
    current = await state.get_state()
    await state.clear()
    if current == FORM_STATE:
        text = t.FORM_POSTPONED  # every answer is already saved: nothing is lost
    else:
        text = t.CANCELLED if current is not None else t.NOTHING_TO_CANCEL
    await message.answer(text, reply_markup=main_menu(is_staff, is_head) if person else None)


async def on_help(message: Message, is_staff: bool) -> None:
    await message.answer(t.HELP + (t.STAFF_HELP if is_staff else ""))


async def leave_dialog_for_menu(message: Message, state: FSMContext) -> None:
    """A menu button pressed mid-dialog closes the dialog, then the section's handler runs."""
    await state.clear()
    raise SkipHandler


def build_router() -> Router:
    router = Router(name="common")
    router.message.register(on_cancel, Command("cancel"))
    router.message.register(on_help, Command("help"))
    router.message.register(on_help, F.text == t.MENU_HELP)
    router.message.register(leave_dialog_for_menu, F.text.in_(MENU_TEXTS), ~StateFilter(None))
    return router
