"""Who receives a broadcast: filters combined with AND across kinds and OR within one kind.

A filter is plain data (stored in `broadcasts.filters` as JSON): an empty one means everyone.
Kinds: roles, organisations, organisation kinds, people of events or series (registered,
attended, did not come), the management reserve, young specialists, people who have not
submitted a form (optionally since a date), people who have not answered an event's feedback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import feedback, questionnaire
from models import (
    Event,
    Organisation,
    OrgKind,
    Person,
    Registration,
    RegistrationStatus,
    Response,
    ResponseStatus,
    Role,
)
from models.base import utcnow

#: How people relate to an event or a series in an event filter.
EVENT_MODES = ("registered", "attended", "no_show")


@dataclass
class EventPick:
    mode: str  # one of EVENT_MODES
    event_id: int | None = None
    series_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "event_id": self.event_id, "series_id": self.series_id}


@dataclass
class Filters:
    roles: list[str] = field(default_factory=list)
    org_ids: list[int] = field(default_factory=list)
    org_kinds: list[str] = field(default_factory=list)
    events: list[EventPick] = field(default_factory=list)
    reserve: bool = False
    young: bool = False
    not_submitted: list[str] = field(default_factory=list)  # form codes
    not_submitted_since: datetime | None = None
    no_feedback: list[int] = field(default_factory=list)  # event ids

    @property
    def is_everyone(self) -> bool:
        return not (
            self.roles
            or self.org_ids
            or self.org_kinds
            or self.events
            or self.reserve
            or self.young
            or self.not_submitted
            or self.no_feedback
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "roles": list(self.roles),
            "org_ids": list(self.org_ids),
            "org_kinds": list(self.org_kinds),
            "events": [e.to_dict() for e in self.events],
            "reserve": self.reserve,
            "young": self.young,
            "not_submitted": list(self.not_submitted),
            "not_submitted_since": (
                self.not_submitted_since.isoformat() if self.not_submitted_since else None
            ),
            "no_feedback": list(self.no_feedback),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Filters:
        data = data or {}
        since = data.get("not_submitted_since")
        return cls(
            roles=[str(r) for r in data.get("roles", []) if str(r) in set(Role)],
            org_ids=[int(i) for i in data.get("org_ids", [])],
            org_kinds=[str(k) for k in data.get("org_kinds", []) if str(k) in set(OrgKind)],
            events=[
                EventPick(
                    mode=str(e.get("mode")),
                    event_id=e.get("event_id"),
                    series_id=e.get("series_id"),
                )
                for e in data.get("events", [])
                if e.get("mode") in EVENT_MODES
            ],
            reserve=bool(data.get("reserve")),
            young=bool(data.get("young")),
            not_submitted=[str(c) for c in data.get("not_submitted", [])],
            not_submitted_since=datetime.fromisoformat(since) if since else None,
            no_feedback=[int(i) for i in data.get("no_feedback", [])],
        )


def _event_condition(pick: EventPick, now: datetime) -> ColumnElement[bool]:
    if pick.event_id is not None:
        events = select(Event.id).where(Event.id == pick.event_id)
    elif pick.series_id is not None:
        events = select(Event.id).where(Event.series_id == pick.series_id)
    else:
        return false()
    reg = select(Registration.person_id).where(Registration.event_id.in_(events))
    if pick.mode == "registered":
        reg = reg.where(
            Registration.status.in_(
                [
                    RegistrationStatus.REGISTERED,
                    RegistrationStatus.ATTENDED,
                    RegistrationStatus.NO_SHOW,
                ]
            )
        )
    elif pick.mode == "attended":
        reg = reg.where(Registration.status == RegistrationStatus.ATTENDED)
    else:  # no_show: had a seat at an event that is over and was not marked as there
        ended = select(Event.id).where(Event.id.in_(events), Event.ends_at <= now)
        reg = reg.where(
            Registration.event_id.in_(ended),
            Registration.status.in_([RegistrationStatus.REGISTERED, RegistrationStatus.NO_SHOW]),
        )
    return Person.id.in_(reg)


def conditions(filters: Filters, now: datetime | None = None) -> list[ColumnElement[bool]]:
    """The WHERE conditions on Person for the filter (AND of the kinds)."""
    now = now or utcnow()
    where: list[ColumnElement[bool]] = []
    if filters.roles:
        where.append(Person.role.in_([Role(r) for r in filters.roles]))
    if filters.org_ids:
        where.append(Person.organisation_id.in_(filters.org_ids))
    if filters.org_kinds:
        kinds = select(Organisation.id).where(
            Organisation.kind.in_([OrgKind(k) for k in filters.org_kinds])
        )
        where.append(Person.organisation_id.in_(kinds))
    if filters.events:
        where.append(or_(*(_event_condition(p, now) for p in filters.events)))
    if filters.reserve:
        where.append(Person.is_management_reserve.is_(True))
    if filters.young:
        where.append(Person.is_young_specialist.is_(True))
    if filters.not_submitted:
        options: list[ColumnElement[bool]] = []
        for code in filters.not_submitted:
            done = select(Response.person_id).where(
                Response.form_code == code, Response.status == ResponseStatus.SUBMITTED
            )
            if filters.not_submitted_since is not None:
                done = done.where(Response.submitted_at >= filters.not_submitted_since)
            options.append(Person.id.not_in(done))
        where.append(or_(*options))
    if filters.no_feedback:
        feedback_options: list[ColumnElement[bool]] = []
        for event_id in filters.no_feedback:
            key = questionnaire.context_key(feedback.context_of(event_id))
            answered = select(Response.person_id).where(
                Response.form_code == feedback.FORM_CODE,
                Response.context_key == key,
                Response.status == ResponseStatus.SUBMITTED,
            )
            participants = select(Registration.person_id).where(
                Registration.event_id == event_id,
                Registration.status.in_(
                    [RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED]
                ),
            )
            feedback_options.append(and_(Person.id.in_(participants), Person.id.not_in(answered)))
        where.append(or_(*feedback_options))
    return where


def _known() -> list[ColumnElement[bool]]:
    """People the bot can write to at all: registered and not deleted."""
    return [Person.deleted_at.is_(None), Person.telegram_id.is_not(None)]


def _eligible() -> list[ColumnElement[bool]]:
    return [*_known(), Person.is_active.is_(True), Person.broadcasts_opt_out.is_(False)]


def recipients_query(filters: Filters, now: datetime | None = None) -> Select[Any]:
    """Ids of the people who will receive it: matching, not blocked, not opted out."""
    return select(Person.id).where(*_eligible(), *conditions(filters, now)).order_by(Person.id)


@dataclass(frozen=True)
class Count:
    recipients: int
    blocked: int
    opted_out: int


async def count(session: AsyncSession, filters: Filters, now: datetime | None = None) -> Count:
    """How many will receive it, and how many matching people will not and why."""
    where = [*_known(), *conditions(filters, now)]
    blocked = Person.is_active.is_(False)
    opted = and_(Person.is_active.is_(True), Person.broadcasts_opt_out.is_(True))
    row = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(blocked),
                func.count().filter(opted),
            ).where(*where)
        )
    ).one()
    total, n_blocked, n_opted = int(row[0]), int(row[1]), int(row[2])
    return Count(total - n_blocked - n_opted, n_blocked, n_opted)


async def recipient_ids(
    session: AsyncSession, filters: Filters, now: datetime | None = None
) -> list[int]:
    return [int(i) for i in (await session.execute(recipients_query(filters, now))).scalars()]
