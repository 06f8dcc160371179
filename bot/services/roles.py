"""Granting and revoking the methodologist role (admins only), found by name or organisation."""

from __future__ import annotations

import enum
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit, heads
from models import Organisation, Person, Role
from models.organisation import search_key

SEARCH_MIN = 3


class Outcome(enum.StrEnum):
    GRANTED = "granted"
    REVOKED = "revoked"
    ALREADY = "already"
    NOT_METHODIST = "not_methodist"
    IS_ADMIN = "is_admin"
    GONE = "gone"


async def find(session: AsyncSession, query: str, limit: int = 10) -> list[Person] | None:
    """Registered people whose ФИО and organisation contain every word of the query
    (case-insensitive, ё = е).

    None when the query is too short to search."""
    key = search_key(query)
    words = [w.strip("№#«»\"'.,") for w in key.split()]
    words = [w for w in words if w]
    if len(key) < SEARCH_MIN or not words:
        return None
    result = await session.execute(
        select(Person, Organisation.search_name)
        .outerjoin(Organisation, Organisation.id == Person.organisation_id)
        .where(Person.telegram_id.is_not(None), Person.deleted_at.is_(None))
        .order_by(Person.full_name, Person.id)
    )
    found = []
    for person, org_key in result.unique().all():
        text = f"{search_key(person.full_name or '')} {org_key or ''}"
        if all(word in text for word in words):
            found.append(person)
    return found[:limit]


async def change_methodologist(
    session: AsyncSession,
    person: Person | None,
    grant: bool,
    actor: Person | None,
    admin_ids: Collection[int],
) -> Outcome:
    """Make the person a methodologist (grant) or a teacher again (revoke), audit-logged.

    An admin — by the database role or listed in ADMIN_IDS — is never changed here."""
    if person is None or person.deleted_at is not None or person.telegram_id is None:
        return Outcome.GONE
    if person.role == Role.ADMIN or person.telegram_id in admin_ids:
        return Outcome.IS_ADMIN
    if grant:
        if person.role == Role.METHODOLOGIST:
            return Outcome.ALREADY
        old = person.role
        await heads.drop(session, person)  # a pending claim (head, methodical staff) is settled
        person.role = Role.METHODOLOGIST
        audit.record(session, actor, "role.grant", subject=person, previous=old.value)
        return Outcome.GRANTED
    if person.role != Role.METHODOLOGIST:
        return Outcome.NOT_METHODIST
    person.role = Role.TEACHER
    audit.record(session, actor, "role.revoke", subject=person)
    return Outcome.REVOKED
