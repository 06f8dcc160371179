"""«Мероприятия»: the calendar for teachers and heads — list, filters, card, registration,
waitlist, calendar file, registration for a whole series, giving a promoted seat back."""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import EvCb, EvListCb, RegCb
from bot.config import Settings
from bot.services import InvalidInput, events, ics, registrations
from bot.services.events import CataloguePage, Month, Seats
from bot.services.registrations import Outcome
from bot.texts import common as tc
from bot.texts import events as t
from bot.texts import (
    fmt_date,
    fmt_datetime,
    fmt_time,
    inside_quotes,
    kind_and_title,
    quantity,
    quoted,
)
from bot.texts.format import MONTHS_NOMINATIVE
from bot.topics import topic_label
from handlers.filters import Registered
from handlers.keyboards import Button, column, inline, pager_row
from handlers.views import MESSAGE_LIMIT, respond, shrink, text_size, unless_not_modified
from models import Event, EventFormat, EventKind, EventStatus, Person, Registration
from models import RegistrationStatus as RS
from models.base import utcnow

TITLE_IN_BUTTON = 48


async def show(
    event: Message | CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Replace the message the button was on (lists and cards), or answer a typed message."""
    if isinstance(event, CallbackQuery) and isinstance(event.message, Message):
        await event.answer()
        with unless_not_modified():
            await event.message.edit_text(text, reply_markup=markup)
        return
    await respond(event, text, markup)


async def send_new(
    target: Message | CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Send one more message to the chat (a button press is answered elsewhere, once)."""
    if isinstance(target, Message):
        await target.answer(text, reply_markup=markup)
        return
    assert target.bot is not None
    await target.bot.send_message(target.from_user.id, text, reply_markup=markup)


# The list -----------------------------------------------------------------------------------


def _short(title: str) -> str:
    return title if len(title) <= TITLE_IN_BUTTON else title[: TITLE_IN_BUTTON - 1] + "…"


def month_label(month: Month) -> str:
    return f"{MONTHS_NOMINATIVE[month.month - 1].capitalize()} {month.year}"


def list_view(
    page: CataloguePage, cb: EvListCb, settings: Settings
) -> tuple[str, InlineKeyboardMarkup]:
    filters = []
    if cb.kind:
        filters.append(t.FILTER_KIND.format(value=t.KIND_LABELS[EventKind(cb.kind)].lower()))
    month = Month.parse(cb.month) if cb.month else None
    if month:
        filters.append(t.FILTER_MONTH.format(value=month_label(month).lower()))
    lines = [t.LIST_TITLE]
    if filters:
        lines.append(t.LIST_FILTERS.format(filters=", ".join(filters)))
    buttons: list[Button] = []
    for n, item in enumerate(page.items, start=page.page * events.PAGE_SIZE + 1):
        event = item.event
        seats = ""
        if item.my_status in (RS.REGISTERED, RS.WAITLISTED, RS.ATTENDED):
            seats = t.LIST_ITEM_MINE
        elif item.seats.free(event.capacity) == 0:
            seats = t.LIST_ITEM_FULL
        date = f"{fmt_date(event.starts_at, settings.tz)}, {fmt_time(event.starts_at, settings.tz)}"
        lines.append(
            t.LIST_ITEM.format(
                n=n,
                date=date,
                heading=escape(kind_and_title(t.KIND_LABELS[event.kind].lower(), event.title)),
                seats=seats,
            )
        )
        buttons.append((f"{n}. {_short(event.title)}", EvCb(action="card", event_id=event.id)))
    if not page.items:
        lines.append(t.LIST_EMPTY_FILTERED if filters else t.LIST_EMPTY)
    else:
        lines.append("\n" + t.LIST_HINT)
    filter_row: list[Button] = []
    if len(page.kinds) > 1 or cb.kind:
        filter_row.append((t.FILTER_ANY_KIND, EvListCb(kind=cb.kind, month=cb.month, pick="kind")))
    if len(page.months) > 1 or cb.month:
        filter_row.append(
            (t.FILTER_ANY_MONTH, EvListCb(kind=cb.kind, month=cb.month, pick="month"))
        )
    reset_row: list[Button] = [(t.FILTER_RESET, EvListCb())] if filters else []
    pager = pager_row(
        lambda p: EvListCb(page=p, kind=cb.kind, month=cb.month), page.page, page.pages
    )
    split = 2 if filters else 1
    text = "\n".join(lines[:split]) + "\n\n" + "\n".join(lines[split:])
    return text, column(buttons, filter_row, reset_row, pager)


def picker_view(page: CataloguePage, cb: EvListCb) -> tuple[str, InlineKeyboardMarkup]:
    if cb.pick == "kind":
        choices: list[Button] = [
            (t.KIND_LABELS[k], EvListCb(kind=k.value, month=cb.month)) for k in page.kinds
        ]
        choices.append((t.ALL_KINDS, EvListCb(month=cb.month)))
        return t.PICK_KIND, column(choices)
    months: list[Button] = [
        (month_label(m), EvListCb(kind=cb.kind, month=m.key())) for m in page.months
    ]
    months.append((t.ALL_MONTHS, EvListCb(kind=cb.kind)))
    return t.PICK_MONTH, column(months)


async def _render_list(
    target: Message | CallbackQuery,
    cb: EvListCb,
    session: AsyncSession,
    person: Person,
    settings: Settings,
) -> None:
    kind = EventKind(cb.kind) if cb.kind in {k.value for k in EventKind} else None
    month = Month.parse(cb.month) if cb.month else None
    if (
        (cb.kind and kind is None)
        or (cb.month and month is None)
        or cb.pick
        not in {
            "",
            "kind",
            "month",
        }
    ):
        if isinstance(target, CallbackQuery):
            await target.answer(tc.STALE_BUTTON, show_alert=True)
        return
    page = await events.list_upcoming(
        session, person, settings.tz, kind=kind, month=month, page=cb.page
    )
    text, markup = picker_view(page, cb) if cb.pick else list_view(page, cb, settings)
    await show(target, text, markup)


async def on_menu(
    message: Message, session: AsyncSession, person: Person, settings: Settings
) -> None:
    await _render_list(message, EvListCb(), session, person, settings)


async def on_list(
    callback: CallbackQuery,
    callback_data: EvListCb,
    session: AsyncSession,
    person: Person,
    settings: Settings,
) -> None:
    await _render_list(callback, callback_data, session, person, settings)


# The card -----------------------------------------------------------------------------------


def place_text(event: Event, place: str | None = None) -> str:
    """Where the event is held; `place` is the place already escaped (and perhaps shortened)."""
    if event.format == EventFormat.ONLINE:
        return t.PLACE_ONLINE
    place = place if place is not None else escape(event.place)
    place = place or t.FORMAT_LABELS[event.format]
    return f"{place} ({t.PLACE_ONLINE})" if event.format == EventFormat.HYBRID else place


def when_text(event: Event, settings: Settings) -> str:
    start = fmt_datetime(event.starts_at, settings.tz)
    same_day = fmt_date(event.starts_at, settings.tz) == fmt_date(event.ends_at, settings.tz)
    end = (
        fmt_time(event.ends_at, settings.tz)
        if same_day
        else fmt_datetime(event.ends_at, settings.tz)
    )
    return t.WHEN_RANGE.format(start=start, end=end)


def seats_text(event: Event, seats: Seats) -> str:
    if event.capacity is None:
        return t.SEATS_UNLIMITED
    free = seats.free(event.capacity) or 0
    if free == 0:
        return t.SEATS_FULL.format(capacity=event.capacity, waiting=seats.waiting)
    return t.SEATS_FREE.format(free=free, capacity=event.capacity)


def card_text(
    event: Event,
    seats: Seats,
    registration: Registration | None,
    position: int,
    settings: Settings,
    series_title: str = "",
) -> str:
    free_texts = [event.place, event.organisers, event.description, event.goal]
    # Measured first without the free texts, which then share what is left of the limit.
    bare = _card_text(event, seats, registration, position, settings, series_title, [""] * 4)
    budget = MESSAGE_LIMIT - text_size(bare)
    fitted = shrink(free_texts, budget)
    return _card_text(event, seats, registration, position, settings, series_title, fitted)


def _card_text(
    event: Event,
    seats: Seats,
    registration: Registration | None,
    position: int,
    settings: Settings,
    series_title: str,
    free_texts: list[str],
) -> str:
    place, organisers, description, goal = free_texts
    lines = [
        t.CARD.format(
            heading=escape(kind_and_title(t.KIND_LABELS[event.kind], event.title)),
            when=when_text(event, settings),
            place=place_text(event, place),
            seats=seats_text(event, seats),
        ).rstrip()
    ]
    if series_title:
        lines.append(t.CARD_SERIES.format(title=escape(inside_quotes(series_title))))
    if event.organisers:
        lines.append(t.CARD_ORGANISERS.format(organisers=organisers))
    if event.speakers:
        lines.append(t.CARD_SPEAKERS.format(speakers=escape(event.speakers[:500])))
    if event.registration_deadline:
        deadline = fmt_datetime(event.registration_deadline, settings.tz)
        lines.append(t.CARD_DEADLINE.format(deadline=deadline))
    if event.topics:
        lines.append(t.CARD_TOPICS.format(topics=", ".join(topic_label(c) for c in event.topics)))
    if event.description:
        lines.append("\n" + description)
    if event.goal:
        lines.append(t.CARD_GOAL.format(goal=goal))
    status = registration.status if registration else None
    if status == RS.WAITLISTED:
        lines.append(t.CARD_WAITLIST_PLACE.format(position=position))
    elif status is not None and status != RS.CANCELLED:
        lines.append(t.CARD_STATUS.format(status=t.STATUS_LABELS[status]))
    if status in (RS.REGISTERED, RS.ATTENDED) and event.join_link:
        lines.append(t.CARD_JOIN_LINK.format(link=escape(event.join_link)))
    took_part = status in (RS.REGISTERED, RS.ATTENDED, RS.NO_SHOW)
    if took_part and event.materials_link:
        lines.append(t.CARD_MATERIALS.format(link=escape(event.materials_link)))
    if took_part and event.recording_link:
        lines.append(t.CARD_RECORDING.format(link=escape(event.recording_link)))
    now = utcnow()
    if event.status == EventStatus.CANCELLED:
        lines.append(t.CARD_CANCELLED.format(reason=escape(event.cancel_reason)))
    elif event.ends_at <= now:
        lines.append(t.CARD_FINISHED)
    elif event.starts_at <= now:
        lines.append(t.CARD_STARTED)
    return "\n".join(lines)


def card_keyboard(
    event: Event, seats: Seats, registration: Registration | None, now_on: bool
) -> InlineKeyboardMarkup:
    now = utcnow()
    status = registration.status if registration else None
    open_ = event.status == EventStatus.PUBLISHED and event.starts_at > now
    rows: list[list[Button]] = []
    if open_ and status in (None, RS.CANCELLED):
        full = seats.free(event.capacity) == 0
        action, label = ("wait", t.BTN_WAITLIST) if full else ("reg", t.BTN_REGISTER)
        rows.append([(label, EvCb(action=action, event_id=event.id))])
    if open_ and status == RS.REGISTERED:
        rows.append([(t.BTN_CANCEL, EvCb(action="cancel", event_id=event.id))])
    if open_ and status == RS.WAITLISTED:
        rows.append([(t.BTN_LEAVE_WAITLIST, EvCb(action="cancel", event_id=event.id))])
    if status in (RS.REGISTERED, RS.ATTENDED) and event.ends_at > now:
        rows.append([(t.BTN_ICS, EvCb(action="ics", event_id=event.id))])
    if now_on and status == RS.REGISTERED:
        rows.append([(t.BTN_CHECKIN, EvCb(action="checkin", event_id=event.id))])
    if open_ and event.series_id is not None:
        rows.append([(t.BTN_SERIES, EvCb(action="series", event_id=event.id))])
    rows.append([(t.BTN_TO_LIST, EvListCb())])
    return inline(*rows)


async def render_card(
    target: Message | CallbackQuery,
    event: Event,
    session: AsyncSession,
    person: Person,
    settings: Settings,
    *,
    new_message: bool = False,
) -> None:
    registration = await events.registration_of(session, person, event.id)
    position = await events.waitlist_position(session, registration) if registration else 0
    seats = (await events.seat_counts(session, [event.id])).get(event.id, Seats())
    series = await events.series_title(session, event.series_id) if event.series_id else ""
    now_on = events.is_on(event)
    text = card_text(event, seats, registration, position, settings, series)
    markup = card_keyboard(event, seats, registration, now_on)
    if new_message:
        await respond(target, text, markup)
    else:
        await show(target, text, markup)


async def _visible_event(
    callback: CallbackQuery, session: AsyncSession, person: Person, event_id: int
) -> Event | None:
    """The event if this person may see it; a forged or stale id gets a polite alert."""
    event = await events.get(session, event_id)
    hidden = event is not None and (
        event.status == EventStatus.DRAFT or not events.is_visible_to(event, person)
    )
    # Their own registration shows them a hidden event too; asked only when it matters.
    if event is None or (hidden and not await events.registration_of(session, person, event.id)):
        await callback.answer(t.NOT_FOUND, show_alert=True)
        return None
    return event


async def on_card(
    callback: CallbackQuery,
    callback_data: EvCb,
    session: AsyncSession,
    person: Person,
    settings: Settings,
) -> None:
    event = await _visible_event(callback, session, person, callback_data.event_id)
    if event is not None:
        # Cards opened from a notification or «Мои записи» come as a new message.
        await render_card(
            callback, event, session, person, settings, new_message=not _is_ours(callback)
        )


def _is_ours(callback: CallbackQuery) -> bool:
    """Whether the button was on a list or card of ours (edited in place) rather than on a
    notification or another section's message (left as it is)."""
    message = callback.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return False
    if (message.text or "").startswith(t.LIST_TITLE.removeprefix("<b>").removesuffix("</b>")):
        return True
    return any(
        (b.callback_data or "").startswith(EvListCb.__prefix__ + ":")
        for row in message.reply_markup.inline_keyboard
        for b in row
    )


# Registration -------------------------------------------------------------------------------


async def send_ics(bot: Bot, chat_id: int, event: Event, tz: ZoneInfo) -> None:
    document = BufferedInputFile(ics.event_ics(event, with_link=True), ics.ics_filename(event, tz))
    await bot.send_document(chat_id, document, caption=t.ICS_CAPTION)


async def on_register(
    callback: CallbackQuery,
    callback_data: EvCb,
    session: AsyncSession,
    person: Person,
    settings: Settings,
    bot: Bot,
) -> None:
    waitlist = callback_data.action == "wait"
    try:
        result = await registrations.register(
            session, settings, person, callback_data.event_id, join_waitlist=waitlist
        )
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    event = result.event
    title = escape(inside_quotes(event.title))
    if result.outcome == Outcome.ALREADY_REGISTERED:
        await callback.answer(t.ALREADY_REGISTERED, show_alert=True)
        return
    if result.outcome == Outcome.ALREADY_WAITLISTED:
        await callback.answer(
            t.ALREADY_WAITLISTED.format(position=result.position), show_alert=True
        )
        return
    await render_card(callback, event, session, person, settings)
    if result.outcome == Outcome.FULL:
        offer = inline([(t.BTN_WAITLIST, EvCb(action="wait", event_id=event.id))])
        await bot.send_message(
            callback.from_user.id, t.FULL_OFFER.format(title=title), reply_markup=offer
        )
        return
    if result.outcome == Outcome.WAITLISTED:
        text = t.WAITLISTED.format(title=title, position=result.position)
        await bot.send_message(callback.from_user.id, text)
        return
    text = t.REGISTERED.format(title=title, when=when_text(event, settings))
    if event.join_link:
        text += t.REGISTERED_LINK.format(link=escape(event.join_link))
    await bot.send_message(callback.from_user.id, text)
    await send_ics(bot, callback.from_user.id, event, settings.tz)


async def _own_registration(
    callback: CallbackQuery,
    session: AsyncSession,
    person: Person,
    event_id: int,
    statuses: tuple[RS, ...],
) -> tuple[Event, Registration] | None:
    """The event and the person's registration to it in one of `statuses`; otherwise a polite
    refusal is shown and None returned."""
    event = await events.get(session, event_id)
    registration = await events.registration_of(session, person, event.id) if event else None
    if event is None or registration is None or registration.status not in statuses:
        await callback.answer(t.NOT_YOUR_REGISTRATION, show_alert=True)
        return None
    return event, registration


async def on_cancel_ask(
    callback: CallbackQuery, callback_data: EvCb, session: AsyncSession, person: Person
) -> None:
    found = await _own_registration(
        callback, session, person, callback_data.event_id, (RS.REGISTERED, RS.WAITLISTED)
    )
    if found is None:
        return
    event, registration = found
    ask = t.LEAVE_CONFIRM if registration.status == RS.WAITLISTED else t.CANCEL_CONFIRM
    keyboard = inline(
        [
            (t.BTN_CONFIRM_CANCEL, RegCb(action="cancel", registration_id=registration.id)),
            (t.BTN_KEEP, RegCb(action="keep", registration_id=registration.id)),
        ]
    )
    await respond(callback, ask.format(title=escape(inside_quotes(event.title))), keyboard)


async def on_cancel_confirmed(
    callback: CallbackQuery,
    callback_data: RegCb,
    session: AsyncSession,
    person: Person,
    settings: Settings,
) -> None:
    give_back = callback_data.action == "giveback"
    try:
        registration = await registrations.registration_for(
            session, person, callback_data.registration_id
        )
        was_waiting = registration.status == RS.WAITLISTED
        await registrations.cancel(
            session,
            settings,
            person,
            registration.id,
            action="gave_back" if give_back else ("left_waitlist" if was_waiting else "cancelled"),
        )
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    title = escape(inside_quotes(registration.event.title))
    template = t.GAVE_BACK if give_back else (t.LEFT_WAITLIST if was_waiting else t.CANCELLED)
    await show(callback, template.format(title=title))


async def on_keep(callback: CallbackQuery) -> None:
    await show(callback, t.KEPT)


async def on_ics(
    callback: CallbackQuery,
    callback_data: EvCb,
    session: AsyncSession,
    person: Person,
    bot: Bot,
    settings: Settings,
) -> None:
    found = await _own_registration(
        callback, session, person, callback_data.event_id, (RS.REGISTERED, RS.ATTENDED)
    )
    if found is None:
        return
    event, _ = found
    await callback.answer()
    await send_ics(bot, callback.from_user.id, event, settings.tz)


async def on_series(
    callback: CallbackQuery,
    callback_data: EvCb,
    session: AsyncSession,
    person: Person,
    settings: Settings,
) -> None:
    event = await _visible_event(callback, session, person, callback_data.event_id)
    if event is None:
        return
    if event.series_id is None:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    series_title = await events.series_title(session, event.series_id)
    outcomes = await registrations.register_series(session, settings, person, event.series_id)
    if not any(item.outcome is not None or item.refusal for item in outcomes):
        await callback.answer(t.SERIES_NOTHING, show_alert=True)
        return
    lines = []
    for item in outcomes:
        outcome = await _series_outcome(session, person, item)
        date = fmt_datetime(item.event.starts_at, settings.tz)
        lines.append(t.SERIES_LINE.format(date=date, outcome=outcome))
    registered, waiting = registrations.series_tally(outcomes)
    total = quantity(len(outcomes), *t.MEETINGS_OF)
    summary = t.SERIES_SUMMARY.format(registered=registered, total=total)
    if waiting:
        summary += t.SERIES_SUMMARY_WAITING.format(waiting=quantity(waiting, *t.MEETINGS_ACC))
    if not registered and not waiting:
        summary = t.SERIES_NOTHING
    title = escape(quoted(series_title or event.title))
    await render_card(callback, event, session, person, settings)
    assert callback.bot is not None
    await callback.bot.send_message(
        callback.from_user.id,
        t.SERIES_DONE.format(title=title, lines="\n".join(lines), summary=summary),
    )


async def _series_outcome(
    session: AsyncSession, person: Person, item: registrations.SeriesOutcome
) -> str:
    """What happened with one meeting of the series, in words."""
    if item.skipped == "cancelled":
        return t.SERIES_OUTCOME_CANCELLED
    if item.skipped == "past":
        mine = await events.registration_of(session, person, item.event.id)
        attended = mine is not None and mine.status == RS.ATTENDED
        return t.SERIES_OUTCOME_PAST_ATTENDED if attended else t.SERIES_OUTCOME_PAST
    if item.outcome == Outcome.REGISTERED:
        return t.SERIES_OUTCOME_REGISTERED
    if item.outcome == Outcome.WAITLISTED:
        return t.SERIES_OUTCOME_WAITLISTED.format(position=item.position)
    if item.outcome == Outcome.ALREADY_WAITLISTED:
        return t.SERIES_OUTCOME_ALREADY_WAITLISTED.format(position=item.position)
    if item.outcome == Outcome.ALREADY_REGISTERED:
        return t.SERIES_OUTCOME_ALREADY
    return t.SERIES_OUTCOME_REFUSED.format(reason=item.refusal)


def build_router() -> Router:
    router = Router(name="events")
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.message.register(on_menu, F.text == tc.MENU_EVENTS)
    router.callback_query.register(on_list, EvListCb.filter())
    router.callback_query.register(on_card, EvCb.filter(F.action == "card"))
    router.callback_query.register(on_register, EvCb.filter(F.action.in_({"reg", "wait"})))
    router.callback_query.register(on_cancel_ask, EvCb.filter(F.action == "cancel"))
    router.callback_query.register(on_ics, EvCb.filter(F.action == "ics"))
    router.callback_query.register(on_series, EvCb.filter(F.action == "series"))
    router.callback_query.register(
        on_cancel_confirmed, RegCb.filter(F.action.in_({"cancel", "giveback"}))
    )
    router.callback_query.register(on_keep, RegCb.filter(F.action == "keep"))
    return router
