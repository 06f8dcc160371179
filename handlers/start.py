"""/start: greeting and consent for newcomers, the main menu for people already registered."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.callbacks import OnbCb
from bot.services import people
from bot.texts import common as tc
from bot.texts import onboarding as t
from handlers.onboarding import MODE_ONBOARDING, Steps, ask, step_by_name
from handlers.views import respond, send_main_menu
from models import Person


async def on_start(
    message: Message,
    state: FSMContext,
    person: Person | None,
    is_staff: bool,
    is_head: bool = False,
) -> None:
    if person is not None:
        await state.clear()
        name = escape(people.first_name(person.full_name))
        text = t.ALREADY_REGISTERED.format(first_name=name)
        await send_main_menu(message, is_staff, text, is_head=is_head)
        return
    current = await state.get_state()
    data = await state.get_data()
    if current is not None and current != Steps.consent.state and data.get("mode"):
        # Half-way through registration (perhaps before a restart): pick up where they were.
        await message.answer(t.CONTINUE)
        await ask(message, state, step_by_name(current))
        return
    await state.clear()
    await message.answer(t.GREETING)
    await ask(message, state, Steps.consent)


#: Where a consent button still means something: before the questions or at the consent step.
_CONSENT_STATES = (None, Steps.consent.state)


async def on_consent_yes(callback: CallbackQuery, state: FSMContext, person: Person | None) -> None:
    # An old consent message pressed by someone registered or half-way through would wipe
    # what they already typed.
    if person is not None or await state.get_state() not in _CONSENT_STATES:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    await state.set_data({"mode": MODE_ONBOARDING, "consent_version": t.POLICY_VERSION})
    await ask(callback, state, Steps.full_name)


async def on_consent_no(callback: CallbackQuery, state: FSMContext, person: Person | None) -> None:
    if person is not None:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    await state.clear()
    await respond(callback, t.CONSENT_DECLINED)


async def on_policy(callback: CallbackQuery) -> None:
    await respond(callback, t.POLICY.format(version=t.POLICY_VERSION))


def build_router() -> Router:
    router = Router(name="start")
    router.message.register(on_start, CommandStart())
    router.callback_query.register(on_consent_yes, OnbCb.filter(F.action == "consent_yes"))
    router.callback_query.register(on_consent_no, OnbCb.filter(F.action == "consent_no"))
    # The policy is readable at any moment, also from /privacy.
    router.callback_query.register(on_policy, OnbCb.filter(F.action == "policy"))
    return router
