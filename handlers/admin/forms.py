"""Methodologists: forms — coverage by organisation, area averages, answers, export, versions."""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AdminCb, AFormCb
from bot.config import Settings
from bot.services import InvalidInput, audit, form_stats, forms
from bot.services.form_schema import FormFileError, parse_form
from bot.texts import common as tc
from bot.texts import file_stem, inside_quotes, quantity
from bot.texts import forms_admin as t
from handlers.admin.exports import Format, send_table
from handlers.admin.files import download
from handlers.admin.menu import back_to_menu
from handlers.common import MENU_TEXTS
from handlers.keyboards import Button, column, inline
from handlers.views import respond
from models import Form, Person, Response, ResponseStatus
from models.base import utcnow

TEXT_LIMIT = 3800


class FormUpload(StatesGroup):
    waiting_file = State()
    confirm = State()


class FormPersonSearch(StatesGroup):
    query = State()


async def on_list(callback: CallbackQuery, session: AsyncSession, state: FSMContext) -> None:
    await state.clear()
    active = await forms.list_active(session)
    buttons: list[Button] = [
        (t.LIST_ITEM.format(title=f.title[:50], version=f.version), AFormCb(a="card", f=f.id))
        for f in active
    ]
    text = t.LIST_TITLE if active else t.LIST_EMPTY
    await respond(callback, text, column(buttons, [(t.UPLOAD, AFormCb(a="up"))], back_to_menu()))


async def _form(callback: CallbackQuery, session: AsyncSession, form_id: int) -> Form | None:
    form = await forms.get(session, form_id)
    if form is None:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
    return form


async def on_card(callback: CallbackQuery, callback_data: AFormCb, session: AsyncSession) -> None:
    form = await _form(callback, session, callback_data.f)
    if form is None:
        return
    form_def = forms.definition(form)
    counts = dict(
        (
            await session.execute(
                select(Response.status, func.count())
                .where(Response.form_code == form.code)
                .group_by(Response.status)
            )
        ).all()
    )
    text = t.CARD.format(
        title=escape(form.title),
        code=escape(form.code),
        version=form.version,
        purpose=t.PURPOSE.get(form.purpose, form.purpose),
        questions=len(form_def.questions),
        sections=len(form_def.sections),
        submitted=counts.get(ResponseStatus.SUBMITTED, 0),
        in_progress=counts.get(ResponseStatus.IN_PROGRESS, 0),
    )
    rows: list[list[Button]] = [[(t.COVERAGE, AFormCb(a="cov", f=form.id))]]
    if form_def.areas:
        rows.append([(t.AVERAGES, AFormCb(a="avg", f=form.id))])
    rows += [
        [(t.ANSWERS, AFormCb(a="who", f=form.id))],
        [(t.EXPORT, AFormCb(a="xlsx", f=form.id)), (t.EXPORT_CSV, AFormCb(a="csv", f=form.id))],
        [(t.DOWNLOAD_SOURCE, AFormCb(a="src", f=form.id))],
        [(tc.BACK, AdminCb(section="forms"))],
    ]
    await respond(callback, text, inline(*rows))


def _clip(lines: list[str], tail: str) -> str:
    text = ""
    for line in lines:
        if len(text) + len(line) > TEXT_LIMIT:
            return text + tail
        text += line + "\n"
    return text


async def on_coverage(
    callback: CallbackQuery, callback_data: AFormCb, session: AsyncSession
) -> None:
    form = await _form(callback, session, callback_data.f)
    if form is None:
        return
    entries = await form_stats.coverage(session, form)
    if not entries:
        await respond(callback, t.COVERAGE_EMPTY)
        return
    lines = [t.COVERAGE_TITLE.format(title=escape(form.title))]
    for entry in entries:
        in_progress = (
            t.COVERAGE_IN_PROGRESS.format(count=len(entry.in_progress)) if entry.in_progress else ""
        )
        lines.append(
            t.COVERAGE_LINE.format(
                org=escape(entry.name),
                submitted=len(entry.submitted),
                total=entry.total,
                in_progress=in_progress,
            )
        )
        missing = entry.in_progress + entry.not_started
        if missing:
            lines.append(t.COVERAGE_MISSING.format(names=escape(", ".join(missing[:15]))))
    submitted = sum(len(e.submitted) for e in entries)
    total = sum(e.total for e in entries)
    lines.append(t.COVERAGE_TOTAL.format(submitted=submitted, total=total))
    await respond(callback, _clip(lines, t.COVERAGE_TRUNCATED))


async def on_averages(
    callback: CallbackQuery, callback_data: AFormCb, session: AsyncSession
) -> None:
    form = await _form(callback, session, callback_data.f)
    if form is None:
        return
    form_def = forms.definition(form)
    if not form_def.areas:
        await respond(callback, t.AVERAGES_NOT_DIAGNOSTIC)
        return
    averages = await form_stats.area_averages(session, form)
    if not averages:
        await respond(callback, t.AVERAGES_EMPTY)
        return
    lines = [t.AVERAGES_TITLE.format(title=escape(form.title))]
    for item in sorted(averages, key=lambda a: a.average):
        area = form_def.area(item.code)
        threshold = form_def.threshold_of(area) if area else form_def.threshold
        lines.append(
            t.AVERAGES_LINE.format(
                mark="🟠" if item.average < threshold else "🟢",
                area=escape(item.title),
                average=f"{item.average:.2f}".replace(".", ","),
                count=item.count,
                below=quantity(item.below, "человека", "человек", "человек"),
            )
        )
    await respond(callback, _clip(lines, ""))


async def on_who(callback: CallbackQuery, callback_data: AFormCb, state: FSMContext) -> None:
    await state.set_state(FormPersonSearch.query)
    await state.update_data(form_id=callback_data.f)
    await respond(callback, t.ASK_PERSON, inline([(tc.BACK, AFormCb(a="card", f=callback_data.f))]))


async def _show_answers(
    event: Message | CallbackQuery, session: AsyncSession, form: Form, person: Person
) -> None:
    name = escape(person.full_name or t.ANONYMOUS)
    found = await form_stats.person_answers(session, person.id, form.code)
    if found is None:
        await respond(event, t.PERSON_NO_ANSWERS.format(name=name))
        return
    response, answers = found
    lines = [
        t.PERSON_ANSWERS.format(
            name=name,
            form=escape(form.title),
            status=t.STATUS[response.status.value],
            version=response.form.version,
        )
    ]
    lines += [
        t.PERSON_ANSWER_LINE.format(
            question=escape(_short(a.question, 120)), value=escape(_short(a.value, 300))
        )
        for a in answers
    ]
    await respond(event, _clip(lines, t.COVERAGE_TRUNCATED))


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def on_query(message: Message, session: AsyncSession, state: FSMContext) -> None:
    data = await state.get_data()
    form = await forms.get(session, int(data.get("form_id") or 0))
    if form is None:
        await state.clear()
        await message.answer(tc.STALE_BUTTON)
        return
    people_found = await form_stats.find_people(session, message.text or "")
    if not people_found:
        await message.answer(t.PERSON_NOT_FOUND)
        return
    if len(people_found) == 1:
        await state.clear()
        await _show_answers(message, session, form, people_found[0])
        return
    buttons: list[Button] = [
        (p.full_name or str(p.telegram_id), AFormCb(a="pick", f=form.id, p=p.id))
        for p in people_found
    ]
    await message.answer(t.PERSON_CHOOSE, reply_markup=column(buttons))


async def on_pick(
    callback: CallbackQuery, callback_data: AFormCb, session: AsyncSession, state: FSMContext
) -> None:
    form = await _form(callback, session, callback_data.f)
    person = await session.get(Person, callback_data.p)
    if form is None:
        return
    if person is None:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    await state.clear()
    await _show_answers(callback, session, form, person)


async def on_export(
    callback: CallbackQuery,
    callback_data: AFormCb,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    form = await _form(callback, session, callback_data.f)
    if form is None:
        return
    headers, rows = await form_stats.export_rows(session, form, settings.tz)
    # Named by the form's title and the day of the export, not by its code.
    name = t.EXPORT_NAME.format(stem=file_stem(form.title, utcnow(), settings.tz))
    fmt: Format = "csv" if callback_data.a == "csv" else "xlsx"
    audit.record(
        session,
        person,
        "export.form",
        object_kind="form",
        object_id=form.id,
        fmt=fmt,
        rows=len(rows),
    )
    await send_table(callback, headers, rows, fmt=fmt, filename=name, title=form.code)


async def on_source(callback: CallbackQuery, callback_data: AFormCb, session: AsyncSession) -> None:
    form = await _form(callback, session, callback_data.f)
    if form is None:
        return
    await callback.answer()
    assert callback.bot is not None
    await callback.bot.send_document(
        callback.from_user.id,
        BufferedInputFile(form.source.encode("utf-8"), filename=f"{form.code}.yaml"),
    )


async def on_upload_start(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(FormUpload.waiting_file)
    await respond(callback, t.UPLOAD_ASK, inline([(tc.CANCEL, AFormCb(a="list"))]))


async def on_file(message: Message, state: FSMContext, session: AsyncSession, bot: Bot) -> None:
    assert message.document is not None
    name = message.document.file_name or "form.yaml"
    try:
        content = await download(bot, message.document)
        source = forms.decode_upload(name, content)
        form_def = parse_form(name, source)
    except (InvalidInput, FormFileError) as exc:
        await message.answer(t.UPLOAD_REFUSED.format(error=escape(str(exc))))
        return
    same = await forms.find_version(session, form_def.code, source)
    if same is not None:
        await state.clear()
        await message.answer(
            t.UPLOAD_SAME.format(version=same.version, title=escape(inside_quotes(same.title)))
        )
        return
    last = await session.scalar(select(func.max(Form.version)).where(Form.code == form_def.code))
    outline = "\n".join(
        t.UPLOAD_OUTLINE_LINE.format(
            n=i,
            title=escape(s.title),
            count=quantity(len(s.questions), "вопрос", "вопроса", "вопросов"),
        )
        for i, s in enumerate(form_def.sections, 1)
    )
    await state.set_state(FormUpload.confirm)
    await state.update_data(name=name, source=source)
    text = t.UPLOAD_PREVIEW.format(
        title=escape(inside_quotes(form_def.title)),
        code=escape(form_def.code),
        version=(last or 0) + 1,
        new="" if last else t.UPLOAD_NEW_FORM,
        sections=len(form_def.sections),
        questions=len(form_def.questions),
        areas=len(form_def.areas),
        outline=outline,
    )
    keyboard = inline([(t.UPLOAD_ACTIVATE, AFormCb(a="act"))], [(tc.CANCEL, AFormCb(a="list"))])
    await message.answer(text, reply_markup=keyboard)


async def on_waiting_other(message: Message) -> None:
    await message.answer(t.UPLOAD_WAITING)


async def on_activate(
    callback: CallbackQuery, state: FSMContext, session: AsyncSession, person: Person | None
) -> None:
    data = await state.get_data()
    await state.clear()
    try:
        form_def = parse_form(str(data["name"]), str(data["source"]))
    except (KeyError, FormFileError):
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    result = await forms.add_version(
        session,
        form_def,
        str(data["source"]),
        source_name=str(data["name"]),
        created_by_id=person.id if person else None,
    )
    audit.record(
        session,
        person,
        "form.upload",
        object_kind="form",
        object_id=result.form.id,
        code=result.form.code,
        version=result.form.version,
    )
    await respond(
        callback,
        t.UPLOAD_DONE.format(
            version=result.form.version, title=escape(inside_quotes(result.form.title))
        ),
    )


def build_router() -> Router:
    router = Router(name="admin_forms")
    router.callback_query.register(on_list, AdminCb.filter(F.section == "forms"))
    router.callback_query.register(on_list, AFormCb.filter(F.a == "list"))
    router.callback_query.register(on_card, AFormCb.filter(F.a == "card"))
    router.callback_query.register(on_coverage, AFormCb.filter(F.a == "cov"))
    router.callback_query.register(on_averages, AFormCb.filter(F.a == "avg"))
    router.callback_query.register(on_who, AFormCb.filter(F.a == "who"))
    router.callback_query.register(on_pick, AFormCb.filter(F.a == "pick"))
    router.callback_query.register(on_export, AFormCb.filter(F.a.in_({"xlsx", "csv"})))
    router.callback_query.register(on_source, AFormCb.filter(F.a == "src"))
    router.callback_query.register(on_upload_start, AFormCb.filter(F.a == "up"))
    router.callback_query.register(on_activate, AFormCb.filter(F.a == "act"), FormUpload.confirm)
    router.message.register(on_file, FormUpload.waiting_file, F.document)
    router.message.register(
        on_waiting_other, FormUpload.waiting_file, ~F.text.in_(MENU_TEXTS) | ~F.text
    )
    router.message.register(
        on_query, FormPersonSearch.query, F.text & ~F.text.startswith("/") & ~F.text.in_(MENU_TEXTS)
    )
    return router
