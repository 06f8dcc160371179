"""Writing the audit log. Every export and report, broadcast launch/stop, role change, head
confirmation, form upload, event cancellation and personal-data deletion calls `record`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

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
