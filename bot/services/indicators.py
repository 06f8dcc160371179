"""The monitoring indicators of the municipal concept, for a period.

Each indicator is a share with its numerator, its denominator and the list behind the numerator.
Who counts as a teacher or school leader is decided in one place (`counted_clause`): teachers,
heads and deputies — never methodologists or admins. A person who deleted their data is counted
like anyone else but never named: the lists say how many such people there are instead.

A person «took part» in an event that has already started: its attendees when attendance was
marked, otherwise everyone who stayed registered (as for the feedback requests).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import forms
from bot.services.period import Period, school_year_of
from bot.texts import indicators as t
from models import (
    Answer,
    ConsultationRequest,
    Event,
    EventKind,
    EventStatus,
    Form,
    Organisation,
    Person,
    Registration,
    RegistrationStatus,
    Response,
    ResponseStatus,
    Role,
    Route,
    RouteItem,
)
from models.base import utcnow

#: Roles counted as «педагоги и управленческие кадры».
COUNTED_ROLES = (Role.TEACHER, Role.HEAD, Role.DEPUTY)
MANAGEMENT_ROLES = (Role.HEAD, Role.DEPUTY)
QUALITY_TOPIC = "quality_management"
FEEDBACK_FORM = "event_feedback"
SATISFACTION_QUESTION = "satisfaction"
LIVE_EVENT = (EventStatus.PUBLISHED, EventStatus.FINISHED)
YOUNG_YEARS = 3


def counted_clause() -> ColumnElement[bool]:
    """The people who count as teachers and school leaders in every indicator.

    Methodologists and admins never count; so do not people waiting to be confirmed as staff of
    the methodological service (their role is not a teacher's).
    """
    return Person.role.in_(COUNTED_ROLES)


@dataclass
class Indicator:
    code: str
    title: str
    numerator: int
    denominator: int
    basis: str  # what the denominator is, in words
    names: list[str] = field(default_factory=list)  # the list behind the numerator
    anonymous: int = 0  # counted in the numerator but deleted their data: never named

    @property
    def share(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> str:
        share = self.share
        return "—" if share is None else f"{share * 100:.1f}".replace(".", ",") + " %"


@dataclass(frozen=True)
class Denominator:
    value: int
    source: str  # "staff" (the organisations file) or "bot" (people registered in the bot)
    registered: int
    orgs_with_staff: int

    @property
    def note(self) -> str:
        if self.source == "staff":
            return t.BASIS_STAFF.format(orgs=t.orgs(self.orgs_with_staff))
        return t.BASIS_BOT


@dataclass(frozen=True)
class EventParticipation:
    event: Event
    participants: int


@dataclass
class IndicatorReport:
    period: Period
    denominator: Denominator
    indicators: list[Indicator]
    events: list[EventParticipation]
    by_kind: list[tuple[EventKind, int, int]]  # kind, events, participants
    by_org: list[tuple[str, int]]  # organisation, participations
    satisfaction: list[tuple[str, int]]  # the survey's own wording, count
    satisfaction_question: str
    # Who took part in each event of the period (person ids): for the reports built on this one.
    taking_part: dict[int, set[int]] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return (
            not self.events
            and all(i.numerator == 0 for i in self.indicators)
            and not any(c for _, c in self.satisfaction)
        )


@dataclass(frozen=True)
class _Who:
    id: int
    name: str | None  # None: deleted their data
    role: Role
    organisation_id: int | None
    young: bool


async def _population(session: AsyncSession, period: Period, tz: ZoneInfo) -> dict[int, _Who]:
    """Teachers and school leaders registered by the period's end and not gone before it began."""
    start, end = period.start_utc(tz), period.end_utc(tz)
    result = await session.execute(
        select(
            Person.id,
            Person.full_name,
            Person.role,
            Person.organisation_id,
            Person.is_young_specialist,
            Person.work_start_year,
            Person.deleted_at,
        ).where(
            counted_clause(),
            Person.created_at < end,
            or_(Person.deleted_at.is_(None), Person.deleted_at >= start),
        )
    )
    year = school_year_of(period.first).first.year
    return {
        row.id: _Who(
            row.id,
            None if row.deleted_at is not None else row.full_name,
            row.role,
            row.organisation_id,
            is_young(row.is_young_specialist, row.work_start_year, year),
        )
        for row in result
    }


def is_young(flag: bool, work_start_year: int | None, school_year: int) -> bool:
    """A young specialist (under 35, in the first three years): the person's own flag, made
    exact by the year work began when the profile has it (the school year starting in
    `school_year` must be the first, second or third)."""
    return flag and (work_start_year is None or school_year - work_start_year < YOUNG_YEARS)


async def denominator(
    session: AsyncSession, population: dict[int, _Who], organisations: list[Organisation]
) -> Denominator:
    """Staff numbers from the organisations file where known, people in the bot elsewhere.

    An organisation with fewer staff on file than people registered counts the people, so a
    share never exceeds one.
    """
    registered = Counter(w.organisation_id for w in population.values())
    with_staff = [o for o in organisations if o.staff_count]
    if not with_staff:
        return Denominator(len(population), "bot", len(population), 0)
    value = sum(max(o.staff_count or 0, registered.get(o.id, 0)) for o in with_staff)
    known = {o.id for o in with_staff}
    value += sum(n for org_id, n in registered.items() if org_id not in known)
    return Denominator(value, "staff", len(population), len(with_staff))


def _named(ids: set[int], population: dict[int, _Who]) -> tuple[list[str], int]:
    names = sorted(population[i].name or "" for i in ids if population[i].name is not None)
    return names, sum(1 for i in ids if population[i].name is None)


async def participations(
    session: AsyncSession, period: Period, tz: ZoneInfo, now: datetime | None = None
) -> tuple[list[Event], dict[int, set[int]]]:
    """Events of the period that have started (not cancelled) and who took part in each."""
    start, end = period.start_utc(tz), min(period.end_utc(tz), now or utcnow())
    events = list(
        (
            await session.execute(
                select(Event)
                .where(
                    Event.status.in_(LIVE_EVENT), Event.starts_at >= start, Event.starts_at < end
                )
                .order_by(Event.starts_at, Event.id)
            )
        ).scalars()
    )
    attended: dict[int, set[int]] = defaultdict(set)
    registered: dict[int, set[int]] = defaultdict(set)
    if events:
        rows = await session.execute(
            select(Registration.event_id, Registration.person_id, Registration.status)
            .join(Event, Event.id == Registration.event_id)
            .where(
                Event.status.in_(LIVE_EVENT),
                Event.starts_at >= start,
                Event.starts_at < end,
                Registration.status.in_(
                    [RegistrationStatus.ATTENDED, RegistrationStatus.REGISTERED]
                ),
            )
        )
        for event_id, person_id, status in rows:
            target = attended if status == RegistrationStatus.ATTENDED else registered
            target[event_id].add(person_id)
    return events, {e.id: attended.get(e.id) or registered.get(e.id, set()) for e in events}


async def compute(
    session: AsyncSession, period: Period, tz: ZoneInfo, now: datetime | None = None
) -> IndicatorReport:
    """All indicators of the concept for the period."""
    start, end = period.start_utc(tz), period.end_utc(tz)
    population = await _population(session, period, tz)
    organisations = list(
        (
            await session.execute(select(Organisation).where(Organisation.is_confirmed.is_(True)))
        ).scalars()
    )
    base = await denominator(session, population, organisations)
    events, taking_part = await participations(session, period, tz, now)
    indicators: list[Indicator] = []

    # 1. Diagnosed: a submitted diagnostic (heads' card or teachers' diagnostics) in the period.
    diagnosed_rows = await session.execute(
        select(Response.person_id)
        .join(Form, Form.id == Response.form_id)
        .where(
            Form.purpose == "diagnostic",
            Response.status == ResponseStatus.SUBMITTED,
            Response.submitted_at >= start,
            Response.submitted_at < end,
        )
    )
    diagnosed = {pid for (pid,) in diagnosed_rows} & population.keys()
    indicators.append(_share("diagnosed", diagnosed, base, population))

    # 2. With an individual route built in the period.
    route_rows = await session.execute(
        select(Route.person_id).where(Route.created_at >= start, Route.created_at < end)
    )
    routed = {pid for (pid,) in route_rows} & population.keys()
    indicators.append(_share("route", routed, base, population))

    # 3. Took part in at least one event of the period chosen from their route.
    chosen = await session.execute(
        select(Route.person_id, RouteItem.event_id).join(RouteItem, RouteItem.route_id == Route.id)
    )
    from_route = {
        pid
        for pid, event_id in chosen
        if pid in population and pid in taking_part.get(event_id, ())
    }
    indicators.append(_share("route_event", from_route, base, population))

    # 4. Organisations whose head or deputy took part in a quality-management event.
    quality_orgs: set[int] = set()
    for event in events:
        if QUALITY_TOPIC in (event.topics or []):
            for pid in taking_part[event.id]:
                who = population.get(pid)
                if who and who.role in MANAGEMENT_ROLES and who.organisation_id is not None:
                    quality_orgs.add(who.organisation_id)
    org_names = {o.id: o.name for o in organisations}
    quality_orgs &= org_names.keys()
    indicators.append(
        Indicator(
            "quality",
            t.TITLES["quality"],
            len(quality_orgs),
            len(organisations),
            t.BASIS_ORGS,
            sorted(org_names[o] for o in quality_orgs),
        )
    )

    # 5. Young specialists taking part in support forms: events (mentoring ones among them)
    # or consultations asked in the period.
    young = {pid for pid, who in population.items() if who.young}
    consulted_rows = await session.execute(
        select(ConsultationRequest.person_id).where(
            ConsultationRequest.created_at >= start, ConsultationRequest.created_at < end
        )
    )
    supported = {pid for (pid,) in consulted_rows}
    for people in taking_part.values():
        supported |= people
    young_supported = young & supported
    names, anonymous = _named(young_supported, population)
    indicators.append(
        Indicator(
            "young",
            t.TITLES["young"],
            len(young_supported),
            len(young),
            t.BASIS_YOUNG,
            names,
            anonymous,
        )
    )

    # 6. Participants per event, per kind, per organisation; the satisfaction distribution.
    event_rows = [EventParticipation(e, len(taking_part[e.id])) for e in events]
    kinds: dict[EventKind, list[int]] = defaultdict(lambda: [0, 0])
    for row in event_rows:
        kinds[row.event.kind][0] += 1
        kinds[row.event.kind][1] += row.participants
    by_kind = [(k, v[0], v[1]) for k, v in sorted(kinds.items(), key=lambda kv: -kv[1][1])]
    people_orgs: dict[int, int | None] = {
        pid: org_id
        for pid, org_id in await session.execute(select(Person.id, Person.organisation_id))
    }
    per_org: Counter[int | None] = Counter()
    for people in taking_part.values():
        per_org.update(people_orgs.get(pid) for pid in people)
    by_org = sorted(
        (
            (org_names.get(org_id, t.NO_ORGANISATION) if org_id else t.NO_ORGANISATION, n)
            for org_id, n in per_org.items()
        ),
        key=lambda item: (-item[1], item[0]),
    )
    question, satisfaction = await satisfaction_distribution(session, period, tz)
    return IndicatorReport(
        period, base, indicators, event_rows, by_kind, by_org, satisfaction, question, taking_part
    )


def _share(code: str, ids: set[int], base: Denominator, population: dict[int, _Who]) -> Indicator:
    names, anonymous = _named(ids, population)
    return Indicator(code, t.TITLES[code], len(ids), base.value, base.note, names, anonymous)


async def satisfaction_distribution(
    session: AsyncSession, period: Period, tz: ZoneInfo
) -> tuple[str, list[tuple[str, int]]]:
    """The feedback form's satisfaction question in its own wording, and how many chose each
    answer among the responses submitted in the period (every option listed, zeros too)."""
    form = await forms.active(session, FEEDBACK_FORM)
    if form is None:
        return "", []
    form_def = forms.definition(form)
    question = form_def.question(SATISFACTION_QUESTION) or next(
        (q for q in form_def.questions if q.kind == "single"), None
    )
    if question is None:
        return "", []
    counts: Counter[str] = Counter()
    rows = await session.execute(
        select(Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.form_code == FEEDBACK_FORM,
            Response.status == ResponseStatus.SUBMITTED,
            Response.submitted_at >= period.start_utc(tz),
            Response.submitted_at < period.end_utc(tz),
            Answer.question_id == question.id,
            Answer.skipped.is_(False),
        )
    )
    counts.update(str(value) for (value,) in rows if value is not None)
    return question.text, [(o.label, counts.get(o.value, 0)) for o in question.options]
