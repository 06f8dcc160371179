"""Helpers for questionnaire tests: loading the forms, making events, answering by buttons."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.emulator import EmulatedUser, StoredMessage
from bot.services import forms
from bot.services.form_schema import FormDef
from models import Event, EventStatus
from models.base import utcnow
from tests import factories


async def load_forms(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await forms.load_all(session)


def repo_form(code: str) -> FormDef:
    for _, _, form_def in forms.read_files():
        if form_def.code == code:
            return form_def
    raise KeyError(code)


async def make_event(
    session: AsyncSession,
    title: str,
    topics: list[str],
    *,
    days: float = 5,
    status: EventStatus = EventStatus.PUBLISHED,
    audience: list[str] | None = None,
    capacity: int | None = None,
) -> Event:
    starts = utcnow() + timedelta(days=days)
    return await factories.make_event(
        session,
        title=title,
        topics=topics,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        audience=audience or [],
        status=status,
        capacity=capacity,
        join_link="",
        checkin_code="",
    )


def current_question(user: EmulatedUser) -> tuple[int, str] | None:
    """(response id, question id) of the newest question message; ("", summary) → qid ""."""
    message = newest_form_message(user)
    for _, data in message.buttons:
        parts = data.split(":")
        if parts[0] == "q" and parts[1] == "back":
            return int(parts[2]), parts[3]
    return None


def newest_form_message(user: EmulatedUser) -> StoredMessage:
    for message in reversed(user.messages()):
        if any(data.startswith("q:") for _, data in message.buttons):
            return message
    raise AssertionError("no questionnaire message in the chat")


def button_data(user: EmulatedUser, action: str, value: str | None = None) -> str:
    message = newest_form_message(user)
    for _, data in message.buttons:
        parts = data.split(":")
        if parts[1] == action and (value is None or parts[4] == value):
            return data
    raise AssertionError(f"no {action}/{value} button in {message.buttons}")


async def answer_current(user: EmulatedUser, form: FormDef, value: Any) -> None:
    """Answer the question on screen with `value` by pressing its buttons (or typing)."""
    found = current_question(user)
    assert found is not None
    _, qid = found
    question = form.question(qid)
    assert question is not None, qid
    if question.kind == "single":
        index = [o.value for o in question.options].index(value)
        await user.press_data(button_data(user, "ans", str(index)))
    elif question.kind == "scale":
        await user.press_data(button_data(user, "ans", str(value)))
    elif question.kind == "multi":
        for option in value:
            index = [o.value for o in question.options].index(option)
            await user.press_data(button_data(user, "tog", str(index)))
        await user.press_data(button_data(user, "done"))
    elif value is None:
        await user.press_data(button_data(user, "skip"))
    else:
        await user.send(str(value))


def default_answer(form: FormDef, qid: str, scale: int) -> Any:
    question = form.question(qid)
    assert question is not None
    if question.kind == "scale":
        return scale
    if question.kind == "single":
        return question.options[0].value
    if question.kind == "multi":
        return [question.options[0].value]
    if question.kind == "number":
        return int(question.min or 0) + 1
    return "Хочу разобраться в новых подходах." if question.required else None


async def fill(
    user: EmulatedUser,
    form: FormDef,
    answers: dict[str, Any] | None = None,
    *,
    scale: int = 4,
    until: str | None = None,
    limit: int = 60,
) -> list[str]:
    """Answer questions in a loop until the summary (or until question `until` is on screen).

    Returns the ids of the questions asked, in order.
    """
    answers = answers or {}
    asked: list[str] = []
    for _ in range(limit):
        found = current_question(user)
        assert found is not None
        qid = found[1]
        if qid == "" or qid == until:
            return asked
        asked.append(qid)
        value = answers[qid] if qid in answers else default_answer(form, qid, scale)
        await answer_current(user, form, value)
    raise AssertionError(f"the form did not end after {limit} answers: {asked[-5:]}")
