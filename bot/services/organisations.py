"""Organisations: search by number or name, adding unconfirmed ones typed in by people."""

from __future__ import annotations

import re

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import InvalidInput, audit
from bot.texts import onboarding as t
from bot.texts import orgs as to
from models import Organisation, OrgKind, Person
from models.organisation import search_key

QUERY_LIMIT = 200


def _number_matches(search_name: str, number: str) -> bool:
    return re.search(rf"(?<!\d){re.escape(number)}(?!\d)", search_name) is not None


async def search(session: AsyncSession, query: str, limit: int = 8) -> list[Organisation]:
    """Organisations matching every word of the query; numbers match whole («23» ≠ «237»)."""
    key = search_key(query)
    if not key or len(key) > QUERY_LIMIT:
        raise InvalidInput(t.ORG_QUERY_BAD)
    words = [w.strip("№#«»\"'.,") for w in key.split()]
    words = [w for w in words if w]
    if not words:
        raise InvalidInput(t.ORG_QUERY_BAD)
    conditions = [Organisation.search_name.contains(w, autoescape=True) for w in words]
    result = await session.execute(
        select(Organisation)
        .where(and_(*conditions))
        .order_by(Organisation.is_confirmed.desc(), Organisation.name)
        .limit(limit * 10)
    )
    numbers = [w for w in words if w.isdigit()]
    found = [o for o in result.scalars() if all(_number_matches(o.search_name, n) for n in numbers)]
    return found[:limit]


async def get(session: AsyncSession, organisation_id: int) -> Organisation | None:
    return await session.get(Organisation, organisation_id)


async def add_unconfirmed(session: AsyncSession, name: str, municipality: str = "") -> Organisation:
    """An organisation typed in by a person; reuses an existing one with the same name."""
    name = " ".join(name.split())
    if not name or len(name) > QUERY_LIMIT:
        raise InvalidInput(t.ORG_QUERY_BAD)
    existing = await session.execute(
        select(Organisation).where(
            Organisation.search_name == search_key(name), Organisation.municipality == municipality
        )
    )
    found = existing.scalar_one_or_none()
    if found is not None:
        return found
    org = Organisation(kind=OrgKind.OTHER, municipality=municipality, is_confirmed=False)
    org.set_name(name)
    session.add(org)
    await session.flush()
    return org


async def list_unconfirmed(session: AsyncSession) -> list[Organisation]:
    result = await session.execute(
        select(Organisation).where(Organisation.is_confirmed.is_(False)).order_by(Organisation.id)
    )
    return list(result.scalars())


# Methodologists' fixes of organisations typed in by people (rename, merge, reject) ------------


async def people_count(session: AsyncSession, organisation_id: int) -> int:
    result = await session.scalar(
        select(func.count()).where(Person.organisation_id == organisation_id)
    )
    return int(result or 0)


async def rename(
    session: AsyncSession, by: Person | None, organisation_id: int, name: str
) -> Organisation:
    """A new name; a name another organisation already has is refused (merge instead)."""
    org = await get(session, organisation_id)
    if org is None:
        raise InvalidInput(to.NOT_FOUND)
    name = " ".join(name.split())
    if not name or len(name) > QUERY_LIMIT:
        raise InvalidInput(to.BAD_NAME.format(limit=QUERY_LIMIT))
    clash = await session.scalar(
        select(Organisation.id).where(
            Organisation.search_name == search_key(name),
            Organisation.municipality == org.municipality,
            Organisation.id != org.id,
        )
    )
    if clash is not None:
        raise InvalidInput(to.NAME_TAKEN)
    old = org.name
    org.set_name(name)
    await session.flush()
    audit.record(session, by, "org.rename", object_kind="organisation", object_id=org.id, old=old)
    return org


async def merge(
    session: AsyncSession, by: Person | None, source_id: int, target_id: int
) -> tuple[Organisation, int]:
    """Move the people of `source` to `target` and delete `source`; (target, people moved).

    Merging an organisation into itself is refused.
    """
    if source_id == target_id:
        raise InvalidInput(to.MERGE_SELF)
    source, target = await get(session, source_id), await get(session, target_id)
    if source is None or target is None:
        raise InvalidInput(to.NOT_FOUND)
    moved = await session.execute(
        update(Person)
        .where(Person.organisation_id == source.id)
        .values(organisation_id=target.id)
        .execution_options(synchronize_session=False)
    )
    count = int(getattr(moved, "rowcount", 0) or 0)
    audit.record(
        session,
        by,
        "org.merge",
        object_kind="organisation",
        object_id=target.id,
        merged_id=source.id,
        merged_name=source.name,
        people=count,
    )
    await session.delete(source)
    await session.flush()
    return target, count


async def reject(session: AsyncSession, by: Person | None, organisation_id: int) -> int:
    """Delete an unconfirmed organisation; its people are left without one (they choose again
    in the profile). Returns how many people it had."""
    org = await get(session, organisation_id)
    if org is None or org.is_confirmed:
        raise InvalidInput(to.NOT_FOUND)
    count = await people_count(session, org.id)
    await session.execute(
        update(Person)
        .where(Person.organisation_id == org.id)
        .values(organisation_id=None)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        session,
        by,
        "org.reject",
        object_kind="organisation",
        object_id=org.id,
        name=org.name,
        people=count,
    )
    await session.delete(org)
    await session.flush()
    return count


async def confirm(session: AsyncSession, by: Person | None, organisation_id: int) -> Organisation:
    org = await get(session, organisation_id)
    if org is None or org.is_confirmed:
        raise InvalidInput(to.NOT_FOUND)
    org.is_confirmed = True
    audit.record(session, by, "org.confirm", object_kind="organisation", object_id=org.id)
    await session.flush()
    return org
