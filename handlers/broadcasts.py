"""Buttons under a broadcast for its recipients: «Записаться» and «Не получать рассылки»;
turning announcements back on from /profile."""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import BcUserCb, EvCb
from bot.config import Settings
from bot.services import InvalidInput, broadcasts
from bot.services.registrations import Outcome
from bot.texts import broadcasts as t
from bot.texts import events as te
from bot.texts import inside_quotes
from handlers.filters import Registered
from handlers.keyboards import inline
from handlers.views import profile_markup, profile_text, unless_not_modified
from models import Person


async def on_signup(
    callback: CallbackQuery,
    callback_data: BcUserCb,
    session: AsyncSession,
    person: Person,
    settings: Settings,
    bot: Bot,
) -> None:
    try:
        result = await broadcasts.signup(session, settings, person, callback_data.i)
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    title = escape(inside_quotes(result.event.title))
    if result.outcome == Outcome.ALREADY_REGISTERED:
        await callback.answer(te.ALREADY_REGISTERED, show_alert=True)
        return
    if result.outcome == Outcome.ALREADY_WAITLISTED:
        await callback.answer(
            te.ALREADY_WAITLISTED.format(position=result.position), show_alert=True
        )
        return
    await callback.answer()
    card = inline([(t.BTN_EVENT_CARD, EvCb(action="card", event_id=result.event.id))])
    if result.outcome == Outcome.WAITLISTED:
        text = te.WAITLISTED.format(title=title, position=result.position)
    else:
        from handlers.events import send_ics, when_text

        text = te.REGISTERED.format(title=title, when=when_text(result.event, settings))
        if result.event.join_link:
            text += te.REGISTERED_LINK.format(link=escape(result.event.join_link))
        await bot.send_message(callback.from_user.id, text, reply_markup=card)
        await send_ics(bot, callback.from_user.id, result.event, settings.tz)
        return
    await bot.send_message(callback.from_user.id, text, reply_markup=card)


async def on_opt_out(callback: CallbackQuery, session: AsyncSession, person: Person) -> None:
    await broadcasts.set_opt_out(session, person, True)
    await callback.answer()
    assert callback.bot is not None
    await callback.bot.send_message(callback.from_user.id, t.OPTED_OUT)


async def on_profile_toggle(callback: CallbackQuery, session: AsyncSession, person: Person) -> None:
    await broadcasts.set_opt_out(session, person, not person.broadcasts_opt_out)
    await callback.answer()
    if isinstance(callback.message, Message):
        with unless_not_modified():
            await callback.message.edit_text(
                profile_text(person), reply_markup=await profile_markup(session, person)
            )


def build_router() -> Router:
    router = Router(name="broadcasts")
    router.callback_query.filter(Registered())
    router.callback_query.register(on_signup, BcUserCb.filter(F.a == "signup"))
    router.callback_query.register(on_opt_out, BcUserCb.filter(F.a == "optout"))
    router.callback_query.register(on_profile_toggle, BcUserCb.filter(F.a == "toggle"))
    return router
