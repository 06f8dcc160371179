"""Importing the yearly calendar of events from a file sent in the chat, and its template."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AdminCb, EvImportCb
from bot.config import Settings
from bot.services import InvalidInput, event_import
from bot.services.tables import read_table
from bot.texts import common as tc
from bot.texts import event_admin as t
from handlers.admin.files import download, refusal
from handlers.keyboards import inline
from handlers.views import respond
from models import Person


class EventImport(StatesGroup):
    waiting_file = State()
    confirm = State()


async def on_start(callback: CallbackQuery, state: FSMContext, settings: Settings) -> None:
    await state.clear()
    await state.set_state(EventImport.waiting_file)
    await respond(callback, t.IMPORT_ASK_FILE)
    template = BufferedInputFile(event_import.template(settings.tz), t.IMPORT_TEMPLATE_NAME)
    # Sent by chat id: the menu message may be too old to answer (InaccessibleMessage).
    assert callback.bot is not None
    await callback.bot.send_document(callback.from_user.id, template)


async def _parse(bot: Bot, message: Message, settings: Settings) -> list[event_import.ImportRow]:
    """The file's rows, all valid; InvalidInput with the report of every error otherwise."""
    assert message.document is not None
    content = await download(bot, message.document)
    table = read_table(message.document.file_name or "", content)
    rows, errors = event_import.parse(table, settings.tz)
    if errors:
        raise InvalidInput(errors.report())
    return rows


async def on_file(
    message: Message, state: FSMContext, session: AsyncSession, bot: Bot, settings: Settings
) -> None:
    try:
        rows = await _parse(bot, message, settings)
    except InvalidInput as exc:
        await message.answer(refusal(t.IMPORT_REFUSED, str(exc)))
        return
    plan = await event_import.plan(session, rows)
    assert message.document is not None
    # The file is parsed again on confirmation: FSM data keeps only its id, not every row.
    await state.set_state(EventImport.confirm)
    await state.update_data(file_id=message.document.file_id, file_name=message.document.file_name)
    keyboard = inline(
        [(t.IMPORT_CONFIRM, EvImportCb(action="confirm")), (tc.CANCEL, EvImportCb(action="cancel"))]
    )
    text = t.IMPORT_PREVIEW.format(
        total=len(rows), added=plan.added, updated=plan.updated, series=plan.series
    )
    await message.answer(text, reply_markup=keyboard)


async def on_waiting_other(message: Message) -> None:
    await message.answer(t.IMPORT_WAITING_FILE)


async def on_confirm(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    bot: Bot,
    settings: Settings,
    person: Person | None,
) -> None:
    data = await state.get_data()
    await state.clear()
    try:
        file = await bot.get_file(str(data.get("file_id")))
        assert file.file_path is not None
        buffer = await bot.download_file(file.file_path)
        assert buffer is not None
        table = read_table(str(data.get("file_name") or ""), buffer.read())
        rows, errors = event_import.parse(table, settings.tz)
        if errors:
            raise InvalidInput(errors.report())
    except InvalidInput as exc:
        await respond(callback, refusal(t.IMPORT_REFUSED, str(exc)))
        return
    result = await event_import.apply(session, rows, person)
    if isinstance(callback.message, Message):
        await callback.message.edit_reply_markup(reply_markup=None)
    await respond(callback, t.IMPORT_DONE.format(added=result.added, updated=result.updated))


async def on_cancel(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await respond(callback, tc.CANCELLED)


def build_router() -> Router:
    router = Router(name="admin_events_import")
    router.callback_query.register(on_start, AdminCb.filter(F.section == "events_import"))
    router.message.register(on_file, EventImport.waiting_file, F.document)
    router.message.register(on_waiting_other, EventImport.waiting_file)
    router.callback_query.register(
        on_confirm, EvImportCb.filter(F.action == "confirm"), EventImport.confirm
    )
    router.callback_query.register(
        on_cancel, EvImportCb.filter(F.action == "cancel"), EventImport.confirm
    )
    return router
