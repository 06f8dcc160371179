"""Walk every button and command of the bot on the demo district, as each role, and fail on
any error the bot's error handler catches or any Bot API request Telegram would refuse.

Targeted tests miss whole classes of faults (an unloaded relationship read after a commit, a
message over 4096 characters, a stale keyboard). This walk presses every kind of inline button
it meets — up to a few of each shape, so lists of many events stay bounded — and every reply
keyboard button and command, starting from each role's /start and /admin.
"""

from __future__ import annotations

import logging
import re
from collections import Counter, deque
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.emulator import EmulatedUser
from bot.services import registrations
from bot.texts import common as tc
from models import EventKind, Person, Registration, RegistrationStatus, Role
from models.base import utcnow
from tests.conftest import ADMIN_ID, RunningBot
from tests.factories import make_event, make_org, make_person, seed_demo
from tests.questionnaire_helpers import load_forms

#: Up to this many buttons of one shape (the same data with other numbers) are pressed.
PER_SHAPE = 3
#: A bound on the presses of one persona, so the walk ends whatever the bot grows into.
MAX_PRESSES = 450
COMMANDS = ["/start", "/help", "/profile", "/privacy", "/checkin", "/cancel"]
STAFF_COMMANDS = ["/admin"]
#: Pressed last: after these the persona is gone or the dialog is over.
LAST = ("delete", "priv:")


def shape(data: str) -> str:
    return re.sub(r"\d+", "N", data)


async def _people(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """The demo district, plus one person of each role with some history to look at."""
    await seed_demo(sessions)
    await load_forms(sessions)
    async with sessions.begin() as s:
        org = await make_org(s, "ГБОУ школа № 501")
        teacher = await make_person(s, 7001, Role.TEACHER, "Смирнова Анна Ивановна", org)
        head = await make_person(
            s, 7002, Role.HEAD, "Кузнецов Пётр Сергеевич", org, position="директор"
        )
        methodologist = await make_person(
            s, 7003, Role.METHODOLOGIST, "Орлова Вера Павловна", org, position="методист"
        )
        await make_person(s, ADMIN_ID, Role.TEACHER, "Админов Админ Админович", org)
        past = await make_event(
            s,
            title="Прошедший вебинар",
            kind=EventKind.WEBINAR,
            starts_at=utcnow().replace(microsecond=0) - timedelta(days=2),
        )
        soon = await make_event(s, title="Семинар на следующей неделе", capacity=1)
        ids = {"teacher": teacher.id, "head": head.id, "methodologist": methodologist.id}
    return ids | {"past": past.id, "soon": soon.id}


async def _history(app: RunningBot, ids: dict[str, int]) -> None:
    """Registrations, a waitlist and an attended past event, so the lists are not empty."""
    async with app.sessions.begin() as s:
        teacher = await s.get(Person, ids["teacher"])
        head = await s.get(Person, ids["head"])
        assert teacher is not None and head is not None
        await registrations.register(s, app.settings, teacher, ids["soon"])
        await registrations.register(s, app.settings, head, ids["soon"], join_waitlist=True)
    async with app.sessions.begin() as s:
        s.add(
            Registration(
                event_id=ids["past"],
                person_id=ids["teacher"],
                status=RegistrationStatus.ATTENDED,
                created_at=utcnow() - timedelta(days=3),
                attended_at=utcnow() - timedelta(days=2),
            )
        )


async def walk(user: EmulatedUser, commands: list[str]) -> Counter[str]:
    """Press everything reachable; returns how many buttons of each shape were pressed."""
    pressed: Counter[str] = Counter()
    seen_data: set[str] = set()
    sent: set[str] = set()
    queue: deque[tuple[int, str]] = deque()
    later: deque[tuple[int, str]] = deque()

    def collect() -> None:
        for message in user.messages():
            rows = (message.reply_markup or {}).get("inline_keyboard", [])
            for row in rows:
                for button in row:
                    data = button.get("callback_data")
                    if data is None or data in seen_data:
                        continue
                    seen_data.add(data)
                    target = later if any(m in data for m in LAST) else queue
                    target.append((message.message_id, data))

    async def say(text: str) -> None:
        sent.add(text)
        await user.send(text)
        collect()

    async def keyboard() -> None:
        for text in user.keyboard():
            if text not in sent:
                await say(text)

    for command in commands:
        await say(command)
        await keyboard()
    presses = 0
    while (queue or later) and presses < MAX_PRESSES:
        message_id, data = queue.popleft() if queue else later.popleft()
        if pressed[shape(data)] >= PER_SHAPE:
            continue
        pressed[shape(data)] += 1
        presses += 1
        await user.press_data(data, message_id)
        collect()
        await keyboard()
    return pressed


@pytest.mark.parametrize(
    "persona",
    ["teacher", "head", "methodologist", "admin", "newcomer"],
)
async def test_every_button_and_command_works(
    app: RunningBot, persona: str, caplog: pytest.LogCaptureFixture
) -> None:
    ids = await _people(app.sessions)
    await _history(app, ids)
    user_ids = {
        "teacher": 7001,
        "head": 7002,
        "methodologist": 7003,
        "admin": ADMIN_ID,
        "newcomer": 7099,
    }
    user = app.user(user_ids[persona], "Тест")
    staff = persona in ("methodologist", "admin")
    caplog.set_level(logging.ERROR)

    pressed = await walk(user, COMMANDS + (STAFF_COMMANDS if staff else []))

    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
    refused = [
        f"{c.method}: {str(c.params.get('text', ''))[:60]!r} → {c.description}"
        for c in app.emu.calls
        # Re-showing the same screen is harmless and caught narrowly (handlers.views).
        if not c.ok and "message is not modified" not in (c.description or "")
    ]
    assert refused == []
    told = user.texts() + user.alerts()
    assert tc.ERROR not in told
    # The walk reached the journeys of the role, not only the first screen.
    least = 40 if staff else 4 if persona == "newcomer" else 12
    assert sum(pressed.values()) >= least, pressed
    if staff:
        assert any(s.startswith("adm:") for s in pressed), pressed
