"""/profile: the person's card, editing each field, the young-specialist and reserve flags."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ProfileCb
from bot.config import Settings
from bot.services import InvalidInput, people, period
from bot.texts import common as tc
from bot.texts import profile as tp
from handlers.filters import Registered
from handlers.onboarding import STEP_BY_FIELD, begin_profile_edit
from handlers.views import profile_markup, profile_text, respond, send_profile
from models import Person


async def on_profile(
    message: Message, state: FSMContext, session: AsyncSession, person: Person
) -> None:
    await state.clear()
    await send_profile(message, session, person)


async def on_edit(
    callback: CallbackQuery, callback_data: ProfileCb, state: FSMContext, person: Person
) -> None:
    field = callback_data.action
    if field not in STEP_BY_FIELD or (field == "role" and person.is_staff):
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    await begin_profile_edit(callback, state, field)


class WorkYear(StatesGroup):
    waiting = State()


async def on_work_year(callback: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(WorkYear.waiting)
    await respond(callback, tp.ASK_WORK_YEAR)


async def on_work_year_text(
    message: Message, state: FSMContext, session: AsyncSession, person: Person, settings: Settings
) -> None:
    try:
        year = people.parse_work_start_year(message.text or "", period.today(settings.tz))
    except InvalidInput as exc:
        await message.answer(str(exc))
        return
    person.work_start_year = year
    await session.flush()
    await state.clear()
    await message.answer(tp.SAVED)
    await send_profile(message, session, person)


async def on_toggle(
    callback: CallbackQuery, callback_data: ProfileCb, session: AsyncSession, person: Person
) -> None:
    if callback_data.action == "young":
        person.is_young_specialist = not person.is_young_specialist
    else:
        person.is_management_reserve = not person.is_management_reserve
    await session.flush()
    await callback.answer(tp.SAVED)
    if isinstance(callback.message, Message):
        await callback.message.edit_text(
            profile_text(person), reply_markup=await profile_markup(session, person)
        )


def build_router() -> Router:
    router = Router(name="profile")
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.message.register(on_profile, Command("profile"))
    router.message.register(on_profile, F.text == tc.MENU_PROFILE)
    router.callback_query.register(on_toggle, ProfileCb.filter(F.action.in_({"young", "reserve"})))
    router.callback_query.register(on_work_year, ProfileCb.filter(F.action == "work_year"))
    router.message.register(on_work_year_text, WorkYear.waiting, F.text)
    router.callback_query.register(on_edit, ProfileCb.filter())
    return router
