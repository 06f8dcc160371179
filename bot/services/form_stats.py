"""For methodologists: who has filled a form, area averages, one person's answers, the export."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import forms, questionnaire
from bot.services.form_schema import MANAGEMENT_RESERVE, FormDef
from bot.texts import forms_admin as t
from bot.texts import onboarding as to
from models import Answer, Form, Person, Response, ResponseStatus, Role
from models.organisation import search_key


@dataclass
class OrgCoverage:
    name: str
    submitted: list[str] = field(default_factory=list)
    in_progress: list[str] = field(default_factory=list)
    not_started: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.submitted) + len(self.in_progress) + len(self.not_started)


def _audience_filter(form: FormDef) -> Any:
    roles = [Role(a) for a in form.audience if a != MANAGEMENT_RESERVE]
    conditions = []
    if roles:
        conditions.append(Person.role.in_(roles))
    if MANAGEMENT_RESERVE in form.audience:
        conditions.append(Person.is_management_reserve.is_(True))
    return or_(*conditions) if conditions else None


async def coverage(session: AsyncSession, form: Form) -> list[OrgCoverage]:
    """Per organisation: who of the form's audience has submitted, is filling, has not started."""
    form_def = forms.definition(form)
    stmt = select(Person).where(Person.telegram_id.is_not(None), Person.deleted_at.is_(None))
    audience = _audience_filter(form_def)
    if audience is not None:
        stmt = stmt.where(audience)
    people = list((await session.execute(stmt)).scalars().unique())
    statuses: dict[int, ResponseStatus] = {}
    result = await session.execute(
        select(Response.person_id, Response.status).where(
            Response.form_code == form.code,
            Response.status.in_([ResponseStatus.SUBMITTED, ResponseStatus.IN_PROGRESS]),
        )
    )
    for person_id, response_status in result.all():
        if statuses.get(person_id) != ResponseStatus.SUBMITTED:
            statuses[person_id] = response_status
    by_org: dict[str, OrgCoverage] = {}
    for person in people:
        org_name = person.organisation.name if person.organisation else t.NO_ORGANISATION
        entry = by_org.setdefault(org_name, OrgCoverage(org_name))
        name = person.full_name or ""
        status = statuses.get(person.id)
        if status == ResponseStatus.SUBMITTED:
            entry.submitted.append(name)
        elif status == ResponseStatus.IN_PROGRESS:
            entry.in_progress.append(name)
        else:
            entry.not_started.append(name)
    return sorted(by_org.values(), key=lambda c: search_key(c.name))


async def latest_submitted(session: AsyncSession, form_code: str) -> list[Response]:
    """Each person's latest submitted response to the form (any version)."""
    result = await session.execute(
        select(Response)
        .where(Response.form_code == form_code, Response.status == ResponseStatus.SUBMITTED)
        .order_by(Response.person_id, Response.submitted_at.desc(), Response.id.desc())
    )
    latest: dict[int, Response] = {}
    for response in result.scalars().unique():
        latest.setdefault(response.person_id, response)
    return list(latest.values())


@dataclass(frozen=True)
class AreaAverage:
    code: str
    title: str
    average: float
    count: int
    below: int  # how many people have this area as a deficit


async def area_averages(session: AsyncSession, form: Form) -> list[AreaAverage]:
    """Per area of the active version: the mean score over people's latest responses."""
    form_def = forms.definition(form)
    sums: dict[str, list[float]] = defaultdict(list)
    for response in await latest_submitted(session, form.code):
        for code, value in (response.scores or {}).items():
            sums[code].append(float(value))
    averages = []
    for area in form_def.areas:
        values = sums.get(area.code, [])
        if values:
            threshold = form_def.threshold_of(area)
            averages.append(
                AreaAverage(
                    area.code,
                    area.title,
                    round(sum(values) / len(values), 2),
                    len(values),
                    sum(1 for v in values if v < threshold),
                )
            )
    return averages


async def find_people(session: AsyncSession, query: str, limit: int = 8) -> list[Person]:
    """By Telegram id, or by a part of the ФИО (case-insensitive, ё = е)."""
    query = query.strip()
    if query.isdigit():
        result = await session.execute(select(Person).where(Person.telegram_id == int(query)))
        return list(result.scalars().unique())
    key = search_key(query)
    if len(key) < 3:
        return []
    result = await session.execute(select(Person).where(Person.full_name.is_not(None)))
    found = [p for p in result.scalars().unique() if key in search_key(p.full_name or "")]
    return found[:limit]


@dataclass(frozen=True)
class AnswerLine:
    question: str
    value: str


async def person_answers(
    session: AsyncSession, person_id: int, form_code: str
) -> tuple[Response, list[AnswerLine]] | None:
    """The person's latest response (submitted, else in progress) with its answers in order."""
    result = await session.execute(
        select(Response)
        .where(
            Response.person_id == person_id,
            Response.form_code == form_code,
            Response.status != ResponseStatus.ABANDONED,
        )
        .order_by(Response.id.desc())
    )
    responses = list(result.scalars().unique())
    chosen = next((r for r in responses if r.status == ResponseStatus.SUBMITTED), None)
    chosen = chosen or (responses[0] if responses else None)
    if chosen is None:
        return None
    state = await questionnaire.load_state(session, chosen)
    lines = []
    for question in state.form.questions:
        answer = state.answers.get(question.id)
        if answer is None:
            continue
        value = questionnaire.display_value(question, answer.value, answer.skipped)
        lines.append(AnswerLine(question.text, value))
    return chosen, lines


def _local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    return moment.astimezone(tz) if moment is not None else None


async def export_rows(
    session: AsyncSession, form: Form, tz: ZoneInfo
) -> tuple[list[str], list[list[Any]]]:
    """Every submitted and unfinished response to the form: one row each, answers as columns."""
    form_def = forms.definition(form)
    result = await session.execute(
        select(Response, Person)
        .join(Person, Person.id == Response.person_id)
        .where(Response.form_code == form.code, Response.status != ResponseStatus.ABANDONED)
        .order_by(Response.id)
    )
    pairs = [(row[0], row[1]) for row in result.unique().all()]
    answers: dict[int, dict[str, Answer]] = defaultdict(dict)
    ids = [r.id for r, _ in pairs]
    if ids:
        rows = await session.execute(select(Answer).where(Answer.response_id.in_(ids)))
        for stored in rows.scalars():
            answers[stored.response_id][stored.question_id] = stored
    questions = form_def.questions
    headers = [
        *t.EXPORT_HEADERS,
        *(f"{a.title} ({t.EXPORT_SCORE})" for a in form_def.areas),
        *(q.text[:120] for q in questions),
    ]
    table: list[list[Any]] = []
    for response, person in pairs:
        response_def: FormDef = forms.definition(response.form)
        row: list[Any] = [
            person.full_name or t.ANONYMOUS,
            person.organisation.name if person.organisation else "",
            to.ROLE_LABELS[person.role],
            person.position or "",
            t.STATUS[response.status.value],
            response.form.version,
            _local(response.started_at, tz),
            _local(response.submitted_at, tz),
        ]
        row.extend((response.scores or {}).get(a.code) for a in form_def.areas)
        for question in questions:
            answer = answers[response.id].get(question.id)
            own = response_def.question(question.id)
            if answer is None or own is None:
                row.append(None)
            else:
                row.append(questionnaire.display_value(own, answer.value, answer.skipped))
        table.append(row)
    return headers, table
