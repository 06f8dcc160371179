"""Organisations: import from a file sent in the chat, confirming ones typed in by people."""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AdminCb, OrgCb, OrgFixCb
from bot.services import InvalidInput, org_import, organisations
from bot.services.tables import read_table
from bot.texts import agree, count_people, inside_quotes, quoted
from bot.texts import common as tc
from bot.texts import orgs as t
from handlers.admin.files import download, refusal
from handlers.admin.menu import back_to_menu
from handlers.events import show
from handlers.keyboards import column, inline, pager_row
from handlers.views import respond, unless_not_modified
from models import Organisation, OrgKind, Person


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


class OrgFix(StatesGroup):
    rename = State()
    merge_query = State()


def _pending_keyboard(pending: list[Organisation], page: int) -> InlineKeyboardMarkup:
    pages = max(1, (len(pending) + PENDING_PER_PAGE - 1) // PENDING_PER_PAGE)
    page = min(page, pages - 1)
    shown = pending[page * PENDING_PER_PAGE : (page + 1) * PENDING_PER_PAGE]
    buttons = [(o.name[:60], OrgFixCb(a="card", o=o.id, p=page)) for o in shown]
    return column(
        buttons,
        pager_row(lambda p: OrgCb(action="pending", page=p), page, pages),
        back_to_menu(),
    )


async def _show_pending(
    callback: CallbackQuery, session: AsyncSession, page: int = 0, *, answered: bool = False
) -> None:
    pending = await organisations.list_unconfirmed(session)
    if pending:
        text, markup = t.PENDING_PICK, _pending_keyboard(pending, page)
    else:
        text, markup = t.PENDING_EMPTY, inline(back_to_menu())
    if not answered:
        await show(callback, text, markup)
    elif isinstance(callback.message, Message):
        with unless_not_modified():
            await callback.message.edit_text(text, reply_markup=markup)


async def on_pending(callback: CallbackQuery, session: AsyncSession, state: FSMContext) -> None:
    await state.clear()
    pending = await organisations.list_unconfirmed(session)
    if not pending:
        await respond(callback, t.PENDING_EMPTY, inline(back_to_menu()))
        return
    await respond(callback, t.PENDING_PICK, _pending_keyboard(pending, 0))


async def on_pending_page(
    callback: CallbackQuery, callback_data: OrgCb, session: AsyncSession
) -> None:
    await _show_pending(callback, session, callback_data.page)


def _name(org: Organisation) -> str:
    return escape(quoted(org.name))


async def _pending_org(
    callback: CallbackQuery, session: AsyncSession, org_id: int
) -> Organisation | None:
    org = await organisations.get(session, org_id)
    if org is None or org.is_confirmed:
        await callback.answer(t.NOT_FOUND, show_alert=True)
        return None
    return org


async def on_card(
    callback: CallbackQuery, callback_data: OrgFixCb, session: AsyncSession, state: FSMContext
) -> None:
    await state.clear()
    org = await _pending_org(callback, session, callback_data.o)
    if org is None:
        return
    people = await organisations.people_count(session, org.id)
    oid = org.id
    keyboard = inline(
        [(t.BTN_CONFIRM, OrgFixCb(a="ok", o=oid, p=callback_data.p))],
        [(t.BTN_RENAME, OrgFixCb(a="rename", o=oid))],
        [(t.BTN_MERGE, OrgFixCb(a="merge", o=oid))],
        [(t.BTN_REJECT, OrgFixCb(a="reject", o=oid))],
        [(t.BTN_TO_PENDING, OrgCb(action="pending", page=callback_data.p))],
    )
    await show(callback, t.CARD.format(name=escape(org.name), people=people), keyboard)


async def on_approve(
    callback: CallbackQuery, callback_data: OrgFixCb, session: AsyncSession, person: Person | None
) -> None:
    try:
        org = await organisations.confirm(session, person, callback_data.o)
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    await callback.answer(t.PENDING_CONFIRMED.format(name=inside_quotes(org.name)), show_alert=True)
    await _show_pending(callback, session, callback_data.p, answered=True)


async def on_rename_start(
    callback: CallbackQuery, callback_data: OrgFixCb, session: AsyncSession, state: FSMContext
) -> None:
    org = await _pending_org(callback, session, callback_data.o)
    if org is None:
        return
    await state.set_state(OrgFix.rename)
    await state.set_data({"org_id": org.id})
    await respond(callback, t.ASK_NAME, inline([(tc.BACK, OrgFixCb(a="card", o=org.id))]))


async def on_rename_text(
    message: Message, state: FSMContext, session: AsyncSession, person: Person | None
) -> None:
    data = await state.get_data()
    try:
        org = await organisations.rename(
            session, person, int(data.get("org_id", 0)), message.text or ""
        )
    except InvalidInput as exc:
        await message.answer(str(exc))
        return
    await state.clear()
    back = inline(
        [(t.BTN_TO_PENDING, OrgCb(action="pending"))], [(t.BTN_CONFIRM, OrgFixCb(a="ok", o=org.id))]
    )
    await message.answer(t.RENAMED.format(name=_name(org)), reply_markup=back)


async def on_merge_start(
    callback: CallbackQuery, callback_data: OrgFixCb, session: AsyncSession, state: FSMContext
) -> None:
    org = await _pending_org(callback, session, callback_data.o)
    if org is None:
        return
    await state.set_state(OrgFix.merge_query)
    await state.set_data({"org_id": org.id})
    back = inline([(tc.BACK, OrgFixCb(a="card", o=org.id))])
    await respond(callback, t.ASK_MERGE_QUERY.format(name=_name(org)), back)


async def on_merge_query(message: Message, state: FSMContext, session: AsyncSession) -> None:
    data = await state.get_data()
    source = await organisations.get(session, int(data.get("org_id", 0)))
    if source is None:
        await state.clear()
        await message.answer(t.NOT_FOUND)
        return
    try:
        found = await organisations.search(session, message.text or "")
    except InvalidInput as exc:
        await message.answer(str(exc))
        return
    found = [o for o in found if o.id != source.id]
    if not found:
        await message.answer(t.MERGE_NONE)
        return
    buttons = [(o.name[:60], OrgFixCb(a="into", o=source.id, t=o.id)) for o in found]
    back = [(tc.BACK, OrgFixCb(a="card", o=source.id))]
    await message.answer(
        t.MERGE_PICK.format(name=_name(source)), reply_markup=column(buttons, back)
    )


async def on_merge_pick(
    callback: CallbackQuery, callback_data: OrgFixCb, session: AsyncSession
) -> None:
    if callback_data.o == callback_data.t:
        await callback.answer(t.MERGE_SELF, show_alert=True)
        return
    source = await _pending_org(callback, session, callback_data.o)
    target = await organisations.get(session, callback_data.t)
    if source is None:
        return
    if target is None:
        await callback.answer(t.NOT_FOUND, show_alert=True)
        return
    count = await organisations.people_count(session, source.id)
    text = t.MERGE_CONFIRM.format(
        source=_name(source),
        target=_name(target),
        people=count_people(count),
        go=agree(count, *t.GO),
    )
    keyboard = inline(
        [(t.BTN_MERGE_YES, OrgFixCb(a="into_yes", o=source.id, t=target.id))],
        [(tc.BACK, OrgFixCb(a="card", o=source.id))],
    )
    await show(callback, text, keyboard)


async def on_merge_confirmed(
    callback: CallbackQuery,
    callback_data: OrgFixCb,
    session: AsyncSession,
    state: FSMContext,
    person: Person | None,
) -> None:
    source = await organisations.get(session, callback_data.o)
    name = _name(source) if source else ""
    try:
        target, count = await organisations.merge(session, person, callback_data.o, callback_data.t)
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    await state.clear()
    text = t.MERGED.format(
        source=name,
        target=_name(target),
        people=count_people(count),
        moved=agree(count, *t.MOVED),
    )
    await show(callback, text, inline([(t.BTN_TO_PENDING, OrgCb(action="pending"))]))


async def on_reject(
    callback: CallbackQuery, callback_data: OrgFixCb, session: AsyncSession
) -> None:
    org = await _pending_org(callback, session, callback_data.o)
    if org is None:
        return
    count = await organisations.people_count(session, org.id)
    keyboard = inline(
        [(t.BTN_REJECT_YES, OrgFixCb(a="reject_yes", o=org.id))],
        [(tc.BACK, OrgFixCb(a="card", o=org.id))],
    )
    await show(callback, t.REJECT_CONFIRM.format(name=_name(org), count=count), keyboard)


async def on_reject_confirmed(
    callback: CallbackQuery, callback_data: OrgFixCb, session: AsyncSession, person: Person | None
) -> None:
    org = await organisations.get(session, callback_data.o)
    name = _name(org) if org else ""
    try:
        await organisations.reject(session, person, callback_data.o)
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    await show(
        callback,
        t.REJECTED.format(name=name),
        inline([(t.BTN_TO_PENDING, OrgCb(action="pending"))]),
    )


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
    router.callback_query.register(on_pending_page, OrgCb.filter(F.action == "pending"))
    router.callback_query.register(on_card, OrgFixCb.filter(F.a == "card"))
    router.callback_query.register(on_approve, OrgFixCb.filter(F.a == "ok"))
    router.callback_query.register(on_rename_start, OrgFixCb.filter(F.a == "rename"))
    router.callback_query.register(on_merge_start, OrgFixCb.filter(F.a == "merge"))
    router.callback_query.register(on_merge_pick, OrgFixCb.filter(F.a == "into"))
    router.callback_query.register(on_merge_confirmed, OrgFixCb.filter(F.a == "into_yes"))
    router.callback_query.register(on_reject, OrgFixCb.filter(F.a == "reject"))
    router.callback_query.register(on_reject_confirmed, OrgFixCb.filter(F.a == "reject_yes"))
    text = F.text & ~F.text.startswith("/")
    router.message.register(on_rename_text, OrgFix.rename, text)
    router.message.register(on_merge_query, OrgFix.merge_query, text)
    return router
