"""/admin → «Журнал действий» (admins only): paging with filters by kind and period, export."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from aiogram import F, Router
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AdminCb, AuditCb
from bot.config import Settings
from bot.services import audit
from bot.texts import audit as t
from bot.texts import common as tc
from bot.texts import file_stem, fmt_datetime
from handlers.admin.exports import file_format, send_table
from handlers.admin.menu import back_to_menu
from handlers.keyboards import Button, column, inline, pager_row
from handlers.views import respond
from models import Person
from models.base import utcnow

PER_PAGE = 10


def _filters(data: AuditCb) -> tuple[str, int]:
    """The kind and the period of a button; unknown (forged) values mean «all»."""
    kind = data.k if data.k in t.KINDS else ""
    days = data.d if data.d in t.PERIODS else 0
    return kind, days


async def on_section(
    callback: CallbackQuery, session: AsyncSession, is_admin: bool, settings: Settings
) -> None:
    if not is_admin:
        await callback.answer(t.ONLY_ADMIN, show_alert=True)
        return
    await _show(callback, session, settings, "", 0, 0)


async def on_list(
    callback: CallbackQuery,
    callback_data: AuditCb,
    session: AsyncSession,
    is_admin: bool,
    settings: Settings,
) -> None:
    if not is_admin:
        await callback.answer(t.ONLY_ADMIN, show_alert=True)
        return
    kind, days = _filters(callback_data)
    await _show(callback, session, settings, kind, days, max(0, callback_data.p))


async def _show(
    callback: CallbackQuery,
    session: AsyncSession,
    settings: Settings,
    kind: str,
    days: int,
    page: int,
) -> None:
    since = utcnow() - timedelta(days=days) if days else None
    lines, total = await audit.page(session, kind, since, page, PER_PAGE)
    rendered = []
    for line in lines:
        entry = line.entry
        actor = line.actor or (t.SYSTEM if entry.actor_id is None else t.UNKNOWN_PERSON)
        subject = t.SUBJECT.format(name=escape(line.subject)) if line.subject else ""
        obj = ""
        if entry.object_kind and entry.object_id is not None:
            obj = t.OBJECT.format(
                kind=t.OBJECT_KINDS.get(entry.object_kind, entry.object_kind), id=entry.object_id
            )
        details = audit.describe(entry.details or {})
        rendered.append(
            t.LINE.format(
                at=fmt_datetime(entry.at, settings.tz),
                actor=escape(actor),
                action=escape(t.ACTIONS.get(entry.action, entry.action)),
                subject=subject,
                details=obj + (f" [{escape(details)}]" if details else ""),
            )
        )
    text = t.TITLE.format(
        kind=t.KINDS.get(kind, t.KIND_ALL),
        period=t.PERIODS[days],
        count=total,
        lines="\n".join(rendered) or t.EMPTY,
    )
    pages = max(1, -(-total // PER_PAGE))
    keyboard = inline(
        [
            (
                t.KIND_BUTTON.format(kind=t.KINDS.get(kind, t.KIND_ALL)),
                AuditCb(a="kinds", k=kind, d=days),
            ),
            (t.PERIOD_BUTTON.format(period=t.PERIODS[days]), AuditCb(a="periods", k=kind, d=days)),
        ],
        pager_row(lambda p: AuditCb(a="list", k=kind, d=days, p=p), page, pages),
        [
            (t.EXPORT_XLSX, AuditCb(a="xlsx", k=kind, d=days)),
            (t.EXPORT_CSV, AuditCb(a="csv", k=kind, d=days)),
        ],
        back_to_menu(),
    )
    await respond(callback, text, keyboard)


async def on_pick(callback: CallbackQuery, callback_data: AuditCb, is_admin: bool) -> None:
    """The choices of one filter; the other filter is kept."""
    if not is_admin:
        await callback.answer(t.ONLY_ADMIN, show_alert=True)
        return
    kind, days = _filters(callback_data)
    buttons: list[Button]
    if callback_data.a == "kinds":
        buttons = [(t.KIND_ALL, AuditCb(a="list", k="", d=days))]
        buttons.extend(
            (label, AuditCb(a="list", k=code, d=days)) for code, label in t.KINDS.items()
        )
        text = t.PICK_KIND
    else:
        buttons = [(label, AuditCb(a="list", k=kind, d=d)) for d, label in t.PERIODS.items()]
        text = t.PICK_PERIOD
    await respond(callback, text, column(buttons, [(tc.BACK, AuditCb(a="list", k=kind, d=days))]))


async def on_export(
    callback: CallbackQuery,
    callback_data: AuditCb,
    session: AsyncSession,
    person: Person | None,
    is_admin: bool,
    settings: Settings,
) -> None:
    if not is_admin:
        await callback.answer(t.ONLY_ADMIN, show_alert=True)
        return
    kind, days = _filters(callback_data)
    since = utcnow() - timedelta(days=days) if days else None
    headers, rows = await audit.export_rows(session, kind, since, settings.tz)
    fmt = file_format(callback_data.a)
    audit.record(
        session, person, "export.audit", object_kind="audit", fmt=fmt, kind=kind or None,
        days=days or None, rows=len(rows),
    )  # fmt: skip
    name = file_stem(t.EXPORT_FILENAME, utcnow(), settings.tz)
    await send_table(callback, headers, rows, fmt=fmt, filename=name, title=t.EXPORT_TITLE)


def build_router() -> Router:
    router = Router(name="admin_audit")
    router.callback_query.register(on_section, AdminCb.filter(F.section == "audit"))
    router.callback_query.register(on_list, AuditCb.filter(F.a == "list"))
    router.callback_query.register(on_pick, AuditCb.filter(F.a.in_({"kinds", "periods"})))
    router.callback_query.register(on_export, AuditCb.filter(F.a.in_({"xlsx", "csv"})))
    return router
