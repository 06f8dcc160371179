"""Post-event feedback: who is asked and when, who may answer, and the summary for methodologists.

Requests are planned when they fall due rather than at registration: FEEDBACK_DELAY after an
event's actual end (so a moved event moves its survey too), to attendees — or to everyone still
registered when no attendance was marked. Each request and its one follow-up are outbox rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import is_postgres
from bot.services import forms, outbox, questionnaire
from bot.services.form_schema import FormDef, Question
from bot.texts import feedback as t
from bot.texts import inside_quotes
from models import (
    Answer,
    Event,
    EventStatus,
    Notification,
    NotificationKind,
    NotificationStatus,
    Person,
    Registration,
    RegistrationStatus,
    Response,
    ResponseStatus,
)
from models.base import utcnow

FORM_CODE = "event_feedback"
#: Events that ended longer ago than this are not surveyed any more (e.g. after a long downtime).
PLANNING_WINDOW = timedelta(days=7)
FOLLOWUP_AFTER = timedelta(days=1)
#: A request nobody opened within this time is no longer worth sending.
REQUEST_EXPIRES = timedelta(days=14)


def context_of(event_id: int) -> dict[str, Any]:
    return {"event_id": event_id}


async def plan_requests(
    session: AsyncSession,
    delay: timedelta,
    now: datetime | None = None,
    followup_after: timedelta = FOLLOWUP_AFTER,
) -> int:
    """Enqueue feedback requests (and follow-ups) for events that ended `delay` ago.

    Idempotent: an event is marked once planned; on PostgreSQL concurrent planners skip each
    other's events. Returns the number of requests added.
    """
    now = now or utcnow()
    stmt = select(Event).where(
        Event.status.in_([EventStatus.PUBLISHED, EventStatus.FINISHED]),
        Event.feedback_requested_at.is_(None),
        Event.ends_at <= now - delay,
        Event.ends_at > now - delay - PLANNING_WINDOW,
    )
    if is_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True)
    added = 0
    for event in (await session.execute(stmt)).scalars().all():
        for person_id in await recipients(session, event.id):
            added += await _enqueue_pair(session, event, person_id, now, followup_after)
        event.feedback_requested_at = now
    return added


async def recipients(session: AsyncSession, event_id: int) -> list[int]:
    """Attendees; when nobody was marked, everyone who stayed registered."""
    result = await session.execute(
        select(Registration.person_id, Registration.status).where(
            Registration.event_id == event_id,
            Registration.status.in_([RegistrationStatus.ATTENDED, RegistrationStatus.REGISTERED]),
        )
    )
    rows = result.all()
    attended = [pid for pid, status in rows if status == RegistrationStatus.ATTENDED]
    return attended or [pid for pid, _ in rows]


async def _enqueue_pair(
    session: AsyncSession, event: Event, person_id: int, now: datetime, followup_after: timedelta
) -> int:
    form = {"code": FORM_CODE, "context": context_of(event.id)}
    request = await outbox.enqueue(
        session,
        kind=NotificationKind.FEEDBACK_REQUEST,
        person_id=person_id,
        event_id=event.id,
        text=t.REQUEST.format(title=escape(inside_quotes(event.title))),
        payload={"form": form, "button": t.REQUEST_BUTTON},
        holdable=True,
        expires_at=now + REQUEST_EXPIRES,
        dedup_key=f"feedback:{event.id}:{person_id}",
    )
    await outbox.enqueue(
        session,
        kind=NotificationKind.FEEDBACK_FOLLOWUP,
        person_id=person_id,
        event_id=event.id,
        due_at=now + followup_after,
        text=t.FOLLOWUP.format(title=escape(inside_quotes(event.title))),
        payload={"form": form, "button": t.REQUEST_BUTTON},
        holdable=True,
        expires_at=now + REQUEST_EXPIRES,
        dedup_key=f"feedback-followup:{event.id}:{person_id}",
    )
    return 1 if request is not None else 0


async def answered(session: AsyncSession, person_id: int, event_id: int) -> bool:
    return (
        await questionnaire.submitted_for(session, person_id, FORM_CODE, context_of(event_id))
        is not None
    )


async def refusal_to_start(
    session: AsyncSession, person: Person, form: FormDef, context: dict[str, Any]
) -> str | None:
    """Only a participant of an event that has ended may answer, and only once."""
    event_id = context.get("event_id")
    event = await session.get(Event, event_id) if isinstance(event_id, int) else None
    if event is None:
        return t.NOT_A_PARTICIPANT
    registration = await session.execute(
        select(Registration.status).where(
            Registration.event_id == event.id, Registration.person_id == person.id
        )
    )
    status = registration.scalar_one_or_none()
    if status not in (RegistrationStatus.ATTENDED, RegistrationStatus.REGISTERED):
        return t.NOT_A_PARTICIPANT
    if event.ends_at > utcnow():
        return t.NOT_YET
    if await answered(session, person.id, event.id):
        return t.ALREADY_ANSWERED
    return None


@dataclass
class QuestionSummary:
    question: Question
    counts: Counter[str] = field(default_factory=Counter)
    numbers: list[float] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    skipped: int = 0


@dataclass
class Summary:
    event: Event
    responses: int
    asked: int
    questions: list[QuestionSummary]


def _submitted_about(event: Event) -> tuple[ColumnElement[bool], ...]:
    """The conditions that pick the submitted feedback responses about one event."""
    return (
        Response.form_code == FORM_CODE,
        Response.context_key == questionnaire.context_key(context_of(event.id)),
        Response.status == ResponseStatus.SUBMITTED,
    )


async def summary(session: AsyncSession, event: Event) -> Summary | None:
    """Counts per answer, averages of scales and the free-text answers of one event's feedback.

    None when the feedback form is not loaded.
    """
    form = await forms.active(session, FORM_CODE)
    if form is None:
        return None
    form_def = forms.definition(form)
    responses = (
        (await session.execute(select(Response.id).where(*_submitted_about(event)))).scalars().all()
    )
    per_question = {q.id: QuestionSummary(q) for q in form_def.questions}
    if responses:
        answers = await session.execute(select(Answer).where(Answer.response_id.in_(responses)))
        for answer in answers.scalars():
            item = per_question.get(answer.question_id)
            if item is None:
                continue
            _count(item, answer)
    return Summary(
        event, len(responses), await _asked(session, event.id), list(per_question.values())
    )


async def _asked(session: AsyncSession, event_id: int) -> int:
    """People a request or follow-up actually reached: not those who blocked the bot before it."""
    result = await session.execute(
        select(func.count(distinct(Notification.person_id))).where(
            Notification.event_id == event_id,
            Notification.kind.in_(
                [NotificationKind.FEEDBACK_REQUEST, NotificationKind.FEEDBACK_FOLLOWUP]
            ),
            Notification.status == NotificationStatus.SENT,
        )
    )
    return int(result.scalar_one())


def _count(item: QuestionSummary, answer: Answer) -> None:
    value = answer.value
    if answer.skipped or value in (None, "", []):
        item.skipped += 1
    elif item.question.kind == "single":
        item.counts[str(value)] += 1
    elif item.question.kind == "multi":
        item.counts.update(str(v) for v in value)
    elif item.question.kind in ("scale", "number"):
        item.numbers.append(float(value))
        item.counts[str(int(value))] += 1
    else:
        item.texts.append(str(value))


async def past_events(
    session: AsyncSession, page: int, per_page: int, now: datetime | None = None
) -> tuple[list[tuple[Event, int]], int]:
    """Events that have ended, newest first, with their number of feedback responses."""
    now = now or utcnow()
    ended = (
        Event.status.in_([EventStatus.PUBLISHED, EventStatus.FINISHED]),
        Event.ends_at <= now,
    )
    total = len((await session.execute(select(Event.id).where(*ended))).all())
    events = (
        (
            await session.execute(
                select(Event)
                .where(*ended)
                .order_by(Event.ends_at.desc(), Event.id.desc())
                .offset(page * per_page)
                .limit(per_page)
            )
        )
        .scalars()
        .all()
    )
    keys = {questionnaire.context_key(context_of(e.id)): e for e in events}
    counts: Counter[str] = Counter()
    if keys:
        rows = await session.execute(
            select(Response.context_key).where(
                Response.form_code == FORM_CODE,
                Response.status == ResponseStatus.SUBMITTED,
                Response.context_key.in_(list(keys)),
            )
        )
        counts.update(key for (key,) in rows)
    return [(e, counts[k]) for k, e in keys.items()], total


async def export_rows(
    session: AsyncSession, event: Event, tz: ZoneInfo
) -> tuple[list[str], list[list[Any]]] | None:
    """One row per submitted response (anonymous), one column per question; times in `tz`."""
    form = await forms.active(session, FORM_CODE)
    if form is None:
        return None
    form_def = forms.definition(form)
    responses = (
        (
            await session.execute(
                select(Response).where(*_submitted_about(event)).order_by(Response.submitted_at)
            )
        )
        .scalars()
        .all()
    )
    by_response: dict[int, dict[str, Answer]] = {r.id: {} for r in responses}
    if responses:
        answers = await session.execute(
            select(Answer).where(Answer.response_id.in_(list(by_response)))
        )
        for answer in answers.scalars():
            by_response[answer.response_id][answer.question_id] = answer
    headers = [t.EXPORT_NUMBER, t.EXPORT_SUBMITTED, *(q.text for q in form_def.questions)]
    rows: list[list[Any]] = []
    for number, response in enumerate(responses, start=1):
        given = by_response[response.id]
        submitted = response.submitted_at.astimezone(tz) if response.submitted_at else None
        cells: list[Any] = [number, submitted]
        for question in form_def.questions:
            reply = given.get(question.id)
            cells.append(
                None
                if reply is None
                else questionnaire.display_value(question, reply.value, reply.skipped)
            )
        rows.append(cells)
    return headers, rows
