"""Methodologists' series of events: the list, creating and editing a series, adding meetings
(one by one through the event dialog, or copies of a meeting on the following weeks), the
series view with registrants and attendance per meeting and its XLSX/CSV export."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AdmEvCb, AdminCb, MatCb, SerCb
from bot.config import Settings
from bot.services import InvalidInput, audit, series
from bot.services.series import SeriesReport
from bot.texts import common as tc
from bot.texts import event_admin as tea
from bot.texts import fmt_date, fmt_datetime, quantity, quoted, share
from bot.texts import series as t
from bot.texts.format import file_stem
from handlers.admin import events_dialog
from handlers.admin.exports import file_format, send_table
from handlers.admin.menu import back_to_menu
from handlers.events import send_new, show
from handlers.keyboards import Button, column, inline, pager_row
from handlers.views import MESSAGE_LIMIT, fit_lines, respond, text_size
from models import EventStatus, Person
from models.base import utcnow

TITLE_IN_BUTTON = 48
COPY_CHOICES = (1, 2, 3, 4, 5, 6)


class SeriesDlg(StatesGroup):
    title = State()
    goal = State()
    organisers = State()
    edit = State()


def to_menu() -> list[Button]:
    return back_to_menu()


# The list ------------------------------------------------------------------------------------


async def _list(
    target: CallbackQuery, session: AsyncSession, page: int, *, new_message: bool = False
) -> None:
    rows, page, pages = await series.list_page(session, page)
    buttons: list[Button] = [
        (
            t.LIST_ITEM.format(title=s.title[:TITLE_IN_BUTTON], meetings=quantity(n, *t.MEETINGS)),
            SerCb(a="view", s=s.id),
        )
        for s, n in rows
    ]
    markup = column(
        buttons,
        pager_row(lambda p: SerCb(a="list", n=p), page, pages),
        [(t.BTN_NEW, SerCb(a="new"))],
        to_menu(),
    )
    text = t.LIST_TITLE if rows else t.LIST_EMPTY
    if new_message:
        await respond(target, text, markup)
    else:
        await show(target, text, markup)


async def on_section(callback: CallbackQuery, session: AsyncSession, state: FSMContext) -> None:
    await state.clear()
    await _list(callback, session, 0, new_message=True)


async def on_list(
    callback: CallbackQuery, callback_data: SerCb, session: AsyncSession, state: FSMContext
) -> None:
    await state.clear()
    await _list(callback, session, callback_data.n)


# The view ------------------------------------------------------------------------------------


def view_text(rep: SeriesReport, threshold: int, settings: Settings) -> str:
    s = rep.series
    head = t.VIEW.format(
        title=escape(quoted(s.title)),
        goal=escape(s.goal) or t.NOT_SET,
        organisers=escape(s.organisers) or t.NOT_SET,
    )
    if s.materials_link:
        head += "\n" + t.VIEW_MATERIALS.format(link=escape(s.materials_link))
    now = utcnow()
    lines = []
    for n, m in enumerate(rep.meetings, start=1):
        e = m.event
        template = t.VIEW_MEETING if e.ends_at <= now else t.VIEW_MEETING_UPCOMING
        lines.append(
            template.format(
                n=n,
                date=fmt_datetime(e.starts_at, settings.tz),
                title=escape(e.title[:60]),
                status=tea.STATUS_LABELS[e.status],
                registered=m.registered,
                attended=share(m.attended, m.registered),
            )
        )
    people = len(rep.participants)
    held = len(rep.held)
    if held:
        totals = t.VIEW_TOTALS.format(
            people=people,
            attendees=share(rep.attendees, people),
            held=held,
            total=len([m for m in rep.meetings if m.event.status != EventStatus.CANCELLED]),
            n=threshold,
            at_least=share(rep.attended_at_least(threshold), people),
        )
    else:
        totals = t.VIEW_TOTALS_NONE_HELD.format(people=people)
    fixed = head + (t.VIEW_MEETINGS.format(count=len(lines)) if lines else t.VIEW_NO_MEETINGS)
    shown, hidden = fit_lines(lines, MESSAGE_LIMIT - text_size(fixed + totals) - 100)
    if hidden:
        shown.append(tea.REGISTRANTS_MORE.format(count=hidden))
    return "\n".join([fixed, *shown, totals])


def view_keyboard(rep: SeriesReport, threshold: int) -> InlineKeyboardMarkup:
    sid = rep.series.id
    meetings: list[Button] = [
        (f"{n}. {m.event.title[:TITLE_IN_BUTTON]}", AdmEvCb(action="card", event_id=m.event.id))
        for n, m in enumerate(rep.meetings, start=1)
    ]
    held = len(rep.held)
    thresholds: list[Button] = [
        (("✅ " if n == threshold else "") + str(n), SerCb(a="thr", s=sid, n=n))
        for n in range(1, min(held, 8) + 1)
    ]
    rows: list[list[Button]] = [[b] for b in meetings]
    if held > 1:
        rows.append(thresholds)
    rows += [
        [(t.BTN_ADD_MEETING, SerCb(a="add", s=sid)), (t.BTN_COPY, SerCb(a="copy", s=sid))],
        [
            (t.BTN_EDIT_TITLE, SerCb(a="edit", s=sid, v="title")),
            (t.BTN_EDIT_GOAL, SerCb(a="edit", s=sid, v="goal")),
            (t.BTN_EDIT_ORGANISERS, SerCb(a="edit", s=sid, v="organisers")),
        ],
        [(t.BTN_MATERIALS, MatCb(a="series", s=sid))],
        [(t.BTN_EXPORT, SerCb(a="xlsx", s=sid)), (t.BTN_EXPORT_CSV, SerCb(a="csv", s=sid))],
        [(t.BTN_TO_LIST, SerCb(a="list"))],
        to_menu(),
    ]
    return inline(*rows)


async def send_view(
    target: Message | CallbackQuery,
    session: AsyncSession,
    settings: Settings,
    series_id: int,
    threshold: int = 0,
    *,
    new_message: bool = False,
) -> None:
    rep = await series.report(session, series_id)
    if rep is None:
        if isinstance(target, CallbackQuery):
            await target.answer(t.NOT_FOUND, show_alert=True)
        else:
            await target.answer(t.NOT_FOUND)
        return
    held = len(rep.held)
    if not 1 <= threshold <= max(held, 1):
        threshold = series.default_threshold(rep)
    text, markup = view_text(rep, threshold, settings), view_keyboard(rep, threshold)
    if new_message or isinstance(target, Message):
        await send_new(target, text, markup)  # a pressed button was answered by the caller
    else:
        await show(target, text, markup)


async def on_view(
    callback: CallbackQuery,
    callback_data: SerCb,
    session: AsyncSession,
    settings: Settings,
    state: FSMContext,
) -> None:
    await state.clear()
    await send_view(callback, session, settings, callback_data.s, callback_data.n)


# Creating and editing ------------------------------------------------------------------------


def _skip_back(back: SerCb) -> InlineKeyboardMarkup:
    return inline([(t.BTN_SKIP, SerCb(a="skip"))], [(tc.BACK, back)])


async def on_new(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(SeriesDlg.title)
    await respond(callback, t.ASK_TITLE, inline([(tc.BACK, SerCb(a="list"))]))


async def on_title(message: Message, state: FSMContext) -> None:
    try:
        title = series.clean("title", message.text or "")
    except InvalidInput as exc:
        await message.answer(str(exc))
        return
    await state.update_data(title=title)
    await state.set_state(SeriesDlg.goal)
    await message.answer(t.ASK_GOAL, reply_markup=_skip_back(SerCb(a="new")))


async def _after_goal(target: Message | CallbackQuery, state: FSMContext, goal: str) -> None:
    await state.update_data(goal=goal)
    await state.set_state(SeriesDlg.organisers)
    await respond(target, t.ASK_ORGANISERS, _skip_back(SerCb(a="new")))


async def on_goal(message: Message, state: FSMContext) -> None:
    try:
        goal = series.clean("goal", message.text or "")
    except InvalidInput as exc:
        await message.answer(str(exc))
        return
    await _after_goal(message, state, goal)


async def _finish(
    target: Message | CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
    organisers: str,
) -> None:
    data = await state.get_data()
    if not data.get("title"):
        await state.clear()
        await respond(target, tc.STALE_BUTTON)
        return
    made = await series.create(session, person, data["title"], data.get("goal", ""), organisers)
    await state.clear()
    await respond(target, t.CREATED)
    await send_view(target, session, settings, made.id, new_message=True)


async def on_organisers(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    try:
        organisers = series.clean("organisers", message.text or "")
    except InvalidInput as exc:
        await message.answer(str(exc))
        return
    await _finish(message, state, session, settings, person, organisers)


async def on_skip(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    current = await state.get_state()
    if current == SeriesDlg.goal.state:
        await _after_goal(callback, state, "")
    elif current == SeriesDlg.organisers.state:
        await _finish(callback, state, session, settings, person, "")
    else:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)


async def on_edit(
    callback: CallbackQuery, callback_data: SerCb, state: FSMContext, session: AsyncSession
) -> None:
    found = await series.get(session, callback_data.s)
    if found is None or callback_data.v not in series.EDITABLE:
        await callback.answer(t.NOT_FOUND if found is None else tc.STALE_BUTTON, show_alert=True)
        return
    await state.clear()
    await state.set_state(SeriesDlg.edit)
    await state.set_data({"series_id": found.id, "field": callback_data.v})
    back = inline([(tc.BACK, SerCb(a="view", s=found.id))])
    await respond(callback, t.ASK_EDIT[callback_data.v], back)


async def on_edit_text(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    data = await state.get_data()
    try:
        found = await series.update(
            session,
            person,
            int(data.get("series_id", 0)),
            str(data.get("field")),
            message.text or "",
        )
    except InvalidInput as exc:
        await message.answer(str(exc))
        return
    await state.clear()
    await message.answer(t.SAVED)
    await send_view(message, session, settings, found.id)


# Meetings -----------------------------------------------------------------------------------


async def on_add(
    callback: CallbackQuery,
    callback_data: SerCb,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
) -> None:
    """A new meeting through the event dialog, already bound to this series."""
    found = await series.get(session, callback_data.s)
    if found is None:
        await callback.answer(t.NOT_FOUND, show_alert=True)
        return
    await state.clear()
    await state.set_data(
        {
            "mode": events_dialog.MODE_CREATE,
            "draft": {"series_id": found.id, "series_fixed": True},
            "series_id": found.id,
        }
    )
    await send_new(callback, t.ADD_MEETING_HINT.format(title=escape(quoted(found.title))))
    await events_dialog.ask(callback, state, events_dialog.Dlg.kind, settings)


async def on_copy(
    callback: CallbackQuery, callback_data: SerCb, session: AsyncSession, settings: Settings
) -> None:
    meetings = await series.meetings(session, callback_data.s, with_cancelled=False)
    if await series.get(session, callback_data.s) is None:
        await callback.answer(t.NOT_FOUND, show_alert=True)
        return
    if not meetings:
        await callback.answer(t.NO_MEETING_TO_COPY, show_alert=True)
        return
    buttons: list[Button] = [
        (
            f"{fmt_date(e.starts_at, settings.tz)} · {e.title[:32]}",
            SerCb(a="copyn", s=callback_data.s, e=e.id),
        )
        for e in meetings[-8:]
    ]
    await show(
        callback,
        t.ASK_COPY_SOURCE,
        column(buttons, [(tc.BACK, SerCb(a="view", s=callback_data.s))]),
    )


async def on_copy_count(
    callback: CallbackQuery,
    callback_data: SerCb,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    sid, eid = callback_data.s, callback_data.e
    if callback_data.n == 0:
        choices: list[Button] = [
            (str(n), SerCb(a="copyn", s=sid, e=eid, n=n)) for n in COPY_CHOICES
        ]
        await show(callback, t.ASK_COPY_COUNT, inline(choices, [(tc.BACK, SerCb(a="copy", s=sid))]))
        return
    try:
        made = await series.copy_weekly(session, person, sid, eid, callback_data.n)
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    dates = ", ".join(fmt_date(e.starts_at, settings.tz) for e in made)
    await show(callback, t.COPIED.format(meetings=quantity(len(made), *t.MEETINGS), dates=dates))
    await send_view(callback, session, settings, sid, new_message=True)


async def on_export(
    callback: CallbackQuery,
    callback_data: SerCb,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    rep = await series.report(session, callback_data.s)
    if rep is None:
        await callback.answer(t.NOT_FOUND, show_alert=True)
        return
    headers, rows = series.export_rows(rep, settings.tz)
    first = rep.meetings[0].event.starts_at if rep.meetings else None
    fmt = file_format(callback_data.a)
    audit.record(
        session,
        person,
        "export.series",
        object_kind="series",
        object_id=rep.series.id,
        format=fmt,
        rows=len(rows),
    )
    name = file_stem(rep.series.title, first, settings.tz)
    await send_table(callback, headers, rows, fmt=fmt, filename=name, title=t.EXPORT_TITLE)


async def on_expected_text(message: Message) -> None:
    await message.answer(tc.USE_BUTTONS)


def build_router() -> Router:
    router = Router(name="admin_series")
    router.callback_query.register(on_section, AdminCb.filter(F.section == "series"))
    router.callback_query.register(on_list, SerCb.filter(F.a == "list"))
    router.callback_query.register(on_view, SerCb.filter(F.a.in_({"view", "thr"})))
    router.callback_query.register(on_new, SerCb.filter(F.a == "new"))
    router.callback_query.register(on_skip, SerCb.filter(F.a == "skip"))
    router.callback_query.register(on_edit, SerCb.filter(F.a == "edit"))
    router.callback_query.register(on_add, SerCb.filter(F.a == "add"))
    router.callback_query.register(on_copy, SerCb.filter(F.a == "copy"))
    router.callback_query.register(on_copy_count, SerCb.filter(F.a == "copyn"))
    router.callback_query.register(on_export, SerCb.filter(F.a.in_({"xlsx", "csv"})))
    text = F.text & ~F.text.startswith("/")
    router.message.register(on_title, SeriesDlg.title, text)
    router.message.register(on_goal, SeriesDlg.goal, text)
    router.message.register(on_organisers, SeriesDlg.organisers, text)
    router.message.register(on_edit_text, SeriesDlg.edit, text)
    router.message.register(on_expected_text, SeriesDlg())
    return router
