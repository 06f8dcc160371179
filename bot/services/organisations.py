"""Organisations: search by number or name, adding unconfirmed ones typed in by people."""

from __future__ import annotations

import re

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import InvalidInput
from bot.texts import onboarding as t
from models import Organisation, OrgKind
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
