"""Exports of everything for a period: people, organisations, events, registrations with
attendance, diagnostic answers, routes, feedback answers, consultations.

Each export is its headers (Russian) and an async stream of rows, so a file of 100,000 rows is
written without holding them in memory: plain tables come through a server-side cursor
(`session.stream` with `yield_per`), questionnaire answers in chunks of responses. Times are
local (TIMEZONE); a person who deleted their data is shown as «данные удалены».
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.services import audit, forms, questionnaire
from bot.services.form_schema import FormDef, Question
from bot.services.period import Period
from bot.services.tables import write_table
from bot.texts import event_admin as tea
from bot.texts import events as tev
from bot.texts import forms as tf
from bot.texts import forms_admin as tfa
from bot.texts import onboarding as to
from bot.texts import reports as t
from bot.texts import tables as tt
from bot.texts.consultations import STATUS as CONSULTATION_STATUS
from bot.topics import topic_label
from models import (
    Answer,
    ConsultationRequest,
    Event,
    EventSeries,
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

CHUNK = 1000
#: Responses read at a time: each brings all its answers, so fewer than plain rows.
RESPONSE_CHUNK = 50
KINDS = tuple(t.EXPORT_KINDS)
Row = list[Any]


@dataclass
class Export:
    kind: str
    title: str
    headers: list[str]
    rows: AsyncIterator[Row]


def _local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    return moment.astimezone(tz).replace(tzinfo=None) if moment is not None else None


def _yes(value: bool) -> str:
    return tt.YES if value else tt.NO


def _name(full_name: str | None, deleted_at: datetime | None) -> str:
    return t.DELETED_PERSON if deleted_at is not None or not full_name else full_name


async def _stream(session: AsyncSession, stmt: Any) -> AsyncIterator[Any]:
    result = await session.stream(stmt.execution_options(yield_per=CHUNK))
    async for row in result:
        yield row


async def build(session: AsyncSession, kind: str, period: Period, tz: ZoneInfo) -> Export:
    """The export of `kind` (one of KINDS) for the period; ValueError for an unknown kind."""
    builder = _BUILDERS.get(kind)
    if builder is None:
        raise ValueError(kind)
    headers, rows = await builder(session, period, tz)
    return Export(kind, t.EXPORT_KINDS[kind], headers, rows)


Built = tuple[list[str], AsyncIterator[Row]]


async def write(
    session: AsyncSession,
    actor: Person | None,
    kind: str,
    period: Period,
    tz: ZoneInfo,
    fmt: str,
    path: str,
) -> int:
    """Write the export to a file (XLSX or CSV) and log who asked; returns the rows written."""
    export = await build(session, kind, period, tz)
    count = await write_table(path, export.headers, export.rows, fmt, title=export.title)
    audit.record(
        session,
        actor,
        f"export.{kind}",
        object_kind="export",
        period=period.code,
        format=fmt,
        rows=count,
    )
    return count


async def _people(session: AsyncSession, period: Period, tz: ZoneInfo) -> Built:
    stmt = (
        select(Person, Organisation.name)
        .outerjoin(Organisation, Organisation.id == Person.organisation_id)
        .where(Person.created_at < period.end_utc(tz))
        .order_by(Person.id)
    )

    async def rows() -> AsyncIterator[Row]:
        number = 0
        async for person, org_name in _stream(session, stmt):
            number += 1
            deleted = person.deleted_at is not None
            yield [
                number,
                _name(person.full_name, person.deleted_at),
                to.ROLE_LABELS[person.role],
                org_name or "",
                "" if deleted else person.position or "",
                _yes(person.is_young_specialist),
                _yes(person.is_management_reserve),
                _local(person.created_at, tz),
                _yes(person.is_active),
                _local(person.deleted_at, tz),
            ]

    return list(t.PEOPLE_HEADERS), rows()


async def _organisations(session: AsyncSession, period: Period, tz: ZoneInfo) -> Built:
    counts: dict[int | None, int] = {
        org_id: count
        for org_id, count in await session.execute(
            select(Person.organisation_id, func.count(Person.id))
            .where(Person.role.in_([Role.TEACHER, Role.HEAD, Role.DEPUTY]))
            .group_by(Person.organisation_id)
        )
    }
    # Every organisation known now: the list is a directory, not events of the period.
    stmt = select(Organisation).order_by(Organisation.search_name)

    async def rows() -> AsyncIterator[Row]:
        number = 0
        async for (org,) in _stream(session, stmt):
            number += 1
            yield [
                number,
                org.name,
                to.ORG_KIND_LABELS[org.kind],
                org.municipality,
                _yes(org.is_confirmed),
                org.staff_count,
                counts.get(org.id, 0),
                _local(org.created_at, tz),
            ]

    return list(t.ORG_HEADERS), rows()


def _in_period(column: Any, period: Period, tz: ZoneInfo) -> tuple[Any, Any]:
    return column >= period.start_utc(tz), column < period.end_utc(tz)


async def _events(session: AsyncSession, period: Period, tz: ZoneInfo) -> Built:
    where = _in_period(Event.starts_at, period, tz)
    counts: dict[int, dict[RegistrationStatus, int]] = {}
    result = await session.execute(
        select(Registration.event_id, Registration.status, func.count(Registration.id))
        .join(Event, Event.id == Registration.event_id)
        .where(*where)
        .group_by(Registration.event_id, Registration.status)
    )
    for event_id, status, count in result:
        counts.setdefault(event_id, {})[status] = count
    stmt = (
        select(Event, EventSeries.title)
        .outerjoin(EventSeries, EventSeries.id == Event.series_id)
        .where(*where)
        .order_by(Event.starts_at, Event.id)
    )

    async def rows() -> AsyncIterator[Row]:
        number = 0
        async for event, series_title in _stream(session, stmt):
            number += 1
            c = counts.get(event.id, {})
            signed = sum(
                c.get(s, 0)
                for s in (
                    RegistrationStatus.REGISTERED,
                    RegistrationStatus.ATTENDED,
                    RegistrationStatus.NO_SHOW,
                )
            )
            yield [
                number,
                tev.KIND_LABELS[event.kind],
                event.title,
                series_title or "",
                _local(event.starts_at, tz),
                _local(event.ends_at, tz),
                tev.FORMAT_LABELS[event.format],
                event.place,
                event.organisers,
                event.goal,
                ", ".join(topic_label(code) for code in event.topics or []),
                tea.STATUS_LABELS[event.status],
                signed,
                c.get(RegistrationStatus.ATTENDED, 0),
                c.get(RegistrationStatus.WAITLISTED, 0),
            ]

    return list(t.EVENT_HEADERS), rows()


async def _registrations(session: AsyncSession, period: Period, tz: ZoneInfo) -> Built:
    stmt = (
        select(
            Event.title,
            Event.starts_at,
            Person.full_name,
            Person.deleted_at,
            Person.role,
            Organisation.name,
            Registration.status,
            Registration.created_at,
            Registration.attended_at,
        )
        .select_from(Registration)
        .join(Event, Event.id == Registration.event_id)
        .join(Person, Person.id == Registration.person_id)
        .outerjoin(Organisation, Organisation.id == Person.organisation_id)
        .where(*_in_period(Event.starts_at, period, tz))
        .order_by(Event.starts_at, Event.id, Registration.id)
    )

    async def rows() -> AsyncIterator[Row]:
        number = 0
        async for row in _stream(session, stmt):
            number += 1
            yield [
                number,
                row[0],
                _local(row[1], tz),
                _name(row[2], row[3]),
                row[5] or "",
                to.ROLE_LABELS[row[4]],
                tea.REG_STATUS_LABELS[row[6]],
                _local(row[7], tz),
                _local(row[8], tz),
            ]

    return list(t.REGISTRATION_HEADERS), rows()


def _answer_cell(question: Question, value: Any, skipped: bool) -> Any:
    """Scales and numbers as numbers (they are summed and averaged in Excel), choices as
    their labels, texts as written."""
    if skipped or value is None or value == []:
        return tf.SKIPPED
    if question.kind in ("scale", "number"):
        try:
            return float(value) if question.kind == "number" else int(value)
        except (TypeError, ValueError):
            return str(value)
    return questionnaire.display_value(question, value)


def _places(
    form: Form, index: dict[tuple[str, str], int], offset: int
) -> dict[str, tuple[int, Question]]:
    """For one form version: question id → (its cell in the row, the question as that version
    asked it). Questions the active version no longer has get no cell."""
    places = {}
    for question in forms.definition(form).questions:
        i = index.get((form.code, question.id))
        if i is not None:
            places[question.id] = (offset + i, question)
    return places


@dataclass(frozen=True)
class ResponseRow:
    """The columns of a response and its person that the exports show."""

    id: int
    form_id: int
    form_code: str
    status: ResponseStatus
    scores: dict[str, float] | None
    context: dict[str, Any] | None
    started_at: datetime | None
    submitted_at: datetime | None
    full_name: str | None
    deleted_at: datetime | None
    role: Role
    position: str | None
    organisation: str | None


async def _response_table(
    session: AsyncSession,
    purpose: str,
    period: Period,
    tz: ZoneInfo,
    statuses: Sequence[ResponseStatus],
    lead: Callable[[ResponseRow, Form], Row],
    lead_headers: Sequence[str],
    with_scores: bool,
) -> Built:
    """One row per response to the forms of `purpose`, one column per question of the active
    versions, in order (answers to questions an older version had only are left out)."""
    active = await forms.list_active(session, purpose)
    defs: list[FormDef] = [forms.definition(f) for f in active]
    codes = [d.code for d in defs]
    columns: list[tuple[str, str]] = []  # (form code, question id or "area:" + area code)
    headers = list(lead_headers)
    if with_scores:
        for d in defs:
            for area in d.areas:
                columns.append((d.code, "area:" + area.code))
                headers.append(f"{area.title} ({t.SCORE})")
    for d in defs:
        for q in d.questions:
            columns.append((d.code, q.id))
            headers.append(q.text[:150])
    index = {key: i for i, key in enumerate(columns)}
    versions = {
        f.id: f for f in (await session.execute(select(Form).where(Form.code.in_(codes)))).scalars()
    }
    moment = func.coalesce(Response.submitted_at, Response.started_at)
    stmt = (
        select(
            Response.id,
            Response.form_id,
            Response.form_code,
            Response.status,
            Response.scores,
            Response.context,
            Response.started_at,
            Response.submitted_at,
            Person.full_name,
            Person.deleted_at,
            Person.role,
            Person.position,
            Organisation.name,
        )
        .select_from(Response)
        .join(Person, Person.id == Response.person_id)
        .outerjoin(Organisation, Organisation.id == Person.organisation_id)
        .where(
            Response.form_code.in_(codes),
            Response.status.in_(list(statuses)),
            *_in_period(moment, period, tz),
        )
        .order_by(Response.id)
    )

    placed: dict[int, dict[str, tuple[int, Question]]] = {}

    async def rows() -> AsyncIterator[Row]:
        last_id = 0
        number = 0
        offset = len(lead_headers)
        while True:
            chunk = [
                ResponseRow(*row)
                for row in await session.execute(
                    stmt.where(Response.id > last_id).limit(RESPONSE_CHUNK)
                )
            ]
            if not chunk:
                return
            last_id = chunk[-1].id
            answers: dict[int, list[tuple[str, Any, bool]]] = {r.id: [] for r in chunk}
            result = await session.execute(
                select(Answer.response_id, Answer.question_id, Answer.value, Answer.skipped).where(
                    Answer.response_id.in_(list(answers))
                )
            )
            for response_id, question_id, value, skipped in result:
                answers[response_id].append((question_id, value, skipped))
            for response in chunk:
                form = versions[response.form_id]
                places = placed.get(response.form_id)
                if places is None:
                    places = placed[response.form_id] = _places(form, index, offset)
                number += 1
                cells: Row = [number, *lead(response, form)]
                cells.extend([None] * len(columns))
                if with_scores:
                    for code, score in (response.scores or {}).items():
                        i = index.get((response.form_code, "area:" + code))
                        if i is not None:
                            cells[offset + i] = score
                for question_id, value, skipped in answers[response.id]:
                    place = places.get(question_id)
                    if place is not None:
                        cells[place[0]] = _answer_cell(place[1], value, skipped)
                yield cells

    return headers, rows()


async def _diagnostics(session: AsyncSession, period: Period, tz: ZoneInfo) -> Built:
    def lead(response: ResponseRow, form: Form) -> Row:
        deleted = response.deleted_at is not None
        return [
            form.title,
            form.version,
            _name(response.full_name, response.deleted_at),
            response.organisation or "",
            to.ROLE_LABELS[response.role],
            "" if deleted else response.position or "",
            tfa.STATUS[response.status.value],
            _local(response.started_at, tz),
            _local(response.submitted_at, tz),
        ]

    return await _response_table(
        session,
        "diagnostic",
        period,
        tz,
        (ResponseStatus.SUBMITTED, ResponseStatus.IN_PROGRESS),
        lead,
        t.DIAGNOSTIC_HEADERS,
        with_scores=True,
    )


async def _feedback(session: AsyncSession, period: Period, tz: ZoneInfo) -> Built:
    """Anonymous, as the summary in the chat: the feedback is about the event, not the person."""
    events = {
        event_id: (title, starts_at)
        for event_id, title, starts_at in await session.execute(
            select(Event.id, Event.title, Event.starts_at)
        )
    }

    def lead(response: ResponseRow, form: Form) -> Row:
        event_id = (response.context or {}).get("event_id")
        title, starts = events.get(event_id if isinstance(event_id, int) else 0, ("", None))
        return [title, _local(starts, tz), _local(response.submitted_at, tz)]

    return await _response_table(
        session,
        "feedback",
        period,
        tz,
        (ResponseStatus.SUBMITTED,),
        lead,
        t.FEEDBACK_HEADERS,
        with_scores=False,
    )


async def _routes(session: AsyncSession, period: Period, tz: ZoneInfo) -> Built:
    statuses = {
        (person_id, event_id): status
        for person_id, event_id, status in (
            await session.execute(
                select(Route.person_id, RouteItem.event_id, Registration.status)
                .join(RouteItem, RouteItem.route_id == Route.id)
                .join(
                    Registration,
                    (Registration.event_id == RouteItem.event_id)
                    & (Registration.person_id == Route.person_id),
                )
                .where(*_in_period(Route.created_at, period, tz))
            )
        )
    }
    item_event = aliased(Event)
    stmt = (
        select(
            Route.id,
            Route.person_id,
            Route.created_at,
            Route.deficits,
            Route.topics,
            Person.full_name,
            Person.deleted_at,
            Person.role,
            Organisation.name,
            item_event.id,
            item_event.title,
            item_event.starts_at,
        )
        .select_from(Route)
        .join(Person, Person.id == Route.person_id)
        .outerjoin(Organisation, Organisation.id == Person.organisation_id)
        .outerjoin(RouteItem, RouteItem.route_id == Route.id)
        .outerjoin(item_event, item_event.id == RouteItem.event_id)
        .where(*_in_period(Route.created_at, period, tz))
        .order_by(Route.id, RouteItem.position)
    )

    async def rows() -> AsyncIterator[Row]:
        number = 0
        async for row in _stream(session, stmt):
            number += 1
            status = statuses.get((row[1], row[9])) if row[9] is not None else None
            yield [
                number,
                _name(row[5], row[6]),
                row[8] or "",
                to.ROLE_LABELS[row[7]],
                _local(row[2], tz),
                ", ".join(row[3] or []),
                ", ".join(topic_label(code) for code in row[4] or []),
                row[10] or "",
                _local(row[11], tz),
                tea.REG_STATUS_LABELS[status] if status else "",
            ]

    return list(t.ROUTE_HEADERS), rows()


async def _consultations(session: AsyncSession, period: Period, tz: ZoneInfo) -> Built:
    from bot.services.consultations import topic_title

    taker = aliased(Person)
    stmt = (
        select(
            ConsultationRequest.created_at,
            Person.full_name,
            Person.deleted_at,
            Organisation.name,
            Person.role,
            ConsultationRequest.topic,
            ConsultationRequest.text,
            ConsultationRequest.status,
            taker.full_name,
            ConsultationRequest.answer,
            ConsultationRequest.answered_at,
        )
        .select_from(ConsultationRequest)
        .join(Person, Person.id == ConsultationRequest.person_id)
        .outerjoin(Organisation, Organisation.id == Person.organisation_id)
        .outerjoin(taker, taker.id == ConsultationRequest.taken_by_id)
        .where(*_in_period(ConsultationRequest.created_at, period, tz))
        .order_by(ConsultationRequest.id)
    )

    async def rows() -> AsyncIterator[Row]:
        number = 0
        async for row in _stream(session, stmt):
            number += 1
            yield [
                number,
                _local(row[0], tz),
                _name(row[1], row[2]),
                row[3] or "",
                to.ROLE_LABELS[row[4]],
                topic_title(row[5]),
                row[6],
                CONSULTATION_STATUS.get(row[7].value, row[7].value),
                row[8] or "",
                row[9],
                _local(row[10], tz),
            ]

    return list(t.CONSULTATION_HEADERS), rows()


_BUILDERS: dict[str, Callable[[AsyncSession, Period, ZoneInfo], Any]] = {
    "people": _people,
    "organisations": _organisations,
    "events": _events,
    "registrations": _registrations,
    "diagnostics": _diagnostics,
    "routes": _routes,
    "feedback": _feedback,
    "consultations": _consultations,
}
