"""Granting and revoking the methodologist role (admins only): in the chat by finding the person
by name or organisation, or with /grant_methodist and /revoke_methodist <telegram id> for scripts."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AdminCb, StaffCb
from bot.config import Settings
from bot.services import people, roles
from bot.services.roles import Outcome
from bot.texts import admin as t
from bot.texts import common as tc
from bot.texts import inside_quotes
from bot.texts import onboarding as to
from handlers.admin.menu import back_to_menu
from handlers.keyboards import Button, column, inline
from handlers.views import respond
from models import Person

_TEXT = F.text & ~F.text.startswith("/")


class StaffSteps(StatesGroup):
    query = State()


def _outcome_text(outcome: Outcome, person: Person | None) -> str:
    name = escape(person.full_name or "") if person else ""
    return {
        Outcome.GRANTED: t.STAFF_GRANTED,
        Outcome.REVOKED: t.STAFF_REVOKED,
        Outcome.ALREADY: t.STAFF_ALREADY,
        Outcome.NOT_METHODIST: t.STAFF_NOT_METHODIST,
        Outcome.IS_ADMIN: t.STAFF_IS_ADMIN,
        Outcome.GONE: t.STAFF_GONE,
    }[outcome].format(name=name)


def _admin_refusal(person: Person, settings: Settings) -> str:
    if person.telegram_id in settings.admin_ids:
        return t.STAFF_IS_CONFIGURED_ADMIN.format(name=escape(person.full_name or ""))
    return t.STAFF_IS_ADMIN.format(name=escape(person.full_name or ""))


async def on_staff(
    callback: CallbackQuery, session: AsyncSession, state: FSMContext, is_admin: bool
) -> None:
    await state.clear()
    await _list(callback, session, is_admin)


async def _list(event: CallbackQuery | Message, session: AsyncSession, is_admin: bool) -> None:
    staff = await people.list_staff(session)
    lines = [
        t.STAFF_LINE.format(
            name=escape(p.full_name or ""),
            role=to.ROLE_LABELS[p.role].lower(),
            organisation=f", {escape(p.organisation.name)}" if p.organisation else "",
        )
        for p in staff
    ]
    text = t.STAFF_LIST.format(people="\n".join(lines) or t.STAFF_NONE)
    buttons: list[Button] = []
    if is_admin:
        text += "\n\n" + t.STAFF_USAGE_CHAT
        buttons = [
            (
                t.STAFF_REVOKE_BUTTON.format(name=p.full_name or "")[:64],
                StaffCb(a="pick_revoke", i=p.id),
            )
            for p in staff
            if p.role.value == "methodologist"
        ]
        buttons.insert(0, (t.STAFF_FIND, StaffCb(a="find")))
    else:
        text += "\n\n" + t.STAFF_ONLY_ADMIN
    await respond(event, text, column(buttons, back_to_menu()))


async def _refuse_non_admin(callback: CallbackQuery, is_admin: bool) -> bool:
    if not is_admin:
        await callback.answer(t.STAFF_ONLY_ADMIN, show_alert=True)
        return True
    return False


async def on_find(callback: CallbackQuery, state: FSMContext, is_admin: bool) -> None:
    if await _refuse_non_admin(callback, is_admin):
        return
    await state.set_state(StaffSteps.query)
    await respond(callback, t.STAFF_ASK_QUERY, inline([(tc.BACK, AdminCb(section="staff"))]))


async def on_query(
    message: Message, session: AsyncSession, state: FSMContext, is_admin: bool
) -> None:
    if not is_admin:
        await state.clear()
        await message.answer(t.STAFF_ONLY_ADMIN)
        return
    query = " ".join((message.text or "").split())[:100]
    found = await roles.find(session, query)
    back = [(tc.BACK, AdminCb(section="staff"))]
    if found is None:
        await message.answer(t.STAFF_QUERY_SHORT, reply_markup=inline(back))
        return
    if not found:
        await message.answer(
            t.STAFF_FOUND_NONE.format(query=escape(inside_quotes(query))), reply_markup=inline(back)
        )
        return
    buttons: list[Button] = []
    for p in found:
        org = f" — {p.organisation.name}" if p.organisation else ""
        buttons.append((f"{p.full_name}{org}"[:64], StaffCb(a="pick", i=p.id)))
    await message.answer(t.STAFF_FOUND.format(count=len(found)), reply_markup=column(buttons, back))


async def on_pick(
    callback: CallbackQuery,
    callback_data: StaffCb,
    session: AsyncSession,
    is_admin: bool,
    settings: Settings,
) -> None:
    """Confirmation before granting (pick) or revoking (pick_revoke)."""
    if await _refuse_non_admin(callback, is_admin):
        return
    person = await session.get(Person, callback_data.i)
    if person is None or person.telegram_id is None or person.deleted_at is not None:
        await callback.answer(t.STAFF_GONE, show_alert=True)
        return
    if person.role.value == "admin" or person.telegram_id in settings.admin_ids:
        await callback.answer(_admin_refusal(person, settings), show_alert=True)
        return
    name = escape(person.full_name or "")
    if callback_data.a == "pick":
        org = escape(person.organisation.name) if person.organisation else to.NOT_SET
        text = t.STAFF_CONFIRM_GRANT.format(
            name=name, organisation=org, role=to.ROLE_LABELS[person.role].lower()
        )
        yes: Button = (t.STAFF_YES_GRANT, StaffCb(a="grant", i=person.id))
    else:
        text = t.STAFF_CONFIRM_REVOKE.format(name=name)
        yes = (t.STAFF_YES_REVOKE, StaffCb(a="revoke", i=person.id))
    await respond(callback, text, inline([yes], [(tc.BACK, AdminCb(section="staff"))]))


async def on_change(
    callback: CallbackQuery,
    callback_data: StaffCb,
    session: AsyncSession,
    state: FSMContext,
    person: Person | None,
    is_admin: bool,
    settings: Settings,
) -> None:
    if await _refuse_non_admin(callback, is_admin):
        return
    target = await session.get(Person, callback_data.i)
    grant = callback_data.a == "grant"
    outcome = await roles.change_methodologist(session, target, grant, person, settings.admin_ids)
    await state.clear()
    if outcome == Outcome.IS_ADMIN and target is not None:
        text = _admin_refusal(target, settings)
    else:
        text = _outcome_text(outcome, target)
    await respond(callback, text, inline([(tc.BACK, AdminCb(section="staff"))], back_to_menu()))


async def on_role_command(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    person: Person | None,
    is_admin: bool,
    settings: Settings,
) -> None:
    if not is_admin:
        await message.answer(t.STAFF_ONLY_ADMIN)
        return
    arg = (command.args or "").strip()
    if not arg.isdigit():
        await message.answer(t.STAFF_BAD_ID)
        return
    target = await people.get_by_telegram_id(session, int(arg))
    if target is None:
        await message.answer(t.STAFF_NOT_FOUND.format(telegram_id=int(arg)))
        return
    grant = command.command == "grant_methodist"
    outcome = await roles.change_methodologist(session, target, grant, person, settings.admin_ids)
    if outcome == Outcome.IS_ADMIN:
        await message.answer(_admin_refusal(target, settings))
        return
    await message.answer(_outcome_text(outcome, target))


def build_router() -> Router:
    router = Router(name="admin_staff")
    router.callback_query.register(on_staff, AdminCb.filter(F.section == "staff"))
    router.callback_query.register(on_find, StaffCb.filter(F.a == "find"))
    router.message.register(on_query, StaffSteps.query, _TEXT)
    router.callback_query.register(on_pick, StaffCb.filter(F.a.in_({"pick", "pick_revoke"})))
    router.callback_query.register(on_change, StaffCb.filter(F.a.in_({"grant", "revoke"})))
    router.message.register(on_role_command, Command("grant_methodist", "revoke_methodist"))
    return router
