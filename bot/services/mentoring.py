"""Mentoring of young teachers: requests (from the profile or the teachers' diagnostics),
pairing a mentee with a mentor by a methodologist, both told with each other's contact."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import InvalidInput, audit, outbox, questionnaire
from bot.services.form_schema import FormDef
from bot.texts import mentoring as t
from models import Mentoring, MentoringStatus, NotificationKind, Person, Response
from models.base import utcnow

#: The teachers' diagnostics' question and answer that ask for a mentor.
MENTOR_QUESTION = "has_mentor"
MENTOR_WANTED = "want"
OPEN = (MentoringStatus.REQUESTED, MentoringStatus.ACTIVE)


async def current(session: AsyncSession, mentee_id: int) -> Mentoring | None:
    """The person's open request or active pair."""
    result = await session.execute(
        select(Mentoring)
        .where(Mentoring.mentee_id == mentee_id, Mentoring.status.in_(OPEN))
        .order_by(Mentoring.id.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def request(session: AsyncSession, mentee: Person, source: str) -> tuple[Mentoring, bool]:
    """A mentoring request; an open one is reused. (request, created)."""
    found = await current(session, mentee.id)
    if found is not None:
        return found, False
    made = Mentoring(
        mentee_id=mentee.id,
        status=MentoringStatus.REQUESTED,
        source=source,
        requested_at=utcnow(),
    )
    session.add(made)
    await session.flush()
    return made, True


async def on_teacher_diagnostic_submitted(
    session: AsyncSession, response: Response, form: FormDef
) -> None:
    """Submit hook of the teachers' diagnostics: «хотел(а) бы наставника» files a request."""
    state = await questionnaire.load_state(session, response)
    answer = state.answers.get(MENTOR_QUESTION)
    if answer is None or answer.value != MENTOR_WANTED:
        return
    mentee = await session.get(Person, response.person_id)
    if mentee is not None:
        await request(session, mentee, "diagnostic")


async def open_list(session: AsyncSession, limit: int = 30) -> list[tuple[Mentoring, Person]]:
    """Requests waiting for a mentor, oldest first, then active pairs."""
    result = await session.execute(
        select(Mentoring, Person)
        .join(Person, Person.id == Mentoring.mentee_id)
        .where(Mentoring.status.in_(OPEN))
        .order_by(Mentoring.status.desc(), Mentoring.requested_at)
        .limit(limit)
    )
    return [(m, p) for m, p in result.all()]


async def candidates(
    session: AsyncSession, query: str, mentee_id: int, limit: int = 8
) -> list[Person]:
    """People in the bot whose name contains every word typed (the mentee excluded)."""
    words = [w for w in query.casefold().split() if w]
    if not words or len(query) > 100:
        raise InvalidInput(t.BAD_QUERY)
    result = await session.execute(
        select(Person).where(
            Person.deleted_at.is_(None),
            Person.telegram_id.is_not(None),
            Person.id != mentee_id,
        )
    )
    found = [
        p
        for p in result.scalars().unique()
        if all(w in (p.full_name or "").casefold().replace("ё", "е") for w in words)
    ]
    return found[:limit]


def contact(person: Person) -> str:
    org = person.organisation.name if person.organisation else ""
    parts = [person.full_name or t.ANONYMOUS, person.position or "", org]
    return escape(", ".join(p for p in parts if p))


async def pair(
    session: AsyncSession, by: Person | None, mentoring_id: int, mentor_id: int
) -> Mentoring:
    """Pair the request with a mentor; both are told with each other's contact (outbox)."""
    found = await session.get(Mentoring, mentoring_id)
    if found is None or found.status != MentoringStatus.REQUESTED:
        raise InvalidInput(t.NOT_FOUND)
    mentee = await session.get(Person, found.mentee_id)
    mentor = await session.get(Person, mentor_id)
    if mentor is None or mentor.deleted_at is not None or mentor.telegram_id is None:
        raise InvalidInput(t.MENTOR_GONE)
    if mentee is None or mentee.deleted_at is not None:
        raise InvalidInput(t.NOT_FOUND)
    if mentor.id == mentee.id:
        raise InvalidInput(t.SELF_MENTOR)
    now = utcnow()
    found.mentor_id, found.status, found.started_at = mentor.id, MentoringStatus.ACTIVE, now
    found.paired_by_id = by.id if by else None
    # The contact link is on «Моё наставничество» (a text link): Telegram refuses a tg://user
    # button outright for people whose privacy settings hide them, and the notice with it.
    for who, other, template in ((mentee, mentor, t.TOLD_MENTEE), (mentor, mentee, t.TOLD_MENTOR)):
        await outbox.enqueue(
            session,
            kind=NotificationKind.MESSAGE,
            person_id=who.id,
            text=template.format(contact=contact(other)),
            payload={
                "buttons": [
                    [outbox.button(t.BTN_MINE, outbox.Target.MY_MENTORING, found.id)],
                ]
            },
            dedup_key=f"mentoring:{found.id}:{who.id}",
        )
    audit.record(
        session,
        by,
        "mentoring.pair",
        object_kind="mentoring",
        object_id=found.id,
        mentee=mentee.id,
        mentor=mentor.id,
    )
    await session.flush()
    return found


async def finish(session: AsyncSession, by: Person | None, mentoring_id: int) -> Mentoring:
    found = await session.get(Mentoring, mentoring_id)
    if found is None or found.status not in OPEN:
        raise InvalidInput(t.NOT_FOUND)
    found.status = MentoringStatus.FINISHED
    found.finished_at = utcnow()
    audit.record(session, by, "mentoring.finish", object_kind="mentoring", object_id=found.id)
    await session.flush()
    return found


@dataclass(frozen=True)
class PairView:
    """One pair seen by one of its two people: the other one (None once their row is gone)."""

    mentoring: Mentoring
    other: Person | None


@dataclass(frozen=True)
class MyMentoring:
    """A person's pairs: their mentor(s) as a mentee, their mentees as a mentor."""

    mentors: list[PairView]
    mentees: list[PairView]

    @property
    def is_empty(self) -> bool:
        return not self.mentors and not self.mentees


#: Pairs a person sees on their own screen: made by a methodologist, going on or finished.
PAIRED = (MentoringStatus.ACTIVE, MentoringStatus.FINISHED)


def _paired_with(person_id: int) -> tuple[ColumnElement[bool], ...]:
    """A pair the person is (or was) in, as mentee or mentor."""
    return (
        Mentoring.status.in_(PAIRED),
        Mentoring.mentor_id.is_not(None),
        or_(Mentoring.mentee_id == person_id, Mentoring.mentor_id == person_id),
    )


async def has_pairs(session: AsyncSession, person_id: int) -> bool:
    """Whether the person is (or was) a mentee or a mentor in a pair."""
    found = await session.execute(select(Mentoring.id).where(*_paired_with(person_id)).limit(1))
    return found.first() is not None


async def of_person(session: AsyncSession, person_id: int, limit: int = 30) -> MyMentoring:
    """The person's pairs, active first, the newest first within each status."""
    result = await session.execute(
        select(Mentoring)
        .where(*_paired_with(person_id))
        .order_by(Mentoring.status, Mentoring.started_at.desc(), Mentoring.id.desc())
        .limit(limit)
    )
    pairs = list(result.scalars())
    other_ids = {(m.mentor_id if m.mentee_id == person_id else m.mentee_id) for m in pairs} - {None}
    people: dict[int, Person] = {}
    if other_ids:
        found = await session.execute(select(Person).where(Person.id.in_(other_ids)))
        people = {p.id: p for p in found.scalars().unique()}
    mentors: list[PairView] = []
    mentees: list[PairView] = []
    for item in pairs:
        if item.mentee_id == person_id:
            assert item.mentor_id is not None
            mentors.append(PairView(item, people.get(item.mentor_id)))
        else:
            mentees.append(PairView(item, people.get(item.mentee_id)))
    return MyMentoring(mentors, mentees)
