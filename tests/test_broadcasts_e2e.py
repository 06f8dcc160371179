"""The broadcast dialog through the real Dispatcher and the Bot API emulator: compose, extras,
recipients, preview, test send, launch with progress, «Записаться» and opting out, bad input."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.callbacks import BcCb
from bot.emulator import BotApiEmulator, EmulatedUser
from bot.notifier import Notifier
from bot.ops import metrics
from bot.texts import broadcasts as t
from bot.texts import common as tc
from models import (
    AuditEntry,
    Broadcast,
    BroadcastStatus,
    Person,
    Registration,
    RegistrationStatus,
    Role,
)
from tests.conftest import RunningBot, make_settings, start_bot, stop_bot
from tests.factories import make_event, make_person

AUTHOR = 900


@pytest.fixture
async def bot_app(
    emulator: BotApiEmulator, sessions: async_sessionmaker[AsyncSession], database_url: str
) -> AsyncIterator[RunningBot]:
    """The bot without quiet hours (the tests must not depend on the hour they run at)."""
    settings = make_settings(
        database_url, emulator.base_url, quiet_hours=None, send_rate_per_second=200.0
    )
    running, task = await start_bot(emulator, sessions, settings)
    yield running
    await stop_bot(running, task)


def notifier_of(app: RunningBot) -> Notifier:
    return Notifier(app.bot, app.sessions, app.settings)


async def people(app: RunningBot) -> dict[str, int]:
    async with app.sessions.begin() as s:
        await make_person(s, AUTHOR, role=Role.METHODOLOGIST, full_name="Смирнова Ольга Ивановна")
        await make_person(s, 901, role=Role.METHODOLOGIST, full_name="Другой Методист Иванович")
        ids = {}
        for k in range(3):
            ids[f"t{k}"] = (await make_person(s, 1000 + k, full_name=f"Петрова Анна {k}")).id
        ids["head"] = (await make_person(s, 2000, role=Role.HEAD)).id
        event = await make_event(
            s, capacity=1, title="Сетевой семинар «Функциональная грамотность»"
        )
        ids["event"] = event.id
        return ids


def push_message(emu: BotApiEmulator, user_id: int, **content: Any) -> int:
    """A message from the user with any content (photo, sticker, entities…)."""
    emu._remember_user(user_id)
    payload = {
        "message_id": emu._new_message_id(user_id),
        "from": emu._user_payload(user_id),
        "chat": emu._chat_payload(user_id),
        "date": int(time.time()),
        **content,
    }
    return emu.push_update("message", payload)


async def compose(app: RunningBot, user: EmulatedUser) -> int:
    await user.send("/admin")
    await user.press(t.SECTION)
    await user.press(t.BTN_NEW)
    assert "Пришлите сообщение для рассылки" in user.last_text()
    # Formatting: bold and a link, as the methodologist typed them.
    text = "Сетевой семинар в четверг. Подробности на сайте"
    update = push_message(
        app.emu,
        AUTHOR,
        text=text,
        entities=[
            {"type": "bold", "offset": 0, "length": 15},
            {"type": "text_link", "offset": 42, "length": 5, "url": "https://imc.example.ru/"},
        ],
    )
    await app.emu.wait_processed(update)
    assert "черновик" in user.last_text()
    async with app.sessions() as s:
        b = (await s.execute(select(Broadcast))).scalar_one()
        assert b.text == (
            '<b>Сетевой семинар</b> в четверг. Подробности на <a href="https://imc.example.ru/">'
            "сайте</a>"
        )
        return b.id


async def test_compose_preview_test_send_launch_and_report(
    bot_app: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = bot_app
    gauge: list[tuple[int, dict[str, int]]] = []
    finished: list[int] = []
    monkeypatch.setattr(metrics, "broadcast_progress", lambda i, **kw: gauge.append((i, kw)))
    monkeypatch.setattr(metrics, "broadcast_finished", finished.append)
    ids = await people(app)
    user = app.user(AUTHOR, "Ольга")
    broadcast_id = await compose(app, user)

    # A link button: a bad address is refused, a good one kept.
    await user.press(t.BTN_LINK)
    await user.send("Программа\nftp://imc.example.ru")
    assert user.last_text() == t.BAD_LINK
    await user.send("Программа семинара\nhttps://imc.example.ru/seminar")
    assert "Программа семинара → https://imc.example.ru/seminar" in user.last_text()
    # Attach the event: «Записаться» appears under the broadcast.
    await user.press(t.BTN_EVENT)
    await user.press("Сетевой семинар «Функциональная грамотность»")
    assert "Мероприятие: «Сетевой семинар" in user.last_text()

    # Recipients: teachers only, the count with plurals.
    await user.press(t.BTN_RECIPIENTS)
    assert "Получат: 6 чел." in user.last_text()  # everyone: 2 methodologists, 3 teachers, 1 head
    await user.press(t.BTN_ROLES)
    await user.press("Педагог")
    await user.press(t.BTN_BACK)
    assert "роль: Педагог" in user.last_text()
    assert "Получат: 3 чел.; не получат: 0 заблокировали бота, 0 отказались от рассылок." in (
        user.last_text()
    )
    await user.press(t.BTN_DONE)

    # Preview: exactly what recipients get, then the draft screen again.
    calls = await user.press(t.BTN_PREVIEW)
    preview = [c for c in calls if c.method == "sendMessage" and "в четверг" in (c.text or "")]
    assert len(preview) == 1
    assert [b for b, _ in preview[0].buttons] == [
        "Программа семинара",
        t.BTN_SIGNUP,
        t.BTN_OPT_OUT,
    ]
    # The test send goes through the sender to the author only.
    await user.press(t.BTN_TEST)
    assert t.TEST_QUEUED in user.alerts()
    await notifier_of(app).tick()
    assert len([m for m in user.messages() if (m.text or "").startswith("Сетевой семинар в")]) == 2
    assert all(not app.emu.messages_to(1000 + k) for k in range(3))

    # Send now: a confirmation first, then the progress message.
    await user.press(t.BTN_SEND)
    assert "Её получат 3 чел." in user.last_text()
    await user.press(t.BTN_CONFIRM_SEND)
    assert "идёт отправка" in user.last_text()
    # Someone else's broadcast cannot be stopped by a forged button.
    other = app.user(901, "Иван")
    await other.send("/admin")
    await other.press_data(BcCb(a="stop", i=broadcast_id).pack(), message_id=None)
    assert t.NOT_YOURS in other.alerts()
    # A teacher pressing a staff button is refused politely, nothing changes.
    teacher = app.user(1000, "Анна")
    await teacher.send("/start")
    await teacher.press_data(BcCb(a="stopyes", i=broadcast_id).pack())
    assert tc.STALE_BUTTON in teacher.alerts()

    await notifier_of(app).tick()
    for k in range(3):
        texts = [m.text for m in app.emu.messages_to(1000 + k) if m.text and "Сетевой" in m.text]
        assert texts == ["Сетевой семинар в четверг. Подробности на сайте"]
    # The progress message was brought to its final state and the report came.
    assert any("Итоги рассылки №" in x and "Доставлено: 3" in x for x in user.texts())
    assert any("завершена" in x and "Отправлено: 3 из 3" in x for x in user.texts())
    # /metrics followed it: the last figures, then the series dropped with the report.
    assert gauge[-1] == (broadcast_id, {"total": 3, "sent": 3, "failed": 0})
    assert finished == [broadcast_id]

    # «Записаться» from the broadcast: the first gets the seat, the second the waitlist.
    teacher1 = app.user(1001, "Анна")
    await teacher.press(t.BTN_SIGNUP)
    await teacher1.press(t.BTN_SIGNUP)
    async with app.sessions() as s:
        regs = (
            (await s.execute(select(Registration).where(Registration.event_id == ids["event"])))
            .scalars()
            .all()
        )
        assert sorted(r.status for r in regs) == [
            RegistrationStatus.REGISTERED,
            RegistrationStatus.WAITLISTED,
        ]
    # Opting out under the broadcast; the profile shows it and turns it back on.
    teacher2 = app.user(1002, "Анна")
    await teacher2.press(t.BTN_OPT_OUT)
    assert "Вы отказались от рассылок" in teacher2.last_text()
    async with app.sessions() as s:
        person = await s.get(Person, ids["t2"])
        assert person is not None and person.broadcasts_opt_out
    await teacher2.send("/profile")
    await teacher2.press(t.PROFILE_TOGGLE.format(value=t.PROFILE_OFF))
    async with app.sessions() as s:
        person = await s.get(Person, ids["t2"])
        assert person is not None and not person.broadcasts_opt_out

    # History and the report with the presses; failures as XLSX (none here → an alert).
    await user.send("/admin")
    await user.press(t.SECTION)
    await user.press(t.BTN_HISTORY)
    await user.press(f"№{broadcast_id} ·")
    await user.press(t.BTN_REPORT)
    assert "Нажали «Записаться»: 2; записались или встали в лист ожидания: 2" in user.last_text()
    await user.press(t.BTN_FAILURES_XLSX)
    assert t.NO_FAILURES in user.alerts()
    async with app.sessions() as s:
        b = await s.get(Broadcast, broadcast_id)
        assert b is not None and b.status == BroadcastStatus.DONE
        actions = (await s.execute(select(AuditEntry.action))).scalars().all()
        assert "broadcast.launch" in actions


async def test_bad_inputs_change_nothing(bot_app: RunningBot) -> None:
    app = bot_app
    await people(app)
    async with app.sessions.begin() as s:
        blocked = await make_person(s, 3000, is_active=False, full_name="Блок Иван Иванович")
        blocked_id = blocked.id
    user = app.user(AUTHOR, "Ольга")
    await user.send("/admin")
    await user.press(t.SECTION)
    await user.press(t.BTN_NEW)
    # A sticker and a poll are refused with one clear message; a 60 MB file too.
    update = push_message(
        app.emu, AUTHOR, sticker={"file_id": "st1", "file_unique_id": "u1", "type": "regular",
                                  "width": 512, "height": 512, "is_animated": False,
                                  "is_video": False},
    )  # fmt: skip
    await app.emu.wait_processed(update)
    assert user.last_text() == t.REFUSE_KIND
    update = push_message(
        app.emu, AUTHOR, document={"file_id": "big", "file_unique_id": "u2",
                                   "file_name": "video.mp4", "file_size": 60 * 1024 * 1024},
    )  # fmt: skip
    await app.emu.wait_processed(update)
    assert "слишком большой" in user.last_text()
    async with app.sessions() as s:
        assert (await s.execute(select(Broadcast))).first() is None
    # A photo with a caption is accepted.
    update = push_message(
        app.emu, AUTHOR, caption="Афиша конкурса",
        photo=[{"file_id": "ph1", "file_unique_id": "u3", "width": 800, "height": 600,
                "file_size": 120000}],
    )  # fmt: skip
    await app.emu.wait_processed(update)
    assert "Содержание: фото" in user.last_text()
    # Recipients nobody matches: launch and scheduling are refused.
    await user.press(t.BTN_RECIPIENTS)
    await user.press(t.BTN_RESERVE.format(value=t.OFF))
    assert "Получат: 0 чел." in user.last_text()
    await user.press(t.BTN_DONE)
    await user.press(t.BTN_SEND)
    assert t.EMPTY_RECIPIENTS in user.alerts()
    await user.press(t.BTN_SCHEDULE)
    assert user.alerts().count(t.EMPTY_RECIPIENTS) == 2
    # Everyone again (the blocked person is counted apart), then a time in the past.
    await user.press(t.BTN_RECIPIENTS)
    await user.press(t.BTN_EVERYONE)
    assert "не получат: 1 заблокировал бота, 0 отказались от рассылок" in user.last_text()
    await user.press(t.BTN_DONE)
    await user.press(t.BTN_SCHEDULE)
    await user.send("01.01.2020 10:00")
    assert user.last_text() == t.PAST_SCHEDULE
    await user.send("послезавтра")
    assert "Не понял дату и время" in user.last_text()
    await user.send("/cancel")
    async with app.sessions() as s:
        b = (await s.execute(select(Broadcast))).scalar_one()
        assert b.status == BroadcastStatus.DRAFT and b.scheduled_at is None
        assert b.content_kind == "photo" and b.file_id == "ph1"
    # Scheduling for tomorrow works and can be cancelled from the history.
    await user.send("/admin")
    await user.press(t.SECTION)
    await user.press(t.BTN_HISTORY)
    assert user.last_text() == t.HISTORY_EMPTY
    await user.press_data(BcCb(a="sched", i=b.id).pack())
    await user.send("01.01.2099 10:00")
    await user.press(t.BTN_CONFIRM_SCHEDULE)
    assert "запланирована на 1 января 2099" in user.last_text()
    await user.press(t.BTN_BACK)
    await user.press(t.BTN_HISTORY)
    await user.press(f"№{b.id} ·")
    await user.press(t.BTN_CANCEL)
    await user.press(t.BTN_CONFIRM_CANCEL)
    async with app.sessions() as s:
        b = (await s.execute(select(Broadcast))).scalar_one()
        assert b.status == BroadcastStatus.CANCELLED
        actions = set((await s.execute(select(AuditEntry.action))).scalars())
        assert {"broadcast.schedule", "broadcast.cancel"} <= actions
        assert (await s.get(Person, blocked_id)) is not None
    # A forged callback for a broadcast that does not exist.
    await user.press_data(BcCb(a="sendyes", i=9999).pack())
    assert t.NOT_YOURS in user.alerts()


async def test_a_refused_direct_answer_is_retried_not_lost(bot_app: RunningBot) -> None:
    """A 429 on a handler's answer waits retry_after and sends it again (bot.limiter)."""
    app = bot_app
    await people(app)
    teacher = app.user(1000, "Анна")
    app.emu.fail_next("sendMessage", times=2, status=429)
    calls = await teacher.send("/profile", timeout=20)
    answers = [c for c in calls if c.method == "sendMessage"]
    assert [c.status for c in answers] == [429, 429, 200]
    assert "Петрова Анна 0" in teacher.last_text()
