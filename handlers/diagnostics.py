"""«Диагностика»: the form for the person's role, their profile and chart, the individual route."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ConsCb, DiagCb, QStartCb
from bot.config import Settings
from bot.services import InvalidInput, charts, forms, questionnaire, routes, scoring
from bot.texts import common as tc
from bot.texts import events as te
from bot.texts import fmt_date, fmt_datetime
from bot.texts import forms as t
from bot.topics import topic_label
from handlers import questionnaire as ui
from handlers.filters import Registered
from handlers.keyboards import Button, column, inline
from models import EventStatus, Person, RegistrationStatus, Response
from models.base import utcnow

Event = Message | CallbackQuery
ROUTE_TITLE_LIMIT = 120


def _consult_row() -> list[Button]:
    return [(t.DIAG_CONSULT, ConsCb(a="new"))]


async def on_menu(
    message: Message, session: AsyncSession, person: Person, settings: Settings
) -> None:
    meant = await forms.diagnostics_for(session, person)
    rows: list[list[Button]] = []
    text = t.DIAG_MENU
    if not meant:
        text += "\n\n" + t.DIAG_NO_FORM
    for form in meant:
        title = escape(form.title)
        current = await questionnaire.in_progress(session, person.id, form.code)
        last = await questionnaire.last_submitted(session, person.id, form.code)
        if current is not None:
            rows.append([(t.DIAG_CONTINUE.format(title=title), QStartCb(a="resume", f=form.code))])
            rows.append([(t.RESTART, QStartCb(a="restart", f=form.code))])
        elif last is not None:
            rows.append([(t.DIAG_AGAIN.format(title=title), QStartCb(a="new", f=form.code))])
        else:
            rows.append([(t.DIAG_START.format(title=title), QStartCb(a="new", f=form.code))])
        if last is not None and last.submitted_at is not None:
            when = fmt_date(last.submitted_at, settings.tz)
            text += "\n\n" + t.DIAG_LAST.format(title=title, date=when)
    if await questionnaire.last_submitted(session, person.id, purpose="diagnostic") is not None:
        rows.append([(t.DIAG_RESULT, DiagCb(a="result"))])
    rows.append([(t.DIAG_ROUTE, DiagCb(a="route"))])
    rows.append(_consult_row())
    await message.answer(text, reply_markup=inline(*rows))


def result_text(response: Response) -> str:
    form = forms.definition(response.form)
    scores = scoring.from_stored(form, response.scores)
    lines = [t.RESULT_TITLE.format(form=escape(form.title))]
    for area in scores:
        if area.score is None:
            lines.append(t.RESULT_AREA_SKIPPED.format(title=escape(area.title)))
            continue
        mark = "🟠" if area.is_deficit else "🟢"
        score = f"{area.score:.1f}".replace(".", ",")
        lines.append(t.RESULT_AREA.format(mark=mark, title=escape(area.title), score=score))
    weak = scoring.deficits(scores)
    if weak:
        lines.append(
            t.RESULT_DEFICITS.format(areas="\n".join(f"• {escape(a.title)}" for a in weak))
        )
    else:
        lines.append(t.RESULT_NO_DEFICITS)
    return "\n".join(lines)


async def send_result(
    event: Event, session: AsyncSession, person: Person, response: Response, settings: Settings
) -> None:
    """The diagnostics' finisher: the form's thanks, then the profile and the route."""
    await _send_profile(event, session, person, response, settings, thanks=True)


async def _send_profile(
    event: Event,
    session: AsyncSession,
    person: Person,
    response: Response,
    settings: Settings,
    *,
    thanks: bool,
) -> None:
    """The profile as text and a chart, then the route."""
    form = forms.definition(response.form)
    text = result_text(response)
    if form.outro and thanks:
        text = escape(form.outro) + "\n\n" + text
    await ui.send(event, text)
    png = charts.profile_png(scoring.from_stored(form, response.scores), t.CHART_TITLE)
    assert event.bot is not None and event.from_user is not None
    await event.bot.send_photo(
        event.from_user.id, BufferedInputFile(png, filename="profile.png"), caption=t.CHART_CAPTION
    )
    await send_route(event, session, person, settings)


async def send_route(
    event: Event, session: AsyncSession, person: Person, settings: Settings
) -> None:
    route = await routes.latest(session, person.id)
    if route is None:
        await ui.send(event, t.ROUTE_NONE, inline(_consult_row()))
        return
    view = await routes.view(session, route)
    # A deficit that no event covers says so, with a consultation on its topic in one tap.
    gaps = await routes.uncovered(session, route)
    gap_rows: list[list[Button]] = [
        [(t.ROUTE_CONSULT.format(area=g.title), ConsCb(a="ask", v=g.topic))] for g in gaps[:5]
    ]
    if not view.items:
        text = t.ROUTE_EMPTY_EVENTS if route.deficits else t.ROUTE_NO_DEFICITS
        await ui.send(event, f"{t.ROUTE_HEADER}\n{text}", inline(*gap_rows, _consult_row()))
        return
    topics = ", ".join(escape(topic_label(c)) for c in route.topics)
    lines = [t.ROUTE_TITLE.format(topics=topics, done=view.done, total=view.total)]
    buttons: list[Button] = []
    now = utcnow()
    for item in view.items:
        event_row = item.item.event
        status = item.registration
        mark = "✅" if item.done else "📌" if status == RegistrationStatus.REGISTERED else "▫️"
        line = t.ROUTE_ITEM.format(
            mark=mark,
            date=fmt_datetime(event_row.starts_at, settings.tz),
            # Ten items with the longest titles must still fit in one message.
            title=escape(_short(event_row.title, ROUTE_TITLE_LIMIT)),
            topics=escape(", ".join(topic_label(c) for c in item.item.topics)),
        )
        if status is not None:
            line += f" · {t.ROUTE_ITEM_STATUS[status.value]}"
        lines.append(line)
        can_sign_up = status in (None, RegistrationStatus.CANCELLED)
        if can_sign_up and event_row.status == EventStatus.PUBLISHED and event_row.starts_at > now:
            label = t.ROUTE_SIGN_UP.format(title=event_row.title[:40])
            buttons.append((label, DiagCb(a="signup", i=item.item.id)))
    if gaps:
        areas = ", ".join(f"«{escape(g.title)}»" for g in gaps)
        lines.append(t.ROUTE_UNCOVERED.format(areas=areas))
    await ui.send(event, "\n".join(lines), column(buttons, *gap_rows, _consult_row()))


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def on_route(
    callback: CallbackQuery, session: AsyncSession, person: Person, settings: Settings
) -> None:
    await callback.answer()
    await send_route(callback, session, person, settings)


async def on_result(
    callback: CallbackQuery, session: AsyncSession, person: Person, settings: Settings
) -> None:
    await callback.answer()
    response = await questionnaire.last_submitted(session, person.id, purpose="diagnostic")
    if response is None:
        await ui.send(callback, t.RESULT_NO_RESULT)
        return
    await _send_profile(callback, session, person, response, settings, thanks=False)


async def on_signup(
    callback: CallbackQuery,
    callback_data: DiagCb,
    session: AsyncSession,
    person: Person,
    settings: Settings,
) -> None:
    """«Записаться» on a route item goes through the events' registration service."""
    from bot.services import registrations
    from bot.services.registrations import Outcome

    item = await routes.get_item(session, callback_data.i)
    route = await routes.route_of_item(session, item) if item is not None else None
    if item is None or route is None or route.person_id != person.id:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    # As in the calendar: a full event offers the waitlist, and joining it is a second press.
    try:
        result = await registrations.register(
            session, settings, person, item.event_id, join_waitlist=callback_data.a == "wait"
        )
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    title = escape(result.event.title)
    outcome = result.outcome
    if outcome == Outcome.ALREADY_REGISTERED:
        await callback.answer(te.ALREADY_REGISTERED, show_alert=True)
        return
    if outcome == Outcome.ALREADY_WAITLISTED:
        text = te.ALREADY_WAITLISTED.format(position=result.position)
        await callback.answer(text, show_alert=True)
        return
    await callback.answer()
    if outcome == Outcome.FULL:
        offer = inline([(te.BTN_WAITLIST, DiagCb(a="wait", i=item.id))])
        await ui.send(callback, te.FULL_OFFER.format(title=title), offer)
        return
    if outcome == Outcome.WAITLISTED:
        text = te.WAITLISTED.format(title=title, position=result.position)
    else:
        text = t.ROUTE_SIGNED_UP.format(title=title)
    await ui.send(callback, text)
    await send_route(callback, session, person, settings)


def build_router() -> Router:
    router = Router(name="diagnostics")
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.message.register(on_menu, F.text == tc.MENU_DIAGNOSTICS)
    router.callback_query.register(on_route, DiagCb.filter(F.a == "route"))
    router.callback_query.register(on_result, DiagCb.filter(F.a == "result"))
    router.callback_query.register(on_signup, DiagCb.filter(F.a.in_({"signup", "wait"})))
    return router
