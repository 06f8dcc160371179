"""Individual development routes: upcoming events on the topics of a person's deficits.

The route is built when a diagnostic is submitted and stored; its progress follows attendance
(an item is done when the person's registration for its event is marked attended).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import forms, outbox, questionnaire, scoring
from bot.services.events import Seats, audience_keys, meant_for, seat_counts, series_title
from bot.services.form_schema import FormDef
from bot.texts import quoted
from bot.texts import routes as tr
from bot.topics import topic_label
from models import (
    Event,
    EventStatus,
    Form,
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
#: Events proposed for one deficit when the route is built (later news may add more).
PER_DEFICIT = 5
#: Strongest areas named in the route (never proposed events).
STRONG_SHOWN = 3
#: Registration statuses that keep a deficit covered even when its event is past.
LIVE = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED, RegistrationStatus.ATTENDED)


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
    return [e for e in result.scalars() if wanted & set(e.topics or []) and meant_for(e, keys)]


def pick_events(events: list[Event], weak: list[scoring.AreaScore]) -> list[Event]:
    """Deficit by deficit, weakest first: each deficit gets its next event in turn, so one
    deficit with many events never crowds out the others; at most ROUTE_LIMIT in all."""
    queues = [[e for e in events if set(e.topics or []) & set(area.topics)] for area in weak]
    chosen: list[Event] = []
    seen: set[int] = set()
    for depth in range(PER_DEFICIT):
        for queue in queues:
            if sum(1 for e in queue if e.id in seen) > depth:
                continue  # covered deep enough by events chosen for other deficits
            following = next((e for e in queue if e.id not in seen), None)
            if following is None or len(chosen) >= ROUTE_LIMIT:
                continue
            chosen.append(following)
            seen.add(following.id)
    return sorted(chosen, key=lambda e: (e.starts_at, e.id))


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
    events = pick_events(await matching_events(session, person, topics), weak)
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
    #: Published and still ahead: one may register.
    open: bool = False
    #: No free seat left (registering puts the person in the waitlist).
    full: bool = False

    @property
    def done(self) -> bool:
        return self.registration == RegistrationStatus.ATTENDED

    @property
    def signed_up(self) -> bool:
        return self.registration in (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)

    @property
    def can_sign_up(self) -> bool:
        return self.open and self.registration in (None, RegistrationStatus.CANCELLED)


@dataclass(frozen=True)
class DeficitGroup:
    """One deficit of the route and the route's events on its topics."""

    code: str
    title: str
    short: str
    score: float | None
    topic: str  # the topic a consultation is asked on
    items: list[ItemStatus]

    @property
    def covered(self) -> bool:
        """An event one can still go to, or one the person is in (or attended)."""
        return any(i.open or i.registration in LIVE for i in self.items)

    @property
    def attended(self) -> int:
        return sum(1 for i in self.items if i.done)

    @property
    def registered(self) -> int:
        return sum(1 for i in self.items if i.signed_up)


@dataclass(frozen=True)
class SeriesOffer:
    """«Записаться на весь цикл» for a series one of whose open meetings is in the route."""

    series_id: int
    title: str
    item_id: int


@dataclass(frozen=True)
class RouteView:
    route: Route
    items: list[ItemStatus]
    groups: list[DeficitGroup] = field(default_factory=list)
    strong: list[str] = field(default_factory=list)
    series: list[SeriesOffer] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.done)

    @property
    def registered(self) -> int:
        return sum(1 for i in self.items if i.signed_up)

    @property
    def total(self) -> int:
        return len(self.items)


def _groups(
    route: Route, form: FormDef | None, scores: dict[str, float], items: list[ItemStatus]
) -> list[DeficitGroup]:
    groups = []
    for code in route.deficits or []:
        area = form.area(code) if form is not None else None
        if area is None:
            topics = list(route.topics or [])
            title = short = topic_label(topics[0]) if topics else code
        else:
            topics, title, short = list(area.topics), area.title, area.short or area.title
        mine = [i for i in items if set(i.item.topics) & set(topics)]
        topic = topics[0] if topics else ""
        groups.append(DeficitGroup(code, title, short, scores.get(code), topic, mine))
    return groups


def _strong(form: FormDef | None, route: Route, scores: dict[str, float]) -> list[str]:
    """The best-scored areas above their threshold (ties kept), at most STRONG_SHOWN."""
    if form is None:
        return []
    rated = [
        (scores[a.code], a.short or a.title)
        for a in form.areas
        if a.code in scores
        and a.code not in (route.deficits or [])
        and scores[a.code] > form.threshold_of(a)
    ]
    if not rated:
        return []
    best = max(score for score, _ in rated)
    return [name for score, name in rated if score == best][:STRONG_SHOWN]


async def view(session: AsyncSession, route: Route, now: datetime | None = None) -> RouteView:
    """The route deficit by deficit: each item's registration, whether it is still open and
    full, the strongest areas (never proposed) and the series one may join at once."""
    now = now or utcnow()
    event_ids = [item.event_id for item in route.items]
    statuses: dict[int, RegistrationStatus] = {}
    seats: dict[int, Seats] = {}
    if event_ids:
        result = await session.execute(
            select(Registration.event_id, Registration.status).where(
                Registration.person_id == route.person_id, Registration.event_id.in_(event_ids)
            )
        )
        statuses = {event_id: status for event_id, status in result.all()}
        seats = await seat_counts(session, event_ids)
    items = []
    for item in route.items:
        event = item.event
        is_open = event.status == EventStatus.PUBLISHED and event.starts_at > now
        taken = seats[event.id].taken if event.id in seats else 0
        full = event.capacity is not None and taken >= event.capacity
        items.append(ItemStatus(item, statuses.get(item.event_id), is_open, full))
    form: FormDef | None = None
    scores: dict[str, float] = {}
    if route.response_id is not None:
        response = await session.get(Response, route.response_id)
        if response is not None:
            form = forms.definition(response.form)
            scores = dict(response.scores or {})
    offers: list[SeriesOffer] = []
    for status in items:
        series_id = status.item.event.series_id
        if series_id is None or not status.can_sign_up:
            continue
        if any(o.series_id == series_id for o in offers):
            continue
        offers.append(
            SeriesOffer(series_id, await series_title(session, series_id), status.item.id)
        )
    return RouteView(
        route, items, _groups(route, form, scores, items), _strong(form, route, scores), offers
    )


async def get_item(session: AsyncSession, item_id: int) -> RouteItem | None:
    return await session.get(RouteItem, item_id)


async def route_of_item(session: AsyncSession, item: RouteItem) -> Route | None:
    return await session.get(Route, item.route_id)


async def tell_about_new_event(
    session: AsyncSession, event: Event, now: datetime | None = None
) -> int:
    """A newly published event on the topics of someone's open deficits joins their latest
    route, and they are told once (outbox, holdable: quiet hours apply; the meetings of one
    series are told once). Returns how many were told."""
    now = now or utcnow()
    if event.status != EventStatus.PUBLISHED or event.starts_at <= now or not event.topics:
        return 0
    told = 0
    for route, person in await latest_routes(session):
        shared = [c for c in event.topics if c in (route.topics or [])]
        if not shared or not meant_for(event, audience_keys(person)):
            continue
        if any(item.event_id == event.id for item in route.items):
            continue
        route.items.append(RouteItem(event_id=event.id, topics=shared, position=len(route.items)))
        added = await outbox.enqueue(
            session,
            kind=NotificationKind.MESSAGE,
            person_id=person.id,
            event_id=event.id,
            text=tr.ROUTE_NEW_EVENT.format(
                title=escape(quoted(event.title)),
                topics=escape(", ".join(topic_label(c) for c in shared)),
            ),
            holdable=True,
            payload={
                "buttons": [
                    [outbox.button(tr.ROUTE_NEW_EVENT_BUTTON, outbox.Target.EVENT_CARD, event.id)]
                ]
            },
            # A series published meeting by meeting is news once, not once per meeting.
            dedup_key=(
                f"route-new-series:{event.series_id}:{person.id}"
                if event.series_id is not None
                else f"route-new-event:{event.id}:{person.id}"
            ),
        )
        told += added is not None
    await session.flush()
    return told


# Methodologists: everyone's latest route, its progress, deficits by organisation ------------


async def latest_routes(session: AsyncSession) -> list[tuple[Route, Person]]:
    """Each person's latest route (people who deleted their data left out), by name."""
    latest_ids = select(func.max(Route.id)).group_by(Route.person_id).scalar_subquery()
    result = await session.execute(
        select(Route, Person)
        .join(Person, Person.id == Route.person_id)
        .where(Route.id.in_(latest_ids), Person.deleted_at.is_(None))
    )
    pairs = [(route, person) for route, person in result.unique().all()]
    return sorted(pairs, key=lambda p: ((p[1].full_name or "").casefold(), p[1].id))


@dataclass(frozen=True)
class PersonProgress:
    person: Person
    route: Route
    done: int
    registered: int
    total: int


async def progress_of_all(session: AsyncSession) -> list[PersonProgress]:
    """Every latest route with how many of its events were attended and are signed up for."""
    pairs = await latest_routes(session)
    statuses: dict[tuple[int, int], RegistrationStatus] = {}
    if pairs:
        result = await session.execute(
            select(Registration.person_id, Registration.event_id, Registration.status).where(
                Registration.person_id.in_([person.id for _, person in pairs])
            )
        )
        statuses = {(p, e): s for p, e, s in result.all()}
    progress = []
    for route, person in pairs:
        mine = [statuses.get((person.id, item.event_id)) for item in route.items]
        progress.append(
            PersonProgress(
                person,
                route,
                sum(1 for s in mine if s == RegistrationStatus.ATTENDED),
                sum(
                    1
                    for s in mine
                    if s in (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)
                ),
                len(mine),
            )
        )
    return progress


@dataclass
class OrgDeficit:
    """One deficit area in one organisation: how many people have it in their latest route
    and for how many of them an upcoming event fits (topic and role)."""

    org_id: int | None
    org_name: str
    form_code: str
    area_code: str
    area_title: str
    people: int = 0
    covered: int = 0
    next_event: Event | None = None


async def deficits_by_org(session: AsyncSession, now: datetime | None = None) -> list[OrgDeficit]:
    """Deficits of the latest routes by organisation (by name; people without one last),
    the most frequent first within an organisation."""
    now = now or utcnow()
    pairs = [(r, p) for r, p in await latest_routes(session) if r.deficits and r.response_id]
    if not pairs:
        return []
    form_ids = dict(
        (
            await session.execute(
                select(Response.id, Response.form_id).where(
                    Response.id.in_([r.response_id for r, _ in pairs])
                )
            )
        ).all()
    )
    definitions: dict[int, FormDef] = {}
    for form_id in set(form_ids.values()):
        form = await session.get(Form, form_id)
        if form is not None:
            definitions[form_id] = forms.definition(form)
    upcoming = list(
        (
            await session.execute(
                select(Event)
                .where(Event.status == EventStatus.PUBLISHED, Event.starts_at > now)
                .order_by(Event.starts_at, Event.id)
            )
        ).scalars()
    )
    table: dict[tuple[int | None, str, str], OrgDeficit] = {}
    for route, person in pairs:
        form_def = definitions.get(form_ids.get(route.response_id or 0, 0))
        if form_def is None:
            continue
        keys = audience_keys(person)
        org = person.organisation
        for code in route.deficits:
            area = form_def.area(code)
            if area is None:
                continue
            key = (org.id if org else None, form_def.code, code)
            row = table.get(key)
            if row is None:
                row = table[key] = OrgDeficit(
                    org.id if org else None,
                    org.name if org else "",
                    form_def.code,
                    code,
                    area.short or area.title,
                )
            row.people += 1
            fitting = next(
                (
                    e
                    for e in upcoming
                    if set(e.topics or []) & set(area.topics) and meant_for(e, keys)
                ),
                None,
            )
            if fitting is not None:
                row.covered += 1
                if row.next_event is None or fitting.starts_at < row.next_event.starts_at:
                    row.next_event = fitting
    return sorted(
        table.values(),
        key=lambda r: (
            r.org_id is None,
            r.org_name.casefold(),
            r.org_id or 0,
            -r.people,
            r.area_title,
            r.form_code,
        ),
    )
