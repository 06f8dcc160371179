"""Chasing those who have not answered: a diagnostic form's audience, an event's feedback.

Lists are computed from the database each time; a reminder is an outbox row (it waits out
quiet hours) whose dedup key holds the local date, so a person is reminded at most once a day
per form however often «Напомнить» is pressed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import feedback, forms, outbox, questionnaire
from bot.texts import heads as t
from bot.texts import inside_quotes
from models import (
    Event,
    EventStatus,
    Form,
    NotificationKind,
    Person,
    Registration,
    Response,
    ResponseStatus,
)
from models.base import utcnow
from models.organisation import search_key

#: A reminder nobody could receive within this time is not worth sending.
REMINDER_EXPIRES = timedelta(days=3)


@dataclass(frozen=True)
class Subject:
    """What is being chased: a diagnostic form, or the feedback about one event."""

    title: str
    form_code: str
    context: dict[str, Any]
    event_id: int | None = None

    @property
    def audit_action(self) -> str:
        return "reminder.feedback" if self.event_id is not None else "reminder.form"


async def form_subject(session: AsyncSession, form_id: int) -> Subject | None:
    form = await session.get(Form, form_id)
    if form is None or not form.is_active or form.purpose != "diagnostic":
        return None
    return Subject(forms.definition(form).title, form.code, {})


async def event_subject(session: AsyncSession, event_id: int) -> Subject | None:
    """An event whose feedback was asked for (it has ended)."""
    event = await session.get(Event, event_id)
    if (
        event is None
        or event.feedback_requested_at is None
        or event.status not in (EventStatus.PUBLISHED, EventStatus.FINISHED)
    ):
        return None
    return Subject(event.title, feedback.FORM_CODE, feedback.context_of(event.id), event.id)


def _org_key(person: Person) -> tuple[str, str, int]:
    org = person.organisation.name if person.organisation else ""
    return (search_key(org), search_key(person.full_name or ""), person.id)


async def _reachable(
    session: AsyncSession, org_id: int | None, ids: list[int] | None
) -> list[Person]:
    stmt = select(Person).where(Person.telegram_id.is_not(None), Person.deleted_at.is_(None))
    if org_id is not None:
        stmt = stmt.where(Person.organisation_id == org_id)
    if ids is not None:
        stmt = stmt.where(Person.id.in_(ids))
    return list((await session.execute(stmt)).scalars().unique())


async def missing(session: AsyncSession, subject: Subject, org_id: int | None) -> list[Person]:
    """Who the subject is meant for and has not submitted it (within one organisation if given)."""
    if subject.event_id is None:
        form = await forms.active(session, subject.form_code)
        if form is None:
            return []
        form_def = forms.definition(form)
        people = [
            p for p in await _reachable(session, org_id, None) if forms.is_meant_for(form_def, p)
        ]
        # Only the ids: loading whole responses would parse each one's form definition too.
        result = await session.execute(
            select(Response.person_id)
            .where(
                Response.form_code == subject.form_code,
                Response.status == ResponseStatus.SUBMITTED,
            )
            .distinct()
        )
        done = set(result.scalars())
    else:
        asked = await feedback.recipients(session, subject.event_id)
        people = await _reachable(session, org_id, asked) if asked else []
        result = await session.execute(
            select(Response.person_id).where(
                Response.form_code == subject.form_code,
                Response.context_key == questionnaire.context_key(subject.context),
                Response.status == ResponseStatus.SUBMITTED,
            )
        )
        done = set(result.scalars())
    return sorted((p for p in people if p.id not in done), key=_org_key)


def by_organisation(people: list[Person]) -> list[tuple[int, str, int]]:
    """(organisation id, name, how many) of a list of people; people without one are left out."""
    counts: dict[int, tuple[str, int]] = {}
    for person in people:
        if person.organisation is None:
            continue
        name, n = counts.get(person.organisation.id, (person.organisation.name, 0))
        counts[person.organisation.id] = (name, n + 1)
    return sorted(
        ((org_id, name, n) for org_id, (name, n) in counts.items()),
        key=lambda item: search_key(item[1]),
    )


async def feedback_events(
    session: AsyncSession, org_id: int | None, page: int, per_page: int
) -> tuple[list[Event], int]:
    """Events whose feedback was asked for, newest first (with the organisation's staff in it)."""
    stmt = select(Event).where(
        Event.feedback_requested_at.is_not(None),
        Event.status.in_([EventStatus.PUBLISHED, EventStatus.FINISHED]),
    )
    if org_id is not None:
        staff_in = (
            select(Registration.event_id)
            .join(Person, Person.id == Registration.person_id)
            .where(Person.organisation_id == org_id)
        )
        stmt = stmt.where(Event.id.in_(staff_in))
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    result = await session.execute(
        stmt.order_by(Event.ends_at.desc(), Event.id.desc()).offset(page * per_page).limit(per_page)
    )
    return list(result.scalars()), int(total)


async def remind(
    session: AsyncSession,
    subject: Subject,
    people: list[Person],
    tz: ZoneInfo,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Queue one reminder per person unless they had one about this subject today (local date).

    Returns (queued, skipped)."""
    now = now or utcnow()
    day = now.astimezone(tz).date().isoformat()
    key = questionnaire.context_key(subject.context)
    template = t.FEEDBACK_REMINDER if subject.event_id is not None else t.FORM_REMINDER
    text = template.format(title=escape(inside_quotes(subject.title)))
    queued = skipped = 0
    for person in people:
        added = await outbox.enqueue(
            session,
            kind=NotificationKind.FORM_REMINDER,
            person_id=person.id,
            event_id=subject.event_id,
            text=text,
            holdable=True,
            expires_at=now + REMINDER_EXPIRES,
            payload={
                "form": {"code": subject.form_code, "context": subject.context},
                "button": t.REMINDER_BUTTON,
            },
            dedup_key=f"form-reminder:{subject.form_code}:{key}:{person.id}:{day}",
        )
        if added is None:
            skipped += 1
        else:
            queued += 1
    return queued, skipped
