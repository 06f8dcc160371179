"""Methodologists: open consultation requests, «Взять в работу», answering in the chat."""

from __future__ import annotations

from datetime import datetime
from html import escape

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AConsCb, AdminCb
from bot.config import Settings
from bot.services import InvalidInput, consultations, event_admin
from bot.services.archive import Period
from bot.texts import common as tc
from bot.texts import consultations as t
from bot.texts import fmt_datetime, share
from bot.texts import series as tsr
from handlers.admin.menu import back_to_menu
from handlers.common import MENU_TEXTS
from handlers.keyboards import Button, column, inline
from handlers.views import MESSAGE_LIMIT, fit_lines, respond, text_size
from models import ConsultationStatus, Person
from models.base import utcnow


class StaffConsult(StatesGroup):
    answer = State()
    meeting_time = State()
    meeting_link = State()


MESSAGES_IN_CARD = 10


async def on_list(callback: CallbackQuery, session: AsyncSession) -> None:
    open_requests = await consultations.list_by_status(
        session, [ConsultationStatus.NEW, ConsultationStatus.IN_WORK]
    )
    more = [
        (t.BTN_CLOSED_LIST, AConsCb(a="closed", i=0)),
        (t.BTN_STATS, AConsCb(a="stats", i=0)),
    ]
    if not open_requests:
        await respond(callback, t.ADMIN_LIST_EMPTY, inline(more, back_to_menu()))
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
    await respond(callback, t.ADMIN_LIST_TITLE, column(buttons, more, back_to_menu()))


async def on_card(
    callback: CallbackQuery,
    callback_data: AConsCb,
    session: AsyncSession,
    person: Person | None,
    settings: Settings,
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
    meeting = ""
    if request.meeting_at is not None:
        meeting = t.MEETING_LINE.format(
            when=fmt_datetime(request.meeting_at, settings.tz),
            link=escape(request.meeting_link) or t.NO_LINK,
            state=t.MEETING_ACCEPTED if request.meeting_accepted_at else t.MEETING_WAITING,
        )
    budget = MESSAGE_LIMIT - text_size(text + meeting) - 50
    text += await _conversation(session, request.id, settings, budget) + meeting
    rows: list[list[Button]] = []
    if request.status == ConsultationStatus.NEW:
        rows.append([(t.TAKE, AConsCb(a="take", i=request.id))])
    elif (
        request.status == ConsultationStatus.IN_WORK
        and person is not None
        and request.taken_by_id == person.id
    ):
        rows += _work_rows(request.id)
    rows.append([(tc.BACK, AdminCb(section="consultations"))])
    await respond(callback, text[:MESSAGE_LIMIT], inline(*rows))


def _work_rows(request_id: int) -> list[list[Button]]:
    return [
        [(t.BTN_WRITE, AConsCb(a="answer", i=request_id))],
        [(t.BTN_PROPOSE, AConsCb(a="propose", i=request_id))],
        [(t.BTN_CLOSE, AConsCb(a="close", i=request_id))],
    ]


async def _conversation(
    session: AsyncSession, request_id: int, settings: Settings, budget: int
) -> str:
    """The latest messages of the conversation that fit in `budget`."""
    found = await consultations.messages(session, request_id)
    lines = [
        (t.CONVERSATION_STAFF if m.from_staff else t.CONVERSATION_PERSON).format(
            at=fmt_datetime(m.at, settings.tz), text=escape(m.text[:300])
        )
        for m in found[-MESSAGES_IN_CARD:]
    ]
    shown, _ = fit_lines(lines[::-1], budget - text_size(t.CONVERSATION.format(lines="")))
    return t.CONVERSATION.format(lines="\n".join(shown[::-1])) if shown else ""


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
    if callback_data.a == "answer":
        await respond(callback, t.ASK_MESSAGE.format(number=request.id))
        return
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
    await message.answer(
        t.ANSWER_SENT.format(number=request.id), reply_markup=inline(*_work_rows(request.id))
    )


async def _mine(
    callback: CallbackQuery, session: AsyncSession, person: Person | None, request_id: int
) -> bool:
    found = await consultations.get(session, request_id)
    ok = (
        found is not None
        and person is not None
        and found.taken_by_id == person.id
        and found.status == ConsultationStatus.IN_WORK
    )
    if not ok:
        text = t.ALREADY_DONE if found and found.status == ConsultationStatus.DONE else t.NOT_YOURS
        await callback.answer(text, show_alert=True)
    return ok


async def on_propose(
    callback: CallbackQuery,
    callback_data: AConsCb,
    session: AsyncSession,
    state: FSMContext,
    person: Person | None,
) -> None:
    if not await _mine(callback, session, person, callback_data.i):
        return
    await state.clear()
    await state.set_state(StaffConsult.meeting_time)
    await state.set_data({"request_id": callback_data.i})
    back = inline([(tc.BACK, AConsCb(a="card", i=callback_data.i))])
    await respond(callback, t.ASK_MEETING_TIME.format(example=event_admin.DATE_EXAMPLE), back)


async def on_meeting_time(message: Message, state: FSMContext, settings: Settings) -> None:
    try:
        at = event_admin.parse_local_datetime(message.text or "", settings.tz)
        event_admin.check_start(at, utcnow())
    except InvalidInput as exc:
        await message.answer(str(exc))
        return
    data = await state.update_data(meeting_at=at.isoformat())
    await state.set_state(StaffConsult.meeting_link)
    no_link = [(t.BTN_NO_LINK, AConsCb(a="nolink", i=int(data["request_id"])))]
    await message.answer(t.ASK_MEETING_LINK, reply_markup=inline(no_link))


async def _send_proposal(
    target: Message | CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
    link: str,
) -> None:
    data = await state.get_data()
    if person is None or not data.get("meeting_at"):
        await state.clear()
        await respond(target, tc.STALE_BUTTON)
        return
    at = datetime.fromisoformat(str(data["meeting_at"]))
    try:
        request = await consultations.propose(
            session, int(data.get("request_id") or 0), person, at, link, settings.tz
        )
    except InvalidInput as exc:
        await state.clear()
        await respond(target, str(exc))
        return
    await state.clear()
    when = fmt_datetime(at, settings.tz)
    await respond(
        target,
        t.PROPOSED.format(number=request.id, when=when),
        inline(*_work_rows(request.id)),
    )


async def on_meeting_link(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    try:
        link = event_admin.clean_link(message.text or "")
    except InvalidInput as exc:
        await message.answer(str(exc))
        return
    await _send_proposal(message, state, session, settings, person, link)


async def on_no_link(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    await _send_proposal(callback, state, session, settings, person, "")


async def on_close(
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
        request = await consultations.close(session, callback_data.i, person)
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    await state.clear()
    back = inline([(tc.BACK, AdminCb(section="consultations"))])
    await respond(callback, t.CLOSED.format(number=request.id), back)


async def on_closed_list(callback: CallbackQuery, session: AsyncSession) -> None:
    closed = await consultations.list_closed(session)
    back = [(tc.BACK, AdminCb(section="consultations"))]
    if not closed:
        await respond(callback, t.CLOSED_EMPTY, inline(back, back_to_menu()))
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
        for r in closed
    ]
    title = t.CLOSED_TITLE.format(count=len(closed))
    await respond(callback, title, column(buttons, back, back_to_menu()))


async def on_stats(callback: CallbackQuery, session: AsyncSession, settings: Settings) -> None:
    period = Period.school_year_of(utcnow(), settings.tz)
    since, until = period.bounds(settings.tz)
    counts = await consultations.topic_counts(session, since, until)
    total = sum(n for _, n, _ in counts)
    closed = sum(done for _, _, done in counts)
    back = inline([(tc.BACK, AdminCb(section="consultations"))], back_to_menu())
    label = tsr.SCHOOL_YEAR.format(start=period.year, end=period.year + 1)
    if not counts:
        await respond(callback, t.STATS_EMPTY, back)
        return
    lines = [
        t.STATS_LINE.format(
            topic=escape(consultations.topic_title(topic)),
            count=share(n, total),
            closed=done,
        )
        for topic, n, done in counts
    ]
    head = t.STATS_TITLE.format(period=label, total=total, closed=share(closed, total))
    await respond(callback, head + "\n".join(lines), back)


async def on_answer_other(message: Message) -> None:
    await message.answer(t.ANSWER_EXPECTED)


def build_router() -> Router:
    router = Router(name="admin_consultations")
    router.callback_query.register(on_list, AdminCb.filter(F.section == "consultations"))
    router.callback_query.register(on_card, AConsCb.filter(F.a == "card"))
    router.callback_query.register(on_take, AConsCb.filter(F.a.in_({"take", "answer"})))
    router.callback_query.register(on_propose, AConsCb.filter(F.a == "propose"))
    router.callback_query.register(
        on_no_link, AConsCb.filter(F.a == "nolink"), StaffConsult.meeting_link
    )
    router.callback_query.register(on_close, AConsCb.filter(F.a == "close"))
    router.callback_query.register(on_closed_list, AConsCb.filter(F.a == "closed"))
    router.callback_query.register(on_stats, AConsCb.filter(F.a == "stats"))
    typed = F.text & ~F.text.startswith("/") & ~F.text.in_(MENU_TEXTS)
    router.message.register(on_meeting_time, StaffConsult.meeting_time, typed)
    router.message.register(on_meeting_link, StaffConsult.meeting_link, typed)
    router.message.register(
        on_answer,
        StaffConsult.answer,
        F.text & ~F.text.startswith("/") & ~F.text.in_(MENU_TEXTS),
    )
    router.message.register(on_answer_other, StaffConsult.answer, ~F.text)
    return router
