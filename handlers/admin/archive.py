"""«Прошедшие мероприятия»: past and cancelled events by month or school year; attendance
marks corrected after the event (confirmed, logged, never flipped by a stale list); materials
and the recording added after the event (or to a series) and sent to those registered."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AdmEvCb, AdminCb, AdmRegCb, ArchCb, MarkCb, MatCb, SerCb
from bot.config import Settings
from bot.services import InvalidInput, archive, event_admin, events, series
from bot.services.archive import Period, StaleMark
from bot.texts import agree, quantity, quoted
from bot.texts import common as tc
from bot.texts import event_admin as tea
from bot.texts import events as te
from bot.texts import series as t
from bot.texts.format import MONTHS_NOMINATIVE
from handlers.admin.events import registrants_view, send_admin_card
from handlers.admin.series import send_view, to_menu
from handlers.events import show
from handlers.keyboards import Button, column, inline, pager_row
from handlers.views import respond, unless_not_modified
from models import EventStatus, Person, Registration
from models.base import utcnow

TITLE_IN_BUTTON = 34


def period_label(period: Period) -> str:
    if period.kind == "y":
        return t.SCHOOL_YEAR.format(start=period.year, end=period.year + 1)
    return f"{MONTHS_NOMINATIVE[period.month - 1]} {period.year}"


# The archive list ------------------------------------------------------------------------------


async def _archive(
    target: CallbackQuery,
    cb: ArchCb,
    session: AsyncSession,
    settings: Settings,
    *,
    new_message: bool = False,
) -> None:
    period = Period.parse(cb.p, settings.tz)
    if period is None:
        await target.answer(tc.STALE_BUTTON, show_alert=True)
        return
    if cb.pick:
        await show(target, t.PICK_PERIOD, _period_keyboard(period, settings))
        return
    found = await archive.past_events(session, period, settings.tz, cb.pg)
    buttons: list[Button] = []
    for event, count in found.items:
        counts = (
            t.ARCHIVE_CANCELLED
            if event.status == EventStatus.CANCELLED
            else t.ARCHIVE_COUNTS.format(
                attended=count.attended if count else 0, registered=count.registered if count else 0
            )
        )
        label = t.ARCHIVE_ITEM.format(
            date=event.starts_at.astimezone(settings.tz).strftime("%d.%m"),
            title=event.title[:TITLE_IN_BUTTON],
            counts=counts,
        )
        buttons.append((label, AdmEvCb(action="card", event_id=event.id)))
    text = t.ARCHIVE_TITLE.format(period=period_label(period)) + "\n\n"
    text += t.ARCHIVE_HINT if found.items else t.ARCHIVE_EMPTY
    markup = column(
        buttons,
        pager_row(lambda p: ArchCb(p=period.key(), pg=p), found.page, found.pages),
        [(t.BTN_PERIOD, ArchCb(p=period.key(), pick=1))],
        [(tea.BTN_TO_LIST, AdmEvCb(action="list"))],
        to_menu(),
    )
    if new_message:
        await respond(target, text, markup)
    else:
        await show(target, text, markup)


def _period_keyboard(period: Period, settings: Settings) -> InlineKeyboardMarkup:
    year = period.year
    months: list[Button] = [
        (f"{MONTHS_NOMINATIVE[m.month - 1][:3]} {m.year % 100:02d}", ArchCb(p=f"m{m.key()}"))
        for m in Period("y", year).months()
    ]
    current = Period.school_year_of(utcnow(), settings.tz).year
    years: list[Button] = [
        (t.SCHOOL_YEAR.format(start=y, end=y + 1), ArchCb(p=f"y{y}"))
        for y in (current, current - 1, current - 2)
    ]
    rows = [months[i : i + 4] for i in range(0, 12, 4)]
    return inline(*rows, *([y] for y in years), to_menu())


async def on_section(
    callback: CallbackQuery, session: AsyncSession, settings: Settings, state: FSMContext
) -> None:
    await state.clear()
    await _archive(callback, ArchCb(), session, settings, new_message=True)


async def on_archive(
    callback: CallbackQuery, callback_data: ArchCb, session: AsyncSession, settings: Settings
) -> None:
    await _archive(callback, callback_data, session, settings)


# Attendance marks ------------------------------------------------------------------------------


async def _redraw(
    callback: CallbackQuery,
    session: AsyncSession,
    settings: Settings,
    event_id: int,
    page: int,
    *,
    answered: bool = False,
) -> None:
    event = await events.get(session, event_id)
    if event is None:
        return
    text, markup = await registrants_view(event, session, settings, page)
    if not answered:
        await show(callback, text, markup)
    elif isinstance(callback.message, Message):
        with unless_not_modified():
            await callback.message.edit_text(text, reply_markup=markup)


async def on_mark(
    callback: CallbackQuery,
    callback_data: MarkCb,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    cb = callback_data
    try:
        event, registration = await archive.markable(session, cb.e, cb.r, cb.was)
    except StaleMark as exc:
        await callback.answer(str(exc), show_alert=True)
        await _redraw(callback, session, settings, cb.e, cb.pg, answered=True)
        return
    except InvalidInput:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    if archive.is_over(event) and not cb.ok:
        name = escape(await _name(session, registration))
        old, new = (
            (t.STATE_ATTENDED, t.STATE_ABSENT)
            if cb.was == "a"
            else (t.STATE_ABSENT, t.STATE_ATTENDED)
        )
        text = t.CORRECT_CONFIRM.format(
            title=escape(quoted(event.title)), name=name, old=old, new=new
        )
        keyboard = inline(
            [
                (t.BTN_CORRECT_YES, MarkCb(e=cb.e, r=cb.r, was=cb.was, pg=cb.pg, ok=1)),
                (t.BTN_CORRECT_NO, AdmEvCb(action="regs", event_id=cb.e, page=cb.pg)),
            ]
        )
        await show(callback, text, keyboard)
        return
    await archive.set_mark(session, event, registration, person)
    await _redraw(callback, session, settings, event.id, cb.pg)


async def _name(session: AsyncSession, registration: Registration) -> str:
    who = await session.get(Person, registration.person_id)
    return (who.full_name if who else "") or tea.ANONYMOUS


async def on_legacy_mark(
    callback: CallbackQuery,
    callback_data: AdmRegCb,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    """A button of a list drawn before marks carried their state: taken as «mark attended»,
    so an old list can mark someone but never silently take a mark away."""
    data = MarkCb(
        e=callback_data.event_id, r=callback_data.registration_id, was="r", pg=callback_data.page
    )
    await on_mark(callback, data, session, settings, person)


# Materials after the event ---------------------------------------------------------------------


class Materials(StatesGroup):
    materials = State()
    recording = State()
    confirm = State()


def _back_to(data: dict[str, object]) -> Button:
    if data.get("series_id"):
        return (tc.BACK, SerCb(a="view", s=int(str(data["series_id"]))))
    return (tc.BACK, AdmEvCb(action="card", event_id=int(str(data.get("event_id", 0)))))


async def on_materials_start(
    callback: CallbackQuery,
    callback_data: MatCb,
    state: FSMContext,
    session: AsyncSession,
) -> None:
    await state.clear()
    if callback_data.a == "series":
        found = await series.get(session, callback_data.s)
        if found is None:
            await callback.answer(t.NOT_FOUND, show_alert=True)
            return
        data: dict[str, object] = {
            "series_id": found.id,
            "materials": found.materials_link,
            "recording": "",
        }
        question = t.ASK_SERIES_MATERIALS.format(title=escape(quoted(found.title)))
    else:
        event = await events.get(session, callback_data.e)
        if event is None or event.status == EventStatus.DRAFT:
            await callback.answer(
                te.NOT_FOUND if event is None else t.MATERIALS_DRAFT, show_alert=True
            )
            return
        data = {
            "event_id": event.id,
            "materials": event.materials_link,
            "recording": event.recording_link,
        }
        question = t.ASK_MATERIALS.format(
            title=escape(quoted(event.title)),
            current=escape(event.materials_link) or t.NOT_SET,
        )
    await state.set_state(Materials.materials)
    await state.set_data(data)
    keep = [(t.BTN_KEEP, MatCb(a="keep"))] if data["materials"] else []
    await respond(callback, question, inline(keep, [_back_to(data)]))


async def _ask_recording(target: Message | CallbackQuery, state: FSMContext) -> None:
    data = await state.get_data()
    if data.get("series_id"):
        await _confirm(target, state, None)
        return
    await state.set_state(Materials.recording)
    current = str(data.get("recording") or "")
    keyboard = inline(
        [(t.BTN_NO_RECORDING, MatCb(a="norec"))],
        [(t.BTN_KEEP, MatCb(a="keep"))] if current else [],
        [_back_to(data)],
    )
    await respond(target, t.ASK_RECORDING.format(current=escape(current) or t.NOT_SET), keyboard)


async def _confirm(
    target: Message | CallbackQuery, state: FSMContext, session: AsyncSession | None
) -> None:
    data = await state.get_data()
    await state.set_state(Materials.confirm)
    count = int(data.get("recipients", 0))
    materials = escape(str(data.get("materials") or "")) or t.NOT_SET
    recording = escape(str(data.get("recording") or "")) or t.NOT_SET
    if count:
        text = t.MATERIALS_CONFIRM.format(
            materials=materials,
            recording=recording,
            get=agree(count, *t.GET),
            people=quantity(count, *t.PEOPLE),
            what=t.WHAT_SERIES if data.get("series_id") else t.WHAT_EVENT,
        )
        rows: list[list[Button]] = [[(t.BTN_SAVE_SEND, MatCb(a="send"))]]
    else:
        text = t.MATERIALS_NOBODY.format(materials=materials, recording=recording)
        rows = []
    rows += [[(t.BTN_SAVE_ONLY, MatCb(a="save"))], [_back_to(data)]]
    await respond(target, text, inline(*rows))


async def _count_recipients(state: FSMContext, session: AsyncSession) -> None:
    data = await state.get_data()
    if data.get("series_id"):
        ids = await archive.series_event_ids(session, int(str(data["series_id"])))
    else:
        ids = [int(str(data.get("event_id", 0)))]
    await state.update_data(recipients=len(await archive.event_recipients(session, ids)))


async def on_materials_text(message: Message, state: FSMContext, session: AsyncSession) -> None:
    current = await state.get_state()
    try:
        link = event_admin.clean_link(message.text or "")
    except InvalidInput as exc:
        await message.answer(str(exc))
        return
    if current == Materials.materials.state:
        await state.update_data(materials=link)
        await _count_recipients(state, session)
        await _ask_recording(message, state)
    else:
        await state.update_data(recording=link)
        await _confirm(message, state, session)


async def on_materials_button(
    callback: CallbackQuery, callback_data: MatCb, state: FSMContext, session: AsyncSession
) -> None:
    current = await state.get_state()
    if current == Materials.materials.state and callback_data.a == "keep":
        await _count_recipients(state, session)
        await _ask_recording(callback, state)
    elif current == Materials.recording.state and callback_data.a in ("keep", "norec"):
        if callback_data.a == "norec":
            await state.update_data(recording="")
        await _confirm(callback, state, session)
    else:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)


async def on_materials_save(
    callback: CallbackQuery,
    callback_data: MatCb,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    data = await state.get_data()
    notify = callback_data.a == "send"
    materials = str(data.get("materials") or "")
    try:
        if data.get("series_id"):
            sid = int(str(data["series_id"]))
            told = await archive.save_series_materials(
                session, sid, materials, person, notify=notify
            )
        else:
            eid = int(str(data.get("event_id", 0)))
            recording = str(data.get("recording") or "")
            told = await archive.save_event_materials(
                session, eid, materials, recording, person, notify=notify
            )
    except InvalidInput as exc:
        await state.clear()
        await callback.answer(str(exc), show_alert=True)
        return
    await state.clear()
    if notify:
        text = t.MATERIALS_SENT.format(get=agree(told, *t.GET), people=quantity(told, *t.PEOPLE))
    else:
        text = t.MATERIALS_SAVED
    await show(callback, text)
    if data.get("series_id"):
        await send_view(callback, session, settings, int(str(data["series_id"])), new_message=True)
        return
    event = await events.get(session, int(str(data.get("event_id", 0))))
    if event is not None:
        await send_admin_card(callback, event, session, settings, new_message=True)


async def on_expected_link(message: Message) -> None:
    await message.answer(tea.BAD_LINK)


def build_router() -> Router:
    router = Router(name="admin_archive")
    router.callback_query.register(on_section, AdminCb.filter(F.section == "archive"))
    router.callback_query.register(on_archive, ArchCb.filter())
    router.callback_query.register(on_mark, MarkCb.filter())
    router.callback_query.register(on_legacy_mark, AdmRegCb.filter())
    router.callback_query.register(on_materials_start, MatCb.filter(F.a.in_({"event", "series"})))
    router.callback_query.register(
        on_materials_button, MatCb.filter(F.a.in_({"keep", "norec"})), Materials()
    )
    router.callback_query.register(
        on_materials_save, MatCb.filter(F.a.in_({"send", "save"})), Materials.confirm
    )
    text = F.text & ~F.text.startswith("/")
    router.message.register(on_materials_text, Materials.materials, text)
    router.message.register(on_materials_text, Materials.recording, text)
    router.message.register(on_expected_link, Materials.materials)
    router.message.register(on_expected_link, Materials.recording)
    return router
