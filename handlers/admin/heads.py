"""/admin → «Подтверждение руководителей»: pending claims, confirmed heads and revoking."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AdminCb, HeadReqCb
from bot.config import Settings
from bot.services import heads
from bot.texts import common as tc
from bot.texts import fmt_datetime
from bot.texts import heads as t
from bot.texts import onboarding as to
from handlers.admin.menu import back_to_menu
from handlers.keyboards import Button, column, inline, pager_row
from handlers.views import organisation_label, respond, yes_no
from models import Person, Role, RoleRequestStatus

PER_PAGE = 8


async def on_section(callback: CallbackQuery, session: AsyncSession, is_admin: bool) -> None:
    await _list(callback, session, is_admin, 0)


async def on_list(
    callback: CallbackQuery, callback_data: HeadReqCb, session: AsyncSession, is_admin: bool
) -> None:
    await _list(callback, session, is_admin, max(0, callback_data.p))


async def _list(callback: CallbackQuery, session: AsyncSession, is_admin: bool, page: int) -> None:
    found, total = await heads.pending(session, is_admin, page, PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    buttons: list[Button] = []
    for request, person in found:
        label = f"{person.full_name or t.ANONYMOUS} — {t.ROLE_CLAIM[request.role.value]}"
        buttons.append((label[:60], HeadReqCb(a="card", i=request.id, p=page)))
    text = t.LIST_TITLE.format(count=total) if total else t.LIST_EMPTY
    keyboard = column(
        buttons,
        pager_row(lambda p: HeadReqCb(a="list", p=p), page, pages),
        [(t.CONFIRMED_LIST, HeadReqCb(a="heads"))],
        back_to_menu(),
    )
    await respond(callback, text, keyboard)


async def on_card(
    callback: CallbackQuery,
    callback_data: HeadReqCb,
    session: AsyncSession,
    is_admin: bool,
    settings: Settings,
) -> None:
    found = await heads.card(session, callback_data.i, is_admin)
    if found is None:
        await callback.answer(t.REQUEST_GONE, show_alert=True)
        return
    person, request = found.person, found.request
    text = t.CARD.format(
        number=request.id,
        status=t.STATUS[request.status.value],
        full_name=escape(person.full_name or t.ANONYMOUS),
        role=t.ROLE_CLAIM[request.role.value],
        organisation=organisation_label(found.organisation),
        position=escape(person.position or to.NOT_SET),
        young=yes_no(person.is_young_specialist),
        reserve=yes_no(person.is_management_reserve),
        registered=fmt_datetime(person.created_at, settings.tz),
        created=fmt_datetime(request.created_at, settings.tz),
    )
    if request.role == Role.METHODICAL_STAFF:
        text += t.CARD_METHODIST_HINT
    elif found.confirmed_colleagues:
        text += t.CARD_COLLEAGUES.format(count=found.confirmed_colleagues)
    decide: list[Button] = []
    if request.status == RoleRequestStatus.PENDING:
        decide = [
            (t.CONFIRM, HeadReqCb(a="yes", i=request.id)),
            (t.REJECT, HeadReqCb(a="no", i=request.id)),
        ]
    keyboard = inline(decide, [(tc.BACK, HeadReqCb(a="list", p=callback_data.p))])
    await respond(callback, text, keyboard)


async def on_decide(
    callback: CallbackQuery,
    callback_data: HeadReqCb,
    session: AsyncSession,
    person: Person | None,
    is_admin: bool,
) -> None:
    text = await heads.decide(
        session, callback_data.i, person, confirm=callback_data.a == "yes", is_admin=is_admin
    )
    if text == t.REQUEST_GONE:
        await callback.answer(text, show_alert=True)
        return
    await respond(callback, text, inline([(tc.BACK, HeadReqCb(a="list"))], back_to_menu()))


async def on_heads(
    callback: CallbackQuery, callback_data: HeadReqCb, session: AsyncSession
) -> None:
    page = max(0, callback_data.p)
    found, total = await heads.confirmed_heads(session, page, PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    buttons: list[Button] = []
    for head in found:
        org = head.organisation.name if head.organisation else t.NO_ORGANISATION
        buttons.append((f"{head.full_name} — {org}"[:60], HeadReqCb(a="head", i=head.id, p=page)))
    text = t.CONFIRMED_TITLE.format(count=total) if total else t.CONFIRMED_EMPTY
    keyboard = column(
        buttons,
        pager_row(lambda p: HeadReqCb(a="heads", p=p), page, pages),
        [(tc.BACK, HeadReqCb(a="list"))],
        back_to_menu(),
    )
    await respond(callback, text, keyboard)


async def on_head(callback: CallbackQuery, callback_data: HeadReqCb, session: AsyncSession) -> None:
    """Ask before revoking a confirmed head."""
    head = await session.get(Person, callback_data.i)
    if head is None or head.confirmed_org_id is None:
        await callback.answer(t.NOT_CONFIRMED, show_alert=True)
        return
    org = head.organisation.name if head.organisation else t.NO_ORGANISATION
    text = t.REVOKE_ASK.format(name=escape(head.full_name or ""), organisation=escape(org))
    keyboard = inline(
        [(t.REVOKE_YES, HeadReqCb(a="revoke", i=head.id))],
        [(tc.BACK, HeadReqCb(a="heads", p=callback_data.p))],
    )
    await respond(callback, text, keyboard)


async def on_revoke(
    callback: CallbackQuery, callback_data: HeadReqCb, session: AsyncSession, person: Person | None
) -> None:
    text = await heads.revoke(session, callback_data.i, person)
    if text == t.NOT_CONFIRMED:
        await callback.answer(text, show_alert=True)
        return
    await respond(callback, text, inline([(tc.BACK, HeadReqCb(a="heads"))], back_to_menu()))


def build_router() -> Router:
    router = Router(name="admin_heads")
    router.callback_query.register(on_section, AdminCb.filter(F.section == "heads"))
    router.callback_query.register(on_list, HeadReqCb.filter(F.a == "list"))
    router.callback_query.register(on_card, HeadReqCb.filter(F.a == "card"))
    router.callback_query.register(on_decide, HeadReqCb.filter(F.a.in_({"yes", "no"})))
    router.callback_query.register(on_heads, HeadReqCb.filter(F.a == "heads"))
    router.callback_query.register(on_head, HeadReqCb.filter(F.a == "head"))
    router.callback_query.register(on_revoke, HeadReqCb.filter(F.a == "revoke"))
    return router
