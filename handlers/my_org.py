"""«Моя организация»: a confirmed head's view of their own staff (and nothing else).

The organisation is always the pressing person's confirmed one (`Person.confirmed_org_id`),
never a value from the button, so a forged button cannot reach another organisation.
"""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message, TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ChaseCb, MyOrgCb
from bot.config import Settings
from bot.middlewares import Handler
from bot.services import audit, org_view
from bot.texts import common as tc
from bot.texts import count_people, file_stem, fmt_date, inside_quotes, quantity
from bot.texts import heads as t
from handlers.filters import Registered
from handlers.keyboards import Button, column, inline, pager_row
from handlers.views import MESSAGE_LIMIT, fit_lines, respond
from models import Form, Organisation, Person

PER_PAGE = 15


def _period(settings: Settings, years_back: int) -> tuple[str, str]:
    start, end = org_view.school_year(settings.tz, years_back)
    label = t.PERIOD_PREVIOUS if years_back else t.PERIOD_CURRENT
    last_day = fmt_date(end.replace(day=31, month=8, year=end.year), settings.tz)
    return label, t.PERIOD_RANGE.format(start=fmt_date(start, settings.tz), end=last_day)


def _back(y: int) -> list[Button]:
    return [(t.BACK_TO_ORG, MyOrgCb(a="menu", y=y))]


class ConfirmedHead(BaseMiddleware):
    """Inner middleware of the router: every handler gets `org_id`, the pressing person's
    confirmed organisation; anyone else gets a polite refusal and nothing runs."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        person: Person | None = data.get("person")
        org_id = person.confirmed_org_id if person is not None else None
        if org_id is None:
            if isinstance(event, CallbackQuery):
                await event.answer(t.NOT_A_HEAD, show_alert=True)
            elif isinstance(event, Message):
                await event.answer(t.NOT_A_HEAD)
            return None
        data["org_id"] = org_id
        return await handler(event, data)


async def on_open(message: Message, session: AsyncSession, settings: Settings, org_id: int) -> None:
    await _menu(message, session, org_id, settings, 0)


async def on_menu(
    callback: CallbackQuery,
    callback_data: MyOrgCb,
    session: AsyncSession,
    settings: Settings,
    org_id: int,
) -> None:
    await _menu(callback, session, org_id, settings, 1 if callback_data.y else 0)


async def _menu(
    event: Message | CallbackQuery,
    session: AsyncSession,
    org_id: int,
    settings: Settings,
    y: int,
) -> None:
    org = await session.get(Organisation, org_id)
    assert org is not None
    people = await org_view.staff(session, org_id)
    label, dates = _period(settings, y)
    text = t.ORG_MENU.format(
        organisation=escape(org.name), staff=count_people(len(people)), period=f"{label}, {dates}"
    )
    other = 0 if y else 1
    other_label = t.PERIOD_CURRENT if y else t.PERIOD_PREVIOUS
    keyboard = column(
        [
            (t.ORG_STAFF, MyOrgCb(a="staff", y=y)),
            (t.ORG_EVENTS, MyOrgCb(a="events", y=y)),
            (t.ORG_DIAGNOSTICS, MyOrgCb(a="diag", y=y)),
            (t.ORG_ROUTES, MyOrgCb(a="routes", y=y)),
            (t.ORG_CHASE, ChaseCb(a="menu", o=org_id)),
            (t.ORG_EXPORT, MyOrgCb(a="xlsx", y=y)),
            (t.ORG_PERIOD.format(period=other_label), MyOrgCb(a="menu", y=other)),
        ]
    )
    await respond(event, text, keyboard)


def _page_of(items: list[str], page: int) -> tuple[list[str], int, int]:
    pages = max(1, -(-len(items) // PER_PAGE))
    page = min(max(0, page), pages - 1)
    return items[page * PER_PAGE : (page + 1) * PER_PAGE], page, pages


async def on_staff(
    callback: CallbackQuery, callback_data: MyOrgCb, session: AsyncSession, org_id: int
) -> None:
    people = await org_view.staff(session, org_id)
    lines = []
    for n, p in enumerate(people, start=1):
        flags = [f for f, on in ((t.FLAG_YOUNG, p.is_young_specialist),
                                 (t.FLAG_RESERVE, p.is_management_reserve)) if on]  # fmt: skip
        lines.append(
            t.STAFF_LINE.format(
                n=n,
                full_name=escape(p.full_name or ""),
                position=escape(p.position or ""),
                flags=f" ({', '.join(flags)})" if flags else "",
            )
        )
    shown, page, pages = _page_of(lines, callback_data.p)
    text = (
        t.STAFF_TITLE.format(count=len(people), lines="\n".join(shown)) if people else t.STAFF_EMPTY
    )
    y = callback_data.y
    keyboard = inline(pager_row(lambda p: MyOrgCb(a="staff", p=p, y=y), page, pages), _back(y))
    await respond(callback, text, keyboard)


async def on_events(
    callback: CallbackQuery,
    callback_data: MyOrgCb,
    session: AsyncSession,
    settings: Settings,
    org_id: int,
) -> None:
    y = 1 if callback_data.y else 0
    start, end = org_view.school_year(settings.tz, y)
    items = await org_view.participation(session, org_id, start, end)
    label, dates = _period(settings, y)
    lines = [
        t.EVENTS_LINE.format(
            full_name=escape(i.person.full_name or ""),
            title=escape(inside_quotes(i.event.title)),
            date=fmt_date(i.event.starts_at, settings.tz),
            status=t.PARTICIPATION[i.status.value],
        )
        for i in items
    ]
    shown, page, pages = _page_of(lines, callback_data.p)
    if items:
        attended = sum(1 for i in items if i.status.value == "attended")
        body = (
            "\n".join(shown)
            + "\n\n"
            + t.EVENTS_TOTALS.format(registered=len(items), attended=attended)
        )
    else:
        body = t.EVENTS_EMPTY
    text = t.EVENTS_TITLE.format(period=f"{label}, {dates}", lines=body)
    keyboard = inline(pager_row(lambda p: MyOrgCb(a="events", p=p, y=y), page, pages), _back(y))
    await respond(callback, text, keyboard)


async def on_diagnostics(
    callback: CallbackQuery, callback_data: MyOrgCb, session: AsyncSession, org_id: int
) -> None:
    people = await org_view.staff(session, org_id)
    buttons: list[Button] = []
    lines: list[str] = []
    for form in await org_view.diagnostic_forms(session):
        entry = await org_view.completion(session, org_id, form, people)
        done = len(entry.done)
        label = t.DIAG_FORM_BUTTON.format(title=entry.title, done=done, total=entry.total)
        buttons.append((label[:64], MyOrgCb(a="form", f=form.id, y=callback_data.y)))
        lines.append(
            t.DIAG_LINE.format(
                title=escape(entry.title),
                done=done,
                total=entry.total,
                percent=round(100 * done / entry.total) if entry.total else 0,
            )
        )
    text = t.DIAG_TITLE.format(lines="\n".join(lines)) if buttons else t.DIAG_NONE
    await respond(callback, text, column(buttons, _back(callback_data.y)))


async def on_form(
    callback: CallbackQuery, callback_data: MyOrgCb, session: AsyncSession, org_id: int
) -> None:
    form = await session.get(Form, callback_data.f)
    if form is None or not form.is_active or form.purpose != "diagnostic":
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    entry = await org_view.completion(session, org_id, form)
    done_lines = [f"• {escape(p.full_name or '')}" for p in entry.done]
    tail = ""
    if entry.areas is None:
        tail = t.DIAG_TOO_FEW.format(minimum=org_view.MIN_RESPONDENTS)
    else:
        tail = t.DIAG_DEFICITS_HEADER.format(
            respondents=count_people(entry.respondents)
        ) + "\n".join(
            t.DIAG_AREA_LINE.format(
                title=escape(title),
                average=f"{average:.2f}".replace(".", ","),
                below=quantity(below, "человека", "человек", "человек"),
            )
            for title, average, below in entry.areas
        )
    head = t.DIAG_FORM.format(
        title=escape(entry.title),
        total=count_people(entry.total),
        done=len(entry.done),
        missing=len(entry.missing),
        done_lines="",
    )
    budget = MESSAGE_LIMIT - len(head) - len(tail) - 100
    kept, rest = fit_lines(done_lines, budget)
    if rest:
        kept.append(t.AND_MORE.format(count=rest))
    done_block = (t.DIAG_DONE_HEADER + "\n".join(kept)) if kept else ""
    text = head + done_block + tail
    rows: list[list[Button]] = []
    if entry.missing:
        rows.append(
            [
                (
                    t.WHO_MISSING.format(count=len(entry.missing)),
                    ChaseCb(a="list", f=form.id, o=org_id),
                )
            ]
        )
    rows.append([(tc.BACK, MyOrgCb(a="diag", y=callback_data.y))])
    await respond(callback, text, inline(*rows))


async def on_routes(
    callback: CallbackQuery, callback_data: MyOrgCb, session: AsyncSession, org_id: int
) -> None:
    progress = await org_view.routes(session, org_id)
    people = await org_view.staff(session, org_id)
    lines = [
        t.ROUTES_LINE.format(full_name=escape(r.person.full_name or ""), done=r.done, total=r.total)
        for r in progress
    ]
    shown, page, pages = _page_of(lines, callback_data.p)
    if progress:
        text = t.ROUTES_TITLE.format(
            with_route=len(progress),
            staff=count_people(len(people)),
            done=sum(r.done for r in progress),
            total=sum(r.total for r in progress),
            lines="\n".join(shown),
        )
    else:
        text = t.ROUTES_EMPTY
    y = callback_data.y
    keyboard = inline(pager_row(lambda p: MyOrgCb(a="routes", p=p, y=y), page, pages), _back(y))
    await respond(callback, text, keyboard)


async def on_export(
    callback: CallbackQuery,
    callback_data: MyOrgCb,
    session: AsyncSession,
    person: Person | None,
    settings: Settings,
    org_id: int,
) -> None:
    y = 1 if callback_data.y else 0
    start, end = org_view.school_year(settings.tz, y)
    content = await org_view.export_xlsx(session, org_id, start, end, settings.tz)
    audit.record(
        session,
        person,
        "export.organisation",
        object_kind="organisation",
        object_id=org_id,
        fmt="xlsx",
        period_start=start.date().isoformat(),
        period_end=end.date().isoformat(),
    )
    await callback.answer()
    assert callback.bot is not None
    organisation = await session.get(Organisation, org_id)
    name = t.EXPORT_FILENAME.format(
        stem=file_stem(organisation.name if organisation else t.EXPORT_SHEET_STEM),
        first=start.year,
        last=end.year,
    )
    await callback.bot.send_document(
        callback.from_user.id, BufferedInputFile(content, filename=name)
    )


def build_router() -> Router:
    router = Router(name="my_org")
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.message.middleware(ConfirmedHead())
    router.callback_query.middleware(ConfirmedHead())
    router.message.register(on_open, F.text == tc.MENU_MY_ORG)
    router.message.register(on_open, Command("my_org"))
    router.callback_query.register(on_menu, MyOrgCb.filter(F.a == "menu"))
    router.callback_query.register(on_staff, MyOrgCb.filter(F.a == "staff"))
    router.callback_query.register(on_events, MyOrgCb.filter(F.a == "events"))
    router.callback_query.register(on_diagnostics, MyOrgCb.filter(F.a == "diag"))
    router.callback_query.register(on_form, MyOrgCb.filter(F.a == "form"))
    router.callback_query.register(on_routes, MyOrgCb.filter(F.a == "routes"))
    router.callback_query.register(on_export, MyOrgCb.filter(F.a == "xlsx"))
    return router
