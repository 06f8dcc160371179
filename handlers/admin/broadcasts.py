"""/admin → «Рассылки»: compose, extras, recipients, preview, test, send or schedule; progress
with pause/stop, history, reports and failures as XLSX/CSV. Thin: bot.services.broadcasts."""

from __future__ import annotations

import math
from datetime import datetime
from html import escape
from typing import Any

from aiogram import BaseMiddleware, Bot, F, Router
from aiogram.dispatcher.flags import get_flag
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AdminCb, BcCb
from bot.config import Settings
from bot.middlewares import Handler
from bot.services import InvalidInput, broadcasts, organisations
from bot.services.broadcast_filters import EVENT_MODES, EventPick, Filters
from bot.texts import broadcasts as t
from bot.texts import file_stem, fmt_datetime, inside_quotes
from bot.texts.onboarding import ORG_KIND_LABELS, ROLE_LABELS
from handlers.admin.broadcast_views import cb as _cb
from handlers.admin.broadcast_views import progress_view, report_view
from handlers.admin.exports import file_format, send_table
from handlers.keyboards import Button, column, inline, pager_row
from handlers.views import respond, unless_not_modified
from models import Broadcast, BroadcastStatus, ContentKind, OrgKind, Person, Role

PER_PAGE = 8
SECTION = "broadcasts"


class BcStates(StatesGroup):
    content = State()
    link = State()
    org = State()
    since = State()
    when = State()


def _back(i: int, to: str = "draft") -> list[Button]:
    return [(t.BTN_BACK, _cb(to, i))]


async def _show(
    event: Message | CallbackQuery,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    fresh: bool = False,
    note: str | None = None,
) -> None:
    """Edit the pressed message in place when it is a text message; otherwise send anew.

    A pressed button is acknowledged here (with `note` as a short notice), exactly once.
    """
    if (
        not fresh
        and isinstance(event, CallbackQuery)
        and isinstance(event.message, Message)
        and event.message.text is not None
    ):
        await event.answer(note)
        with unless_not_modified():
            await event.message.edit_text(text, reply_markup=markup)
        return
    if isinstance(event, CallbackQuery) and event.bot is not None:
        if not fresh:
            await event.answer(note)
        await event.bot.send_message(event.from_user.id, text, reply_markup=markup)
        return
    await respond(event, text, markup)


class OwnBroadcast(BaseMiddleware):
    """Inner middleware: a handler flagged `broadcast` gets the button's broadcast, if this
    person may act on it ("draft": only while it is still a draft); else a polite refusal."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        need = get_flag(data, "broadcast")
        if need is None or not isinstance(event, CallbackQuery):
            return await handler(event, data)
        cb: BcCb = data["callback_data"]
        try:
            broadcast = await broadcasts.own(data["session"], cb.i, data["person"], lock=True)
        except InvalidInput as exc:
            await event.answer(str(exc), show_alert=True)
            return None
        if need == "draft" and broadcast.status != BroadcastStatus.DRAFT:
            await event.answer(t.NOT_EDITABLE, show_alert=True)
            return None
        data["broadcast"] = broadcast
        return await handler(event, data)


# ----------------------------------------------------------------- section menu


async def on_section(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await _show(
        callback,
        t.MENU,
        column(
            [(t.BTN_NEW, _cb("new")), (t.BTN_HISTORY, _cb("hist"))],
            [(t.BTN_ADMIN_MENU, _cb("admin"))],
        ),
    )


async def on_admin_menu(callback: CallbackQuery, state: FSMContext) -> None:
    from bot.texts import admin as ta
    from handlers.admin.menu import SECTIONS

    await state.clear()
    await _show(callback, ta.MENU, column([(label, AdminCb(section=s)) for label, s in SECTIONS]))


async def on_new(callback: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(BcStates.content)
    await state.update_data(broadcast_id=0)
    await respond(callback, t.ASK_CONTENT)


async def on_edit_content(callback: CallbackQuery, callback_data: BcCb, state: FSMContext) -> None:
    await state.set_state(BcStates.content)
    await state.update_data(broadcast_id=callback_data.i)
    await respond(callback, t.ASK_CONTENT)


def _content_of_message(message: Message) -> tuple[ContentKind, str | None, int | None]:
    """Kind, file_id and size of a message that can be broadcast; InvalidInput otherwise."""
    if message.text is not None:
        return ContentKind.TEXT, None, None
    if message.photo:
        largest = message.photo[-1]
        return ContentKind.PHOTO, largest.file_id, largest.file_size
    if message.video is not None:
        return ContentKind.VIDEO, message.video.file_id, message.video.file_size
    if message.document is not None and message.animation is None:
        return ContentKind.DOCUMENT, message.document.file_id, message.document.file_size
    raise InvalidInput(t.REFUSE_KIND)


async def on_content(
    message: Message, state: FSMContext, session: AsyncSession, person: Person, settings: Settings
) -> None:
    try:
        kind, file_id, size = _content_of_message(message)
        html_text = message.html_text if (message.text or message.caption) else ""
        broadcasts.check_content(kind, html_text, size)
    except InvalidInput as exc:
        await message.answer(str(exc))
        return
    data = await state.get_data()
    broadcast: Broadcast | None = None
    if data.get("broadcast_id"):
        try:
            broadcast = await broadcasts.own(session, int(data["broadcast_id"]), person)
        except InvalidInput:
            broadcast = None
        if broadcast is not None and broadcast.status != BroadcastStatus.DRAFT:
            await state.clear()
            await message.answer(t.NOT_EDITABLE)
            return
    if broadcast is None:
        broadcast = await broadcasts.create_draft(session, person)
    broadcasts.set_content(
        broadcast, kind, html_text, file_id,
        source_chat_id=message.chat.id, source_message_id=message.message_id,
    )  # fmt: skip
    await state.clear()
    await _draft_screen(message, session, broadcast, settings)


# ----------------------------------------------------------------- the draft screen


async def _draft_screen(
    event: Message | CallbackQuery,
    session: AsyncSession,
    broadcast: Broadcast,
    settings: Settings,
    *,
    fresh: bool = False,
) -> None:
    tz = settings.tz
    filters = broadcasts.filters_of(broadcast)
    description = await broadcasts.describe(session, filters, tz)
    _, count_line = await broadcasts.count_for(session, broadcast)
    event_title = t.NONE
    if broadcast.event_id is not None:
        from bot.services import events

        ev = await events.get(session, broadcast.event_id)
        event_title = f"«{escape(ev.title)}»" if ev else t.NONE
    link = (
        f"{escape(broadcast.link_title)} → {escape(broadcast.link_url)}"
        if broadcast.link_url
        else t.NONE
    )
    text = t.DRAFT.format(
        id=broadcast.id,
        kind=t.KIND_LABELS[broadcast.content_kind],
        link=link,
        event=event_title,
        recipients=description,
        count=count_line,
        urgent=t.YES if broadcast.urgent else t.NO,
    )
    i = broadcast.id
    link_row: list[Button] = [(t.BTN_LINK, _cb("link", i))]
    if broadcast.link_url:
        link_row.append((t.BTN_LINK_REMOVE, _cb("unlink", i)))
    event_row: list[Button] = [(t.BTN_EVENT, _cb("ev", i))]
    if broadcast.event_id is not None:
        event_row.append((t.BTN_EVENT_REMOVE, _cb("evdel", i)))
    markup = inline(
        [(t.BTN_RECIPIENTS, _cb("rcp", i))],
        link_row,
        event_row,
        [(t.BTN_URGENT.format(value=t.YES if broadcast.urgent else t.NO), _cb("urgent", i))],
        [(t.BTN_PREVIEW, _cb("prev", i)), (t.BTN_TEST, _cb("test", i))],
        [(t.BTN_SEND, _cb("send", i)), (t.BTN_SCHEDULE, _cb("sched", i))],
        [(t.BTN_EDIT, _cb("edit", i)), (t.BTN_CANCEL, _cb("cancel", i))],
        [(t.BTN_BACK, AdminCb(section=SECTION))],
    )
    await _show(event, text, markup, fresh=fresh)


async def on_draft(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    broadcast: Broadcast,
) -> None:
    await state.clear()
    await _draft_screen(callback, session, broadcast, settings)


async def on_simple_edit(
    callback: CallbackQuery, callback_data: BcCb, session: AsyncSession,
    settings: Settings,
    broadcast: Broadcast,
) -> None:  # fmt: skip
    """unlink / evdel / urgent / evset: a change in one tap, then the draft screen again."""
    a = callback_data.a
    if a == "unlink":
        broadcast.link_title = broadcast.link_url = ""
    elif a == "evdel":
        broadcast.event_id = None
    elif a == "urgent":
        broadcast.urgent = not broadcast.urgent
    elif a == "evset":
        from bot.services import events

        ev = await events.get(session, int(callback_data.v or 0))
        if ev is None:
            await callback.answer(t.EVENT_GONE, show_alert=True)
            return
        broadcast.event_id = ev.id
    await session.flush()
    await _draft_screen(callback, session, broadcast, settings)


async def on_link(
    callback: CallbackQuery, callback_data: BcCb, state: FSMContext,
) -> None:  # fmt: skip
    await state.set_state(BcStates.link)
    await state.update_data(broadcast_id=callback_data.i)
    await respond(callback, t.ASK_LINK, inline(_back(callback_data.i)))


async def on_link_text(
    message: Message, state: FSMContext, session: AsyncSession, person: Person, settings: Settings
) -> None:
    data = await state.get_data()
    try:
        title, url = broadcasts.parse_link(message.text or "")
        broadcast = await broadcasts.own(session, int(data.get("broadcast_id", 0)), person)
    except InvalidInput as exc:
        await message.answer(str(exc))
        return
    if broadcast.status != BroadcastStatus.DRAFT:
        await state.clear()
        await message.answer(t.NOT_EDITABLE)
        return
    broadcast.link_title, broadcast.link_url = title, url
    await state.clear()
    await _draft_screen(message, session, broadcast, settings)


async def on_pick_event(
    callback: CallbackQuery, callback_data: BcCb, session: AsyncSession
) -> None:
    i, page = callback_data.i, callback_data.p
    items, total = await broadcasts.pick_events(session, page, PER_PAGE, upcoming=True)
    if not items:
        await _show(callback, t.NO_EVENTS, inline(_back(i)))
        return
    pages = math.ceil(total / PER_PAGE)
    await _show(
        callback,
        t.ASK_EVENT,
        column(
            [(e.title[:60], _cb("evset", i, str(e.id))) for e in items],
            pager_row(lambda p: _cb("ev", i, p=p), page, pages),
            _back(i),
        ),
    )


# ----------------------------------------------------------------- recipients


async def _save_filters(session: AsyncSession, broadcast: Broadcast, filters: Filters) -> None:
    broadcast.filters = filters.to_dict()
    await session.flush()


async def _recipients_screen(
    event: Message | CallbackQuery, session: AsyncSession, broadcast: Broadcast, settings: Settings
) -> None:
    filters = broadcasts.filters_of(broadcast)
    description = await broadcasts.describe(session, filters, settings.tz)
    _, count_line = await broadcasts.count_for(session, broadcast)
    i = broadcast.id
    on_off = {True: t.ON, False: t.OFF}
    markup = column(
        [
            (t.BTN_EVERYONE, _cb("all", i)),
            (t.BTN_ROLES, _cb("roles", i)),
            (t.BTN_ORGS, _cb("orgs", i)),
            (t.BTN_ORG_KINDS, _cb("kinds", i)),
            (t.BTN_EVENTS, _cb("evp", i)),
            (t.BTN_RESERVE.format(value=on_off[filters.reserve]), _cb("reserve", i)),
            (t.BTN_YOUNG.format(value=on_off[filters.young]), _cb("young", i)),
            (t.BTN_FORMS, _cb("forms", i)),
            (t.BTN_FEEDBACK, _cb("fb", i)),
        ],
        [(t.BTN_DONE, _cb("draft", i))],
    )
    await _show(event, t.RECIPIENTS.format(id=i, description=description, count=count_line), markup)


async def on_recipients(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    broadcast: Broadcast,
) -> None:
    await state.clear()
    await _recipients_screen(callback, session, broadcast, settings)


async def on_filter_toggle(
    callback: CallbackQuery, callback_data: BcCb, session: AsyncSession, settings: Settings,
    broadcast: Broadcast,
) -> None:  # fmt: skip
    """all / reserve / young / role / kind / org / evpick / form / fbe: change the filter."""
    f = broadcasts.filters_of(broadcast)
    a, v = callback_data.a, callback_data.v
    back_to = "rcp"

    def toggle(items: list[str], value: str) -> None:
        if value in items:
            items.remove(value)
        else:
            items.append(value)

    try:
        if a == "all":
            f = Filters()
        elif a == "reserve":
            f.reserve = not f.reserve
        elif a == "young":
            f.young = not f.young
        elif a == "role":
            toggle(f.roles, Role(v).value)
            back_to = "roles"
        elif a == "kind":
            toggle(f.org_kinds, OrgKind(v).value)
            back_to = "kinds"
        elif a == "org":
            ids = [str(x) for x in f.org_ids]
            if await organisations.get(session, int(v)) is None and v not in ids:
                raise ValueError(v)
            toggle(ids, v)
            f.org_ids = [int(x) for x in ids]
            back_to = "orgsdone"
        elif a == "form":
            codes = dict(await broadcasts.diagnostic_forms(session))
            if v not in codes and v not in f.not_submitted:
                raise ValueError(v)
            toggle(f.not_submitted, v)
            back_to = "forms"
        elif a == "fbe":
            ids = [str(x) for x in f.no_feedback]
            toggle(ids, str(int(v)))
            f.no_feedback = [int(x) for x in ids]
            back_to = "fb"
        elif a == "evpick":
            kind, mode, ident = v.split(".")
            if mode not in EVENT_MODES:
                raise ValueError(v)
            pick = (
                EventPick(mode, event_id=int(ident))
                if kind == "e"
                else EventPick(mode, series_id=int(ident))
            )
            if pick not in f.events:
                f.events.append(pick)
    except ValueError:
        await callback.answer(t.STALE, show_alert=True)
        return
    await _save_filters(session, broadcast, f)
    if back_to == "roles":
        await on_roles(callback, broadcast)
    elif back_to == "kinds":
        await on_kinds(callback, broadcast)
    elif back_to == "forms":
        await on_forms(callback, session, settings, broadcast)
    elif back_to == "fb":
        await on_feedback_pick(callback, callback_data, session, broadcast)
    elif back_to == "orgsdone":
        await _orgs_chosen(callback, session, broadcast, [])
    else:
        await _recipients_screen(callback, session, broadcast, settings)


async def on_roles(callback: CallbackQuery, broadcast: Broadcast) -> None:
    chosen = broadcasts.filters_of(broadcast).roles
    i = broadcast.id
    await _show(
        callback,
        t.PICK_ROLES,
        column(
            [
                (("✅ " if r.value in chosen else "") + label, _cb("role", i, r.value))
                for r, label in ROLE_LABELS.items()
            ],
            _back(i, "rcp"),
        ),
    )


async def on_kinds(callback: CallbackQuery, broadcast: Broadcast) -> None:
    chosen = broadcasts.filters_of(broadcast).org_kinds
    i = broadcast.id
    await _show(
        callback,
        t.PICK_ORG_KINDS,
        column(
            [
                (("✅ " if k.value in chosen else "") + label, _cb("kind", i, k.value))
                for k, label in ORG_KIND_LABELS.items()
            ],
            _back(i, "rcp"),
        ),
    )


async def _chosen_orgs(session: AsyncSession, broadcast: Broadcast) -> str:
    ids = broadcasts.filters_of(broadcast).org_ids
    if not ids:
        return t.NONE
    names = []
    for org_id in ids:
        org = await organisations.get(session, org_id)
        names.append(escape(org.name) if org else t.UNKNOWN)
    return "; ".join(names)


async def on_orgs(
    callback: CallbackQuery, state: FSMContext, session: AsyncSession, broadcast: Broadcast
) -> None:
    await state.set_state(BcStates.org)
    await state.update_data(broadcast_id=broadcast.id)
    chosen = await _chosen_orgs(session, broadcast)
    await respond(callback, t.ASK_ORG.format(chosen=chosen), inline(_back(broadcast.id, "rcp")))


async def _orgs_chosen(
    event: Message | CallbackQuery, session: AsyncSession, broadcast: Broadcast, found: list[int]
) -> None:
    chosen_ids = broadcasts.filters_of(broadcast).org_ids
    shown = list(dict.fromkeys([*found, *chosen_ids]))
    buttons: list[Button] = []
    for org_id in shown:
        org = await organisations.get(session, org_id)
        if org is not None:
            mark = "✅ " if org_id in chosen_ids else ""
            buttons.append((mark + org.name[:60], _cb("org", broadcast.id, str(org_id))))
    text = t.ORGS_FOUND.format(chosen=await _chosen_orgs(session, broadcast))
    await _show(event, text, column(buttons, [(t.BTN_DONE, _cb("rcp", broadcast.id))]))


async def on_org_query(
    message: Message, state: FSMContext, session: AsyncSession, person: Person
) -> None:
    data = await state.get_data()
    try:
        broadcast = await broadcasts.own(session, int(data.get("broadcast_id", 0)), person)
        found = await organisations.search(session, message.text or "")
    except InvalidInput as exc:
        await message.answer(str(exc))
        return
    if not found:
        await message.answer(
            t.ORGS_NOT_FOUND.format(query=escape(inside_quotes(message.text or "")))
        )
        return
    await _orgs_chosen(message, session, broadcast, [o.id for o in found])


async def on_event_modes(callback: CallbackQuery, broadcast: Broadcast) -> None:
    i = broadcast.id
    await _show(
        callback,
        t.PICK_EVENT_MODE,
        column(
            [(label, _cb("evm", i, mode)) for mode, label in t.EVENT_MODES.items()],
            _back(i, "rcp"),
        ),
    )


async def on_event_list(
    callback: CallbackQuery, callback_data: BcCb, session: AsyncSession, broadcast: Broadcast
) -> None:
    mode = callback_data.v
    if mode not in EVENT_MODES:
        await callback.answer(t.STALE, show_alert=True)
        return
    i, page = broadcast.id, callback_data.p
    items, total = await broadcasts.pick_events(session, page, PER_PAGE, upcoming=False)
    buttons: list[Button] = [(e.title[:60], _cb("evpick", i, f"e.{mode}.{e.id}")) for e in items]
    if page == 0:
        buttons += [
            (t.SERIES_LABEL.format(title=s.title[:50]), _cb("evpick", i, f"s.{mode}.{s.id}"))
            for s in await broadcasts.all_series(session)
        ]
    pages = max(1, math.ceil(total / PER_PAGE))
    await _show(
        callback,
        t.PICK_EVENT.format(mode=t.EVENT_MODES[mode].lower()),
        column(buttons, pager_row(lambda p: _cb("evm", i, mode, p), page, pages), _back(i, "evp")),
    )


async def on_forms(
    callback: CallbackQuery, session: AsyncSession, settings: Settings, broadcast: Broadcast
) -> None:
    f = broadcasts.filters_of(broadcast)
    since = (
        t.SINCE_DATE.format(date=f.not_submitted_since.astimezone(settings.tz).strftime("%d.%m.%Y"))
        if f.not_submitted_since
        else t.SINCE_ANY
    )
    i = broadcast.id
    buttons: list[Button] = [
        (("✅ " if code in f.not_submitted else "") + title[:60], _cb("form", i, code))
        for code, title in await broadcasts.diagnostic_forms(session)
    ]
    buttons.append((t.BTN_SINCE, _cb("since", i)))
    await _show(callback, t.PICK_FORMS.format(since=since), column(buttons, _back(i, "rcp")))


async def on_since(
    callback: CallbackQuery, callback_data: BcCb, state: FSMContext,
) -> None:  # fmt: skip
    await state.set_state(BcStates.since)
    await state.update_data(broadcast_id=callback_data.i)
    await respond(callback, t.ASK_SINCE, inline(_back(callback_data.i, "forms")))


async def on_since_text(
    message: Message, state: FSMContext, session: AsyncSession, person: Person, settings: Settings
) -> None:
    data = await state.get_data()
    try:
        day = datetime.strptime((message.text or "").strip(), "%d.%m.%Y")
    except ValueError:
        await message.answer(t.BAD_DATE)
        return
    try:
        broadcast = await broadcasts.own(session, int(data.get("broadcast_id", 0)), person)
    except InvalidInput as exc:
        await message.answer(str(exc))
        return
    f = broadcasts.filters_of(broadcast)
    f.not_submitted_since = day.replace(tzinfo=settings.tz)
    await _save_filters(session, broadcast, f)
    await state.clear()
    await _recipients_screen(message, session, broadcast, settings)


async def on_feedback_pick(
    callback: CallbackQuery, callback_data: BcCb, session: AsyncSession, broadcast: Broadcast
) -> None:
    from bot.services import feedback

    i, page = broadcast.id, callback_data.p
    items, total = await feedback.past_events(session, page, PER_PAGE)
    if not items:
        await _show(callback, t.NO_PAST_EVENTS, inline(_back(i, "rcp")))
        return
    chosen = broadcasts.filters_of(broadcast).no_feedback
    pages = math.ceil(total / PER_PAGE)
    await _show(
        callback,
        t.PICK_FEEDBACK,
        column(
            [
                (("✅ " if e.id in chosen else "") + e.title[:60], _cb("fbe", i, str(e.id), page))
                for e, _ in items
            ],
            pager_row(lambda p: _cb("fb", i, p=p), page, pages),
            _back(i, "rcp"),
        ),
    )


# ----------------------------------------------------------------- preview, test, send


async def on_preview(
    callback: CallbackQuery,
    session: AsyncSession,
    settings: Settings,
    bot: Bot,
    broadcast: Broadcast,
) -> None:
    from bot.notifier import send_content  # the sender's own rendering (imported late: cycle)

    await respond(callback, t.PREVIEW_HEAD)
    await send_content(bot, callback.from_user.id, broadcasts.content_of(broadcast))
    await _draft_screen(callback, session, broadcast, settings, fresh=True)


async def on_test(
    callback: CallbackQuery, session: AsyncSession, person: Person, broadcast: Broadcast
) -> None:
    await broadcasts.enqueue_test(session, broadcast, person)
    await callback.answer(t.TEST_QUEUED, show_alert=True)


async def on_send(callback: CallbackQuery, session: AsyncSession, broadcast: Broadcast) -> None:
    n, _ = await broadcasts.count_for(session, broadcast)
    if n == 0:
        await callback.answer(t.EMPTY_RECIPIENTS, show_alert=True)
        return
    i = broadcast.id
    await _show(
        callback,
        t.CONFIRM_SEND.format(id=i, n=n),
        inline([(t.BTN_CONFIRM_SEND, _cb("sendyes", i))], _back(i)),
    )


async def on_send_yes(
    callback: CallbackQuery,
    session: AsyncSession,
    person: Person,
    settings: Settings,
    broadcast: Broadcast,
) -> None:
    try:
        n = await broadcasts.launch(
            session, broadcast, person, settings, progress_chat_id=callback.from_user.id
        )
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    progress = await broadcasts.progress(session, broadcast.id)
    text, markup = progress_view(broadcast, progress, None, None, None, settings.tz)
    await _show(callback, text, markup, note=t.LAUNCHED.format(id=broadcast.id, n=n))
    if isinstance(callback.message, Message):
        broadcast.progress_message_id = callback.message.message_id


async def on_schedule(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    broadcast: Broadcast,
) -> None:
    n, _ = await broadcasts.count_for(session, broadcast)
    if n == 0:
        await callback.answer(t.EMPTY_RECIPIENTS, show_alert=True)
        return
    await state.set_state(BcStates.when)
    await state.update_data(broadcast_id=broadcast.id)
    from models.base import utcnow

    example = broadcasts.example_when(utcnow(), settings.tz)
    await respond(
        callback,
        t.ASK_SCHEDULE.format(tz=settings.timezone, example=example),
        inline(_back(broadcast.id)),
    )


async def on_schedule_text(
    message: Message, state: FSMContext, session: AsyncSession, person: Person, settings: Settings
) -> None:
    data = await state.get_data()
    try:
        at = broadcasts.parse_when(message.text or "", settings.tz)
        broadcast = await broadcasts.own(session, int(data.get("broadcast_id", 0)), person)
    except InvalidInput as exc:
        await message.answer(str(exc))
        return
    n, _ = await broadcasts.count_for(session, broadcast)
    await state.clear()
    i = broadcast.id
    await message.answer(
        t.CONFIRM_SCHEDULE.format(id=i, when=fmt_datetime(at, settings.tz), n=n),
        reply_markup=inline(
            [(t.BTN_CONFIRM_SCHEDULE, _cb("schedyes", i, str(int(at.timestamp()))))], _back(i)
        ),
    )


async def on_schedule_yes(
    callback: CallbackQuery, callback_data: BcCb, session: AsyncSession, person: Person,
    settings: Settings,
    broadcast: Broadcast,
) -> None:  # fmt: skip
    from datetime import UTC

    from models.base import utcnow

    try:
        at = datetime.fromtimestamp(int(callback_data.v), UTC)
        await broadcasts.schedule(session, broadcast, person, at, utcnow())
    except (InvalidInput, ValueError, OverflowError) as exc:
        message = str(exc) if isinstance(exc, InvalidInput) else t.STALE
        await callback.answer(message, show_alert=True)
        return
    broadcast.progress_chat_id = callback.from_user.id
    await _show(
        callback,
        t.SCHEDULED.format(id=broadcast.id, when=fmt_datetime(at, settings.tz)),
        inline([(t.BTN_BACK, AdminCb(section=SECTION))]),
    )


async def on_cancel(callback: CallbackQuery, broadcast: Broadcast) -> None:
    if broadcast.status not in broadcasts.EDITABLE:
        await callback.answer(t.NOT_EDITABLE, show_alert=True)
        return
    i = broadcast.id
    back = "draft" if broadcast.status == BroadcastStatus.DRAFT else "card"
    await _show(
        callback,
        t.CONFIRM_CANCEL.format(id=i),
        inline([(t.BTN_CONFIRM_CANCEL, _cb("cancelyes", i))], _back(i, back)),
    )


async def on_cancel_yes(
    callback: CallbackQuery, session: AsyncSession, person: Person, broadcast: Broadcast
) -> None:
    try:
        await broadcasts.cancel(session, broadcast, person)
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    await _show(
        callback,
        t.CANCELLED.format(id=broadcast.id),
        inline([(t.BTN_BACK, AdminCb(section=SECTION))]),
    )


async def on_change(
    callback: CallbackQuery, session: AsyncSession, settings: Settings, broadcast: Broadcast
) -> None:
    """A scheduled broadcast back to its draft screen (schedule it again when done)."""
    try:
        await broadcasts.to_draft(session, broadcast)
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    await _draft_screen(callback, session, broadcast, settings)


# ----------------------------------------------------------------- progress and control


async def on_control(
    callback: CallbackQuery, callback_data: BcCb, session: AsyncSession,
    settings: Settings,
    broadcast: Broadcast,
) -> None:  # fmt: skip
    """pause / resume: change the status and redraw the progress message at once."""
    try:
        await broadcasts.set_paused(session, broadcast, callback_data.a == "pause")
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    progress = await broadcasts.progress(session, broadcast.id)
    text, markup = progress_view(broadcast, progress, None, None, None, settings.tz)
    await callback.answer(t.PAUSED if callback_data.a == "pause" else t.RESUMED)
    if isinstance(callback.message, Message):
        with unless_not_modified():
            await callback.message.edit_text(text, reply_markup=markup)


async def on_stop(callback: CallbackQuery, broadcast: Broadcast) -> None:
    if broadcast.status not in broadcasts.ACTIVE:
        await callback.answer(t.NOT_EDITABLE, show_alert=True)
        return
    i = broadcast.id
    await respond(
        callback,
        t.CONFIRM_STOP.format(id=i),
        inline([(t.BTN_CONFIRM_STOP, _cb("stopyes", i))], [(t.BTN_BACK, _cb("card", i))]),
    )


async def on_stop_yes(
    callback: CallbackQuery,
    session: AsyncSession,
    person: Person,
    settings: Settings,
    broadcast: Broadcast,
) -> None:
    try:
        await broadcasts.stop(session, broadcast, person)
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    await _card(callback, session, broadcast, settings, note=t.STOPPED)


# ----------------------------------------------------------------- history


async def on_history(
    callback: CallbackQuery, callback_data: BcCb, state: FSMContext, session: AsyncSession,
    settings: Settings,
) -> None:  # fmt: skip
    await state.clear()
    page = max(0, callback_data.p)
    items, total = await broadcasts.history(session, page, PER_PAGE)
    back = [(t.BTN_BACK, AdminCb(section=SECTION))]
    if not items:
        await _show(callback, t.HISTORY_EMPTY, inline(back))
        return
    buttons: list[Button] = []
    for b, sent in items:
        when = b.launched_at or b.scheduled_at or b.created_at
        label = t.HISTORY_LINE.format(
            id=b.id,
            when=when.astimezone(settings.tz).strftime("%d.%m %H:%M"),
            status=t.STATUS_LABELS[b.status],
            sent=sent,
            total=b.total,
        )
        buttons.append((label, _cb("card", b.id)))
    pages = math.ceil(total / PER_PAGE)
    await _show(
        callback,
        t.HISTORY,
        column(buttons, pager_row(lambda p: _cb("hist", p=p), page, pages), back),
    )


async def _card(
    event: CallbackQuery,
    session: AsyncSession,
    broadcast: Broadcast,
    settings: Settings,
    note: str | None = None,
) -> None:
    tz = settings.tz
    progress = await broadcasts.progress(session, broadcast.id)
    if broadcast.status == BroadcastStatus.SCHEDULED and broadcast.scheduled_at:
        when_line = t.WHEN_SCHEDULED.format(when=fmt_datetime(broadcast.scheduled_at, tz))
    elif broadcast.launched_at:
        when_line = t.WHEN_LAUNCHED.format(when=fmt_datetime(broadcast.launched_at, tz))
    else:
        when_line = ""
    recipients = broadcast.filters_text or await broadcasts.describe(
        session, broadcasts.filters_of(broadcast), tz
    )
    preview = broadcast.text if len(broadcast.text) < 1500 else ""
    text = t.CARD.format(
        id=broadcast.id,
        status=t.STATUS_LABELS[broadcast.status],
        author=escape(await broadcasts.author_name(session, broadcast)),
        created=fmt_datetime(broadcast.created_at, tz),
        when_line=when_line,
        recipients=recipients,
        sent=progress.sent,
        total=broadcast.total,
        failed=progress.failed,
        preview=preview,
    )
    i = broadcast.id
    rows: list[list[Button]] = []
    if broadcast.status == BroadcastStatus.SCHEDULED:
        rows.append([(t.BTN_CHANGE, _cb("change", i)), (t.BTN_CANCEL, _cb("cancel", i))])
    elif broadcast.status == BroadcastStatus.SENDING:
        rows.append([(t.BTN_PAUSE, _cb("pause", i)), (t.BTN_STOP, _cb("stop", i))])
    elif broadcast.status == BroadcastStatus.PAUSED:
        rows.append([(t.BTN_RESUME, _cb("resume", i)), (t.BTN_STOP, _cb("stop", i))])
    if broadcast.launched_at is not None:
        rows.append([(t.BTN_REPORT, _cb("report", i))])
    rows.append([(t.BTN_HISTORY, _cb("hist"))])
    await _show(event, text, inline(*rows), note=note)


async def on_card(
    callback: CallbackQuery, callback_data: BcCb, session: AsyncSession, settings: Settings
) -> None:
    broadcast = await session.get(Broadcast, callback_data.i)
    if broadcast is None:
        await callback.answer(t.STALE, show_alert=True)
        return
    await _card(callback, session, broadcast, settings)


async def on_report(callback: CallbackQuery, callback_data: BcCb, session: AsyncSession) -> None:
    broadcast = await session.get(Broadcast, callback_data.i)
    if broadcast is None or broadcast.launched_at is None:
        await callback.answer(t.STALE, show_alert=True)
        return
    report = await broadcasts.report(session, broadcast)
    text, markup = report_view(broadcast, report)
    await respond(callback, text, markup)


async def on_failures(
    callback: CallbackQuery,
    callback_data: BcCb,
    session: AsyncSession,
    person: Person,
    settings: Settings,
) -> None:
    from bot.services import audit

    broadcast = await session.get(Broadcast, callback_data.i)
    if broadcast is None:
        await callback.answer(t.STALE, show_alert=True)
        return
    rows = await broadcasts.failure_rows(session, broadcast)
    if not rows:
        await callback.answer(t.NO_FAILURES, show_alert=True)
        return
    fmt = file_format(callback_data.v)
    audit.record(
        session, person, "export.broadcast_failures", object_kind="broadcast",
        object_id=broadcast.id, format=fmt, rows=len(rows),
    )  # fmt: skip
    await send_table(
        callback,
        t.FAILURES_HEADERS,
        rows,
        fmt=fmt,
        filename=file_stem(
            t.FAILURES_FILE, broadcast.launched_at or broadcast.created_at, settings.tz
        ),
        title=t.FAILURES_SHEET,
    )


async def on_unknown(callback: CallbackQuery) -> None:
    await callback.answer(t.STALE, show_alert=True)


def build_router() -> Router:
    router = Router(name="admin_broadcasts")
    cb = router.callback_query
    cb.middleware(OwnBroadcast())
    cb.register(on_section, AdminCb.filter(F.section == SECTION))
    cb.register(on_admin_menu, BcCb.filter(F.a == "admin"))
    cb.register(on_new, BcCb.filter(F.a == "new"))
    cb.register(on_edit_content, BcCb.filter(F.a == "edit"), flags={"broadcast": "draft"})
    cb.register(on_draft, BcCb.filter(F.a == "draft"), flags={"broadcast": "draft"})
    cb.register(
        on_simple_edit,
        BcCb.filter(F.a.in_({"unlink", "evdel", "urgent", "evset"})),
        flags={"broadcast": "draft"},
    )
    cb.register(on_link, BcCb.filter(F.a == "link"), flags={"broadcast": "draft"})
    cb.register(on_pick_event, BcCb.filter(F.a == "ev"), flags={"broadcast": "draft"})
    cb.register(on_recipients, BcCb.filter(F.a == "rcp"), flags={"broadcast": "draft"})
    cb.register(
        on_filter_toggle,
        BcCb.filter(
            F.a.in_({"all", "reserve", "young", "role", "kind", "org", "form", "fbe", "evpick"})
        ),
        flags={"broadcast": "draft"},
    )
    cb.register(on_roles, BcCb.filter(F.a == "roles"), flags={"broadcast": "draft"})
    cb.register(on_kinds, BcCb.filter(F.a == "kinds"), flags={"broadcast": "draft"})
    cb.register(on_orgs, BcCb.filter(F.a == "orgs"), flags={"broadcast": "draft"})
    cb.register(on_event_modes, BcCb.filter(F.a == "evp"), flags={"broadcast": "draft"})
    cb.register(on_event_list, BcCb.filter(F.a == "evm"), flags={"broadcast": "draft"})
    cb.register(on_forms, BcCb.filter(F.a == "forms"), flags={"broadcast": "draft"})
    cb.register(on_since, BcCb.filter(F.a == "since"), flags={"broadcast": "draft"})
    cb.register(on_feedback_pick, BcCb.filter(F.a == "fb"), flags={"broadcast": "draft"})
    cb.register(on_preview, BcCb.filter(F.a == "prev"), flags={"broadcast": "draft"})
    cb.register(on_test, BcCb.filter(F.a == "test"), flags={"broadcast": "draft"})
    cb.register(on_send, BcCb.filter(F.a == "send"), flags={"broadcast": "draft"})
    cb.register(on_send_yes, BcCb.filter(F.a == "sendyes"), flags={"broadcast": "draft"})
    cb.register(on_schedule, BcCb.filter(F.a == "sched"), flags={"broadcast": "draft"})
    cb.register(on_schedule_yes, BcCb.filter(F.a == "schedyes"), flags={"broadcast": "draft"})
    cb.register(on_cancel, BcCb.filter(F.a == "cancel"), flags={"broadcast": "any"})
    cb.register(on_cancel_yes, BcCb.filter(F.a == "cancelyes"), flags={"broadcast": "any"})
    cb.register(on_change, BcCb.filter(F.a == "change"), flags={"broadcast": "any"})
    cb.register(on_control, BcCb.filter(F.a.in_({"pause", "resume"})), flags={"broadcast": "any"})
    cb.register(on_stop, BcCb.filter(F.a == "stop"), flags={"broadcast": "any"})
    cb.register(on_stop_yes, BcCb.filter(F.a == "stopyes"), flags={"broadcast": "any"})
    cb.register(on_history, BcCb.filter(F.a == "hist"))
    cb.register(on_card, BcCb.filter(F.a == "card"))
    cb.register(on_report, BcCb.filter(F.a == "report"))
    cb.register(on_failures, BcCb.filter(F.a == "fail"))
    cb.register(on_unknown, BcCb.filter())
    msg = router.message
    msg.register(on_content, StateFilter(BcStates.content))
    msg.register(on_link_text, StateFilter(BcStates.link))
    msg.register(on_org_query, StateFilter(BcStates.org))
    msg.register(on_since_text, StateFilter(BcStates.since))
    msg.register(on_schedule_text, StateFilter(BcStates.when))
    return router
