"""A confirmed head's view of their own organisation: staff, participation, diagnostics, routes.

Everything here is limited to one organisation id that the caller takes from the head's own
confirmation, never from a button. Diagnostics are shown as who has / has not completed a form
and, only when at least MIN_RESPONDENTS answered, area aggregates — never anyone's answers or
scores.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import forms
from bot.texts import heads as t
from bot.texts import onboarding as to
from models import (
    Event,
    EventStatus,
    Form,
    Person,
    Registration,
    RegistrationStatus,
    Response,
    ResponseStatus,
    Route,
)
from models.base import utcnow

#: Area aggregates are shown only from this many respondents, so no one can be singled out.
MIN_RESPONDENTS = 3
SHOWN_STATUSES = (
    RegistrationStatus.REGISTERED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.ATTENDED,
    RegistrationStatus.NO_SHOW,
)


def school_year(
    tz: ZoneInfo, years_back: int = 0, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """1 September 00:00 – next 1 September 00:00 local time of the school year `years_back` ago."""
    local = (now or utcnow()).astimezone(tz)
    first = local.year if local.month >= 9 else local.year - 1
    first -= years_back
    return datetime(first, 9, 1, tzinfo=tz), datetime(first + 1, 9, 1, tzinfo=tz)


async def staff(session: AsyncSession, org_id: int) -> list[Person]:
    """People of the organisation registered in the bot (not deleted), by name."""
    result = await session.execute(
        select(Person)
        .where(
            Person.organisation_id == org_id,
            Person.telegram_id.is_not(None),
            Person.deleted_at.is_(None),
        )
        .order_by(Person.full_name, Person.id)
    )
    return list(result.scalars().unique())


@dataclass(frozen=True)
class Participation:
    person: Person
    event: Event
    status: RegistrationStatus


async def participation(
    session: AsyncSession, org_id: int, start: datetime, end: datetime
) -> list[Participation]:
    """The staff's registrations for events starting in [start, end), by date then name."""
    result = await session.execute(
        select(Registration, Person)
        .join(Person, Person.id == Registration.person_id)
        .join(Event, Event.id == Registration.event_id)
        .where(
            Person.organisation_id == org_id,
            Person.telegram_id.is_not(None),
            Registration.status.in_(SHOWN_STATUSES),
            Event.status != EventStatus.DRAFT,
            Event.starts_at >= start,
            Event.starts_at < end,
        )
        .order_by(Event.starts_at, Event.id, Person.full_name)
    )
    return [Participation(p, r.event, r.status) for r, p in result.unique().all()]


@dataclass
class FormCompletion:
    form: Form
    title: str
    done: list[Person] = field(default_factory=list)
    missing: list[Person] = field(default_factory=list)
    # (area title, average, how many below the threshold) — only with enough respondents.
    areas: list[tuple[str, float, int]] | None = None
    # Staff who submitted it (also those it is not meant for): the base of the aggregates.
    respondents: int = 0

    @property
    def total(self) -> int:
        return len(self.done) + len(self.missing)


@dataclass(frozen=True)
class Submitted:
    """A person's latest submitted response: only its time and area scores (never answers)."""

    person_id: int
    submitted_at: datetime | None
    scores: dict[str, float]


async def latest_submitted(
    session: AsyncSession, form_code: str, person_ids: list[int]
) -> dict[int, Submitted]:
    """The latest submitted response to the form (any version) of each of these people."""
    if not person_ids:
        return {}
    result = await session.execute(
        select(Response.person_id, Response.submitted_at, Response.scores)
        .where(
            Response.form_code == form_code,
            Response.status == ResponseStatus.SUBMITTED,
            Response.person_id.in_(person_ids),
        )
        .order_by(Response.submitted_at.desc(), Response.id.desc())
    )
    latest: dict[int, Submitted] = {}
    for person_id, submitted_at, scores in result.all():
        latest.setdefault(person_id, Submitted(person_id, submitted_at, dict(scores or {})))
    return latest


async def diagnostic_forms(session: AsyncSession) -> list[Form]:
    return await forms.list_active(session, "diagnostic")


async def completion(
    session: AsyncSession, org_id: int, form: Form, people: list[Person] | None = None
) -> FormCompletion:
    """Who of the organisation's staff the form is meant for has submitted it, and aggregates."""
    form_def = forms.definition(form)
    people = people if people is not None else await staff(session, org_id)
    meant = [p for p in people if forms.is_meant_for(form_def, p)]
    submitted = await latest_submitted(session, form.code, [p.id for p in people])
    entry = FormCompletion(form, form_def.title)
    for person in meant:
        (entry.done if person.id in submitted else entry.missing).append(person)
    respondents = list(submitted.values())
    entry.respondents = len(respondents)
    if len(respondents) >= MIN_RESPONDENTS:
        entry.areas = []
        for area in form_def.areas:
            values = [float(r.scores[area.code]) for r in respondents if area.code in r.scores]
            if len(values) >= MIN_RESPONDENTS:
                threshold = form_def.threshold_of(area)
                entry.areas.append(
                    (
                        area.title,
                        round(sum(values) / len(values), 2),
                        sum(1 for v in values if v < threshold),
                    )
                )
    return entry


@dataclass(frozen=True)
class RouteProgress:
    person: Person
    done: int
    total: int


async def routes(session: AsyncSession, org_id: int) -> list[RouteProgress]:
    """Each staff member's latest route: how many of its events they attended."""
    people = {p.id: p for p in await staff(session, org_id)}
    if not people:
        return []
    result = await session.execute(
        select(Route).where(Route.person_id.in_(list(people))).order_by(Route.id)
    )
    latest: dict[int, Route] = {}
    for route in result.scalars().unique():
        latest[route.person_id] = route
    attended: dict[int, set[int]] = defaultdict(set)
    if latest:
        rows = await session.execute(
            select(Registration.person_id, Registration.event_id).where(
                Registration.person_id.in_(list(latest)),
                Registration.status == RegistrationStatus.ATTENDED,
            )
        )
        for person_id, event_id in rows.all():
            attended[person_id].add(event_id)
    progress = []
    for person_id, route in latest.items():
        events = [item.event_id for item in route.items]
        done = sum(1 for e in events if e in attended[person_id])
        progress.append(RouteProgress(people[person_id], done, len(events)))
    return sorted(progress, key=lambda r: (r.person.full_name or "", r.person.id))


def _yes(value: bool) -> str:
    return t.YES if value else t.NO


async def export_xlsx(
    session: AsyncSession, org_id: int, start: datetime, end: datetime, tz: ZoneInfo
) -> bytes:
    """The organisation's view as a workbook: one sheet per part, Russian headers, local dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    people = await staff(session, org_id)
    workbook = Workbook()
    sheets: list[tuple[str, list[str], list[list[Any]]]] = []
    sheets.append(
        (
            t.SHEET_STAFF,
            t.HEAD_STAFF,
            [
                [
                    p.full_name,
                    p.position or "",
                    to.ROLE_LABELS[p.role],
                    _yes(p.is_young_specialist),
                    _yes(p.is_management_reserve),
                ]
                for p in people
            ],
        )
    )
    sheets.append(
        (
            t.SHEET_EVENTS,
            t.HEAD_EVENTS,
            [
                [
                    item.person.full_name,
                    item.event.title,
                    item.event.starts_at.astimezone(tz).replace(tzinfo=None),
                    t.PARTICIPATION[item.status.value],
                ]
                for item in await participation(session, org_id, start, end)
            ],
        )
    )
    completion_rows: list[list[Any]] = []
    deficit_rows: list[list[Any]] = []
    for form in await diagnostic_forms(session):
        entry = await completion(session, org_id, form, people)
        latest = await latest_submitted(session, form.code, [p.id for p in people])
        for person in sorted(entry.done + entry.missing, key=lambda p: p.full_name or ""):
            response = latest.get(person.id)
            submitted_at = response.submitted_at if response is not None else None
            completion_rows.append(
                [
                    person.full_name,
                    entry.title,
                    _yes(response is not None),
                    submitted_at.astimezone(tz).replace(tzinfo=None) if submitted_at else None,
                ]
            )
        if entry.areas is None:
            deficit_rows.append(
                [entry.title, t.DEFICITS_HIDDEN.format(minimum=MIN_RESPONDENTS), None, None, None]
            )
        else:
            for title, average, below in entry.areas:
                deficit_rows.append([entry.title, title, entry.respondents, average, below])
    sheets.append((t.SHEET_DIAGNOSTICS, t.HEAD_DIAGNOSTICS, completion_rows))
    sheets.append((t.SHEET_DEFICITS, t.HEAD_DEFICITS, deficit_rows))
    sheets.append(
        (
            t.SHEET_ROUTES,
            t.HEAD_ROUTES,
            [[r.person.full_name, r.total, r.done] for r in await routes(session, org_id)],
        )
    )
    first = True
    for title, headers, rows in sheets:
        sheet = workbook.active if first else workbook.create_sheet()
        first = False
        assert sheet is not None
        sheet.title = title
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        for index, header in enumerate(headers, start=1):
            width = max([len(header), *(len(str(r[index - 1] or "")) for r in rows)])
            sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = (
                min(60, width) + 2
            )
        for row_cells in sheet.iter_rows(min_row=2):
            for cell in row_cells:
                if isinstance(cell.value, datetime):
                    cell.number_format = "DD.MM.YYYY HH:MM"
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
