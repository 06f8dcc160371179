"""Consultation requests (адресная помощь): asking, notifying methodologists, taking, answering.

Methodologists are told through the outbox (kind CONSULTATION), and so is the person when the
answer is ready, so nothing is lost when Telegram is slow or the bot restarts.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import is_postgres
from bot.services import InvalidInput, forms, outbox, questionnaire, scoring
from bot.texts import consultations as tc
from bot.texts import fmt_datetime, quantity
from bot.texts import forms as tf
from bot.texts import onboarding as to
from bot.texts.consultations import (
    ALREADY_DONE,
    ALREADY_TAKEN,
    ANSWER_EMPTY,
    ANSWER_NOTICE,
    ANSWER_TOO_LONG,
    NOT_YOURS,
    OTHER_TOPIC,
    STAFF_NOTICE,
    TEXT_EMPTY,
    TEXT_TOO_LONG,
    TOPIC_UNKNOWN,
)
from bot.topics import TOPICS, topic_label
from models import (
    ConsultationMessage,
    ConsultationRequest,
    ConsultationStatus,
    NotificationKind,
    Person,
    Role,
)
from models.base import utcnow

TEXT_LIMIT = 2000
ANSWER_LIMIT = 3500
#: How much of the question the answer notice quotes: with the longest answer, the topic and the
#: name it must stay under Telegram's 4096 characters.
QUOTE_LIMIT = 250
OTHER = "other"


#: Topics offered to heads and deputies (managing a school) and to teachers (teaching).
HEAD_TOPICS = (
    "quality_management",
    "staff_development",
    "strategy",
    "finance",
    "team",
    "normative",
    "young_specialists",
    "digital",
)
TEACHER_TOPICS = tuple(code for code in TOPICS if code not in HEAD_TOPICS[:5])


def topics_for(role: Role) -> tuple[str, ...]:
    """The consultation topics that fit the person's role; staff see every topic."""
    if role in (Role.HEAD, Role.DEPUTY):
        return HEAD_TOPICS
    if role == Role.TEACHER:
        return TEACHER_TOPICS
    return tuple(TOPICS)


def topic_title(code: str) -> str:
    return OTHER_TOPIC if code == OTHER else topic_label(code)


def check_topic(code: str) -> str:
    if code != OTHER and code not in TOPICS:
        raise InvalidInput(TOPIC_UNKNOWN)
    return code


def check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput(TEXT_EMPTY)
    if len(text) > TEXT_LIMIT:
        length = quantity(len(text), "знак", "знака", "знаков")
        raise InvalidInput(TEXT_TOO_LONG.format(limit=TEXT_LIMIT, length=length))
    return text


async def create(
    session: AsyncSession, person: Person, topic: str, text: str
) -> ConsultationRequest:
    """Store a request; call notify_staff afterwards to tell the methodologists."""
    request = ConsultationRequest(
        person_id=person.id,
        topic=check_topic(topic),
        text=check_text(text),
        status=ConsultationStatus.NEW,
        answer="",
    )
    session.add(request)
    await session.flush()
    await session.refresh(request, ["person"])
    return request


async def recipients(session: AsyncSession, admin_ids: Collection[int]) -> list[Person]:
    """Registered methodologists and admins, and registered people listed in ADMIN_IDS."""
    result = await session.execute(
        select(Person)
        .where(
            Person.telegram_id.is_not(None),
            Person.deleted_at.is_(None),
            or_(
                Person.role.in_([Role.METHODOLOGIST, Role.ADMIN]),
                Person.telegram_id.in_(list(admin_ids) or [-1]),
            ),
        )
        .order_by(Person.id)
    )
    return list(result.scalars().unique())


async def profile_text(session: AsyncSession, person: Person) -> str:
    """The person's card for a methodologist: who they are and their last diagnostic's deficits."""
    lines = [
        f"{escape(person.full_name or to.NOT_SET)}, {to.ROLE_LABELS[person.role].lower()}",
        escape(person.organisation.name if person.organisation else to.NOT_SET),
        escape(person.position or to.NOT_SET),
    ]
    response = await questionnaire.last_submitted(session, person.id, purpose="diagnostic")
    if response is not None:
        scores = scoring.from_stored(forms.definition(response.form), response.scores)
        weak = scoring.deficits(scores)
        lines.append(
            tf.PROFILE_DEFICITS_LINE.format(
                areas=", ".join(escape(a.title) for a in weak) if weak else tf.NO_DEFICITS_SHORT
            )
        )
    else:
        lines.append(tf.PROFILE_NO_DIAGNOSTIC)
    return "\n".join(lines)


async def notify_staff(
    session: AsyncSession,
    request: ConsultationRequest,
    admin_ids: Collection[int],
    take_label: str,
) -> int:
    """Enqueue a notice with «Взять в работу» for each methodologist; returns how many."""
    text = STAFF_NOTICE.format(
        number=request.id,
        topic=escape(topic_title(request.topic)),
        profile=await profile_text(session, request.person),
        text=escape(request.text),
    )
    staff = await recipients(session, admin_ids)
    for member in staff:
        await outbox.enqueue(
            session,
            kind=NotificationKind.CONSULTATION,
            person_id=member.id,
            text=text,
            payload={
                "buttons": [
                    [outbox.button(take_label, outbox.Target.TAKE_CONSULTATION, request.id)]
                ]
            },
            dedup_key=f"consultation:{request.id}:new:{member.id}",
        )
    return len(staff)


async def get(
    session: AsyncSession, request_id: int, *, lock: bool = False
) -> ConsultationRequest | None:
    """The request; with `lock`, its row is locked on PostgreSQL so that two methodologists
    pressing «Взять в работу» at once take turns (SQLite transactions already do, see bot.db)."""
    if not lock:
        return await session.get(ConsultationRequest, request_id)
    stmt = select(ConsultationRequest).where(ConsultationRequest.id == request_id)
    if is_postgres(session):
        stmt = stmt.with_for_update(of=ConsultationRequest)
    result = await session.execute(stmt.execution_options(populate_existing=True))
    request = result.unique().scalar_one_or_none()
    if request is not None:
        # After waiting for the lock PostgreSQL re-reads only the locked row, not the joined
        # people: read who holds the request afresh.
        await session.refresh(request, ["taken_by"])
    return request


async def take(session: AsyncSession, request_id: int, staff: Person) -> ConsultationRequest:
    """«Взять в работу»: the first methodologist to take a new request owns it."""
    request = await get(session, request_id, lock=True)
    if request is None:
        raise InvalidInput(NOT_YOURS)
    if request.status == ConsultationStatus.DONE:
        raise InvalidInput(ALREADY_DONE)
    if request.status == ConsultationStatus.IN_WORK and request.taken_by_id != staff.id:
        owner = request.taken_by.full_name if request.taken_by else ""
        raise InvalidInput(ALREADY_TAKEN.format(name=escape(owner or "")))
    request.status = ConsultationStatus.IN_WORK
    request.taken_by_id = staff.id
    request.taken_at = request.taken_at or utcnow()
    await session.flush()
    await session.refresh(request, ["taken_by"])
    return request


async def answer(
    session: AsyncSession, request_id: int, staff: Person, text: str
) -> ConsultationRequest:
    """The methodologist's message to the person; the request stays open (a conversation)
    until the methodologist closes it. The person gets it with «Ответить» (outbox)."""
    request = await get(session, request_id, lock=True)
    if request is None or request.taken_by_id != staff.id:
        raise InvalidInput(NOT_YOURS)
    if request.status != ConsultationStatus.IN_WORK:
        raise InvalidInput(ALREADY_DONE)
    text = text.strip()
    if not text:
        raise InvalidInput(ANSWER_EMPTY)
    if len(text) > ANSWER_LIMIT:
        length = quantity(len(text), "знак", "знака", "знаков")
        raise InvalidInput(ANSWER_TOO_LONG.format(limit=ANSWER_LIMIT, length=length))
    now = utcnow()
    request.answer = text  # the latest word of the methodologist
    request.answered_at = request.answered_at or now
    session.add(
        ConsultationMessage(
            request_id=request.id, from_staff=True, author_id=staff.id, text=text, at=now
        )
    )
    await outbox.enqueue(
        session,
        kind=NotificationKind.CONSULTATION,
        person_id=request.person_id,
        text=ANSWER_NOTICE.format(
            topic=escape(topic_title(request.topic)),
            question=escape(_clip(request.text, QUOTE_LIMIT)),
            name=escape(_clip(staff.full_name or "", 100)),
            answer=escape(text),
        ),
        payload={"buttons": [[_reply_button(request.id)]]},
        dedup_key=f"consultation:{request.id}:staff:{int(now.timestamp() * 1000)}",
    )
    await session.flush()
    return request


def _reply_button(request_id: int) -> list[Any]:
    return outbox.button(tc.BTN_REPLY, outbox.Target.CONSULTATION_REPLY, request_id)


async def person_reply(
    session: AsyncSession, request_id: int, person: Person, text: str
) -> ConsultationRequest:
    """The person writes again about their request; the methodologist who holds it is told.

    A closed request takes no more messages (InvalidInput saying so)."""
    request = await get(session, request_id, lock=True)
    if request is None or request.person_id != person.id:
        raise InvalidInput(NOT_YOURS)
    if request.status == ConsultationStatus.DONE:
        raise InvalidInput(tc.CLOSED_NO_REPLY)
    text = check_text(text)
    now = utcnow()
    session.add(
        ConsultationMessage(
            request_id=request.id, from_staff=False, author_id=person.id, text=text, at=now
        )
    )
    if request.taken_by_id is not None:
        await outbox.enqueue(
            session,
            kind=NotificationKind.CONSULTATION,
            person_id=request.taken_by_id,
            text=tc.PERSON_WROTE.format(
                number=request.id,
                name=escape(person.full_name or ""),
                text=escape(text),
            ),
            payload={
                "buttons": [
                    [outbox.button(tc.BTN_OPEN, outbox.Target.CONSULTATION_CARD, request.id)]
                ]
            },
            dedup_key=f"consultation:{request.id}:person:{int(now.timestamp() * 1000)}",
        )
    await session.flush()
    return request


async def propose(
    session: AsyncSession,
    request_id: int,
    staff: Person,
    at: datetime,
    link: str,
    tz: ZoneInfo,
) -> ConsultationRequest:
    """Propose a meeting (time and an online link); the person accepts it with a button."""
    request = await get(session, request_id, lock=True)
    if request is None or request.taken_by_id != staff.id:
        raise InvalidInput(NOT_YOURS)
    if request.status != ConsultationStatus.IN_WORK:
        raise InvalidInput(ALREADY_DONE)
    now = utcnow()
    if at <= now:
        raise InvalidInput(tc.MEETING_IN_PAST)
    request.meeting_at, request.meeting_link, request.meeting_accepted_at = at, link, None
    when = fmt_datetime(at, tz)
    text = tc.PROPOSAL.format(when=when, link=escape(link) or tc.NO_LINK)
    session.add(
        ConsultationMessage(
            request_id=request.id, from_staff=True, author_id=staff.id, text=text, at=now
        )
    )
    stamp = int(now.timestamp() * 1000)
    await outbox.enqueue(
        session,
        kind=NotificationKind.CONSULTATION,
        person_id=request.person_id,
        text=tc.PROPOSAL_NOTICE.format(
            number=request.id,
            name=escape(staff.full_name or ""),
            proposal=text,
        ),
        payload={
            "buttons": [
                [outbox.button(tc.BTN_ACCEPT, outbox.Target.CONSULTATION_ACCEPT, request.id)],
                [_reply_button(request.id)],
            ]
        },
        dedup_key=f"consultation:{request.id}:proposal:{stamp}",
    )
    await session.flush()
    return request


async def accept(
    session: AsyncSession, request_id: int, person: Person, tz: ZoneInfo
) -> ConsultationRequest:
    """The person accepts the proposed meeting; the methodologist is told."""
    request = await get(session, request_id, lock=True)
    if request is None or request.person_id != person.id:
        raise InvalidInput(NOT_YOURS)
    if request.status == ConsultationStatus.DONE:
        raise InvalidInput(tc.CLOSED_NO_REPLY)
    if request.meeting_at is None or request.meeting_at <= utcnow():
        raise InvalidInput(tc.NO_PROPOSAL)
    if request.meeting_accepted_at is not None:
        return request
    request.meeting_accepted_at = utcnow()
    if request.taken_by_id is not None:
        await outbox.enqueue(
            session,
            kind=NotificationKind.CONSULTATION,
            person_id=request.taken_by_id,
            text=tc.ACCEPTED_NOTICE.format(
                number=request.id,
                name=escape(person.full_name or ""),
                when=fmt_datetime(request.meeting_at, tz),
            ),
            payload={
                "buttons": [
                    [outbox.button(tc.BTN_OPEN, outbox.Target.CONSULTATION_CARD, request.id)]
                ]
            },
            dedup_key=f"consultation:{request.id}:accepted:{int(request.meeting_at.timestamp())}",
        )
    await session.flush()
    return request


async def close(session: AsyncSession, request_id: int, staff: Person) -> ConsultationRequest:
    """The methodologist closes the conversation; the person is told and can ask anew."""
    request = await get(session, request_id, lock=True)
    if request is None or request.taken_by_id != staff.id:
        raise InvalidInput(NOT_YOURS)
    if request.status == ConsultationStatus.DONE:
        raise InvalidInput(ALREADY_DONE)
    now = utcnow()
    request.status = ConsultationStatus.DONE
    request.closed_at = now
    request.answered_at = request.answered_at or now
    await outbox.enqueue(
        session,
        kind=NotificationKind.CONSULTATION,
        person_id=request.person_id,
        text=tc.CLOSED_NOTICE.format(number=request.id, topic=escape(topic_title(request.topic))),
        dedup_key=f"consultation:{request.id}:closed",
    )
    await session.flush()
    return request


async def messages(session: AsyncSession, request_id: int) -> list[ConsultationMessage]:
    result = await session.execute(
        select(ConsultationMessage)
        .where(ConsultationMessage.request_id == request_id)
        .order_by(ConsultationMessage.at, ConsultationMessage.id)
    )
    return list(result.scalars())


async def topic_counts(
    session: AsyncSession, since: datetime, until: datetime
) -> list[tuple[str, int, int]]:
    """(topic, requests, closed) for requests made in [since, until), most asked first."""
    result = await session.execute(
        select(
            ConsultationRequest.topic,
            func.count(),
            func.count(case((ConsultationRequest.status == ConsultationStatus.DONE, 1))),
        )
        .where(ConsultationRequest.created_at >= since, ConsultationRequest.created_at < until)
        .group_by(ConsultationRequest.topic)
    )
    rows = [(topic, int(n), int(done)) for topic, n, done in result.all()]
    return sorted(rows, key=lambda r: (-r[1], topic_title(r[0])))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def list_by_status(
    session: AsyncSession, statuses: Collection[ConsultationStatus], limit: int = 50
) -> list[ConsultationRequest]:
    result = await session.execute(
        select(ConsultationRequest)
        .where(ConsultationRequest.status.in_(list(statuses)))
        .order_by(ConsultationRequest.created_at)
        .limit(limit)
    )
    return list(result.scalars().unique())


async def list_of_person(session: AsyncSession, person_id: int) -> list[ConsultationRequest]:
    result = await session.execute(
        select(ConsultationRequest)
        .where(ConsultationRequest.person_id == person_id)
        .order_by(ConsultationRequest.id.desc())
        .limit(10)
    )
    return list(result.scalars().unique())


async def list_closed(session: AsyncSession, limit: int = 30) -> list[ConsultationRequest]:
    """Closed requests, the latest closed first: they stay listed after the conversation."""
    result = await session.execute(
        select(ConsultationRequest)
        .where(ConsultationRequest.status == ConsultationStatus.DONE)
        .order_by(ConsultationRequest.closed_at.desc(), ConsultationRequest.id.desc())
        .limit(limit)
    )
    return list(result.scalars().unique())
