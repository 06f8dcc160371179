"""Feedback summaries of past events for methodologists: counts, averages, free-text answers."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AdminCb, FeedbackCb
from bot.config import Settings
from bot.services import audit, feedback
from bot.texts import common as tc
from bot.texts import feedback as t
from bot.texts import file_stem, fmt_date, fmt_datetime, inside_quotes
from handlers.admin.exports import file_format, send_table
from handlers.admin.menu import back_to_menu
from handlers.keyboards import column, inline, pager_row
from handlers.views import respond
from models import Event, Person

PER_PAGE = 8
MESSAGE_LIMIT = 3800


async def on_section(callback: CallbackQuery, session: AsyncSession, settings: Settings) -> None:
    await _show_list(callback, session, settings, 0)


async def on_list(
    callback: CallbackQuery, callback_data: FeedbackCb, session: AsyncSession, settings: Settings
) -> None:
    await _show_list(callback, session, settings, max(0, callback_data.page))


async def _show_list(
    callback: CallbackQuery, session: AsyncSession, settings: Settings, page: int
) -> None:
    events, total = await feedback.past_events(session, page, PER_PAGE)
    if not events:
        await respond(callback, t.LIST_EMPTY, inline(back_to_menu()))
        return
    pages = (total + PER_PAGE - 1) // PER_PAGE
    buttons = [
        (
            t.LIST_ITEM.format(
                date=fmt_date(event.starts_at, settings.tz), title=event.title[:40], count=count
            ),
            FeedbackCb(action="show", event_id=event.id, page=page),
        )
        for event, count in events
    ]
    pager = pager_row(lambda p: FeedbackCb(action="list", page=p), page, pages)
    await respond(callback, t.LIST_TITLE, column(buttons, pager, back_to_menu()))


async def on_show(
    callback: CallbackQuery, callback_data: FeedbackCb, session: AsyncSession, settings: Settings
) -> None:
    event = await session.get(Event, callback_data.event_id)
    if event is None:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    result = await feedback.summary(session, event)
    if result is None:
        await respond(callback, t.SUMMARY_NO_FORM)
        return
    export_row = [
        (t.EXPORT, FeedbackCb(action="export", event_id=event.id)),
        (t.EXPORT_CSV, FeedbackCb(action="export", event_id=event.id, fmt="csv")),
    ]
    keyboard = inline(
        export_row if result.responses else [],
        [(t.BACK_TO_LIST, FeedbackCb(action="list", page=callback_data.page))],
    )
    await respond(callback, summary_text(result, settings), keyboard)


def summary_text(result: feedback.Summary, settings: Settings) -> str:
    asked = t.SUMMARY_ASKED.format(asked=result.asked) if result.asked else ""
    lines = [
        t.SUMMARY_TITLE.format(
            title=escape(inside_quotes(result.event.title)),
            date=fmt_datetime(result.event.starts_at, settings.tz),
            responses=result.responses,
            asked=asked,
        )
    ]
    if not result.responses:
        return lines[0] + t.SUMMARY_NONE
    for item in result.questions:
        question = item.question
        if not (item.counts or item.texts or item.skipped):
            continue
        header = f"\n<b>{escape(question.text)}</b>"
        if item.numbers:
            average = sum(item.numbers) / len(item.numbers)
            header += " — " + t.AVERAGE.format(value=f"{average:.1f}".replace(".", ","))
        lines.append(header)
        if question.kind in ("single", "multi"):
            for option in question.options:
                count = item.counts.get(option.value, 0)
                if count:
                    lines.append(t.OPTION_LINE.format(label=escape(option.label), count=count))
        elif question.kind == "scale":
            for value in sorted(item.counts, key=int):
                label = value
                if question.scale_labels and 1 <= int(value) <= len(question.scale_labels):
                    label = f"{value} — {question.scale_labels[int(value) - 1]}"
                lines.append(t.OPTION_LINE.format(label=escape(label), count=item.counts[value]))
        lines.extend(t.TEXT_LINE.format(text=escape(text)) for text in item.texts)
        if item.skipped:
            lines.append(t.SKIPPED_LINE.format(count=item.skipped))
    text = "\n".join(lines)
    if len(text) > MESSAGE_LIMIT:
        text = text[:MESSAGE_LIMIT].rsplit("\n", 1)[0] + t.TRUNCATED
    return text


async def on_export(
    callback: CallbackQuery,
    callback_data: FeedbackCb,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    event = await session.get(Event, callback_data.event_id)
    exported = await feedback.export_rows(session, event, settings.tz) if event else None
    if event is None or exported is None:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    headers, rows = exported
    # Named by the event's title and date, never by an internal id.
    name = t.EXPORT_NAME.format(stem=file_stem(event.title, event.starts_at, settings.tz))
    fmt = file_format(callback_data.fmt)
    audit.record(
        session,
        person,
        "export.feedback",
        object_kind="event",
        object_id=event.id,
        fmt=fmt,
        rows=len(rows),
    )
    await send_table(callback, headers, rows, fmt=fmt, filename=name, title=t.EXPORT_TITLE)


def build_router() -> Router:
    router = Router(name="admin_feedback")
    router.callback_query.register(on_section, AdminCb.filter(F.section == "feedback"))
    router.callback_query.register(on_list, FeedbackCb.filter(F.action == "list"))
    router.callback_query.register(on_show, FeedbackCb.filter(F.action == "show"))
    router.callback_query.register(on_export, FeedbackCb.filter(F.action == "export"))
    return router
