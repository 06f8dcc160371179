"""Methodologists' events: the list, the event card with its code, publishing, duplicating,
cancelling with a reason, registrants with attendance marks and their XLSX/CSV export."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AdmEvCb, AdminCb, ArchCb, MarkCb, MatCb, SerCb
from bot.config import Settings
from bot.services import InvalidInput, audit, event_admin, events
from bot.services.events import Seats
from bot.texts import (
    agree,
    file_stem,
    fmt_datetime,
    fmt_offsets,
    inside_quotes,
    kind_and_title,
    quantity,
    quoted,
    share,
)
from bot.texts import common as tc
from bot.texts import event_admin as t
from bot.texts import events as te
from bot.texts import series as ts
from bot.texts.onboarding import ROLE_LABELS
from bot.topics import topic_label
from handlers.admin.exports import Format, send_table
from handlers.admin.menu import back_to_menu
from handlers.events import place_text, send_new, show, when_text
from handlers.keyboards import Button, column, inline, pager_row
from handlers.views import MESSAGE_LIMIT, fit_lines, respond, shrink, text_size
from models import Event, EventStatus, Person, Role
from models import RegistrationStatus as RS
from models.base import utcnow

REGISTRANT_LINES = 40


class CancelEvent(StatesGroup):
    reason = State()
    confirm = State()


def admin_card_text(
    event: Event,
    seats: Seats,
    settings: Settings,
    limit: int = MESSAGE_LIMIT,
    *,
    series_title: str = "",
) -> str:
    """The card with the code and counts; the free texts are cut to fit `limit`."""
    texts = [event.place, event.description, event.goal, event.organisers, event.speakers]
    bare = _admin_card_text(event, seats, settings, [""] * 5, series_title)
    free_texts = shrink(texts, limit - text_size(bare) - 100)
    return _admin_card_text(event, seats, settings, free_texts, series_title)


def _admin_card_text(
    event: Event, seats: Seats, settings: Settings, free_texts: list[str], series_title: str
) -> str:
    place, description, goal, organisers, speakers = free_texts
    extra = ""
    if series_title:
        extra += t.CARD_SERIES.format(title=escape(quoted(series_title)))
    if goal:
        extra += t.CARD_GOAL.format(goal=goal)
    if organisers:
        extra += t.CARD_ORGANISERS.format(organisers=organisers)
    if speakers:
        extra += t.CARD_SPEAKERS.format(speakers=speakers)
    if event.materials_link:
        extra += t.CARD_MATERIALS.format(link=escape(event.materials_link))
    if event.recording_link:
        extra += t.CARD_RECORDING.format(link=escape(event.recording_link))
    audience = ", ".join(audience_label(r).lower() for r in event.audience) or t.EVERYONE
    capacity = (
        t.CAPACITY.format(capacity=event.capacity)
        if event.capacity is not None
        else t.CAPACITY_UNLIMITED
    )
    deadline = (
        fmt_datetime(event.registration_deadline, settings.tz)
        if event.registration_deadline
        else t.DEADLINE_NONE
    )
    text = t.ADMIN_CARD.format(
        heading=escape(kind_and_title(te.KIND_LABELS[event.kind], event.title)),
        extra=extra,
        status=t.STATUS_LABELS[event.status],
        when=when_text(event, settings),
        place=place_text(event, place),
        link=escape(event.join_link) or t.NOT_SET,
        seats=capacity,
        deadline=deadline,
        audience=audience,
        topics=", ".join(topic_label(c) for c in event.topics) or t.NOT_SET,
        reminders=reminders_text(event, settings),
        code=event.checkin_code,
        registered=seats.taken,
        waiting=seats.waiting,
        attended=seats.attended,
    )
    if event.description:
        text += "\n\n" + description
    if event.status == EventStatus.CANCELLED and event.cancel_reason:
        text += "\n\n" + te.CARD_CANCELLED.format(reason=escape(event.cancel_reason)).strip()
    return text


def audience_label(value: str) -> str:
    """A role's label, or that of young specialists or the management reserve."""
    if value in t.EXTRA_AUDIENCE_LABELS:
        return t.EXTRA_AUDIENCE_LABELS[value]
    return ROLE_LABELS[Role(value)] if value in {r.value for r in Role} else value


def reminders_text(event: Event, settings: Settings) -> str:
    if event.reminder_offsets is None:
        usual = [int(o.total_seconds() // 60) for o in settings.reminder_offsets]
        return t.REMINDERS_DEFAULT.format(offsets=fmt_offsets(usual))
    return fmt_offsets(event.reminder_offsets) or t.REMINDERS_NONE


def admin_card_keyboard(event: Event) -> InlineKeyboardMarkup:
    eid = event.id
    rows: list[list[Button]] = []
    if event.status == EventStatus.DRAFT:
        rows.append([(t.BTN_PUBLISH, AdmEvCb(action="publish", event_id=eid))])
    live = event.status in (EventStatus.DRAFT, EventStatus.PUBLISHED)
    if live:
        rows.append([(t.BTN_EDIT, AdmEvCb(action="edit", event_id=eid))])
    rows.append([(t.BTN_REGISTRANTS, AdmEvCb(action="regs", event_id=eid))])
    rows.append(export_row(eid))
    rows.append([(t.BTN_DUPLICATE, AdmEvCb(action="dup", event_id=eid))])
    if event.status != EventStatus.DRAFT:
        rows.append([(ts.BTN_EVENT_MATERIALS, MatCb(a="event", e=eid))])
    if live:
        rows.append([(t.BTN_CANCEL_EVENT, AdmEvCb(action="cancel", event_id=eid))])
    if event.series_id is not None:
        rows.append([(ts.BTN_TO_SERIES, SerCb(a="view", s=event.series_id))])
    over = event.status == EventStatus.CANCELLED or event.ends_at <= utcnow()
    rows.append(
        [
            (t.BTN_TO_LIST, AdmEvCb(action="list")),
            *([(ts.BTN_ARCHIVE, ArchCb())] if over else []),
        ]
    )
    rows.append(back_to_menu())
    return inline(*rows)


def export_row(event_id: int) -> list[Button]:
    return [
        (t.BTN_EXPORT, AdmEvCb(action="export", event_id=event_id)),
        (t.BTN_EXPORT_CSV, AdmEvCb(action="export_csv", event_id=event_id)),
    ]


async def send_admin_card(
    target: Message | CallbackQuery,
    event: Event,
    session: AsyncSession,
    settings: Settings,
    *,
    new_message: bool = False,
    keyboard: InlineKeyboardMarkup | None = None,
    footer: str = "",
) -> None:
    """The card with its usual buttons, or with `keyboard` and a `footer` line (the list of
    fields after a field was edited)."""
    seats = (await events.seat_counts(session, [event.id])).get(event.id, Seats())
    series = await events.series_title(session, event.series_id) if event.series_id else ""
    limit = MESSAGE_LIMIT - text_size(footer) - 4
    text = admin_card_text(event, seats, settings, limit, series_title=series)
    text += "\n\n" + footer if footer else ""
    markup = keyboard or admin_card_keyboard(event)
    if new_message:
        await send_new(target, text, markup)
    else:
        await show(target, text, markup)


async def _event(callback: CallbackQuery, session: AsyncSession, event_id: int) -> Event | None:
    event = await events.get(session, event_id)
    if event is None:
        await callback.answer(te.NOT_FOUND, show_alert=True)
    return event


async def on_section(
    callback: CallbackQuery, session: AsyncSession, settings: Settings, state: FSMContext
) -> None:
    await state.clear()
    await _show_list(callback, session, settings, 0, new_message=True)


async def _show_list(
    callback: CallbackQuery,
    session: AsyncSession,
    settings: Settings,
    page: int,
    *,
    new_message: bool = False,
) -> None:
    found, page, pages = await event_admin.list_for_staff(session, page)
    buttons: list[Button] = [
        (
            t.LIST_ITEM.format(
                date=fmt_datetime(e.starts_at, settings.tz).split(" (")[0],
                title=e.title[:40],
                status=t.STATUS_LABELS[e.status],
            ),
            AdmEvCb(action="card", event_id=e.id),
        )
        for e in found
    ]
    text = t.LIST_TITLE if found else t.LIST_EMPTY
    markup = column(
        buttons,
        pager_row(lambda p: AdmEvCb(action="list", page=p), page, pages),
        [
            (t.BTN_CREATE, AdmEvCb(action="create")),
            (t.BTN_IMPORT, AdminCb(section="events_import")),
        ],
        [(ts.BTN_ARCHIVE, ArchCb()), (ts.SECTION_SERIES, AdminCb(section="series"))],
        back_to_menu(),
    )
    if new_message:
        await respond(callback, text, markup)
    else:
        await show(callback, text, markup)


async def on_list(
    callback: CallbackQuery, callback_data: AdmEvCb, session: AsyncSession, settings: Settings
) -> None:
    await _show_list(callback, session, settings, callback_data.page)


async def on_card(
    callback: CallbackQuery,
    callback_data: AdmEvCb,
    session: AsyncSession,
    settings: Settings,
    state: FSMContext,
) -> None:
    await state.clear()
    event = await _event(callback, session, callback_data.event_id)
    if event is not None:
        await send_admin_card(callback, event, session, settings)


async def on_publish(
    callback: CallbackQuery, callback_data: AdmEvCb, session: AsyncSession, settings: Settings
) -> None:
    event = await _event(callback, session, callback_data.event_id)
    if event is None:
        return
    try:
        await event_admin.publish(session, event)
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    await send_admin_card(callback, event, session, settings)
    assert callback.bot is not None
    await callback.bot.send_message(
        callback.from_user.id, t.PUBLISHED.format(code=event.checkin_code)
    )


async def on_duplicate(
    callback: CallbackQuery,
    callback_data: AdmEvCb,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    try:
        copy = await event_admin.duplicate(session, callback_data.event_id, person)
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    await callback.answer(t.DUPLICATED, show_alert=True)
    await send_admin_card(callback, copy, session, settings, new_message=True)


# Cancelling ----------------------------------------------------------------------------------


async def on_cancel_start(
    callback: CallbackQuery, callback_data: AdmEvCb, session: AsyncSession, state: FSMContext
) -> None:
    event = await _event(callback, session, callback_data.event_id)
    if event is None:
        return
    if event.status not in (EventStatus.DRAFT, EventStatus.PUBLISHED):
        await callback.answer(t.ALREADY_CANCELLED, show_alert=True)
        return
    await state.set_state(CancelEvent.reason)
    await state.set_data({"event_id": event.id})
    back = inline([(tc.BACK, AdmEvCb(action="card", event_id=event.id))])
    await respond(callback, t.ASK_CANCEL_REASON, back)


async def on_cancel_reason(message: Message, state: FSMContext, session: AsyncSession) -> None:
    data = await state.get_data()
    event = await events.get(session, int(data.get("event_id", 0)))
    if event is None:
        await state.clear()
        await message.answer(te.NOT_FOUND)
        return
    try:
        reason = event_admin.clean_text(message.text or "", event_admin.SHORT_LIMIT)
    except InvalidInput as exc:
        await message.answer(str(exc))
        return
    count = await event_admin.count_live_registrants(session, event.id)
    await state.set_state(CancelEvent.confirm)
    await state.update_data(reason=reason)
    keyboard = inline(
        [(t.BTN_CONFIRM_CANCEL, AdmEvCb(action="cancel_yes", event_id=event.id))],
        [(t.BTN_KEEP, AdmEvCb(action="card", event_id=event.id))],
    )
    people = quantity(count, *t.PARTICIPANTS)
    text = t.CANCEL_CONFIRM.format(
        title=escape(inside_quotes(event.title)), people=people, get=agree(count, *t.GET)
    )
    await message.answer(text, reply_markup=keyboard)


async def on_cancel_confirmed(
    callback: CallbackQuery,
    callback_data: AdmEvCb,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    data = await state.get_data()
    if data.get("event_id") != callback_data.event_id or not data.get("reason"):
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    await state.clear()
    try:
        count = await event_admin.cancel_event(
            session, settings, callback_data.event_id, data["reason"], person
        )
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    people = quantity(count, *t.PARTICIPANTS)
    await show(callback, t.CANCEL_DONE.format(people=people, get=agree(count, *t.GET)))


async def on_expected_button(message: Message) -> None:
    await message.answer(tc.USE_BUTTONS)


# Registrants ---------------------------------------------------------------------------------


async def registrants_view(
    event: Event, session: AsyncSession, settings: Settings, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    rows = await event_admin.registrants(session, event.id)
    count = {s: sum(1 for r in rows if r.registration.status == s) for s in RS}
    lines = []
    for n, row in enumerate(rows[:REGISTRANT_LINES], start=1):
        status = t.REG_STATUS_LABELS[row.registration.status]
        if row.position:
            status += f" №{row.position}"
        org = row.person.organisation.name if row.person.organisation else t.NOT_SET
        lines.append(
            t.REGISTRANT_LINE.format(
                n=n,
                name=escape(row.person.full_name or t.ANONYMOUS),
                org=escape(org),
                status=status,
            )
        )
    moved = await event_admin.promotions(session, event.id)
    moved_lines = [
        t.PROMOTION_LINE.format(
            name=escape(m.person.full_name or t.ANONYMOUS), at=fmt_datetime(m.at, settings.tz)
        )
        for m in moved
    ]

    def compose(shown: list[str], shown_moved: list[str]) -> str:
        more = len(rows) - len(shown)
        body = shown + ([t.REGISTRANTS_MORE.format(count=more)] if more else [])
        registered = count[RS.REGISTERED] + count[RS.ATTENDED] + count[RS.NO_SHOW]
        text = t.REGISTRANTS.format(
            title=escape(inside_quotes(event.title)),
            registered=registered,
            attended=share(count[RS.ATTENDED], registered),
            waiting=count[RS.WAITLISTED],
            cancelled=count[RS.CANCELLED],
            capacity=(
                t.REGISTRANTS_CAPACITY.format(capacity=event.capacity) if event.capacity else ""
            ),
            lines="\n".join(body) or t.REGISTRANTS_NONE,
        )
        if shown_moved:
            text += t.PROMOTIONS.format(lines="\n".join(shown_moved))
        return text + (t.MARK_HINT if event_admin.seat_holders(rows) else "")

    # Long organisation names and many promotions must not push the text over the limit.
    budget = MESSAGE_LIMIT - text_size(compose([], moved_lines[:1]))
    shown_moved, _ = fit_lines(moved_lines, budget // 4)
    shown, _ = fit_lines(lines, MESSAGE_LIMIT - text_size(compose([], shown_moved)))
    text = compose(shown, shown_moved)
    holders = event_admin.seat_holders(rows)
    pages = max(1, -(-len(holders) // events.PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    buttons: list[Button] = []
    for row in holders[page * events.PAGE_SIZE : (page + 1) * events.PAGE_SIZE]:
        label = t.BTN_UNMARK if row.registration.status == RS.ATTENDED else t.BTN_MARK
        name = (row.person.full_name or t.ANONYMOUS)[:40]
        was = "a" if row.registration.status == RS.ATTENDED else "r"
        buttons.append(
            (
                label.format(name=name),
                MarkCb(e=event.id, r=row.registration.id, was=was, pg=page),
            )
        )
    markup = column(
        buttons,
        pager_row(lambda p: AdmEvCb(action="regs", event_id=event.id, page=p), page, pages),
        export_row(event.id),
        [(t.BTN_TO_EVENT, AdmEvCb(action="card", event_id=event.id))],
    )
    return text, markup


async def on_registrants(
    callback: CallbackQuery, callback_data: AdmEvCb, session: AsyncSession, settings: Settings
) -> None:
    event = await _event(callback, session, callback_data.event_id)
    if event is not None:
        text, markup = await registrants_view(event, session, settings, callback_data.page)
        await show(callback, text, markup)


async def on_export(
    callback: CallbackQuery,
    callback_data: AdmEvCb,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    event = await _event(callback, session, callback_data.event_id)
    if event is None:
        return
    registrants = await event_admin.registrants(session, event.id)
    headers, rows = event_admin.export_rows(registrants, settings.tz)
    name = t.EXPORT_FILENAME.format(stem=file_stem(event.title, event.starts_at, settings.tz))
    fmt: Format = "csv" if callback_data.action == "export_csv" else "xlsx"
    audit.record(
        session,
        person,
        "export.registrations",
        object_kind="event",
        object_id=event.id,
        fmt=fmt,
        rows=len(rows),
    )
    await send_table(callback, headers, rows, fmt=fmt, filename=name, title=t.EXPORT_TITLE)


def build_router() -> Router:
    router = Router(name="admin_events")
    router.callback_query.register(on_section, AdminCb.filter(F.section == "events"))
    router.callback_query.register(on_list, AdmEvCb.filter(F.action == "list"))
    router.callback_query.register(on_card, AdmEvCb.filter(F.action == "card"))
    router.callback_query.register(on_publish, AdmEvCb.filter(F.action == "publish"))
    router.callback_query.register(on_duplicate, AdmEvCb.filter(F.action == "dup"))
    router.callback_query.register(on_cancel_start, AdmEvCb.filter(F.action == "cancel"))
    router.callback_query.register(
        on_cancel_confirmed, AdmEvCb.filter(F.action == "cancel_yes"), CancelEvent.confirm
    )
    router.callback_query.register(on_registrants, AdmEvCb.filter(F.action == "regs"))
    router.callback_query.register(
        on_export, AdmEvCb.filter(F.action.in_({"export", "export_csv"}))
    )
    router.message.register(on_cancel_reason, CancelEvent.reason, F.text & ~F.text.startswith("/"))
    router.message.register(on_expected_button, CancelEvent.confirm)
    return router
