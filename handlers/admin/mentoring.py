"""«Наставничество» for methodologists: requests of young teachers and active pairs; pairing a
mentee with a mentor (a person in the bot), finishing a pair."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AdminCb, AMentCb
from bot.config import Settings
from bot.services import InvalidInput, mentoring
from bot.texts import common as tc
from bot.texts import fmt_date
from bot.texts import mentoring as t
from handlers.admin.menu import back_to_menu
from handlers.events import show
from handlers.keyboards import Button, column, inline
from handlers.views import respond
from models import Mentoring, MentoringStatus, Person


class PickMentor(StatesGroup):
    query = State()


async def on_section(
    callback: CallbackQuery, session: AsyncSession, settings: Settings, state: FSMContext
) -> None:
    await state.clear()
    rows = await mentoring.open_list(session)
    buttons: list[Button] = []
    for item, mentee in rows:
        date = fmt_date(item.started_at or item.requested_at, settings.tz)
        name = (mentee.full_name or t.ANONYMOUS)[:30]
        if item.status == MentoringStatus.ACTIVE:
            mentor = await session.get(Person, item.mentor_id) if item.mentor_id else None
            other = (mentor.full_name if mentor else "") or t.ANONYMOUS
            label = t.ITEM_PAIR.format(name=name, mentor=other[:25], date=date)
        else:
            label = t.ITEM_REQUEST.format(name=name, date=date)
        buttons.append((label, AMentCb(a="card", i=item.id)))
    text = t.LIST_TITLE if rows else t.LIST_EMPTY
    await respond(callback, text, column(buttons, back_to_menu()))


async def _item(callback: CallbackQuery, session: AsyncSession, item_id: int) -> Mentoring | None:
    found = await session.get(Mentoring, item_id)
    if found is None or found.status == MentoringStatus.FINISHED:
        await callback.answer(t.NOT_FOUND, show_alert=True)
        return None
    return found


async def on_card(
    callback: CallbackQuery,
    callback_data: AMentCb,
    session: AsyncSession,
    settings: Settings,
    state: FSMContext,
) -> None:
    await state.clear()
    found = await _item(callback, session, callback_data.i)
    if found is None:
        return
    mentee = await session.get(Person, found.mentee_id)
    mentee_text = mentoring.contact(mentee) if mentee else t.ANONYMOUS
    back = [(t.BTN_TO_LIST, AdminCb(section="mentoring"))]
    if found.status == MentoringStatus.ACTIVE:
        mentor = await session.get(Person, found.mentor_id) if found.mentor_id else None
        text = t.CARD_PAIR.format(
            mentee=mentee_text,
            mentor=mentoring.contact(mentor) if mentor and not mentor.deleted_at else t.ANONYMOUS,
            date=fmt_date(found.started_at or found.requested_at, settings.tz),
        )
        keyboard = inline([(t.BTN_FINISH, AMentCb(a="finish", i=found.id))], back)
    else:
        text = t.CARD_REQUEST.format(
            mentee=mentee_text,
            date=fmt_date(found.requested_at, settings.tz),
            source=t.SOURCE.get(found.source, found.source),
        )
        keyboard = inline([(t.BTN_PICK, AMentCb(a="pick", i=found.id))], back)
    await show(callback, text, keyboard)


async def on_pick(
    callback: CallbackQuery, callback_data: AMentCb, session: AsyncSession, state: FSMContext
) -> None:
    found = await _item(callback, session, callback_data.i)
    if found is None:
        return
    await state.set_state(PickMentor.query)
    await state.set_data({"item": found.id})
    await respond(callback, t.ASK_MENTOR, inline([(tc.BACK, AMentCb(a="card", i=found.id))]))


async def on_query(message: Message, session: AsyncSession, state: FSMContext) -> None:
    data = await state.get_data()
    found = await session.get(Mentoring, int(data.get("item", 0)))
    if found is None:
        await state.clear()
        await message.answer(t.NOT_FOUND)
        return
    try:
        people = await mentoring.candidates(session, message.text or "", found.mentee_id)
    except InvalidInput as exc:
        await message.answer(str(exc))
        return
    if not people:
        await message.answer(t.NOBODY)
        return
    buttons: list[Button] = [
        ((p.full_name or "")[:60], AMentCb(a="to", i=found.id, p=p.id)) for p in people
    ]
    back = [(tc.BACK, AMentCb(a="card", i=found.id))]
    await message.answer(t.PICK_MENTOR, reply_markup=column(buttons, back))


async def on_choose(callback: CallbackQuery, callback_data: AMentCb, session: AsyncSession) -> None:
    found = await _item(callback, session, callback_data.i)
    mentor = await session.get(Person, callback_data.p)
    if found is None:
        return
    if mentor is None or mentor.deleted_at is not None:
        await callback.answer(t.MENTOR_GONE, show_alert=True)
        return
    mentee = await session.get(Person, found.mentee_id)
    text = t.PAIR_CONFIRM.format(
        mentee=escape(mentee.full_name or "") if mentee else t.ANONYMOUS,
        mentor=mentoring.contact(mentor),
    )
    keyboard = inline(
        [(t.BTN_PAIR, AMentCb(a="pair", i=found.id, p=mentor.id))],
        [(tc.BACK, AMentCb(a="card", i=found.id))],
    )
    await show(callback, text, keyboard)


async def on_pair(
    callback: CallbackQuery,
    callback_data: AMentCb,
    session: AsyncSession,
    state: FSMContext,
    person: Person | None,
) -> None:
    try:
        found = await mentoring.pair(session, person, callback_data.i, callback_data.p)
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    await state.clear()
    mentee = await session.get(Person, found.mentee_id)
    mentor = await session.get(Person, callback_data.p)
    text = t.PAIRED.format(
        mentee=escape(mentee.full_name or "") if mentee else t.ANONYMOUS,
        mentor=escape(mentor.full_name or "") if mentor else t.ANONYMOUS,
    )
    await show(callback, text, inline([(t.BTN_TO_LIST, AdminCb(section="mentoring"))]))


async def on_finish(
    callback: CallbackQuery, callback_data: AMentCb, session: AsyncSession, person: Person | None
) -> None:
    try:
        await mentoring.finish(session, person, callback_data.i)
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    await show(callback, t.FINISHED, inline([(t.BTN_TO_LIST, AdminCb(section="mentoring"))]))


def build_router() -> Router:
    router = Router(name="admin_mentoring")
    router.callback_query.register(on_section, AdminCb.filter(F.section == "mentoring"))
    router.callback_query.register(on_card, AMentCb.filter(F.a == "card"))
    router.callback_query.register(on_pick, AMentCb.filter(F.a == "pick"))
    router.callback_query.register(on_choose, AMentCb.filter(F.a == "to"))
    router.callback_query.register(on_pair, AMentCb.filter(F.a == "pair"))
    router.callback_query.register(on_finish, AMentCb.filter(F.a == "finish"))
    router.message.register(on_query, PickMentor.query, F.text & ~F.text.startswith("/"))
    return router
