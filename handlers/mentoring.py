"""«Хочу наставника» in the profile: a young teacher asks for a mentor."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import MentCb
from bot.services import mentoring
from bot.texts import mentoring as t
from handlers.filters import Registered
from handlers.views import respond
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


def build_router() -> Router:
    router = Router(name="mentoring")
    router.callback_query.filter(Registered())
    router.callback_query.register(on_ask, MentCb.filter(F.a == "ask"))
    return router
