"""No relationship loads by itself in async code: it is eager on purpose or raises."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession

from models import Base, Event
from tests.factories import make_event


def test_every_relationship_is_eager_or_raises() -> None:
    lazy = [
        f"{mapper.class_.__name__}.{rel.key}: lazy={rel.lazy!r}"
        for mapper in Base.registry.mappers
        for rel in mapper.relationships
        if rel.lazy not in ("raise", "raise_on_sql", "joined", "selectin")
    ]
    assert lazy == []


async def test_an_unloaded_relationship_raises_instead_of_querying(session: AsyncSession) -> None:
    event = await make_event(session)
    await session.commit()
    fresh = await session.get(Event, event.id, populate_existing=True)
    assert fresh is not None
    with pytest.raises(InvalidRequestError, match="lazy='raise'"):
        _ = fresh.series
