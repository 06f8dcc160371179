"""«Мои записи»: upcoming registrations (with the waitlist place) and recent past ones."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import EvCb
from bot.config import Settings
from bot.services import events
from bot.services.events import MyRegistration
from bot.texts import common as tc
from bot.texts import events as t
from bot.texts import fmt_datetime, inside_quotes, quantity
from handlers.filters import Registered
from handlers.keyboards import Button, column
from handlers.views import MESSAGE_LIMIT, fit_lines, text_size
from models import EventStatus, Person, RegistrationStatus

MAX_BUTTONS = 8


def _line(item: MyRegistration, settings: Settings) -> str:
    registration = item.registration
    event = registration.event
    if event.status == EventStatus.CANCELLED:
        status = t.MY_ITEM_EVENT_CANCELLED
    elif registration.status == RegistrationStatus.WAITLISTED:
        status = t.MY_ITEM_WAITLIST.format(position=item.position)
    else:
        status = t.STATUS_LABELS[registration.status]
    return t.MY_ITEM.format(
        date=fmt_datetime(event.starts_at, settings.tz),
        title=escape(inside_quotes(event.title)),
        status=status,
    )


async def on_my(
    message: Message, session: AsyncSession, person: Person, settings: Settings
) -> None:
    upcoming, past = await events.my_registrations(session, person)
    if not upcoming and not past:
        await message.answer(t.MY_EMPTY)
        return
    past_lines = [_line(i, settings) for i in past]
    more = t.MY_MORE.format(records=quantity(len(upcoming), "запись", "записи", "записей"))
    fixed = [t.MY_TITLE, t.MY_UPCOMING, more, t.MY_PAST, *past_lines, t.MY_PAST_HINT]
    # A year of registrations must still fit in one message: the soonest come first.
    budget = MESSAGE_LIMIT - text_size("\n\n".join(fixed))
    shown, hidden = fit_lines([_line(i, settings) for i in upcoming], budget)
    if hidden:
        records = quantity(hidden, "запись", "записи", "записей")
        shown.append(t.MY_MORE.format(records=records))
    parts = [t.MY_TITLE, t.MY_UPCOMING]
    parts.append("\n".join(shown) or t.MY_NONE_UPCOMING)
    if past:
        parts += [t.MY_PAST, "\n".join(past_lines), t.MY_PAST_HINT]
    buttons: list[Button] = [
        (i.registration.event.title[:48], EvCb(action="card", event_id=i.registration.event_id))
        for i in upcoming[:MAX_BUTTONS]
        if i.registration.event.status != EventStatus.CANCELLED
    ]
    # Past events stay reachable: their card carries the materials and the recording.
    buttons += [
        (
            "📚 " + i.registration.event.title[:46],
            EvCb(action="card", event_id=i.registration.event_id),
        )
        for i in past[:MAX_BUTTONS]
        if i.registration.event.status != EventStatus.CANCELLED
    ]
    await message.answer("\n\n".join(parts), reply_markup=column(buttons) if buttons else None)


def build_router() -> Router:
    router = Router(name="my_events")
    router.message.filter(Registered())
    router.message.register(on_my, F.text == tc.MENU_MY)
    return router
