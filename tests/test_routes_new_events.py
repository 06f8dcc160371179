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


async def test_a_series_published_meeting_by_meeting_is_news_once(session: AsyncSession) -> None:
    from datetime import timedelta

    from models.base import utcnow

    head = await make_person(session, 1011, role=Role.HEAD, full_name="Руководитель Р.")
    session.add(Route(person_id=head.id, deficits=["quality"], topics=["quality_management"]))
    await session.flush()
    series_id = await event_admin.series_by_title(session, "Сетевой семинар по качеству")
    meetings = [
        await make_event(
            session,
            title=f"Встреча {n}",
            status=EventStatus.DRAFT,
            topics=["quality_management"],
            audience=["head", "deputy"],
            series_id=series_id,
            starts_at=utcnow() + timedelta(days=7 * n),
        )
        for n in (1, 2)
    ]
    for meeting in meetings:
        await event_admin.publish(session, meeting)
    notices = (
        await session.execute(select(Notification).where(Notification.person_id == head.id))
    ).scalars()
    assert [n.event_id for n in notices] == [meetings[0].id]
    route = (await session.execute(select(Route).where(Route.person_id == head.id))).scalar_one()
    await session.refresh(route, ["items"])
    assert [i.event_id for i in route.items] == [m.id for m in meetings]  # both join the route
    # Deficit by deficit, the route now offers the meetings and the whole series.
    view = await routes.view(session, route)
    assert [len(g.items) for g in view.groups] == [2] and view.groups[0].covered
    assert [o.series_id for o in view.series] == [series_id]
