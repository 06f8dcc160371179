"""Young specialists and the management reserve as the audience of an event: the import accepts
them, and such an event is shown to people with the flag and not to others."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import event_import, events
from bot.services.tables import read_table
from models import Event, Role
from models.base import utcnow
from tests.factories import make_person
from tests.test_events_service import TZ, _future, _xlsx


async def test_import_and_visibility_of_young_specialists_events(session: AsyncSession) -> None:
    rows = [
        ["Школа молодого педагога", "семинар", _future(5), "16:30", "онлайн", "", "", "",
         "молодые специалисты"],
        ["Резерв: управление", "семинар", _future(6), "16:30", "онлайн", "", "", "",
         "резерв управленческих кадров"],
    ]  # fmt: skip
    parsed, errors = event_import.parse(read_table("c.xlsx", _xlsx(rows)), TZ)
    assert not errors, errors.report()
    await event_import.apply(session, parsed)
    found = {e.title: e for e in (await session.execute(select(Event))).scalars()}
    assert found["Школа молодого педагога"].audience == ["young_specialist"]
    assert found["Резерв: управление"].audience == ["management_reserve"]

    young = await make_person(session, 1, is_young_specialist=True)
    other = await make_person(session, 2, full_name="Другая Д.")
    reserve = await make_person(session, 3, role=Role.TEACHER, is_management_reserve=True)
    for person, expected in (
        (young, ["Школа молодого педагога"]),
        (other, []),
        (reserve, ["Резерв: управление"]),
    ):
        page = await events.list_upcoming(session, person, TZ, now=utcnow())
        assert [i.event.title for i in page.items] == expected
        assert [t for t, e in found.items() if events.is_visible_to(e, person)] == expected

    rows[0][-1] = "пенсионеры"
    _, errors = event_import.parse(read_table("c.xlsx", _xlsx(rows)), TZ)
    assert "молодые специалисты" in errors.report()
