"""«Кто не ответил»: the list of those who have not answered a form, and a one-tap reminder.

Methodologists see everyone (o=0) or one organisation; a confirmed head only their own
organisation: any other `o` in a button, forged or stale, is refused without a word of data.
"""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.dispatcher.flags import get_flag
from aiogram.types import CallbackQuery, TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AdminCb, ChaseCb, MyOrgCb
from bot.config import Settings
from bot.middlewares import Handler
from bot.services import audit, chase, forms, organisations
from bot.texts import common as tc
from bot.texts import count_people, fmt_date, quantity
from bot.texts import heads as t
from handlers.admin.menu import back_to_menu
from handlers.keyboards import Button, column, inline, pager_row
from handlers.views import respond
from models import Person

PER_PAGE = 20
EVENTS_PER_PAGE = 8


def _allowed(org_id: int, person: Person | None, is_staff: bool) -> bool:
    if is_staff:
        return True
    return org_id != 0 and person is not None and person.confirmed_org_id == org_id


def _home(o: int, is_staff: bool) -> list[Button]:
    if is_staff:
        return back_to_menu()
    return [(t.BACK_TO_ORG, MyOrgCb(a="menu"))]


async def _subject(session: AsyncSession, data: ChaseCb) -> chase.Subject | None:
    if data.e:
        return await chase.event_subject(session, data.e)
    return await chase.form_subject(session, data.f)


class ChaseAccess(BaseMiddleware):
    """Inner middleware: every «Кто не ответил» button is checked against the organisation it
    names (methodologists: any, `o=0` being everyone; a confirmed head: only their own), and a
    handler flagged `subject` gets the form or event the button is about (a stale one is
    refused)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        cb = data.get("callback_data")
        if not isinstance(cb, ChaseCb) or not isinstance(event, CallbackQuery):
            return await handler(event, data)
        if not _allowed(cb.o, data.get("person"), bool(data.get("is_staff"))):
            await event.answer(t.CHASE_NOT_ALLOWED, show_alert=True)
            return None
        if get_flag(data, "subject"):
            subject = await _subject(data["session"], cb)
            if subject is None:
                await event.answer(tc.STALE_BUTTON, show_alert=True)
                return None
            data["subject"] = subject
        return await handler(event, data)


async def on_section(callback: CallbackQuery, session: AsyncSession, is_staff: bool) -> None:
    """/admin → «Кто не ответил»."""
    if not is_staff:
        await callback.answer(tc.NOT_ALLOWED, show_alert=True)
        return
    await _menu(callback, session, 0, is_staff)


async def on_menu(
    callback: CallbackQuery, callback_data: ChaseCb, session: AsyncSession, is_staff: bool
) -> None:
    await _menu(callback, session, callback_data.o, is_staff)


async def _menu(callback: CallbackQuery, session: AsyncSession, o: int, is_staff: bool) -> None:
    next_step = "scope" if o == 0 else "list"
    buttons: list[Button] = [
        (
            t.CHASE_FORM_BUTTON.format(title=forms.definition(f).title)[:64],
            ChaseCb(a=next_step, f=f.id, o=o),
        )
        for f in await forms.list_active(session, "diagnostic")
    ]
    buttons.append((t.CHASE_EVENTS, ChaseCb(a="events", o=o)))
    await respond(callback, t.CHASE_PICK, column(buttons, _home(o, is_staff)))


async def on_events(
    callback: CallbackQuery, callback_data: ChaseCb, session: AsyncSession, settings: Settings
) -> None:
    o = callback_data.o
    page = max(0, callback_data.p)
    events, total = await chase.feedback_events(session, o or None, page, EVENTS_PER_PAGE)
    pages = max(1, -(-total // EVENTS_PER_PAGE))
    next_step = "scope" if o == 0 else "list"
    buttons: list[Button] = [
        (
            t.CHASE_EVENT_BUTTON.format(date=fmt_date(e.starts_at, settings.tz), title=e.title)[
                :64
            ],
            ChaseCb(a=next_step, e=e.id, o=o),
        )
        for e in events
    ]
    text = t.CHASE_EVENTS_TITLE if events else t.CHASE_EVENTS_EMPTY
    keyboard = column(
        buttons,
        pager_row(lambda p: ChaseCb(a="events", o=o, p=p), page, pages),
        [(tc.BACK, ChaseCb(a="menu", o=o))],
    )
    await respond(callback, text, keyboard)


async def on_scope(
    callback: CallbackQuery,
    callback_data: ChaseCb,
    session: AsyncSession,
    is_staff: bool,
    subject: chase.Subject,
) -> None:
    """Methodologists: the non-responders by organisation, to chase all or one of them."""
    if not is_staff:
        await callback.answer(t.CHASE_NOT_ALLOWED, show_alert=True)
        return
    people = await chase.missing(session, subject, None)
    if not people:
        await respond(callback, t.CHASE_NONE, inline([(tc.BACK, ChaseCb(a="menu"))]))
        return
    groups = chase.by_organisation(people)
    page = max(0, callback_data.p)
    pages = max(1, -(-len(groups) // PER_PAGE))
    f, e = callback_data.f, callback_data.e
    buttons: list[Button] = [(t.CHASE_ALL.format(count=len(people)), ChaseCb(a="list", f=f, e=e))]
    buttons.extend(
        (t.CHASE_ORG_BUTTON.format(name=name, count=n)[:64], ChaseCb(a="list", f=f, e=e, o=org_id))
        for org_id, name, n in groups[page * PER_PAGE : (page + 1) * PER_PAGE]
    )
    text = t.CHASE_SCOPE.format(title=escape(subject.title), count=len(people))
    keyboard = column(
        buttons,
        pager_row(lambda p: ChaseCb(a="scope", f=f, e=e, p=p), page, pages),
        [(tc.BACK, ChaseCb(a="menu"))],
    )
    await respond(callback, text, keyboard)


async def on_list(
    callback: CallbackQuery,
    callback_data: ChaseCb,
    session: AsyncSession,
    is_staff: bool,
    subject: chase.Subject,
) -> None:
    o = callback_data.o
    people = await chase.missing(session, subject, o or None)
    f, e = callback_data.f, callback_data.e
    back = ChaseCb(a="scope", f=f, e=e) if is_staff else ChaseCb(a="menu", o=o)
    if not people:
        await respond(callback, t.CHASE_NONE, inline([(tc.BACK, back)]))
        return
    page = max(0, callback_data.p)
    pages = max(1, -(-len(people) // PER_PAGE))
    page = min(page, pages - 1)
    lines = []
    for n, p in enumerate(
        people[page * PER_PAGE : (page + 1) * PER_PAGE], start=page * PER_PAGE + 1
    ):
        org = f" ({escape(p.organisation.name)})" if o == 0 and p.organisation else ""
        lines.append(t.CHASE_LINE.format(n=n, full_name=escape(p.full_name or ""), org=org))
    if o == 0:
        scope = t.CHASE_SCOPE_ALL
    else:
        org_row = await organisations.get(session, o)
        scope = escape(org_row.name) if org_row else ""
    text = t.CHASE_LIST.format(
        title=escape(subject.title), scope=scope, count=len(people), lines="\n".join(lines)
    )
    keyboard = inline(
        pager_row(lambda p: ChaseCb(a="list", f=f, e=e, o=o, p=p), page, pages),
        [(t.CHASE_REMIND.format(count=len(people)), ChaseCb(a="ask", f=f, e=e, o=o))],
        [(tc.BACK, back)],
    )
    await respond(callback, text, keyboard)


async def on_ask(
    callback: CallbackQuery, callback_data: ChaseCb, session: AsyncSession, subject: chase.Subject
) -> None:
    """Confirmation before anything is sent, with the count."""
    o, f, e = callback_data.o, callback_data.f, callback_data.e
    people = await chase.missing(session, subject, o or None)
    if not people:
        await respond(callback, t.CHASE_NONE)
        return
    text = t.CHASE_CONFIRM.format(
        people=quantity(len(people), "получателю", "получателям", "получателям")
    )
    keyboard = inline(
        [(t.CHASE_SEND, ChaseCb(a="send", f=f, e=e, o=o))],
        [(tc.CANCEL, ChaseCb(a="list", f=f, e=e, o=o))],
    )
    await respond(callback, text, keyboard)


async def on_send(
    callback: CallbackQuery,
    callback_data: ChaseCb,
    session: AsyncSession,
    person: Person | None,
    is_staff: bool,
    settings: Settings,
    subject: chase.Subject,
) -> None:
    o = callback_data.o
    people = await chase.missing(session, subject, o or None)
    queued, skipped = await chase.remind(session, subject, people, settings.tz)
    audit.record(
        session,
        person,
        subject.audit_action,
        object_kind="event" if subject.event_id else "form",
        object_id=subject.event_id if subject.event_id else callback_data.f,
        organisation_id=o or None,
        queued=queued,
        skipped=skipped,
    )
    already = count_people(skipped)
    if not queued:
        text = t.CHASE_SENT_NONE.format(skipped=already)
    else:
        text = t.CHASE_SENT.format(
            sent=quantity(queued, "напоминание", "напоминания", "напоминаний")
        )
        if skipped:
            text += t.CHASE_SENT_SKIPPED.format(skipped=already)
    await respond(callback, text, inline(_home(o, is_staff)))


def build_router() -> Router:
    router = Router(name="chase")
    router.callback_query.middleware(ChaseAccess())
    router.callback_query.register(on_section, AdminCb.filter(F.section == "chase"))
    router.callback_query.register(on_menu, ChaseCb.filter(F.a == "menu"))
    router.callback_query.register(on_events, ChaseCb.filter(F.a == "events"))
    router.callback_query.register(
        on_scope, ChaseCb.filter(F.a == "scope"), flags={"subject": True}
    )
    router.callback_query.register(on_list, ChaseCb.filter(F.a == "list"), flags={"subject": True})
    router.callback_query.register(on_ask, ChaseCb.filter(F.a == "ask"), flags={"subject": True})
    router.callback_query.register(on_send, ChaseCb.filter(F.a == "send"), flags={"subject": True})
    return router
