"""A newly published event on the topics of someone's open deficits joins their route and they
are told once (quiet hours apply); events of another audience or topic are not proposed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import event_admin, routes
from models import (
    EventStatus,
    Notification,
    NotificationKind,
    Role,
    Route,
)
from tests.factories import make_event, make_person


async def test_new_event_matching_a_deficit_is_told_once(session: AsyncSession) -> None:
    teacher = await make_person(session, 1001, role=Role.TEACHER)
    head = await make_person(session, 1002, role=Role.HEAD, full_name="Главная Г.")
    other = await make_person(session, 1003, role=Role.TEACHER, full_name="Другая Д.")
    for person, topics in ((teacher, ["digital"]), (head, ["digital"]), (other, ["finance"])):
        session.add(Route(person_id=person.id, deficits=["x"], topics=topics))
    await session.flush()
    for_teachers = await make_event(
        session, status=EventStatus.DRAFT, topics=["digital"], audience=["teacher"]
    )
    await event_admin.publish(session, for_teachers)
    notices = list(
        (
            await session.execute(
                select(Notification).where(Notification.kind == NotificationKind.MESSAGE)
            )
        ).scalars()
    )
    assert [n.person_id for n in notices] == [teacher.id]
    assert notices[0].holdable and "Цифровая образовательная среда" in notices[0].text
    route = (await session.execute(select(Route).where(Route.person_id == teacher.id))).scalar_one()
    await session.refresh(route, ["items"])
    assert [i.event_id for i in route.items] == [for_teachers.id]
    # Told once: the same event again adds nothing.
    assert await routes.tell_about_new_event(session, for_teachers) == 0
    # A draft or an event without the topic tells nobody.
    draft = await make_event(session, status=EventStatus.DRAFT, topics=["digital"])
    assert await routes.tell_about_new_event(session, draft) == 0
