"""Asking a methodologist for a consultation: topic, the question, confirmation, sending."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ConsCb
from bot.config import Settings
from bot.services import InvalidInput, consultations
from bot.texts import common as tc
from bot.texts import consultations as t
from bot.texts import fmt_datetime
from bot.topics import TOPICS
from handlers.common import MENU_TEXTS
from handlers.filters import Registered
from handlers.keyboards import Button, column, inline
from handlers.views import respond
from models import ConsultationStatus, Person


class ConsultSteps(StatesGroup):
    topic = State()
    text = State()
    confirm = State()
    reply = State()


async def ask_topic(
    event: Message | CallbackQuery, state: FSMContext, person: Person, before: str = ""
) -> None:
    """The topics that fit the person's role (heads' topics for heads)."""
    await state.set_state(ConsultSteps.topic)
    buttons: list[Button] = [
        (TOPICS[code], ConsCb(a="topic", v=code)) for code in consultations.topics_for(person.role)
    ]
    buttons.append((t.OTHER_TOPIC, ConsCb(a="topic", v=consultations.OTHER)))
    text = f"{before}\n\n{t.ASK_TOPIC}" if before else t.ASK_TOPIC
    await respond(event, text, column(buttons, [(tc.CANCEL, ConsCb(a="cancel"))]))


async def ask_text(event: Message | CallbackQuery, state: FSMContext, topic: str) -> None:
    await state.set_state(ConsultSteps.text)
    text = t.ASK_TEXT.format(
        topic=escape(consultations.topic_title(topic)), limit=consultations.TEXT_LIMIT
    )
    await respond(event, text, inline([(tc.BACK, ConsCb(a="back"))]))


async def on_new(
    callback: CallbackQuery, state: FSMContext, session: AsyncSession, person: Person
) -> None:
    await state.clear()
    # The person sees where their earlier requests are: new, in work, answered.
    earlier = await consultations.list_of_person(session, person.id)
    lines = [
        t.REQUEST_LINE.format(
            number=r.id,
            topic=escape(consultations.topic_title(r.topic)),
            status=t.STATUS[r.status.value],
        )
        for r in earlier[:5]
    ]
    before = t.MY_REQUESTS.format(lines="\n".join(lines)) if lines else ""
    await ask_topic(callback, state, person, before)


async def on_ask_topic(callback: CallbackQuery, callback_data: ConsCb, state: FSMContext) -> None:
    """«Консультация: …» under a route: the topic of an uncovered deficit is chosen already."""
    try:
        topic = consultations.check_topic(callback_data.v)
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    await state.clear()
    await state.update_data(topic=topic)
    await ask_text(callback, state, topic)


async def on_topic(
    callback: CallbackQuery, callback_data: ConsCb, state: FSMContext, person: Person
) -> None:
    if await state.get_state() != ConsultSteps.topic.state:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    offered = (*consultations.topics_for(person.role), consultations.OTHER)
    try:
        topic = consultations.check_topic(callback_data.v)
        if topic not in offered:
            raise InvalidInput(t.TOPIC_UNKNOWN)
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    await state.update_data(topic=topic)
    await ask_text(callback, state, topic)


async def on_text(message: Message, state: FSMContext) -> None:
    try:
        text = consultations.check_text(message.text or "")
    except InvalidInput as exc:
        await message.answer(str(exc))
        return
    data = await state.update_data(text=text)
    await state.set_state(ConsultSteps.confirm)
    preview = t.CONFIRM.format(
        topic=escape(consultations.topic_title(data["topic"])), text=escape(text)
    )
    await message.answer(
        preview,
        reply_markup=inline([(t.SEND, ConsCb(a="send"))], [(tc.BACK, ConsCb(a="back"))]),
    )


async def on_not_text(message: Message) -> None:
    await message.answer(t.TEXT_EXPECTED)


async def on_topic_typed(message: Message) -> None:
    await message.answer(t.CHOOSE_TOPIC)


async def on_confirm_typed(message: Message) -> None:
    await message.answer(t.CONFIRM_BUTTONS)


async def on_back(callback: CallbackQuery, state: FSMContext, person: Person) -> None:
    current = await state.get_state()
    data = await state.get_data()
    if current == ConsultSteps.confirm.state and data.get("topic"):
        await ask_text(callback, state, data["topic"])
    elif current == ConsultSteps.text.state:
        await ask_topic(callback, state, person)
    else:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)


async def on_send(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    person: Person,
    settings: Settings,
) -> None:
    data = await state.get_data()
    if await state.get_state() != ConsultSteps.confirm.state or not data.get("text"):
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    try:
        request = await consultations.create(session, person, data["topic"], data["text"])
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    await consultations.notify_staff(session, request, settings.admin_ids, t.TAKE)
    await state.clear()
    await respond(callback, t.SENT.format(number=request.id))


async def on_cancel(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await respond(callback, tc.CANCELLED)


# The conversation: the person answers the methodologist and accepts a proposed meeting ------


def _request_id(callback_data: ConsCb) -> int:
    return int(callback_data.v) if callback_data.v.isdigit() else 0


async def on_reply_start(
    callback: CallbackQuery,
    callback_data: ConsCb,
    state: FSMContext,
    session: AsyncSession,
    person: Person,
) -> None:
    request = await consultations.get(session, _request_id(callback_data))
    if request is None or request.person_id != person.id:
        await callback.answer(t.NOT_YOURS, show_alert=True)
        return
    if request.status == ConsultationStatus.DONE:
        await callback.answer(t.CLOSED_NO_REPLY, show_alert=True)
        return
    await state.clear()
    await state.set_state(ConsultSteps.reply)
    await state.set_data({"request_id": request.id})
    await respond(
        callback,
        t.ASK_REPLY.format(number=request.id),
        inline([(tc.CANCEL, ConsCb(a="cancel"))]),
    )


async def on_reply_text(
    message: Message, state: FSMContext, session: AsyncSession, person: Person
) -> None:
    data = await state.get_data()
    try:
        request = await consultations.person_reply(
            session, int(data.get("request_id") or 0), person, message.text or ""
        )
    except InvalidInput as exc:
        await message.answer(str(exc))
        if str(exc) in (t.CLOSED_NO_REPLY, t.NOT_YOURS):
            await state.clear()
        return
    await state.clear()
    await message.answer(t.REPLY_SENT.format(number=request.id))


async def on_accept(
    callback: CallbackQuery,
    callback_data: ConsCb,
    session: AsyncSession,
    person: Person,
    settings: Settings,
) -> None:
    try:
        request = await consultations.accept(
            session, _request_id(callback_data), person, settings.tz
        )
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    assert request.meeting_at is not None
    when = fmt_datetime(request.meeting_at, settings.tz)
    await respond(callback, t.ACCEPTED.format(when=when))


def build_router() -> Router:
    router = Router(name="consultations")
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.callback_query.register(on_new, ConsCb.filter(F.a == "new"))
    router.callback_query.register(on_topic, ConsCb.filter(F.a == "topic"))
    router.callback_query.register(on_ask_topic, ConsCb.filter(F.a == "ask"))
    router.callback_query.register(on_back, ConsCb.filter(F.a == "back"))
    router.callback_query.register(on_send, ConsCb.filter(F.a == "send"))
    router.callback_query.register(on_cancel, ConsCb.filter(F.a == "cancel"))
    router.callback_query.register(on_reply_start, ConsCb.filter(F.a == "reply"))
    router.callback_query.register(on_accept, ConsCb.filter(F.a == "accept"))
    text = F.text & ~F.text.startswith("/") & ~F.text.in_(MENU_TEXTS)
    router.message.register(on_text, ConsultSteps.text, text)
    router.message.register(on_reply_text, ConsultSteps.reply, text)
    router.message.register(on_not_text, ConsultSteps.reply, ~F.text)
    router.message.register(on_not_text, ConsultSteps.text, ~F.text)
    # Anything typed where a button is expected gets a hint for this step, not a generic reply.
    other = text | ~F.text
    router.message.register(on_topic_typed, ConsultSteps.topic, other)
    router.message.register(on_confirm_typed, ConsultSteps.confirm, other)
    return router
