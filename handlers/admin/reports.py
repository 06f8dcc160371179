"""«Отчёты и выгрузки»: a period, the concept's indicators with charts, the annual report
(DOCX + XLSX), exports of every table (XLSX or CSV), the report template."""

from __future__ import annotations

import contextlib
import os
import tempfile
from html import escape

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    FSInputFile,
    InlineKeyboardMarkup,
    Message,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AdminCb, ReportCb
from bot.config import Settings
from bot.services import InvalidInput, audit, exports, indicators, period
from bot.services.period import Period
from bot.texts import indicators as ti
from bot.texts import reports as t
from bot.texts.events import KIND_LABELS
from bot.texts.format import fmt_date
from handlers.admin.files import download
from handlers.admin.menu import back_to_menu
from handlers.keyboards import column, inline
from handlers.views import respond
from models import Person


class ReportStates(StatesGroup):
    period = State()
    template = State()


def _menu_keyboard(code: str) -> InlineKeyboardMarkup:
    return column(
        [
            (t.INDICATORS, ReportCb(a="ind", p=code)),
            (t.INDICATORS_XLSX, ReportCb(a="indx", p=code)),
            (t.ANNUAL, ReportCb(a="annual", p=code)),
            (t.EXPORTS, ReportCb(a="exp", p=code)),
            (t.CHANGE_PERIOD, ReportCb(a="periods", p=code)),
            (t.TEMPLATE, ReportCb(a="tpl", p=code)),
        ],
        back_to_menu(),
    )


async def _show_menu(event: Message | CallbackQuery, chosen: Period) -> None:
    await respond(
        event,
        t.MENU.format(period=escape(chosen.label)),
        _menu_keyboard(chosen.code),
    )


async def _send(
    callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """A message after the button was already answered (with «Готовлю файл…»)."""
    assert callback.bot is not None
    await callback.bot.send_message(callback.from_user.id, text, reply_markup=markup)


async def _period_of(
    callback: CallbackQuery, callback_data: ReportCb, settings: Settings
) -> Period | None:
    """The button's period; a forged or malformed one gets a polite refusal."""
    try:
        return period.parse(callback_data.p, settings.tz) if callback_data.p else None
    except InvalidInput:
        await callback.answer(t.STALE, show_alert=True)
        return None


async def on_section(callback: CallbackQuery, state: FSMContext, settings: Settings) -> None:
    await state.clear()
    await _show_menu(callback, period.current_school_year(settings.tz))


async def on_menu(
    callback: CallbackQuery, callback_data: ReportCb, state: FSMContext, settings: Settings
) -> None:
    await state.clear()
    chosen = await _period_of(callback, callback_data, settings)
    if chosen is not None:
        await _show_menu(callback, chosen)


async def on_periods(callback: CallbackQuery, callback_data: ReportCb, settings: Settings) -> None:
    today = period.today(settings.tz)
    current = period.school_year_of(today)
    this_month = period.month(today.year, today.month)
    previous_month = period.month(today.year - (today.month == 1), (today.month - 2) % 12 + 1)
    choices = [
        (f"{t.PERIOD_CURRENT_YEAR} ({current.code})", current),
        (
            f"{t.PERIOD_PREVIOUS_YEAR} ({current.first.year - 1}-{current.first.year})",
            period.school_year(current.first.year - 1),
        ),
        (f"{t.PERIOD_THIS_MONTH} ({this_month.label})", this_month),
        (f"{t.PERIOD_PREVIOUS_MONTH} ({previous_month.label})", previous_month),
    ]
    await respond(
        callback,
        t.CHOOSE_PERIOD,
        column(
            [(label, ReportCb(a="menu", p=p.code)) for label, p in choices],
            [(t.PERIOD_TYPE, ReportCb(a="type", p=callback_data.p))],
            [(t.BACK_TO_REPORTS, ReportCb(a="menu", p=callback_data.p or current.code))],
        ),
    )


async def on_type(callback: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(ReportStates.period)
    await respond(callback, t.ASK_PERIOD)


async def on_period_text(message: Message, state: FSMContext, settings: Settings) -> None:
    try:
        chosen = period.parse(message.text or "", settings.tz)
    except InvalidInput as exc:
        await message.answer(f"{escape(str(exc))}\n{t.ASK_PERIOD}")
        return
    await state.clear()
    await _show_menu(message, chosen)


async def on_indicators(
    callback: CallbackQuery,
    callback_data: ReportCb,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    from bot.reports import annual

    chosen = await _period_of(callback, callback_data, settings)
    if chosen is None:
        return
    report = await indicators.compute(session, chosen, settings.tz)
    audit.record(session, person, "report.indicators", object_kind="report", period=chosen.code)
    back = inline([(t.BACK_TO_REPORTS, ReportCb(a="menu", p=chosen.code))])
    if report.is_empty:
        await respond(callback, ti.NOTHING.format(period=escape(chosen.label)), back)
        return
    await respond(callback, indicators_text(report), back)
    data_charts = annual.charts(report)
    assert callback.bot is not None
    for name, png in data_charts.items():
        await callback.bot.send_photo(
            callback.from_user.id, BufferedInputFile(png, filename=f"{name}.png")
        )


def indicators_text(report: indicators.IndicatorReport) -> str:
    lines = [ti.TITLE.format(period=escape(report.period.label))]
    for item in report.indicators:
        lines.append(
            ti.LINE.format(
                short=ti.SHORT[item.code],
                numerator=item.numerator,
                denominator=item.denominator,
                percent=item.percent,
            )
        )
        lines.append(ti.BASIS.format(basis=escape(item.basis)))
    participants = sum(r.participants for r in report.events)
    lines.append("")
    lines.append(ti.EVENTS_LINE.format(events=len(report.events), participants=participants))
    for kind, events, people in report.by_kind:
        lines.append(
            ti.KIND_LINE.format(
                kind=KIND_LABELS[kind],
                events=ti.events(events),
                participants=ti.participants(people),
            )
        )
    total = sum(c for _, c in report.satisfaction)
    if total:
        lines.append("")
        lines.append(ti.SATISFACTION_TITLE.format(question=escape(report.satisfaction_question)))
        for label, count in report.satisfaction:
            percent = f"{count * 100 / total:.0f} %"
            lines.append(
                ti.SATISFACTION_LINE.format(label=escape(label), count=count, percent=percent)
            )
    lines.append("")
    lines.append(t.INDICATORS_MORE)
    return "\n".join(lines)


async def on_indicators_xlsx(
    callback: CallbackQuery,
    callback_data: ReportCb,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    from bot.reports import annual

    chosen = await _period_of(callback, callback_data, settings)
    if chosen is None:
        return
    content = await annual.indicators_xlsx(session, person, chosen, settings.tz)
    await callback.answer()
    assert callback.bot is not None
    await callback.bot.send_document(
        callback.from_user.id,
        BufferedInputFile(content, filename=t.INDICATORS_FILE.format(period=chosen.slug)),
        caption=escape(chosen.label),
    )


async def on_annual(
    callback: CallbackQuery,
    callback_data: ReportCb,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    from bot.reports import annual

    chosen = await _period_of(callback, callback_data, settings)
    if chosen is None:
        return
    await callback.answer(t.PREPARING)
    try:
        built = await annual.build(session, person, chosen, settings.tz)
    except InvalidInput as exc:  # the uploaded template no longer renders
        await _send(callback, escape(str(exc)))
        return
    back = inline([(t.BACK_TO_REPORTS, ReportCb(a="menu", p=chosen.code))])
    if built is None:
        await _send(callback, t.ANNUAL_NO_DATA.format(period=escape(chosen.label)), back)
        return
    name = t.ANNUAL_FILE.format(period=chosen.slug)
    assert callback.bot is not None
    await callback.bot.send_document(
        callback.from_user.id, BufferedInputFile(built.docx, filename=f"{name}.docx")
    )
    await callback.bot.send_document(
        callback.from_user.id,
        BufferedInputFile(built.xlsx, filename=f"{name}.xlsx"),
        caption=t.ANNUAL_CAPTION.format(period=escape(chosen.label)),
        reply_markup=back,
    )


async def on_exports(callback: CallbackQuery, callback_data: ReportCb, settings: Settings) -> None:
    chosen = await _period_of(callback, callback_data, settings)
    if chosen is None:
        return
    rows = [
        [
            (f"{title} · XLSX", ReportCb(a="file", p=chosen.code, k=kind, f="xlsx")),
            ("CSV", ReportCb(a="file", p=chosen.code, k=kind, f="csv")),
        ]
        for kind, title in t.EXPORT_KINDS.items()
    ]
    await respond(
        callback,
        t.EXPORTS_TITLE.format(period=escape(chosen.label)),
        inline(*rows, [(t.BACK_TO_REPORTS, ReportCb(a="menu", p=chosen.code))]),
    )


async def on_file(
    callback: CallbackQuery,
    callback_data: ReportCb,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    """One table, streamed into a temporary file and sent; an empty one is not sent."""
    chosen = await _period_of(callback, callback_data, settings)
    if chosen is None:
        return
    kind = callback_data.k
    if kind not in exports.KINDS or callback_data.f not in ("xlsx", "csv"):
        await callback.answer(t.STALE, show_alert=True)
        return
    await callback.answer(t.PREPARING)
    handle, path = tempfile.mkstemp(suffix=f".{callback_data.f}")
    os.close(handle)
    try:
        count = await exports.write(
            session, person, kind, chosen, settings.tz, callback_data.f, path
        )
        title = t.EXPORT_KINDS[kind]
        if count == 0:
            back = inline([(t.BACK_TO_REPORTS, ReportCb(a="exp", p=chosen.code))])
            await _send(
                callback, t.NO_DATA.format(period=escape(chosen.label), what=title.lower()), back
            )
            return
        filename = f"{t.EXPORT_FILE[kind]}_{chosen.slug}.{callback_data.f}"
        assert callback.bot is not None
        await callback.bot.send_document(
            callback.from_user.id,
            FSInputFile(path, filename=filename),
            caption=t.EXPORT_CAPTION.format(
                title=title, period=escape(chosen.label), rows=t.rows(count)
            ),
        )
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


async def on_template(
    callback: CallbackQuery,
    callback_data: ReportCb,
    session: AsyncSession,
    settings: Settings,
) -> None:
    from bot.reports import annual

    current = await annual.current_template(session)
    described = (
        t.TEMPLATE_UPLOADED.format(
            name=escape(current.filename), date=fmt_date(current.uploaded_at, settings.tz)
        )
        if current
        else t.TEMPLATE_DEFAULT
    )
    code = callback_data.p
    await respond(
        callback,
        t.TEMPLATE_INFO.format(current=described),
        column(
            [
                (t.TEMPLATE_GET, ReportCb(a="tplget", p=code)),
                (t.TEMPLATE_UPLOAD, ReportCb(a="tplup", p=code)),
            ],
            [(t.BACK_TO_REPORTS, ReportCb(a="menu", p=code))],
        ),
    )


async def on_template_get(callback: CallbackQuery, session: AsyncSession) -> None:
    from bot.reports import annual

    content = await annual.template_bytes(session)
    await callback.answer()
    assert callback.bot is not None
    await callback.bot.send_document(
        callback.from_user.id, BufferedInputFile(content, filename=t.TEMPLATE_FILE)
    )


async def on_template_upload(callback: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(ReportStates.template)
    await respond(callback, t.TEMPLATE_ASK)


async def on_template_file(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    bot: Bot,
    person: Person | None,
) -> None:
    from bot.reports import annual

    assert message.document is not None
    name = message.document.file_name or ""
    try:
        content = await download(bot, message.document)
        await annual.upload_template(session, person, name, content, settings.tz)
    except InvalidInput as exc:
        await message.answer(escape(str(exc)) + "\n" + t.TEMPLATE_WAITING)
        return
    await state.clear()
    await message.answer(t.TEMPLATE_ACCEPTED.format(name=escape(name)))
    await _show_menu(message, period.current_school_year(settings.tz))


async def on_template_other(message: Message) -> None:
    await message.answer(t.TEMPLATE_WAITING)


def build_router() -> Router:
    router = Router(name="admin_reports")
    router.callback_query.register(on_section, AdminCb.filter(F.section == "reports"))
    router.callback_query.register(on_menu, ReportCb.filter(F.a == "menu"))
    router.callback_query.register(on_periods, ReportCb.filter(F.a == "periods"))
    router.callback_query.register(on_type, ReportCb.filter(F.a == "type"))
    router.callback_query.register(on_indicators, ReportCb.filter(F.a == "ind"))
    router.callback_query.register(on_indicators_xlsx, ReportCb.filter(F.a == "indx"))
    router.callback_query.register(on_annual, ReportCb.filter(F.a == "annual"))
    router.callback_query.register(on_exports, ReportCb.filter(F.a == "exp"))
    router.callback_query.register(on_file, ReportCb.filter(F.a == "file"))
    router.callback_query.register(on_template, ReportCb.filter(F.a == "tpl"))
    router.callback_query.register(on_template_get, ReportCb.filter(F.a == "tplget"))
    router.callback_query.register(on_template_upload, ReportCb.filter(F.a == "tplup"))
    router.message.register(on_period_text, ReportStates.period, F.text)
    router.message.register(on_template_file, ReportStates.template, F.document)
    router.message.register(on_template_other, ReportStates.template)
    return router
