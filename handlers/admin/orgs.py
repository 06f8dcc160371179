"""Organisations: import from a file sent in the chat, confirming ones typed in by people."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AdminCb, OrgCb
from bot.services import InvalidInput, org_import, organisations
from bot.services.tables import read_table
from bot.texts import common as tc
from bot.texts import orgs as t
from handlers.admin.files import download, refusal
from handlers.keyboards import column, inline, pager_row
from handlers.views import edit_markup, respond
from models import Organisation, OrgKind


class OrgImport(StatesGroup):
    waiting_file = State()
    confirm = State()


async def on_import_start(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(OrgImport.waiting_file)
    await respond(callback, t.IMPORT_ASK_FILE)
    template = BufferedInputFile(org_import.template(), filename=t.IMPORT_TEMPLATE_NAME)
    # Sent by chat id: the menu message may be too old to answer (InaccessibleMessage).
    assert callback.bot is not None
    await callback.bot.send_document(callback.from_user.id, template)


async def on_file(message: Message, state: FSMContext, session: AsyncSession, bot: Bot) -> None:
    assert message.document is not None
    try:
        content = await download(bot, message.document)
        table = read_table(message.document.file_name or "", content)
        rows, errors = org_import.parse(table)
    except InvalidInput as exc:
        await message.answer(refusal(t.IMPORT_REFUSED, str(exc)))
        return
    if errors:
        await message.answer(refusal(t.IMPORT_REFUSED, errors.report()))
        return
    plan = await org_import.plan(session, rows)
    await state.set_state(OrgImport.confirm)
    await state.update_data(
        rows=[
            {
                "name": r.name,
                "kind": r.kind.value,
                "municipality": r.municipality,
                "staff_count": r.staff_count,
            }
            for r in rows
        ]
    )
    keyboard = inline(
        [(t.IMPORT_CONFIRM, OrgCb(action="confirm")), (tc.CANCEL, OrgCb(action="cancel"))]
    )
    text = t.IMPORT_PREVIEW.format(total=len(rows), added=plan.added, updated=plan.updated)
    await message.answer(text, reply_markup=keyboard)


async def on_waiting_other(message: Message) -> None:
    await message.answer(t.IMPORT_WAITING_FILE)


async def on_confirm(callback: CallbackQuery, state: FSMContext, session: AsyncSession) -> None:
    data = await state.get_data()
    rows = [
        org_import.OrgRow(
            name=r["name"],
            kind=OrgKind(r["kind"]),
            municipality=r["municipality"],
            staff_count=r.get("staff_count"),
        )
        for r in data.get("rows", [])
    ]
    await state.clear()
    result = await org_import.apply(session, rows)
    await respond(callback, t.IMPORT_DONE.format(added=result.added, updated=result.updated))


async def on_cancel(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await respond(callback, tc.CANCELLED)


PENDING_PER_PAGE = 8


def _pending_keyboard(pending: list[Organisation], page: int) -> InlineKeyboardMarkup:
    pages = max(1, (len(pending) + PENDING_PER_PAGE - 1) // PENDING_PER_PAGE)
    page = min(page, pages - 1)
    shown = pending[page * PENDING_PER_PAGE : (page + 1) * PENDING_PER_PAGE]
    buttons = [(o.name[:60], OrgCb(action="approve", org_id=o.id, page=page)) for o in shown]
    return column(buttons, pager_row(lambda p: OrgCb(action="pending", page=p), page, pages))


async def on_pending(callback: CallbackQuery, session: AsyncSession) -> None:
    pending = await organisations.list_unconfirmed(session)
    if not pending:
        await respond(callback, t.PENDING_EMPTY)
        return
    await respond(callback, t.PENDING_TITLE, _pending_keyboard(pending, 0))


async def on_pending_page(
    callback: CallbackQuery, callback_data: OrgCb, session: AsyncSession
) -> None:
    pending = await organisations.list_unconfirmed(session)
    await callback.answer()
    if pending:
        await edit_markup(callback, _pending_keyboard(pending, callback_data.page))


async def on_approve(callback: CallbackQuery, callback_data: OrgCb, session: AsyncSession) -> None:
    org = await organisations.get(session, callback_data.org_id)
    if org is None or org.is_confirmed:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    org.is_confirmed = True
    await callback.answer(t.PENDING_CONFIRMED.format(name=org.name), show_alert=True)
    # The list shrinks at once, so the same organisation cannot be pressed again.
    pending = await organisations.list_unconfirmed(session)
    if pending:
        await edit_markup(callback, _pending_keyboard(pending, callback_data.page))
    elif isinstance(callback.message, Message):
        await callback.message.edit_text(t.PENDING_EMPTY)


def build_router() -> Router:
    router = Router(name="admin_orgs")
    router.callback_query.register(on_import_start, AdminCb.filter(F.section == "orgs_import"))
    router.callback_query.register(on_pending, AdminCb.filter(F.section == "orgs_pending"))
    router.message.register(on_file, OrgImport.waiting_file, F.document)
    router.message.register(on_waiting_other, OrgImport.waiting_file)
    router.callback_query.register(
        on_confirm, OrgCb.filter(F.action == "confirm"), OrgImport.confirm
    )
    router.callback_query.register(on_cancel, OrgCb.filter(F.action == "cancel"), OrgImport.confirm)
    router.callback_query.register(on_approve, OrgCb.filter(F.action == "approve"))
    router.callback_query.register(on_pending_page, OrgCb.filter(F.action == "pending"))
    return router
