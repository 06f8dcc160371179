"""Individual development routes: upcoming events on the topics of a person's deficits.

The route is built when a diagnostic is submitted and stored; its progress follows attendance
(an item is done when the person's registration for its event is marked attended).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import forms, outbox, questionnaire, scoring
from bot.services.events import audience_keys
from bot.services.form_schema import FormDef
from bot.texts import forms as tf
from bot.texts import quoted
from bot.topics import topic_label
from models import (
    Event,
    EventStatus,
    NotificationKind,
    Person,
    Registration,
    RegistrationStatus,
    Response,
    Route,
    RouteItem,
)
from models.base import utcnow

ROUTE_LIMIT = 10


async def matching_events(
    session: AsyncSession, person: Person, topics: list[str] | set[str]
) -> list[Event]:
    """Published events still ahead whose topics meet `topics` and whose audience fits the person.

    Topics and audience are JSON lists, filtered here rather than in SQL so SQLite and PostgreSQL
    agree; the time and status filter keeps the candidate list short.
    """
    wanted = set(topics)
    if not wanted:
        return []
    result = await session.execute(
        select(Event)
        .where(Event.status == EventStatus.PUBLISHED, Event.starts_at > utcnow())
        .order_by(Event.starts_at, Event.id)
    )
    keys = audience_keys(person)
    return [
        e
        for e in result.scalars()
        if wanted & set(e.topics or []) and (not e.audience or bool(keys & set(e.audience)))
    ]


async def build(session: AsyncSession, person: Person, response: Response, form: FormDef) -> Route:
    """Score the response, store the scores, and store a new route for its deficits."""
    values = {}
    state = await questionnaire.load_state(session, response)
    for qid, answer in state.answers.items():
        values[qid] = answer.value
    scores = scoring.score(form, values)
    response.scores = {s.code: s.score for s in scores if s.score is not None}
    weak = scoring.deficits(scores)
    topics: list[str] = []
    for area in weak:
        topics.extend(code for code in area.topics if code not in topics)
    events = (await matching_events(session, person, topics))[:ROUTE_LIMIT]
    route = Route(
        person_id=person.id,
        response_id=response.id,
        deficits=[a.code for a in weak],
        topics=topics,
    )
    route.items = [
        RouteItem(event_id=e.id, topics=[c for c in e.topics if c in topics], position=i)
        for i, e in enumerate(events)
    ]
    session.add(route)
    await session.flush()
    return route


async def on_diagnostic_submitted(session: AsyncSession, response: Response, form: FormDef) -> None:
    """Submit hook of diagnostic forms: the person's route follows from the new answers."""
    person = await session.get(Person, response.person_id)
    if person is not None:
        await build(session, person, response, form)


async def latest(session: AsyncSession, person_id: int) -> Route | None:
    result = await session.execute(
        select(Route).where(Route.person_id == person_id).order_by(Route.id.desc()).limit(1)
    )
    return result.scalar_one_or_none()


@dataclass(frozen=True)
class ItemStatus:
    item: RouteItem
    registration: RegistrationStatus | None

    @property
    def done(self) -> bool:
        return self.registration == RegistrationStatus.ATTENDED


@dataclass(frozen=True)
class RouteView:
    route: Route
    items: list[ItemStatus]

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.done)

    @property
    def total(self) -> int:
        return len(self.items)


async def view(session: AsyncSession, route: Route) -> RouteView:
    """The route with each item's registration status (done = attended)."""
    event_ids = [item.event_id for item in route.items]
    statuses: dict[int, RegistrationStatus] = {}
    if event_ids:
        result = await session.execute(
            select(Registration.event_id, Registration.status).where(
                Registration.person_id == route.person_id, Registration.event_id.in_(event_ids)
            )
        )
        statuses = {event_id: status for event_id, status in result.all()}
    return RouteView(route, [ItemStatus(i, statuses.get(i.event_id)) for i in route.items])


async def get_item(session: AsyncSession, item_id: int) -> RouteItem | None:
    return await session.get(RouteItem, item_id)


async def route_of_item(session: AsyncSession, item: RouteItem) -> Route | None:
    return await session.get(Route, item.route_id)


async def tell_about_new_event(
    session: AsyncSession, event: Event, now: datetime | None = None
) -> int:
    """A newly published event on the topics of someone's open deficits joins their latest
    route, and they are told once (outbox, holdable: quiet hours apply). Returns how many."""
    now = now or utcnow()
    if event.status != EventStatus.PUBLISHED or event.starts_at <= now or not event.topics:
        return 0
    latest_ids = select(func.max(Route.id)).group_by(Route.person_id).scalar_subquery()
    result = await session.execute(
        select(Route, Person)
        .join(Person, Person.id == Route.person_id)
        .where(Route.id.in_(latest_ids), Person.deleted_at.is_(None))
    )
    told = 0
    for route, person in result.all():
        shared = [c for c in event.topics if c in (route.topics or [])]
        if not shared or (event.audience and not audience_keys(person) & set(event.audience)):
            continue
        if any(item.event_id == event.id for item in route.items):
            continue
        route.items.append(RouteItem(event_id=event.id, topics=shared, position=len(route.items)))
        added = await outbox.enqueue(
            session,
            kind=NotificationKind.MESSAGE,
            person_id=person.id,
            event_id=event.id,
            text=tf.ROUTE_NEW_EVENT.format(
                title=escape(quoted(event.title)),
                topics=escape(", ".join(topic_label(c) for c in shared)),
            ),
            holdable=True,
            payload={
                "buttons": [
                    [outbox.button(tf.ROUTE_NEW_EVENT_BUTTON, outbox.Target.EVENT_CARD, event.id)]
                ]
            },
            dedup_key=f"route-new-event:{event.id}:{person.id}",
        )
        told += added is not None
    await session.flush()
    return told


@dataclass(frozen=True)
class UncoveredDeficit:
    """A deficit of the route with no event on its topics: a consultation is offered instead."""

    title: str
    topic: str


async def uncovered(session: AsyncSession, route: Route) -> list[UncoveredDeficit]:
    """The route's deficits that none of its events covers, weakest first."""
    if route.response_id is None or not route.deficits:
        return []
    response = await session.get(Response, route.response_id)
    if response is None:
        return []
    form = forms.definition(response.form)
    covered = {c for item in route.items for c in item.topics}
    found = []
    for code in route.deficits:
        area = form.area(code)
        if area is not None and not covered & set(area.topics):
            found.append(UncoveredDeficit(area.short or area.title, area.topics[0]))
    return found
