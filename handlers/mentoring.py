"""Mentoring for the people in a pair: «Хочу наставника» in the profile (a young teacher asks
for a mentor) and «Моё наставничество» (a mentor sees their mentees, a mentee their mentor:
organisation, start date, status and a way to write)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import MentCb
from bot.config import Settings
from bot.services import mentoring
from bot.texts import fmt_date
from bot.texts import mentoring as t
from handlers.filters import Registered
from handlers.views import MESSAGE_LIMIT, fit_lines, respond
from models import MentoringStatus, Person


async def on_ask(callback: CallbackQuery, session: AsyncSession, person: Person) -> None:
    found, created = await mentoring.request(session, person, "profile")
    if created:
        await respond(callback, t.ASKED)
        return
    mentor = await session.get(Person, found.mentor_id) if found.mentor_id else None
    if found.status == MentoringStatus.ACTIVE and mentor is not None:
        await respond(callback, t.HAS_MENTOR.format(contact=mentoring.contact(mentor)))
        return
    await respond(callback, t.ALREADY_ASKED)


def _pair_text(view: mentoring.PairView, settings: Settings) -> str:
    item, other = view.mentoring, view.other
    gone = other is None or other.deleted_at is not None or other.telegram_id is None
    if item.status == MentoringStatus.ACTIVE:
        status = t.MINE_STATUS_ACTIVE
    else:
        ended = item.finished_at or item.started_at or item.requested_at
        status = t.MINE_STATUS_FINISHED.format(date=fmt_date(ended, settings.tz))
    contact = (
        t.MINE_CONTACT_GONE
        if gone or other is None
        else t.MINE_CONTACT.format(telegram_id=other.telegram_id)
    )
    return t.MINE_PAIR.format(
        who=t.ANONYMOUS if gone or other is None else mentoring.contact(other),
        date=fmt_date(item.started_at or item.requested_at, settings.tz),
        status=status,
        contact=contact,
    )


def mine_text(mine: mentoring.MyMentoring, settings: Settings) -> str:
    """The person's pairs: their mentor, then their mentees, each with a way to write."""
    blocks: list[str] = []
    if mine.mentors:
        blocks.append(t.MINE_MENTOR if len(mine.mentors) == 1 else t.MINE_MENTORS)
        blocks.extend(_pair_text(v, settings) for v in mine.mentors)
    if mine.mentees:
        blocks.append(t.MINE_MENTEES.format(mentees=t.mentees(len(mine.mentees))))
        blocks.extend(f"{n}. {_pair_text(v, settings)}" for n, v in enumerate(mine.mentees, 1))
    kept, left = fit_lines(blocks, MESSAGE_LIMIT - len(t.MINE_TITLE) - 50)
    if left:
        kept.append(t.MINE_MORE.format(count=left))
    return "\n\n".join([t.MINE_TITLE, *kept])


async def on_mine(
    callback: CallbackQuery, session: AsyncSession, person: Person, settings: Settings
) -> None:
    mine = await mentoring.of_person(session, person.id)
    if mine.is_empty:  # a stale button: the pair is gone
        await callback.answer(t.MINE_NONE, show_alert=True)
        return
    await respond(callback, mine_text(mine, settings))


def build_router() -> Router:
    router = Router(name="mentoring")
    router.callback_query.filter(Registered())
    router.callback_query.register(on_ask, MentCb.filter(F.a == "ask"))
    router.callback_query.register(on_mine, MentCb.filter(F.a == "mine"))
    return router
