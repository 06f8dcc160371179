"""Broadcasts: recipient filters against the database, delivery through the one sender and the
emulator, pause/stop, scheduling, blocked and opted-out people, priorities, «Записаться»."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_bot
from bot.callbacks import BcUserCb
from bot.config import Settings
from bot.emulator import BotApiEmulator
from bot.notifier import Notifier
from bot.services import InvalidInput, broadcasts, delivery, forms, outbox
from bot.services.broadcast_filters import EventPick, Filters, count, recipient_ids
from models import (
    AuditEntry,
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    EventSeries,
    Form,
    Notification,
    NotificationKind,
    NotificationStatus,
    OrgKind,
    Person,
    Registration,
    RegistrationStatus,
    Response,
    ResponseStatus,
    Role,
)
from models.base import utcnow
from tests import factories
from tests.conftest import make_settings


@pytest.fixture
def settings(database_url: str, emulator: BotApiEmulator) -> Settings:
    return make_settings(
        database_url,
        emulator.base_url,
        quiet_hours=None,
        send_rate_per_second=200.0,
        outbox_lease_seconds=5.0,
    )


@pytest.fixture
async def notifier(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Notifier]:
    bot = create_bot(settings)
    yield Notifier(bot, sessions, settings)
    await bot.session.close()


async def _people(s: AsyncSession, n: int, start: int = 7000, **extra: object) -> list[Person]:
    return [await factories.make_person(s, start + k, **extra) for k in range(n)]


async def _draft(
    s: AsyncSession, author: Person, filters: Filters | None = None, **extra: object
) -> Broadcast:
    b = await broadcasts.create_draft(s, author)
    broadcasts.set_content(
        b,
        broadcasts.ContentKind.TEXT,
        "<b>Сетевой семинар</b> в четверг",
        None,
        source_chat_id=author.telegram_id or 0,
        source_message_id=1,
    )
    b.filters = (filters or Filters()).to_dict()
    for key, value in extra.items():
        setattr(b, key, value)
    await s.flush()
    return b


def _texts_to(emulator: BotApiEmulator, chat: int) -> list[str]:
    return [m.text or "" for m in emulator.messages_to(chat)]


async def test_filter_counts_match_the_database(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as s:
        await forms.load_all(s)
    async with sessions.begin() as s:
        school = await factories.make_org(s, "ГБОУ школа № 237")
        gym = await factories.make_org(s, "Гимназия № 399", kind=OrgKind.GYMNASIUM)
        teachers = await _people(s, 4, 100, organisation=school)
        heads = await _people(s, 3, 200, role=Role.HEAD, organisation=gym)
        reserve = await _people(s, 2, 300, role=Role.DEPUTY, is_management_reserve=True)
        young = await _people(s, 2, 400, is_young_specialist=True, organisation=gym)
        blocked = await factories.make_person(s, 500, organisation=school, is_active=False)
        opted = await factories.make_person(s, 501, organisation=school, broadcasts_opt_out=True)
        past = await factories.make_event(s, starts_at=utcnow() - timedelta(days=2))
        series = EventSeries(title="Сетевой семинар")
        s.add(series)
        await s.flush()
        other = await factories.make_event(
            s, starts_at=utcnow() - timedelta(days=9), series_id=series.id
        )
        regs = [
            Registration(event_id=past.id, person_id=teachers[0].id, status=RegistrationStatus.ATTENDED),
            Registration(event_id=past.id, person_id=teachers[1].id, status=RegistrationStatus.REGISTERED),
            Registration(event_id=past.id, person_id=heads[0].id, status=RegistrationStatus.ATTENDED),
            Registration(event_id=other.id, person_id=young[0].id, status=RegistrationStatus.REGISTERED),
        ]  # fmt: skip
        s.add_all(regs)
        form = (await s.execute(select(Form).where(Form.code == "head_card"))).scalars().first()
        assert form is not None
        s.add(
            Response(
                form_id=form.id, form_code="head_card", person_id=heads[1].id,
                status=ResponseStatus.SUBMITTED, submitted_at=utcnow() - timedelta(days=40),
            )
        )  # fmt: skip
        s.add(
            Response(
                form_id=form.id, form_code="head_card", person_id=heads[2].id,
                status=ResponseStatus.SUBMITTED, submitted_at=utcnow() - timedelta(days=1),
            )
        )  # fmt: skip
        feedback_form = (
            (await s.execute(select(Form).where(Form.code == "event_feedback"))).scalars().first()
        )
        assert feedback_form is not None
        s.add(
            Response(
                form_id=feedback_form.id, form_code="event_feedback", person_id=teachers[0].id,
                status=ResponseStatus.SUBMITTED, submitted_at=utcnow(),
                context={"event_id": past.id}, context_key=f"event_id={past.id}",
            )
        )  # fmt: skip

    def ids(people: list[Person]) -> set[int]:
        return {p.id for p in people}

    cases: list[tuple[Filters, set[int]]] = [
        (Filters(), ids(teachers + heads + reserve + young)),
        (Filters(roles=["head", "deputy"]), ids(heads + reserve)),
        (Filters(org_ids=[school.id]), ids(teachers)),
        (Filters(org_kinds=["gymnasium"]), ids(heads + young)),
        (Filters(org_kinds=["gymnasium"], roles=["teacher"]), ids(young)),
        (Filters(reserve=True), ids(reserve)),
        (Filters(young=True), ids(young)),
        (Filters(events=[EventPick("registered", event_id=past.id)]), ids(teachers[:2] + heads[:1])),
        (Filters(events=[EventPick("attended", event_id=past.id)]), {teachers[0].id, heads[0].id}),
        (Filters(events=[EventPick("no_show", event_id=past.id)]), {teachers[1].id}),
        (Filters(events=[EventPick("registered", series_id=series.id)]), {young[0].id}),
        (
            Filters(events=[EventPick("attended", event_id=past.id), EventPick("registered", series_id=series.id)]),
            {teachers[0].id, heads[0].id, young[0].id},
        ),
        (Filters(roles=["head"], not_submitted=["head_card"]), {heads[0].id}),
        (
            Filters(roles=["head"], not_submitted=["head_card"], not_submitted_since=utcnow() - timedelta(days=10)),
            {heads[0].id, heads[1].id},
        ),
        (Filters(no_feedback=[past.id]), {teachers[1].id, heads[0].id}),
    ]  # fmt: skip
    async with sessions() as s:
        for filters, expected in cases:
            restored = Filters.from_dict(filters.to_dict())
            assert set(await recipient_ids(s, restored)) == expected, filters
            c = await count(s, restored)
            assert c.recipients == len(expected), filters
        # Everyone: the blocked one and the opted-out one are counted apart, not included.
        c = await count(s, Filters(org_ids=[school.id]))
        assert (c.recipients, c.blocked, c.opted_out) == (4, 1, 1)
        assert broadcasts.count_text(4, 1, 1) == (
            "Получат: 4 чел.; не получат: 1 заблокировал бота, 1 отказался от рассылок."
        )
        assert broadcasts.count_text(412, 9, 3) == (
            "Получат: 412 чел.; не получат: 9 заблокировали бота, 3 отказались от рассылок."
        )
        assert blocked.id not in await recipient_ids(s, Filters())
        assert opted.id not in await recipient_ids(s, Filters())


async def test_launch_freezes_recipients_and_delivers_once(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    notifier: Notifier,
    emulator: BotApiEmulator,
) -> None:
    async with sessions.begin() as s:
        author = await factories.make_person(s, 900, role=Role.METHODOLOGIST)
        people = await _people(s, 6)
        await factories.make_person(s, 950, is_active=False)
        opted = await factories.make_person(s, 951, broadcasts_opt_out=True)
        b = await _draft(s, author, Filters(roles=["teacher"]))
        b.link_title, b.link_url = "Программа", "https://imc.example.ru/p"
        n = await broadcasts.launch(s, b, author, settings, progress_chat_id=900)
        assert n == 6
        broadcast_id = b.id
        # Launching twice is refused and adds nothing.
        with pytest.raises(InvalidInput):
            await broadcasts.launch(s, b, author, settings)
    emulator.block_user(people[0].telegram_id or 0)
    async with sessions.begin() as s:
        # Someone registering after the launch is not added: the list is frozen.
        await factories.make_person(s, 7999)
    await notifier.tick()
    for p in people[1:]:
        texts = _texts_to(emulator, p.telegram_id or 0)
        assert texts == ["Сетевой семинар в четверг"], texts
        message = emulator.messages_to(p.telegram_id or 0)[0]
        labels = [text for text, _ in message.buttons]
        assert labels == ["Программа", "🔕 Не получать рассылки"]
    assert _texts_to(emulator, 7999) == []
    assert _texts_to(emulator, opted.telegram_id or 0) == []
    async with sessions() as s:
        b = await s.get(Broadcast, broadcast_id)
        assert b is not None and b.status == BroadcastStatus.DONE and b.report_sent
        rows = await s.execute(
            select(BroadcastRecipient.person_id).where(
                BroadcastRecipient.broadcast_id == broadcast_id
            )
        )
        assert {r for (r,) in rows} == {p.id for p in people}
        report = await broadcasts.report(s, b)
        assert (report.delivered, report.blocked, report.opted_out, report.failed) == (5, 2, 1, 0)
        failures = await broadcasts.failure_rows(s, b)
        assert [f[2] for f in failures] == ["заблокировал бота"]
        actions = (await s.execute(select(AuditEntry.action))).scalars().all()
        assert "broadcast.launch" in actions
    # The author got the progress message and the final report.
    author_texts = _texts_to(emulator, 900)
    assert any("Итоги рассылки" in x and "Доставлено: 5" in x for x in author_texts)
    assert any("Заблокировали бота: 2" in x for x in author_texts)
    # A second tick sends nothing again.
    before = len([c for c in emulator.calls if c.method == "sendMessage"])
    await notifier.tick()
    assert len([c for c in emulator.calls if c.method == "sendMessage"]) == before


async def test_pause_resume_and_stop(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    notifier: Notifier,
    emulator: BotApiEmulator,
) -> None:
    async with sessions.begin() as s:
        author = await factories.make_person(s, 900, role=Role.METHODOLOGIST)
        people = await _people(s, 5)
        b = await _draft(s, author, Filters(roles=["teacher"]))
        await broadcasts.launch(s, b, author, settings)
        await broadcasts.set_paused(s, b, True)
        broadcast_id = b.id
    await notifier.tick()
    assert all(_texts_to(emulator, p.telegram_id or 0) == [] for p in people)
    async with sessions.begin() as s:
        b = await broadcasts.own(s, broadcast_id, author)
        await broadcasts.set_paused(s, b, False)
        # Deliver two, by hand, then stop: the other three never go.
        rows = await delivery.claim_due(s, 2, bulk_limit=2)
        assert len(rows) == 2
    async with sessions.begin() as s:
        for row in rows:
            await delivery.finish(s, row.id, NotificationStatus.SENT)
        b = await broadcasts.own(s, broadcast_id, author)
        # Another methodologist cannot stop it; its author can.
        other = await factories.make_person(s, 901, role=Role.METHODOLOGIST)
        with pytest.raises(InvalidInput):
            await broadcasts.own(s, broadcast_id, other)
        assert await broadcasts.stop(s, b, author) == 3
    await notifier.tick()
    assert sum(len(_texts_to(emulator, p.telegram_id or 0)) for p in people) == 0
    async with sessions() as s:
        b = await s.get(Broadcast, broadcast_id)
        assert b is not None
        assert b.status == BroadcastStatus.STOPPED
        report = await broadcasts.report(s, b)
        assert (report.delivered, report.unsent) == (2, 3)
        assert "broadcast.stop" in (await s.execute(select(AuditEntry.action))).scalars().all()


async def test_scheduled_goes_at_its_time_and_can_be_cancelled(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    notifier: Notifier,
    emulator: BotApiEmulator,
) -> None:
    now = utcnow()
    async with sessions.begin() as s:
        author = await factories.make_person(s, 900, role=Role.METHODOLOGIST)
        people = await _people(s, 3)
        b = await _draft(s, author, Filters(roles=["teacher"]))
        with pytest.raises(InvalidInput, match="уже прошло"):
            await broadcasts.schedule(s, b, author, now - timedelta(minutes=1), now)
        await broadcasts.schedule(s, b, author, now + timedelta(hours=1), now)
        c = await _draft(s, author, Filters(roles=["teacher"]))
        await broadcasts.schedule(s, c, author, now + timedelta(hours=1), now)
        await broadcasts.cancel(s, c, author)
        ids = (b.id, c.id)
    await notifier.tick()
    assert all(_texts_to(emulator, p.telegram_id or 0) == [] for p in people)
    async with sessions.begin() as s:
        # The time comes (as after a restart the next morning).
        b = await s.get(Broadcast, ids[0])
        assert b is not None
        b.scheduled_at = utcnow() - timedelta(seconds=1)
        # A person joining before the time is included: the list freezes at the launch.
        late = await factories.make_person(s, 7500)
    await notifier.tick()
    for p in [*people, late]:
        assert _texts_to(emulator, p.telegram_id or 0) == ["Сетевой семинар в четверг"]
    async with sessions() as s:
        b = await s.get(Broadcast, ids[0])
        c = await s.get(Broadcast, ids[1])
        assert b is not None and c is not None
        assert (b.status, c.status) == (BroadcastStatus.DONE, BroadcastStatus.CANCELLED)
    assert any("Итоги рассылки" in x for x in _texts_to(emulator, 900))


async def test_reminders_go_before_broadcasts_and_broadcasts_interleave(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    async with sessions.begin() as s:
        author = await factories.make_person(s, 900, role=Role.METHODOLOGIST)
        people = await _people(s, 10)
        first = await _draft(s, author, Filters(roles=["teacher"]))
        second = await _draft(s, author, Filters(roles=["teacher"]))
        await broadcasts.launch(s, first, author, settings)
        await broadcasts.launch(s, second, author, settings)
        # Reminders and a feedback request that fall due after the broadcasts were queued.
        feedback = await outbox.enqueue(
            s, kind=NotificationKind.FEEDBACK_REQUEST, person_id=people[0].id, text="отзыв"
        )
        reminder = await outbox.enqueue(
            s, kind=NotificationKind.REMINDER, person_id=people[1].id, text="напоминание"
        )
        assert feedback is not None and reminder is not None
        ids = (first.id, second.id, reminder.id, feedback.id)
    async with sessions.begin() as s:
        rows = await delivery.claim_due(s, 8, bulk_limit=6)
    assert [r.id for r in rows[:2]] == [ids[2], ids[3]]  # the reminder, then the feedback
    assert [r.broadcast_id for r in rows[2:]] == [ids[0], ids[1]] * 3  # a fair share each


async def test_quiet_hours_hold_broadcasts_unless_urgent(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    async with sessions.begin() as s:
        author = await factories.make_person(s, 900, role=Role.METHODOLOGIST)
        await _people(s, 3)
        calm = await _draft(s, author, Filters(roles=["teacher"]))
        urgent = await _draft(s, author, Filters(roles=["teacher"]), urgent=True)
        await broadcasts.launch(s, calm, author, settings)
        await broadcasts.launch(s, urgent, author, settings)
        urgent_id = urgent.id
    async with sessions.begin() as s:
        rows = await delivery.claim_due(s, 50, hold_broadcasts=True)
    assert rows and {r.broadcast_id for r in rows} == {urgent_id}
    assert not any(r.holdable for r in rows)


async def test_signup_and_opt_out_from_a_broadcast(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    notifier: Notifier,
    emulator: BotApiEmulator,
) -> None:
    """One tap registers, a full event gives the waitlist, a non-recipient is refused
    (the buttons themselves are pressed in test_broadcasts_e2e)."""
    async with sessions.begin() as s:
        author = await factories.make_person(s, 900, role=Role.METHODOLOGIST)
        people = await _people(s, 3)
        event = await factories.make_event(s, capacity=1)
        b = await _draft(s, author, Filters(roles=["teacher"]), event_id=event.id)
        await broadcasts.launch(s, b, author, settings)
        outsider = await factories.make_person(s, 7600)
        broadcast_id = b.id
    async with sessions.begin() as s:
        first = await broadcasts.signup(s, settings, people[0], broadcast_id)
        second = await broadcasts.signup(s, settings, people[1], broadcast_id)
        again = await broadcasts.signup(s, settings, people[0], broadcast_id)
        with pytest.raises(InvalidInput):
            await broadcasts.signup(s, settings, outsider, broadcast_id)
    assert [first.outcome, second.outcome, again.outcome] == [
        "registered",
        "waitlisted",
        "already_registered",
    ]
    async with sessions() as s:
        b = await s.get(Broadcast, broadcast_id)
        assert b is not None
        report = await broadcasts.report(s, b)
        assert (report.presses, report.registered) == (2, 2)
    assert BcUserCb(a="signup", i=broadcast_id).pack().startswith("bcu:")


async def test_bad_inputs_are_refused(sessions: async_sessionmaker[AsyncSession]) -> None:
    for bad in (
        "Программа",
        "Программа\nftp://x.ru",
        "Программа\nhttps://",
        "x" * 80 + "\nhttps://a.ru",
    ):
        with pytest.raises(InvalidInput):
            broadcasts.parse_link(bad)
    assert broadcasts.parse_link("Программа\nhttps://imc.example.ru/p") == (
        "Программа",
        "https://imc.example.ru/p",
    )
    with pytest.raises(InvalidInput, match="МБ"):
        broadcasts.check_content(broadcasts.ContentKind.DOCUMENT, "", 60 * 1024 * 1024)
    tz = make_settings("sqlite+aiosqlite://").tz
    with pytest.raises(InvalidInput, match="уже прошло"):
        broadcasts.parse_when("01.01.2020 10:00", tz)
    with pytest.raises(InvalidInput, match="Не понял"):
        broadcasts.parse_when("завтра", tz)
    async with sessions.begin() as s:
        author = await factories.make_person(s, 900, role=Role.METHODOLOGIST)
        b = await _draft(s, author, Filters(reserve=True))
        with pytest.raises(InvalidInput, match="Получателей нет"):
            await broadcasts.launch(s, b, author, make_settings("sqlite+aiosqlite://"))
        teacher = await factories.make_person(s, 901)
        with pytest.raises(InvalidInput):
            await broadcasts.own(s, b.id, teacher)
        assert await s.scalar(select(func.count()).select_from(Notification)) == 0
