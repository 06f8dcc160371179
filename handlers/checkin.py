"""Checking in at an event: the code announced by the host, as a message, /checkin CODE, or
after «Я на мероприятии» on the card."""

from __future__ import annotations

import re
from html import escape

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import EvCb
from bot.services import InvalidInput, attendance, events
from bot.texts import events as t
from bot.texts import inside_quotes
from handlers.filters import Registered
from handlers.views import respond
from models import Person

#: A bare code typed in a message: digits, perhaps with spaces or a dash («482 913»).
CODE_MESSAGE = re.compile(r"^\s*\d[\d\s-]{2,10}\d\s*$")


class Checkin(StatesGroup):
    code = State()


async def _check(
    message: Message, session: AsyncSession, person: Person, code: str, event_id: int | None
) -> None:
    try:
        result = await attendance.check_in(session, person, code, event_id=event_id)
    except InvalidInput as exc:
        await message.answer(str(exc))
        return
    template = t.CHECKIN_ALREADY if result.already else t.CHECKIN_DONE
    await message.answer(template.format(title=escape(inside_quotes(result.event.title))))


async def on_command(
    message: Message, command: CommandObject, session: AsyncSession, person: Person
) -> None:
    if not (command.args or "").strip():
        await message.answer(t.CHECKIN_USAGE)
        return
    await _check(message, session, person, command.args or "", None)


async def on_code_message(message: Message, session: AsyncSession, person: Person) -> None:
    # A number sent by someone with no event going on is not a code: let others answer it.
    if not await attendance.has_ongoing(session, person):
        raise SkipHandler
    await _check(message, session, person, message.text or "", None)


async def on_button(
    callback: CallbackQuery,
    callback_data: EvCb,
    state: FSMContext,
    session: AsyncSession,
    person: Person,
) -> None:
    event = await events.get(session, callback_data.event_id)
    registration = event and await events.registration_of(session, person, event.id)
    if registration is not None and registration.status not in events.SEAT_STATUSES:
        # A card left from before a cancellation, or a waitlisted person: no seat to check in.
        await callback.answer(t.NOT_YOUR_REGISTRATION, show_alert=True)
        return
    if event is None or registration is None or not events.is_on(event):
        await callback.answer(t.CHECKIN_NOT_ON, show_alert=True)
        return
    await state.set_state(Checkin.code)
    await state.update_data(event_id=event.id)
    await respond(callback, t.CHECKIN_ASK)


async def on_code_in_dialog(
    message: Message, state: FSMContext, session: AsyncSession, person: Person
) -> None:
    data = await state.get_data()
    event_id = data.get("event_id")
    try:
        result = await attendance.check_in(
            session, person, message.text or "", event_id=int(event_id) if event_id else None
        )
    except InvalidInput as exc:
        if not isinstance(exc, attendance.WrongCode):
            await state.clear()  # a wrong code may be retyped; anything else ends the dialog
        await message.answer(str(exc))
        return
    await state.clear()
    template = t.CHECKIN_ALREADY if result.already else t.CHECKIN_DONE
    await message.answer(template.format(title=escape(inside_quotes(result.event.title))))


def build_router() -> Router:
    router = Router(name="checkin")
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.message.register(on_command, Command("checkin"))
    router.callback_query.register(on_button, EvCb.filter(F.action == "checkin"))
    router.message.register(on_code_in_dialog, Checkin.code, F.text & ~F.text.startswith("/"))
    router.message.register(on_code_message, StateFilter(None), F.text.regexp(CODE_MESSAGE))
    return router
