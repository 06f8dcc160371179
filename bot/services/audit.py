"""Writing the audit log. Every export and report, broadcast launch/stop, role change, head
confirmation, form upload, event cancellation and personal-data deletion calls `record`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.texts import audit as t
from models import AuditEntry, Person
from models.base import utcnow


def record(
    session: AsyncSession,
    actor: Person | None,
    action: str,
    *,
    subject: Person | None = None,
    object_kind: str = "",
    object_id: int | None = None,
    **details: Any,
) -> AuditEntry:
    """Add an entry in the caller's transaction: the action and its log commit together.

    `details` are the action's parameters (period, format, counts); never answers or ФИО.
    """
    entry = AuditEntry(
        at=utcnow(),
        actor_id=actor.id if actor else None,
        action=action,
        subject_person_id=subject.id if subject else None,
        object_kind=object_kind,
        object_id=object_id,
        details=dict(details),
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class Line:
    """An entry with the names of who acted and on whom (None: the system / nobody)."""

    entry: AuditEntry
    actor: str | None
    subject: str | None


def _conditions(kind: str, since: datetime | None) -> list[Any]:
    conditions: list[Any] = []
    if kind:
        conditions.append(AuditEntry.action.startswith(f"{kind}.", autoescape=True))
    if since is not None:
        conditions.append(AuditEntry.at >= since)
    return conditions


async def page(
    session: AsyncSession, kind: str, since: datetime | None, page: int, per_page: int
) -> tuple[list[Line], int]:
    """Entries of a group of actions (e.g. "export") since a moment, newest first."""
    conditions = _conditions(kind, since)
    total = (
        await session.execute(select(func.count(AuditEntry.id)).where(*conditions))
    ).scalar_one()
    return await _lines(session, conditions, page * per_page, per_page), int(total)


async def _lines(
    session: AsyncSession, conditions: list[Any], offset: int, limit: int | None
) -> list[Line]:
    actor, subject = aliased(Person), aliased(Person)
    stmt = (
        select(AuditEntry, actor.full_name, subject.full_name)
        .outerjoin(actor, actor.id == AuditEntry.actor_id)
        .outerjoin(subject, subject.id == AuditEntry.subject_person_id)
        .where(*conditions)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    result = await session.execute(stmt)
    return [Line(entry, a, s) for entry, a, s in result.all()]


def describe(details: dict[str, Any]) -> str:
    """Parameters as «key=value, …» (they never hold answers or names)."""
    return ", ".join(f"{k}={v}" for k, v in sorted(details.items()) if v is not None)


async def export_rows(
    session: AsyncSession, kind: str, since: datetime | None, tz: ZoneInfo
) -> tuple[list[str], list[list[Any]]]:
    """Every matching entry for the XLSX/CSV export, newest first, times in `tz`."""
    rows = []
    for line in await _lines(session, _conditions(kind, since), 0, None):
        entry = line.entry
        rows.append(
            [
                entry.at.astimezone(tz),
                line.actor or (t.SYSTEM if entry.actor_id is None else t.UNKNOWN_PERSON),
                t.ACTIONS.get(entry.action, entry.action),
                entry.action,
                line.subject or "",
                t.OBJECT_KINDS.get(entry.object_kind, entry.object_kind),
                entry.object_id,
                describe(entry.details or {}),
            ]
        )
    return list(t.EXPORT_HEADERS), rows
