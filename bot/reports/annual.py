"""The annual analytical report for a period (a school year, usually): the data, the DOCX made
from a docxtpl template a methodologist can edit in Word, and an XLSX workbook of the same.

Sections follow the district reports: events by kind (форма, название, дата, организаторы, цель,
количество участников), series with their meetings, conferences, the feedback summary (the
survey's own wording with counts and shares; what participants plan to use, grouped into themes),
the diagnostics (per area averages, deficits, the heads' requests grouped into themes),
consultations by topic and status, and the concept's indicators with charts.
"""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import InvalidInput, audit, forms, indicators
from bot.services.period import Period
from bot.texts import annual as t
from bot.texts import events as tev
from bot.texts import indicators as ti
from bot.texts.format import fmt_date
from models import (
    Answer,
    ConsultationRequest,
    ConsultationStatus,
    EventKind,
    EventSeries,
    Person,
    ReportTemplate,
    Response,
    ResponseStatus,
)
from models.base import utcnow

TEMPLATE_PATH = Path(__file__).parent / "templates" / "annual_report.docx"
REPORT = "annual"
USE_QUESTION = "use"
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


@dataclass
class EventLine:
    form: str
    title: str
    date: str
    organisers: str
    goal: str
    participants: int


@dataclass
class KindSection:
    kind: str
    events: list[EventLine]
    participants: int


@dataclass
class SeriesSection:
    title: str
    meetings: list[EventLine]
    participants: int  # participations over the meetings
    people: int  # different people


@dataclass
class Share:
    label: str
    count: int
    percent: str


@dataclass
class AreaLine:
    title: str
    average: str
    deficits: int
    respondents: int


@dataclass
class DiagnosticSection:
    form: str
    respondents: int
    areas: list[AreaLine]
    requests: list[Share]  # free answers grouped into themes


@dataclass
class TopicLine:
    topic: str
    total: int
    new: int
    in_work: int
    done: int


@dataclass
class ReportData:
    period: Period
    generated: str
    kinds: list[KindSection]
    series: list[SeriesSection]
    conferences: list[EventLine]
    events_total: int
    participants_total: int
    feedback_question: str
    feedback_responses: int
    satisfaction: list[Share]
    use_question: str
    use_themes: list[Share]
    diagnostics: list[DiagnosticSection]
    consultations: list[TopicLine]
    consultations_total: int
    indicators: indicators.IndicatorReport
    charts: dict[str, bytes] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return (
            not self.events_total
            and not self.feedback_responses
            and not any(d.respondents for d in self.diagnostics)
            and not self.consultations_total
        )


def _percent(count: int, total: int) -> str:
    return f"{count * 100 / total:.1f}".replace(".", ",") + " %" if total else "—"


def _people_word(n: int) -> str:
    return t.people(n)


async def collect(
    session: AsyncSession, period: Period, tz: ZoneInfo, now: datetime | None = None
) -> ReportData:
    from bot.reports import themes

    report = await indicators.compute(session, period, tz, now)
    lines: dict[int, EventLine] = {}
    by_kind: dict[EventKind, list[EventLine]] = defaultdict(list)
    for row in report.events:
        event = row.event
        line = EventLine(
            tev.KIND_LABELS[event.kind],
            event.title,
            fmt_date(event.starts_at, tz),
            event.organisers,
            event.goal,
            row.participants,
        )
        lines[event.id] = line
        by_kind[event.kind].append(line)
    kinds = [
        KindSection(tev.KIND_LABELS[k], v, sum(x.participants for x in v))
        for k, v in sorted(by_kind.items(), key=lambda kv: list(EventKind).index(kv[0]))
    ]
    taking_part = report.taking_part
    series_ids = {r.event.series_id for r in report.events if r.event.series_id}
    series: list[SeriesSection] = []
    if series_ids:
        titles: dict[int, str] = {
            series_id: title
            for series_id, title in await session.execute(
                select(EventSeries.id, EventSeries.title).where(EventSeries.id.in_(series_ids))
            )
        }
        for series_id in sorted(series_ids, key=lambda i: titles.get(i, "")):
            meetings = [r.event for r in report.events if r.event.series_id == series_id]
            people: set[int] = set()
            for event in meetings:
                people |= taking_part.get(event.id, set())
            series.append(
                SeriesSection(
                    titles.get(series_id, ""),
                    [lines[e.id] for e in meetings],
                    sum(lines[e.id].participants for e in meetings),
                    len(people),
                )
            )
    conferences = [lines[r.event.id] for r in report.events if r.event.kind == EventKind.CONFERENCE]

    # Feedback: the satisfaction scale in the survey's words, and the «use» answers in themes.
    satisfaction_total = sum(c for _, c in report.satisfaction)
    satisfaction = [
        Share(label, count, _percent(count, satisfaction_total))
        for label, count in report.satisfaction
    ]
    start, end = period.start_utc(tz), period.end_utc(tz)
    feedback_form = await forms.active(session, indicators.FEEDBACK_FORM)
    use_question = ""
    use_themes: list[Share] = []
    feedback_responses = 0
    if feedback_form is not None:
        feedback_def = forms.definition(feedback_form)
        question = feedback_def.question(USE_QUESTION) or next(
            (q for q in feedback_def.questions if q.kind == "text"), None
        )
        submitted = (
            Response.form_code == indicators.FEEDBACK_FORM,
            Response.status == ResponseStatus.SUBMITTED,
            Response.submitted_at >= start,
            Response.submitted_at < end,
        )
        feedback_responses = len(
            (await session.execute(select(Response.id).where(*submitted))).all()
        )
        if question is not None:
            use_question = question.text
            texts = [
                str(value)
                for (value,) in await session.execute(
                    select(Answer.value)
                    .join(Response, Response.id == Answer.response_id)
                    .where(*submitted, Answer.question_id == question.id, Answer.skipped.is_(False))
                )
                if value
            ]
            use_themes = [
                Share(theme.label, theme.count, _people_word(theme.count))
                for theme in themes.group(texts)
            ]

    diagnostics = await _diagnostics(session, start, end)
    consultations, consultations_total = await _consultations(session, start, end)
    return ReportData(
        period=period,
        generated=fmt_date(now or utcnow(), tz),
        kinds=kinds,
        series=series,
        conferences=conferences,
        events_total=len(report.events),
        participants_total=sum(r.participants for r in report.events),
        feedback_question=report.satisfaction_question,
        feedback_responses=feedback_responses,
        satisfaction=satisfaction,
        use_question=use_question,
        use_themes=use_themes,
        diagnostics=diagnostics,
        consultations=consultations,
        consultations_total=consultations_total,
        indicators=report,
    )


async def _diagnostics(
    session: AsyncSession, start: datetime, end: datetime
) -> list[DiagnosticSection]:
    """Per diagnostic form: each person's latest response submitted in the period."""
    from bot.reports import themes

    sections = []
    for form in await forms.list_active(session, "diagnostic"):
        form_def = forms.definition(form)
        rows = await session.execute(
            select(Response.id, Response.person_id, Response.scores)
            .where(
                Response.form_code == form.code,
                Response.status == ResponseStatus.SUBMITTED,
                Response.submitted_at >= start,
                Response.submitted_at < end,
            )
            .order_by(Response.person_id, Response.submitted_at.desc(), Response.id.desc())
        )
        latest: dict[int, tuple[int, dict[str, float]]] = {}
        for response_id, person_id, scores in rows:
            latest.setdefault(person_id, (response_id, scores or {}))
        values: dict[str, list[float]] = defaultdict(list)
        for _, scores in latest.values():
            for code, value in scores.items():
                values[code].append(float(value))
        areas = []
        for area in form_def.areas:
            scores_of_area = values.get(area.code, [])
            if not scores_of_area:
                continue
            threshold = form_def.threshold_of(area)
            areas.append(
                AreaLine(
                    area.title,
                    f"{sum(scores_of_area) / len(scores_of_area):.2f}".replace(".", ","),
                    sum(1 for v in scores_of_area if v < threshold),
                    len(scores_of_area),
                )
            )
        # Requests are what people wrote, not what the profile filled in (the organisation).
        text_questions = [
            q.id for q in form_def.questions if q.kind == "text" and q.from_profile is None
        ]
        requests: list[Share] = []
        ids = [response_id for response_id, _ in latest.values()]
        if text_questions and ids:
            texts = [
                str(value)
                for (value,) in await session.execute(
                    select(Answer.value).where(
                        Answer.response_id.in_(ids),
                        Answer.question_id.in_(text_questions),
                        Answer.skipped.is_(False),
                    )
                )
                if value
            ]
            requests = [
                Share(theme.label, theme.count, _people_word(theme.count))
                for theme in themes.group(texts)
            ]
        sections.append(DiagnosticSection(form.title, len(latest), areas, requests))
    return sections


async def _consultations(
    session: AsyncSession, start: datetime, end: datetime
) -> tuple[list[TopicLine], int]:
    from bot.services.consultations import topic_title

    counts: dict[str, Counter[ConsultationStatus]] = defaultdict(Counter)
    rows = await session.execute(
        select(ConsultationRequest.topic, ConsultationRequest.status).where(
            ConsultationRequest.created_at >= start, ConsultationRequest.created_at < end
        )
    )
    total = 0
    for topic, status in rows:
        counts[topic][status] += 1
        total += 1
    lines = [
        TopicLine(
            topic_title(topic),
            sum(c.values()),
            c[ConsultationStatus.NEW],
            c[ConsultationStatus.IN_WORK],
            c[ConsultationStatus.DONE],
        )
        for topic, c in counts.items()
    ]
    lines.sort(key=lambda line: (-line.total, line.topic))
    return lines, total


def charts(report: indicators.IndicatorReport) -> dict[str, bytes]:
    """The indicators' shares, participants by kind, satisfaction — as PNG (no names in them)."""
    from bot.services.charts import bars_png

    made: dict[str, bytes] = {}
    shown = [i for i in report.indicators if i.share is not None]
    if shown:
        made["shares"] = bars_png(
            [ti.SHORT[i.code] for i in shown],
            [round((i.share or 0) * 100, 1) for i in shown],
            ti.CHART_SHARES,
            percent=True,
        )
    if report.by_kind:
        made["kinds"] = bars_png(
            [tev.KIND_LABELS[kind] for kind, _, _ in report.by_kind],
            [people for _, _, people in report.by_kind],
            ti.CHART_KINDS,
            axis=ti.CHART_PARTICIPATIONS,
        )
    if any(count for _, count in report.satisfaction):
        made["satisfaction"] = bars_png(
            [label for label, _ in report.satisfaction],
            [count for _, count in report.satisfaction],
            ti.CHART_SATISFACTION,
            axis=ti.CHART_PEOPLE,
        )
    return made


def context(data: ReportData, template: Any = None) -> dict[str, Any]:
    """What a template sees. Charts are InlineImage when a docxtpl template is given."""
    images: dict[str, Any] = {}
    if template is not None:
        from docx.shared import Mm
        from docxtpl import InlineImage

        for name, png in data.charts.items():
            images[name] = InlineImage(template, io.BytesIO(png), width=Mm(160))
    report = data.indicators
    return {
        "period": data.period.label,
        "generated": data.generated,
        "events_total": data.events_total,
        "participants_total": data.participants_total,
        "kinds": data.kinds,
        "series": data.series,
        "conferences": data.conferences,
        "feedback_question": data.feedback_question,
        "feedback_responses": data.feedback_responses,
        "satisfaction": data.satisfaction,
        "use_question": data.use_question,
        "use_themes": data.use_themes,
        "diagnostics": data.diagnostics,
        "consultations": data.consultations,
        "consultations_total": data.consultations_total,
        "indicators": [
            {
                "title": i.title,
                "numerator": i.numerator,
                "denominator": i.denominator,
                "percent": i.percent,
                "basis": i.basis,
            }
            for i in report.indicators
        ],
        "basis": report.denominator.note,
        "chart_shares": images.get("shares", ""),
        "chart_kinds": images.get("kinds", ""),
        "chart_satisfaction": images.get("satisfaction", ""),
    }


def render_docx(template_bytes: bytes, data: ReportData) -> bytes:
    """Render the template; InvalidInput with the reason when it cannot be rendered."""
    from docxtpl import DocxTemplate
    from jinja2 import (
        Environment,
        StrictUndefined,
        TemplateError,
        TemplateSyntaxError,
        UndefinedError,
    )

    try:
        template = DocxTemplate(io.BytesIO(template_bytes))
        template.render(
            context(data, template),
            Environment(undefined=StrictUndefined, autoescape=True),
            autoescape=True,
        )
        buffer = io.BytesIO()
        template.save(buffer)
    except UndefinedError as exc:
        found = re.search(r"'([^']+)' is undefined|has no attribute '([^']+)'", str(exc))
        name = next((g for g in found.groups() if g), "") if found else str(exc)
        raise InvalidInput(
            t.TEMPLATE_ERROR.format(reason=t.UNKNOWN_FIELD.format(name=name))
        ) from None
    except TemplateSyntaxError as exc:
        reason = t.SYNTAX.format(message=exc.message or "")
        raise InvalidInput(t.TEMPLATE_ERROR.format(reason=reason)) from None
    except TemplateError as exc:
        raise InvalidInput(t.TEMPLATE_ERROR.format(reason=exc)) from None
    except (KeyError, ValueError, OSError, AttributeError, TypeError, IndexError) as exc:
        raise InvalidInput(t.TEMPLATE_BROKEN.format(reason=type(exc).__name__)) from None
    except Exception as exc:  # zipfile.BadZipFile, lxml's XMLSyntaxError and their kin
        raise InvalidInput(t.TEMPLATE_BROKEN.format(reason=type(exc).__name__)) from None
    return buffer.getvalue()


def xlsx(data: ReportData) -> bytes:
    """The same sections as sheets of one workbook, the indicators with a native Excel chart."""
    import xlsxwriter

    from bot.services.tables import WORKBOOK_OPTIONS, SheetWriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {**WORKBOOK_OPTIONS, "in_memory": True})

    def sheet(title: str, headers: list[str], rows: list[list[Any]]) -> Any:
        writer = SheetWriter(buffer, headers, title, workbook=book)
        for row in rows:
            writer.add(row)
        writer.finish()
        return writer.sheet

    report = data.indicators
    indicator_rows = [
        [i.title, i.numerator, i.denominator, round((i.share or 0) * 100, 1), i.basis]
        for i in report.indicators
    ]
    summary = sheet(t.SHEET_INDICATORS, list(t.INDICATOR_HEADERS), indicator_rows)
    chart = book.add_chart({"type": "bar"})
    chart.add_series(
        {
            "name": ti.CHART_SHARES,
            "categories": [summary.name, 1, 0, len(indicator_rows), 0],
            "values": [summary.name, 1, 3, len(indicator_rows), 3],
            "data_labels": {"value": True},
        }
    )
    chart.set_title({"name": ti.CHART_SHARES})
    chart.set_legend({"none": True})
    chart.set_size({"width": 900, "height": 400})
    summary.insert_chart(len(indicator_rows) + 3, 0, chart)
    sheet(
        t.SHEET_EVENTS,
        list(t.EVENT_HEADERS),
        [
            [e.form, e.title, e.date, e.organisers, e.goal, e.participants]
            for k in data.kinds
            for e in k.events
        ],
    )
    sheet(
        t.SHEET_SERIES,
        list(t.SERIES_HEADERS),
        [
            [s.title, m.title, m.date, m.participants, s.people]
            for s in data.series
            for m in s.meetings
        ],
    )
    sheet(
        t.SHEET_FEEDBACK,
        list(t.FEEDBACK_HEADERS),
        [[data.feedback_question, s.label, s.count, s.percent] for s in data.satisfaction]
        + [[data.use_question, s.label, s.count, ""] for s in data.use_themes],
    )
    sheet(
        t.SHEET_DIAGNOSTICS,
        list(t.DIAGNOSTIC_HEADERS),
        [
            [d.form, a.title, a.respondents, a.average, a.deficits]
            for d in data.diagnostics
            for a in d.areas
        ],
    )
    sheet(
        t.SHEET_REQUESTS,
        list(t.REQUEST_HEADERS),
        [[d.form, r.label, r.count] for d in data.diagnostics for r in d.requests],
    )
    sheet(
        t.SHEET_CONSULTATIONS,
        list(t.CONSULTATION_HEADERS),
        [[c.topic, c.total, c.new, c.in_work, c.done] for c in data.consultations],
    )
    sheet(
        t.SHEET_ORGS,
        list(t.ORG_HEADERS),
        [[name, count] for name, count in report.by_org],
    )
    book.close()
    return buffer.getvalue()


@dataclass
class Built:
    docx: bytes
    xlsx: bytes
    data: ReportData


async def current_template(session: AsyncSession) -> ReportTemplate | None:
    """The newest uploaded template (None: the default one is used)."""
    result = await session.execute(
        select(ReportTemplate)
        .where(ReportTemplate.report == REPORT)
        .order_by(ReportTemplate.id.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def template_bytes(session: AsyncSession) -> bytes:
    """The newest uploaded template, or the one shipped with the project."""
    uploaded = await session.execute(
        select(ReportTemplate.content)
        .where(ReportTemplate.report == REPORT)
        .order_by(ReportTemplate.id.desc())
        .limit(1)
    )
    content = uploaded.scalar_one_or_none()
    return content if content is not None else TEMPLATE_PATH.read_bytes()


async def build(
    session: AsyncSession,
    actor: Person | None,
    period: Period,
    tz: ZoneInfo,
    now: datetime | None = None,
) -> Built | None:
    """The report's DOCX and XLSX; None when the period has no data at all. Logged."""
    data = await collect(session, period, tz, now)
    audit.record(
        session,
        actor,
        "report.annual",
        object_kind="report",
        period=period.code,
        empty=data.is_empty,
    )
    if data.is_empty:
        return None
    data.charts = charts(data.indicators)
    return Built(render_docx(await template_bytes(session), data), xlsx(data), data)


async def indicators_xlsx(
    session: AsyncSession, actor: Person | None, period: Period, tz: ZoneInfo
) -> bytes:
    """The indicators with the lists behind them: a sheet of shares and one list per indicator."""
    import xlsxwriter

    from bot.services.tables import WORKBOOK_OPTIONS, SheetWriter

    report = await indicators.compute(session, period, tz)
    audit.record(session, actor, "report.indicators", object_kind="report", period=period.code)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {**WORKBOOK_OPTIONS, "in_memory": True})
    writer = SheetWriter(buffer, list(t.INDICATOR_HEADERS), t.SHEET_INDICATORS, workbook=book)
    for i in report.indicators:
        writer.add([i.title, i.numerator, i.denominator, round((i.share or 0) * 100, 1), i.basis])
    writer.finish()
    for i in report.indicators:
        names = SheetWriter(buffer, [ti.SHORT[i.code]], ti.SHORT[i.code], workbook=book)
        for name in i.names:
            names.add([name])
        if i.anonymous:
            names.add([ti.ANONYMOUS_MORE.format(count=i.anonymous)])
        names.finish()
    events = SheetWriter(buffer, list(t.EVENT_COUNT_HEADERS), t.SHEET_EVENTS, workbook=book)
    for row in report.events:
        events.add(
            [
                tev.KIND_LABELS[row.event.kind],
                row.event.title,
                row.event.starts_at.astimezone(tz).replace(tzinfo=None),
                row.participants,
            ]
        )
    events.finish()
    orgs = SheetWriter(buffer, list(t.ORG_HEADERS), t.SHEET_ORGS, workbook=book)
    for name, count in report.by_org:
        orgs.add([name, count])
    orgs.finish()
    satisfaction = SheetWriter(
        buffer, list(t.SATISFACTION_HEADERS), t.SHEET_FEEDBACK, workbook=book
    )
    total = sum(c for _, c in report.satisfaction)
    for label, count in report.satisfaction:
        satisfaction.add([label, count, _percent(count, total)])
    satisfaction.finish()
    book.close()
    return buffer.getvalue()


# Templates uploaded in the chat


def sample_data(period: Period, tz: ZoneInfo) -> ReportData:
    """Made-up data with every section filled, to try a template before accepting it."""
    line = EventLine(
        t.SAMPLE_FORM, t.SAMPLE_TITLE, t.SAMPLE_DATE, t.SAMPLE_ORGANISERS, t.SAMPLE_GOAL, 30
    )
    empty = indicators.IndicatorReport(
        period,
        indicators.Denominator(100, "bot", 100, 0),
        [indicators.Indicator(code, ti.TITLES[code], 10, 100, ti.BASIS_BOT) for code in ti.TITLES],
        [],
        [],
        [],
        [(t.SAMPLE_ANSWER, 1)],
        t.SAMPLE_QUESTION,
    )
    data = ReportData(
        period=period,
        generated=t.SAMPLE_DATE,
        kinds=[KindSection(t.SAMPLE_FORM, [line], 30)],
        series=[SeriesSection(t.SAMPLE_TITLE, [line], 30, 25)],
        conferences=[line],
        events_total=1,
        participants_total=30,
        feedback_question=t.SAMPLE_QUESTION,
        feedback_responses=1,
        satisfaction=[Share(t.SAMPLE_ANSWER, 1, "100 %")],
        use_question=t.SAMPLE_QUESTION,
        use_themes=[Share(t.SAMPLE_ANSWER, 1, _people_word(1))],
        diagnostics=[
            DiagnosticSection(t.SAMPLE_TITLE, 1, [AreaLine(t.SAMPLE_TITLE, "3,50", 0, 1)], [])
        ],
        consultations=[TopicLine(t.SAMPLE_TITLE, 1, 0, 0, 1)],
        consultations_total=1,
        indicators=empty,
    )
    data.charts = {}
    return data


async def upload_template(
    session: AsyncSession, actor: Person | None, filename: str, content: bytes, tz: ZoneInfo
) -> ReportTemplate:
    """Accept a new template only if it renders with sample data; InvalidInput with the reason."""
    from bot.services.period import current_school_year

    if not filename.lower().endswith(".docx"):
        raise InvalidInput(t.TEMPLATE_NOT_DOCX)
    if len(content) > MAX_TEMPLATE_BYTES:
        raise InvalidInput(t.TEMPLATE_TOO_BIG.format(limit_mb=MAX_TEMPLATE_BYTES // 1024 // 1024))
    render_docx(content, sample_data(current_school_year(tz), tz))
    template = ReportTemplate(
        report=REPORT,
        filename=filename[:200],
        content=content,
        uploaded_by_id=actor.id if actor else None,
    )
    session.add(template)
    await session.flush()
    audit.record(
        session, actor, "report.template", object_kind="report_template", object_id=template.id
    )
    return template
