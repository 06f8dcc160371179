"""«Маршруты и дефициты» for methodologists: a person's route and its progress deficit by
deficit, and the table of deficits by organisation (on screen and as XLSX)."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AdminCb, ARouteCb
from bot.config import Settings
from bot.services import audit, form_stats, routes
from bot.texts import common as tc
from bot.texts import count_people, file_stem, fmt_date, fmt_datetime, quoted, share
from bot.texts import routes as t
from bot.texts.onboarding import ROLE_LABELS
from handlers.admin.exports import send_table
from handlers.admin.menu import back_to_menu
from handlers.common import MENU_TEXTS
from handlers.keyboards import Button, column, inline, pager_row
from handlers.routes import mark, score_text, short, status_text
from handlers.views import MESSAGE_LIMIT, fit_lines, respond
from models import Person
from models.base import utcnow

PEOPLE_PAGE = 10
#: Rows (an organisation's deficit each) per page of the table.
TABLE_PAGE = 25
NAME_LIMIT = 28
TITLE_LIMIT = 80


class FindPerson(StatesGroup):
    query = State()


def _back() -> list[Button]:
    return [(t.BTN_BACK, ARouteCb(a="menu"))]


async def on_menu(callback: CallbackQuery, session: AsyncSession, state: FSMContext) -> None:
    await state.clear()
    progress = await routes.progress_of_all(session)
    items = sum(p.total for p in progress)
    text = t.MENU.format(
        routes=len(progress),
        items=items,
        attended=share(sum(p.done for p in progress), items),
        registered=share(sum(p.registered for p in progress), items),
    )
    keyboard = inline(
        [(t.BTN_TABLE, ARouteCb(a="table"))],
        [(t.BTN_PEOPLE, ARouteCb(a="people")), (t.BTN_FIND, ARouteCb(a="find"))],
        back_to_menu(),
    )
    await respond(callback, text, keyboard)


async def on_people(
    callback: CallbackQuery, callback_data: ARouteCb, session: AsyncSession
) -> None:
    progress = await routes.progress_of_all(session)
    if not progress:
        await respond(callback, t.PEOPLE_EMPTY, inline(_back(), back_to_menu()))
        return
    pages = (len(progress) + PEOPLE_PAGE - 1) // PEOPLE_PAGE
    page = min(max(callback_data.p, 0), pages - 1)
    buttons: list[Button] = [
        (
            t.PERSON_LABEL.format(
                name=short(p.person.full_name or t.ANONYMOUS, NAME_LIMIT),
                done=p.done,
                total=p.total,
            ),
            ARouteCb(a="person", i=p.person.id, p=page),
        )
        for p in progress[page * PEOPLE_PAGE : (page + 1) * PEOPLE_PAGE]
    ]
    pager = pager_row(lambda n: ARouteCb(a="people", p=n), page, pages)
    text = t.PEOPLE_TITLE.format(count=len(progress))
    await respond(callback, text, column(buttons, pager, _back(), back_to_menu()))


async def show_person(
    event: Message | CallbackQuery, session: AsyncSession, person: Person, settings: Settings
) -> None:
    """The person's latest route deficit by deficit: attended and signed up per deficit."""
    name = escape(person.full_name or t.ANONYMOUS)
    keyboard = inline([(t.BTN_PEOPLE, ARouteCb(a="people"))], _back(), back_to_menu())
    route = await routes.latest(session, person.id)
    if route is None:
        await respond(event, t.PERSON_NO_ROUTE.format(name=name), keyboard)
        return
    view = await routes.view(session, route)
    org = f"{escape(person.organisation.name)} · " if person.organisation else ""
    lines = [
        t.PERSON_TITLE.format(
            name=name,
            org=org,
            role=escape(ROLE_LABELS.get(person.role, person.role.value)),
            date=fmt_date(route.created_at, settings.tz),
            progress=t.PERSON_PROGRESS.format(
                done=view.done, total=view.total, registered=view.registered
            ),
        )
    ]
    for group in view.groups:
        state = (
            t.PERSON_DEFICIT_STATE.format(
                attended=group.attended, total=len(group.items), registered=group.registered
            )
            if group.items
            else t.PERSON_DEFICIT_EMPTY
        )
        if not group.covered:
            state += " · " + t.TABLE_NOT_COVERED
        lines.append(
            t.PERSON_DEFICIT.format(
                title=escape(group.title), score=score_text(group.score), state=state
            )
        )
        for status in group.items:
            meeting = status.item.event
            state_text = (
                t.PERSON_ITEM_STATUS[status.registration.value]
                if status.registration is not None
                else status_text(status)
            )
            lines.append(
                t.PERSON_ITEM.format(
                    mark=mark(status),
                    date=fmt_datetime(meeting.starts_at, settings.tz),
                    title=escape(short(meeting.title, TITLE_LIMIT)),
                    status=f" · {state_text}" if state_text else "",
                )
            )
    if view.strong:
        lines.append(t.PERSON_STRONG.format(areas=escape(", ".join(view.strong))))
    kept, _ = fit_lines(lines, MESSAGE_LIMIT)
    await respond(event, "\n".join(kept), keyboard)


async def on_person(
    callback: CallbackQuery,
    callback_data: ARouteCb,
    session: AsyncSession,
    settings: Settings,
) -> None:
    person = await session.get(Person, callback_data.i)
    if person is None or person.deleted_at is not None:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    await show_person(callback, session, person, settings)


async def on_find(callback: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(FindPerson.query)
    await respond(callback, t.FIND_ASK, inline(_back(), back_to_menu()))


async def on_query(
    message: Message, session: AsyncSession, state: FSMContext, settings: Settings
) -> None:
    found = [
        p for p in await form_stats.find_people(session, message.text or "") if not p.deleted_at
    ]
    if not found:
        await message.answer(t.FIND_NONE, reply_markup=inline(_back(), back_to_menu()))
        return
    await state.clear()
    if len(found) == 1:
        await show_person(message, session, found[0], settings)
        return
    buttons: list[Button] = [
        (short(p.full_name or str(p.telegram_id), NAME_LIMIT), ARouteCb(a="person", i=p.id))
        for p in found
    ]
    await message.answer(t.FIND_CHOOSE, reply_markup=column(buttons, _back(), back_to_menu()))


def _who(row: routes.OrgDeficit) -> str:
    return t.FORM_WHO.get(row.form_code, row.form_code)


def _covered(row: routes.OrgDeficit) -> str:
    if row.covered == 0:
        return t.TABLE_NOT_COVERED
    if row.covered < row.people:
        return t.TABLE_PARTLY.format(covered=row.covered, people=row.people)
    return t.TABLE_COVERED


async def on_table(callback: CallbackQuery, callback_data: ARouteCb, session: AsyncSession) -> None:
    rows = await routes.deficits_by_org(session)
    if not rows:
        await respond(callback, t.TABLE_EMPTY, inline(_back(), back_to_menu()))
        return
    orgs = len({row.org_id for row in rows})
    pages = (len(rows) + TABLE_PAGE - 1) // TABLE_PAGE
    page = min(max(callback_data.p, 0), pages - 1)
    lines = [t.TABLE_TITLE.format(orgs=orgs, page=page + 1, pages=pages)]
    shown_org: int | None = -1  # an organisation's name heads its rows on every page
    for row in rows[page * TABLE_PAGE : (page + 1) * TABLE_PAGE]:
        if row.org_id != shown_org:
            lines.append(t.TABLE_ORG.format(name=escape(row.org_name or t.NO_ORGANISATION)))
            shown_org = row.org_id
        lines.append(
            t.TABLE_LINE.format(
                area=escape(row.area_title),
                who=_who(row),
                people=count_people(row.people),
                covered=_covered(row),
            )
        )
    kept, _ = fit_lines(lines, MESSAGE_LIMIT)
    keyboard = inline(
        pager_row(lambda n: ARouteCb(a="table", p=n), page, pages),
        [(t.BTN_XLSX, ARouteCb(a="xlsx"))],
        _back(),
        back_to_menu(),
    )
    await respond(callback, "\n".join(kept), keyboard)


async def on_xlsx(
    callback: CallbackQuery, session: AsyncSession, settings: Settings, person: Person | None
) -> None:
    rows = await routes.deficits_by_org(session)
    table = [
        [
            row.org_name or t.NO_ORGANISATION,
            row.area_title,
            _who(row),
            row.people,
            row.covered,
            t.YES if row.covered else t.NO,
            (
                f"{quoted(row.next_event.title)}, {fmt_datetime(row.next_event.starts_at, settings.tz)}"
                if row.next_event is not None
                else ""
            ),
        ]
        for row in rows
    ]
    audit.record(session, person, "export.routes", fmt="xlsx", rows=len(table))
    now = utcnow()
    await send_table(
        callback,
        t.TABLE_HEADERS,
        table,
        fmt="xlsx",
        filename=file_stem(t.TABLE_FILE, now, settings.tz),
        title=t.TABLE_SHEET,
    )


def build_router() -> Router:
    router = Router(name="admin_routes")
    cb = router.callback_query
    cb.register(on_menu, AdminCb.filter(F.section == "routes"))
    cb.register(on_menu, ARouteCb.filter(F.a == "menu"))
    cb.register(on_people, ARouteCb.filter(F.a == "people"))
    cb.register(on_person, ARouteCb.filter(F.a == "person"))
    cb.register(on_find, ARouteCb.filter(F.a == "find"))
    cb.register(on_table, ARouteCb.filter(F.a == "table"))
    cb.register(on_xlsx, ARouteCb.filter(F.a == "xlsx"))
    router.message.register(
        on_query, FindPerson.query, F.text & ~F.text.startswith("/") & ~F.text.in_(MENU_TEXTS)
    )
    return router
