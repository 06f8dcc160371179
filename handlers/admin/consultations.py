"""Methodologists: open consultation requests, «Взять в работу», answering in the chat."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AConsCb, AdminCb
from bot.services import InvalidInput, consultations
from bot.texts import common as tc
from bot.texts import consultations as t
from handlers.admin.menu import back_to_menu
from handlers.common import MENU_TEXTS
from handlers.keyboards import Button, column, inline
from handlers.views import respond
from models import ConsultationStatus, Person


class StaffConsult(StatesGroup):
    answer = State()


async def on_list(callback: CallbackQuery, session: AsyncSession) -> None:
    open_requests = await consultations.list_by_status(
        session, [ConsultationStatus.NEW, ConsultationStatus.IN_WORK]
    )
    if not open_requests:
        await respond(callback, t.ADMIN_LIST_EMPTY)
        return
    buttons: list[Button] = [
        (
            t.ADMIN_ITEM.format(
                number=r.id,
                status=t.STATUS[r.status.value],
                topic=consultations.topic_title(r.topic)[:25],
                name=(r.person.full_name or "")[:25],
            ),
            AConsCb(a="card", i=r.id),
        )
        for r in open_requests[:30]
    ]
    await respond(callback, t.ADMIN_LIST_TITLE, column(buttons, back_to_menu()))


async def on_card(
    callback: CallbackQuery, callback_data: AConsCb, session: AsyncSession, person: Person | None
) -> None:
    request = await consultations.get(session, callback_data.i)
    if request is None:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    text = t.ADMIN_CARD.format(
        number=request.id,
        status=t.STATUS[request.status.value],
        topic=escape(consultations.topic_title(request.topic)),
        profile=await consultations.profile_text(session, request.person),
        text=escape(request.text),
    )
    rows: list[list[Button]] = []
    if request.status == ConsultationStatus.NEW:
        rows.append([(t.TAKE, AConsCb(a="take", i=request.id))])
    elif (
        request.status == ConsultationStatus.IN_WORK
        and person is not None
        and request.taken_by_id == person.id
    ):
        rows.append([(t.ANSWER_BUTTON, AConsCb(a="answer", i=request.id))])
    rows.append([(tc.BACK, AdminCb(section="consultations"))])
    await respond(callback, text, inline(*rows))


async def on_take(
    callback: CallbackQuery,
    callback_data: AConsCb,
    session: AsyncSession,
    state: FSMContext,
    person: Person | None,
) -> None:
    if person is None:
        await callback.answer(tc.NEED_REGISTRATION, show_alert=True)
        return
    try:
        if callback_data.a == "take":
            request = await consultations.take(session, callback_data.i, person)
        else:
            found = await consultations.get(session, callback_data.i)
            if (
                found is None
                or found.taken_by_id != person.id
                or found.status != ConsultationStatus.IN_WORK
            ):
                raise InvalidInput(t.NOT_YOURS)
            request = found
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    await state.set_state(StaffConsult.answer)
    await state.update_data(request_id=request.id)
    text = t.TAKEN.format(
        number=request.id,
        topic=escape(consultations.topic_title(request.topic)),
        text=escape(request.text),
        name=escape(request.person.full_name or ""),
    )
    await respond(callback, text)


async def on_answer(
    message: Message, session: AsyncSession, state: FSMContext, person: Person | None
) -> None:
    data = await state.get_data()
    if person is None:
        await state.clear()
        await message.answer(tc.NEED_REGISTRATION)
        return
    try:
        request = await consultations.answer(
            session, int(data.get("request_id") or 0), person, message.text or ""
        )
    except InvalidInput as exc:
        await message.answer(str(exc))
        if str(exc) in (t.NOT_YOURS, t.ALREADY_DONE):
            await state.clear()
        return
    await state.clear()
    await message.answer(t.ANSWER_SENT.format(number=request.id))


async def on_answer_other(message: Message) -> None:
    await message.answer(t.ANSWER_EXPECTED)


def build_router() -> Router:
    router = Router(name="admin_consultations")
    router.callback_query.register(on_list, AdminCb.filter(F.section == "consultations"))
    router.callback_query.register(on_card, AConsCb.filter(F.a == "card"))
    router.callback_query.register(on_take, AConsCb.filter(F.a.in_({"take", "answer"})))
    router.message.register(
        on_answer,
        StaffConsult.answer,
        F.text & ~F.text.startswith("/") & ~F.text.in_(MENU_TEXTS),
    )
    router.message.register(on_answer_other, StaffConsult.answer, ~F.text)
    return router
