"""/privacy: what is stored and why; /delete_me: anonymising the person after confirmation."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import OnbCb, PrivacyCb
from bot.config import Settings
from bot.services import audit, people
from bot.texts import fmt_datetime
from bot.texts import onboarding as to
from bot.texts import profile as tp
from handlers.filters import Registered
from handlers.keyboards import inline
from handlers.views import drop_keyboard, organisation_label, respond
from models import Person


async def on_privacy(message: Message, person: Person, settings: Settings) -> None:
    consent = (
        tp.CONSENT_GIVEN.format(
            date=fmt_datetime(person.consent_at, settings.tz), version=person.consent_version
        )
        if person.consent_at
        else to.NOT_SET
    )
    text = tp.PRIVACY.format(
        telegram_id=person.telegram_id,
        full_name=escape(person.full_name or to.NOT_SET),
        role=to.ROLE_LABELS[person.role],
        organisation=organisation_label(person.organisation),
        position=escape(person.position or to.NOT_SET),
        consent=consent,
    )
    await message.answer(text, reply_markup=inline([(tp.SHOW_POLICY, OnbCb(action="policy"))]))


async def on_delete_me(message: Message, state: FSMContext) -> None:
    await state.clear()
    keyboard = inline(
        [(tp.DELETE_YES, PrivacyCb(action="delete")), (tp.DELETE_NO, PrivacyCb(action="keep"))]
    )
    await message.answer(tp.DELETE_CONFIRM, reply_markup=keyboard)


async def on_delete_confirmed(
    callback: CallbackQuery,
    session: AsyncSession,
    person: Person,
    state: FSMContext,
    settings: Settings,
) -> None:
    audit.record(session, person, "privacy.delete", subject=person)
    await people.anonymise(session, person, settings)
    await state.clear()
    await drop_keyboard(callback)
    await respond(callback, tp.DELETED, ReplyKeyboardRemove())


async def on_delete_kept(callback: CallbackQuery) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.edit_text(tp.DELETE_KEPT)


def build_router() -> Router:
    router = Router(name="privacy")
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.message.register(on_privacy, Command("privacy"))
    router.message.register(on_delete_me, Command("delete_me"))
    router.callback_query.register(on_delete_confirmed, PrivacyCb.filter(F.action == "delete"))
    router.callback_query.register(on_delete_kept, PrivacyCb.filter(F.action == "keep"))
    return router
