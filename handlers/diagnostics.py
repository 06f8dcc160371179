"""«Диагностика»: the form for the person's role, their profile and chart, the individual route."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ConsCb, DiagCb, QStartCb
from bot.config import Settings
from bot.services import charts, forms, questionnaire, scoring
from bot.texts import common as tc
from bot.texts import fmt_date, inside_quotes
from bot.texts import forms as t
from handlers import questionnaire as ui
from handlers.filters import Registered
from handlers.keyboards import Button, inline
from handlers.routes import send_route
from models import Person, Response

Event = Message | CallbackQuery


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
        title = form.title  # button labels are plain text
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
            heading = escape(inside_quotes(form.title))
            text += "\n\n" + t.DIAG_LAST.format(title=heading, date=when)
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
    png = charts.results_png(scoring.from_stored(form, response.scores), t.CHART_TITLE)
    assert event.bot is not None and event.from_user is not None
    await event.bot.send_photo(
        event.from_user.id, BufferedInputFile(png, filename=t.CHART_FILE), caption=t.CHART_CAPTION
    )
    await send_route(event, session, person, settings)


async def on_result(
    callback: CallbackQuery, session: AsyncSession, person: Person, settings: Settings
) -> None:
    await callback.answer()
    response = await questionnaire.last_submitted(session, person.id, purpose="diagnostic")
    if response is None:
        await ui.send(callback, t.RESULT_NO_RESULT)
        return
    await _send_profile(callback, session, person, response, settings, thanks=False)


def build_router() -> Router:
    router = Router(name="diagnostics")
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.message.register(on_menu, F.text == tc.MENU_DIAGNOSTICS)
    router.callback_query.register(on_result, DiagCb.filter(F.a == "result"))
    return router
