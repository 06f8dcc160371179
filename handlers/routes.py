"""«Мой маршрут»: the individual route deficit by deficit; registering from it edits it in place."""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ConsCb, DiagCb
from bot.config import Settings
from bot.services import InvalidInput, registrations, routes
from bot.services.events import series_title
from bot.services.registrations import Outcome
from bot.texts import common as tc
from bot.texts import events as te
from bot.texts import fmt_datetime, quantity, quoted
from bot.texts import forms as tf
from bot.texts import routes as t
from handlers import questionnaire as ui
from handlers.filters import Registered
from handlers.keyboards import Button, inline
from handlers.views import MESSAGE_LIMIT, text_size, unless_not_modified
from models import Person, RegistrationStatus, Route, RouteItem

Event = Message | CallbackQuery
#: Titles in the message text are whole unless ten long ones would not fit in one message.
TITLE_LIMITS = (300, 120, 60)
#: The beginning of a title on a button: short enough for Telegram never to cut the label.
BUTTON_TITLE = 26
CONSULT_ROWS = 5
MARKS = {
    RegistrationStatus.ATTENDED: "✅",
    RegistrationStatus.REGISTERED: "📌",
    RegistrationStatus.WAITLISTED: "⏳",
}


def short(text: str, limit: int) -> str:
    """The beginning of `text` cut at a word boundary with «…» (whole when it fits)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " " and " " in cut[4:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" .,:;—-«„") + "…"


def score_text(score: float | None) -> str:
    return t.ROUTE_SCORE.format(score=f"{score:.1f}".replace(".", ",")) if score else ""


def mark(status: routes.ItemStatus) -> str:
    return MARKS.get(status.registration, "▫️") if status.registration is not None else "▫️"


def status_text(status: routes.ItemStatus) -> str:
    if status.registration is not None:
        return t.ROUTE_ITEM_STATUS[status.registration.value]
    if not status.open:
        return t.ROUTE_ITEM_CLOSED
    return t.ROUTE_ITEM_FULL if status.full else ""


def _consult_row() -> list[Button]:
    return [(tf.DIAG_CONSULT, ConsCb(a="new"))]


def _numbers(view: routes.RouteView) -> dict[int, int]:
    """Item id → its number in the text: in order of first appearance, deficit by deficit."""
    numbers: dict[int, int] = {}
    for group in view.groups:
        for status in group.items:
            numbers.setdefault(status.item.id, len(numbers) + 1)
    for status in view.items:
        numbers.setdefault(status.item.id, len(numbers) + 1)
    return numbers


def _text(view: routes.RouteView, tz: ZoneInfo, title_limit: int) -> str:
    numbers = _numbers(view)
    lines = [
        t.ROUTE_HEADER,
        t.ROUTE_PROGRESS.format(done=view.done, total=view.total, registered=view.registered),
        t.ROUTE_INTRO,
    ]
    shown: set[int] = set()
    for group in view.groups:
        lines.append(
            t.ROUTE_DEFICIT.format(title=escape(group.title), score=score_text(group.score))
        )
        also = []
        for status in group.items:
            number = numbers[status.item.id]
            if status.item.id in shown:
                also.append(str(number))
                continue
            shown.add(status.item.id)
            event = status.item.event
            line = t.ROUTE_ITEM.format(
                n=number,
                mark=mark(status),
                date=fmt_datetime(event.starts_at, tz),
                title=escape(short(event.title, title_limit)),
            )
            state = status_text(status)
            lines.append(f"{line} · {state}" if state else line)
        if also:
            lines.append(t.ROUTE_ALSO.format(numbers=", ".join(also)))
        if not group.covered:
            area = t.ROUTE_CONSULT.format(area=group.short)
            lines.append(t.ROUTE_NO_EVENT.format(button=escape(area)))
    for status in view.items:  # items of no deficit (a route without its diagnostic)
        if status.item.id not in shown and not view.groups:
            event = status.item.event
            lines.append(
                t.ROUTE_ITEM.format(
                    n=numbers[status.item.id],
                    mark=mark(status),
                    date=fmt_datetime(event.starts_at, tz),
                    title=escape(short(event.title, title_limit)),
                )
            )
    if view.series:
        lines.append("")
    for offer in view.series:
        lines.append(t.ROUTE_SERIES_LINE.format(title=escape(quoted(offer.title))))
    if view.strong:
        lines.append(t.ROUTE_STRONG.format(areas=escape(", ".join(view.strong))))
    return "\n".join(lines)


def _keyboard(view: routes.RouteView, tz: ZoneInfo) -> InlineKeyboardMarkup:
    numbers = _numbers(view)
    rows: list[list[Button]] = []
    for status in sorted(view.items, key=lambda s: numbers[s.item.id]):
        if not status.can_sign_up:
            continue
        event = status.item.event
        date = f"{event.starts_at.astimezone(tz):%d.%m}"
        n = numbers[status.item.id]
        if status.full:
            label = t.ROUTE_WAITLIST.format(n=n, date=date)
            rows.append([(label, DiagCb(a="wait", i=status.item.id))])
        else:
            label = t.ROUTE_SIGN_UP.format(n=n, date=date, title=short(event.title, BUTTON_TITLE))
            rows.append([(label, DiagCb(a="signup", i=status.item.id))])
    for offer in view.series:
        label = t.ROUTE_SERIES.format(title=short(offer.title, BUTTON_TITLE))
        rows.append([(label, DiagCb(a="series", i=offer.item_id))])
    gaps = [g for g in view.groups if not g.covered][:CONSULT_ROWS]
    rows += [[(t.ROUTE_CONSULT.format(area=g.short), ConsCb(a="ask", v=g.topic))] for g in gaps]
    rows.append(_consult_row())
    return inline(*rows)


def render(view: routes.RouteView, tz: ZoneInfo) -> tuple[str, InlineKeyboardMarkup]:
    """The route's message: deficits with their events, and buttons to act on them."""
    if not view.route.deficits:
        return f"{t.ROUTE_HEADER}\n{t.ROUTE_NO_DEFICITS}", inline(_consult_row())
    text = ""
    for limit in TITLE_LIMITS:
        text = _text(view, tz, limit)
        if text_size(text) <= MESSAGE_LIMIT:
            break
    if not view.items:
        text = text.replace(t.ROUTE_INTRO, t.ROUTE_EMPTY_EVENTS)
    return text, _keyboard(view, tz)


async def send_route(
    event: Event, session: AsyncSession, person: Person, settings: Settings
) -> None:
    """The route as a new message (after the diagnostic, or from «Мой маршрут»)."""
    route = await routes.latest(session, person.id)
    if route is None:
        await ui.send(event, t.ROUTE_NONE, inline(_consult_row()))
        return
    text, keyboard = render(await routes.view(session, route), settings.tz)
    await ui.send(event, text, keyboard)


async def _refresh(
    callback: CallbackQuery, session: AsyncSession, route: Route, settings: Settings
) -> None:
    """Edit the pressed route message in place: no second copy of the route in the chat."""
    text, keyboard = render(await routes.view(session, route), settings.tz)
    if not isinstance(callback.message, Message):
        assert callback.bot is not None
        await callback.bot.send_message(callback.from_user.id, text, reply_markup=keyboard)
        return
    with unless_not_modified():
        await callback.message.edit_text(text, reply_markup=keyboard)


async def on_route(
    callback: CallbackQuery, session: AsyncSession, person: Person, settings: Settings
) -> None:
    await callback.answer()
    await send_route(callback, session, person, settings)


async def _own_item(
    callback: CallbackQuery, session: AsyncSession, person: Person, item_id: int
) -> tuple[RouteItem, Route] | None:
    item = await routes.get_item(session, item_id)
    route = await routes.route_of_item(session, item) if item is not None else None
    if item is None or route is None or route.person_id != person.id:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return None
    latest = await routes.latest(session, person.id)
    if latest is None or latest.id != route.id:  # a route of an earlier diagnostic
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return None
    return item, route


async def on_signup(
    callback: CallbackQuery,
    callback_data: DiagCb,
    session: AsyncSession,
    person: Person,
    settings: Settings,
) -> None:
    """A route item's button registers through the events' service and updates the route
    message in place; a full event offers the waitlist there, joining it is a second press."""
    found = await _own_item(callback, session, person, callback_data.i)
    if found is None:
        return
    item, route = found
    try:
        result = await registrations.register(
            session, settings, person, item.event_id, join_waitlist=callback_data.a == "wait"
        )
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        await _refresh(callback, session, route, settings)
        return
    title = quoted(result.event.title)
    outcome = result.outcome
    if outcome == Outcome.ALREADY_REGISTERED:
        await callback.answer(te.ALREADY_REGISTERED, show_alert=True)
    elif outcome == Outcome.ALREADY_WAITLISTED:
        text = te.ALREADY_WAITLISTED.format(position=result.position)
        await callback.answer(text, show_alert=True)
    elif outcome == Outcome.FULL:
        await callback.answer(t.ROUTE_FULL.format(title=title)[:200], show_alert=True)
    elif outcome == Outcome.WAITLISTED:
        text = t.ROUTE_WAITLISTED.format(title=title, position=result.position)
        await callback.answer(text[:200], show_alert=True)
    else:
        await callback.answer(t.ROUTE_SIGNED_UP.format(title=title)[:200])
    await _refresh(callback, session, route, settings)


async def on_series(
    callback: CallbackQuery,
    callback_data: DiagCb,
    session: AsyncSession,
    person: Person,
    settings: Settings,
) -> None:
    """«Весь цикл» registers for every open meeting of the item's series (a full meeting puts
    the person in its waitlist) and updates the route in place."""
    found = await _own_item(callback, session, person, callback_data.i)
    if found is None:
        return
    item, route = found
    series_id = item.event.series_id
    if series_id is None:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    outcomes = await registrations.register_series(session, settings, person, series_id)
    tried = [o for o in outcomes if o.outcome is not None or o.refusal]
    registered, waiting = registrations.series_tally(tried)
    if not registered and not waiting:
        await callback.answer(t.ROUTE_SERIES_NOTHING, show_alert=True)
    else:
        summary = t.ROUTE_SERIES_SUMMARY.format(
            registered=registered, total=quantity(len(tried), *te.MEETINGS_OF)
        )
        if waiting:
            summary += t.ROUTE_SERIES_WAITING.format(waiting=quantity(waiting, *te.MEETINGS_ACC))
        title = quoted(await series_title(session, series_id))
        text = t.ROUTE_SERIES_DONE.format(title=title, summary=summary)
        await callback.answer(text[:200], show_alert=True)
    await _refresh(callback, session, route, settings)


def build_router() -> Router:
    router = Router(name="routes")
    router.callback_query.filter(Registered())
    router.callback_query.register(on_route, DiagCb.filter(F.a == "route"))
    router.callback_query.register(on_signup, DiagCb.filter(F.a.in_({"signup", "wait"})))
    router.callback_query.register(on_series, DiagCb.filter(F.a == "series"))
    return router
