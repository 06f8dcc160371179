"""Broadcast benchmark: the real `python -m bot` process against the Bot API emulator enforcing
Telegram's 30 messages/s (429 with retry_after beyond it).

1. A broadcast to N recipients (5 % of them have blocked the bot), once straight through and
   once with a kill -9 of the process in the middle and a restart: achieved rate as a ratio of
   the limit (target >= 0.93), duplicates, losses, 429 answers (targets 0), restart cost.
2. During each run 100 reminders fall due: their lateness (target p95 <= OUTBOX_TICK_SECONDS + 2 s).
3. A check-in burst: 300 people send an event's check-in code within 5 s; how many were
   answered and marked (target all), and the time to the last answer against 300 / 30 s.

    .venv/bin/python bench/bench_broadcast.py                  # 10,000 recipients
    .venv/bin/python bench/bench_broadcast.py --count 1000     # quicker
    .venv/bin/python bench/bench_broadcast.py --database-url postgresql+asyncpg://…/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import math
import os
import signal
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_db import drop_database, fresh_database  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.db import create_engine, create_session_factory  # noqa: E402
from bot.emulator import BotApiEmulator  # noqa: E402
from bot.services import broadcasts, reminders  # noqa: E402
from bot.services.broadcast_filters import Filters  # noqa: E402
from models import (  # noqa: E402
    Event,
    EventFormat,
    EventKind,
    EventStatus,
    Notification,
    NotificationKind,
    Person,
    Registration,
    RegistrationStatus,
    Role,
)
from models.base import utcnow  # noqa: E402

TOKEN = "123456789:AAE_bench-token-for-the-emulator-0123"
LIMIT = 30
TICK = 5.0
RATE = "30"  # SEND_RATE_PER_SECOND of the bot under test (30 in any 1.05 s, see bot/limiter.py)
AUTHOR_TG = 999
RECIPIENT_TG = 10_000_000
REMINDER_TG = 20_000_000
CHECKIN_TG = 30_000_000
REMINDERS = 100


def _people(first_tg: int, n: int, role: Role, name: str) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {
            "telegram_id": first_tg + i,
            "full_name": f"{name} {i}",
            "role": role,
            "is_young_specialist": False,
            "is_management_reserve": False,
            "is_active": True,
            "broadcasts_opt_out": False,
            "consent_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(n)
    ]


async def _event_with_people(
    s: AsyncSession, first_tg: int, n: int, starts_in: timedelta, **extra: Any
) -> Event:
    now = utcnow()
    event = Event(
        kind=EventKind.WEBINAR,
        title="Вебинар",
        format=EventFormat.ONLINE,
        join_link="https://meet.example.org/w",
        starts_at=now + starts_in,
        ends_at=now + starts_in + timedelta(hours=2),
        status=EventStatus.PUBLISHED,
        **extra,
    )
    s.add(event)
    await s.flush()
    ids = (
        await s.execute(
            select(Person.id).where(
                Person.telegram_id >= first_tg, Person.telegram_id < first_tg + n
            )
        )
    ).scalars()
    await s.execute(
        insert(Registration),
        [
            {
                "event_id": event.id,
                "person_id": pid,
                "status": RegistrationStatus.REGISTERED,
                "checkin_attempts": 0,
                "created_at": now,
                "updated_at": now,
            }
            for pid in ids
        ],
    )
    return event


async def prepare_broadcast(url: str, count: int) -> tuple[int, int]:
    """Recipients, the reminder people with their event, the broadcast launched (not sent)."""
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    settings = Settings(_env_file=None, bot_token=TOKEN, database_url=url)  # type: ignore[call-arg]
    async with sessions.begin() as s:
        await s.execute(insert(Person), _people(AUTHOR_TG, 1, Role.METHODOLOGIST, "Методист"))
        await s.execute(insert(Person), _people(RECIPIENT_TG, count, Role.TEACHER, "Педагог"))
        await s.execute(insert(Person), _people(REMINDER_TG, REMINDERS, Role.HEAD, "Руководитель"))
        event = await _event_with_people(s, REMINDER_TG, REMINDERS, timedelta(hours=3))
        regs = (
            await s.execute(select(Registration).where(Registration.event_id == event.id))
        ).scalars()
        for registration in regs:
            registration.event = event
            await reminders.schedule(s, registration, [timedelta(hours=2)])
        author = (
            await s.execute(select(Person).where(Person.telegram_id == AUTHOR_TG))
        ).scalar_one()
        b = await broadcasts.create_draft(s, author)
        broadcasts.set_content(
            b,
            broadcasts.ContentKind.TEXT,
            "<b>Сетевой семинар</b>: запись открыта",
            None,
            source_chat_id=AUTHOR_TG,
            source_message_id=1,
        )
        b.filters = Filters(roles=["teacher"]).to_dict()
        b.urgent = True  # the bench must not depend on the hour it runs at
        await broadcasts.launch(s, b, author, settings, progress_chat_id=AUTHOR_TG)
        event_id = event.id
    await engine.dispose()
    return event_id, count


async def reminders_due_during(url: str, start_in: float, span: float) -> dict[int, float]:
    """Make the 100 reminders fall due spread over the broadcast; returns chat → due (epoch)."""
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    now = utcnow()
    due: dict[int, float] = {}
    async with sessions.begin() as s:
        rows = (
            await s.execute(
                select(Notification.id, Person.telegram_id)
                .join(Person, Person.id == Notification.person_id)
                .where(Notification.kind == NotificationKind.REMINDER)
                .order_by(Notification.id)
            )
        ).all()
        for k, (notification_id, chat) in enumerate(rows):
            moment = now + timedelta(seconds=start_in + span * k / max(1, len(rows) - 1))
            await s.execute(
                update(Notification)
                .where(Notification.id == notification_id)
                .values(due_at=moment)
                .execution_options(synchronize_session=False)
            )
            # On the emulator's clock (monotonic), like the times of its calls.
            due[int(chat)] = moment.timestamp() - time.time() + time.monotonic()
    await engine.dispose()
    return due


class BotProcess:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            env=self.env,
            cwd=ROOT,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )

    async def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(sig)
            await asyncio.wait_for(self.proc.wait(), timeout=60)


def bot_env(url: str, emu: BotApiEmulator, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_"))}
    env.update(
        {
            "BOT_TOKEN": TOKEN,
            "DATABASE_URL": url,
            "TELEGRAM_API_BASE": emu.base_url,
            "OUTBOX_TICK_SECONDS": str(TICK),
            "SEND_RATE_PER_SECOND": RATE,
            "OUTBOX_LEASE_SECONDS": "15",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            **extra,
        }
    )
    return env


def _ok_sends(emu: BotApiEmulator, low: int, high: int) -> list[Any]:
    return [
        c
        for c in emu.calls
        if c.method == "sendMessage" and c.ok and c.chat_id is not None and low <= c.chat_id < high
    ]


async def broadcast_run(
    base_url: str | None, folder: Path, count: int, *, kill: bool
) -> dict[str, float]:
    url, dbname = await fresh_database(base_url, folder)
    await prepare_broadcast(url, count)
    emu = BotApiEmulator(token=TOKEN)
    await emu.start()
    emu.set_rate_limit(LIMIT, retry_after=1)
    blocked = set(range(RECIPIENT_TG, RECIPIENT_TG + count, 20))  # 5 %
    for chat in blocked:
        emu.block_user(chat)
    expected = count / (LIMIT * 0.95)
    process = BotProcess(bot_env(url, emu))
    await process.start()
    is_recipient = lambda c: (  # noqa: E731
        c.method == "sendMessage"
        and c.chat_id is not None
        and RECIPIENT_TG <= c.chat_id < RECIPIENT_TG + count
    )
    await emu.wait_for(is_recipient, timeout=180)
    # The reminders fall due while the broadcast is going (before the kill in the kill run).
    due = await reminders_due_during(url, 2.0, expected * 0.35)
    restart_gap = up_after = float("nan")
    killed = False
    deadline = time.monotonic() + expected * 3 + 180
    scanned = 0
    answered: set[int] = set()
    attempts = last_attempts = 0
    quiet_since = time.monotonic()
    reminders_sent: set[int] = set()
    while time.monotonic() < deadline:
        await asyncio.sleep(1.0)
        calls = emu.calls
        for c in calls[scanned:]:  # incremental: the emulator shares this process's loop
            if is_recipient(c):
                attempts += 1
                if c.ok or c.status == 403:
                    answered.add(int(c.chat_id))
            elif c.method == "sendMessage" and c.ok and c.chat_id in due:
                reminders_sent.add(int(c.chat_id))
        scanned = len(calls)
        if kill and not killed and attempts >= count // 2:
            await process.stop(signal.SIGKILL)
            killed_at = time.monotonic()
            killed = True
            await process.start()
            up = await emu.wait_for(
                lambda c, at=killed_at: c.method == "getMe" and c.time > at,
                since=len(emu.calls),
                timeout=180,
            )
            up_after = up.time - killed_at
            # Restart cost: from the kill to the first broadcast send of the new process.
            first_after = await emu.wait_for(
                lambda c, at=killed_at: is_recipient(c) and c.time > at,
                since=len(emu.calls),
                timeout=180,
            )
            restart_gap = first_after.time - killed_at
        if len(answered) >= count and len(reminders_sent) >= REMINDERS:
            break
        if attempts > last_attempts:
            last_attempts, quiet_since = attempts, time.monotonic()
        elif attempts and time.monotonic() - quiet_since > 30:
            break  # nothing more goes out: what is missing is lost (it is counted below)
    await asyncio.sleep(2)
    await process.stop()
    ok = _ok_sends(emu, RECIPIENT_TG, RECIPIENT_TG + count)
    refused = [c for c in emu.calls if c.status == 429]
    all_ok = sorted(
        [c for c in emu.calls if c.method.startswith("send") and c.ok], key=lambda c: c.time
    )
    per_chat = collections.Counter(c.chat_id for c in ok)
    duplicates = sum(n - 1 for n in per_chat.values() if n > 1)
    lost = len(set(range(RECIPIENT_TG, RECIPIENT_TG + count)) - blocked - set(per_chat))
    forbidden = {c.chat_id for c in emu.calls if c.method == "sendMessage" and c.status == 403}
    # The rate counts every accepted send (the broadcast, the reminders and the author's
    # messages share the limit) from the first to the last, minus the restart's gap.
    span = all_ok[-1].time - all_ok[0].time if len(all_ok) > 1 else float("nan")
    sends_span = [c for c in emu.calls if c.method == "sendMessage" and c.chat_id is not None]
    attempted = [c for c in sends_span if c.status in (200, 403)]
    span_all = attempted[-1].time - attempted[0].time if len(attempted) > 1 else float("nan")
    active_span = span_all - (restart_gap if kill else 0.0)
    rate = (len(attempted) - 1) / active_span if active_span > 0 else float("nan")
    lateness = sorted(
        max(0.0, c.time - due[c.chat_id])
        for c in _ok_sends(emu, REMINDER_TG, REMINDER_TG + REMINDERS)
        if c.chat_id in due
    )
    p95 = lateness[max(0, math.ceil(len(lateness) * 0.95) - 1)] if lateness else float("nan")
    gaps = sorted(
        (b.time - a.time, a.time - attempted[0].time) for a, b in itertools.pairwise(attempted)
    )[-5:]
    label = "with kill -9 mid-way" if kill else "straight"
    print(f"\n== broadcast to {count} ({len(blocked)} blocked the bot), {label} ==")
    print(f"backend: {make_url(url).get_backend_name()}; emulator limit {LIMIT}/s; bot {RATE}/s")
    print(f"delivered: {len(ok)}; answered 403: {len(forbidden)}; 429 answers: {len(refused)}")
    print(
        f"achieved rate: {rate:.2f}/s = {rate / LIMIT:.3f} x limit (target >= 0.93)"
        f" over {active_span:.1f} s"
    )
    print(f"duplicates: {duplicates}; lost: {lost} (targets 0, 0)")
    print(
        "longest pauses between sends: " + ", ".join(f"{g:.2f} s at {at:.0f} s" for g, at in gaps)
    )
    if kill:
        print(
            f"restart cost: {restart_gap:.1f} s from the kill to the first send after restart"
            f" (the new process answered getMe after {up_after:.1f} s)"
        )
    print(
        f"reminders falling due during it: {len(lateness)}/{REMINDERS} sent; lateness p50 "
        f"{statistics.median(lateness) if lateness else float('nan'):.1f} s, p95 {p95:.1f} s,"
        f" max {max(lateness) if lateness else float('nan'):.1f} s"
        f" (target p95 <= tick {TICK:.0f} + 2 s)"
    )
    await emu.stop()
    await drop_database(base_url, dbname)
    _ = span
    return {"rate": rate, "duplicates": duplicates, "lost": lost, "p95": p95}


async def checkin_burst(base_url: str | None, folder: Path, people: int = 300) -> None:
    url, dbname = await fresh_database(base_url, folder)
    engine = create_engine(url)
    sessions: async_sessionmaker[AsyncSession] = create_session_factory(engine)
    async with sessions.begin() as s:
        await s.execute(insert(Person), _people(CHECKIN_TG, people, Role.TEACHER, "Участник"))
        event = await _event_with_people(
            s, CHECKIN_TG, people, -timedelta(minutes=10), checkin_code="482913"
        )
        event_id = event.id
    emu = BotApiEmulator(token=TOKEN)
    await emu.start()
    emu.set_rate_limit(LIMIT, retry_after=1)
    process = BotProcess(bot_env(url, emu, OUTBOX_TICK_SECONDS="600"))
    await process.start()
    await emu.wait_for(lambda c: c.method == "getUpdates", timeout=120)
    await asyncio.sleep(1)
    first = time.monotonic()
    for k in range(people):
        emu.send_text(CHECKIN_TG + k, "482913")
        await asyncio.sleep(5.0 / people)
    deadline = time.monotonic() + 120
    answered: dict[int, float] = {}
    while time.monotonic() < deadline and len(answered) < people:
        await asyncio.sleep(0.5)
        for c in _ok_sends(emu, CHECKIN_TG, CHECKIN_TG + people):
            if "Отметил ваше участие" in (c.text or ""):
                answered.setdefault(int(c.chat_id), c.time)
    await process.stop()
    async with sessions() as s:
        marked = (
            await s.execute(
                select(Registration.id).where(
                    Registration.event_id == event_id,
                    Registration.status == RegistrationStatus.ATTENDED,
                )
            )
        ).all()
    refused = [c for c in emu.calls if c.status == 429]
    last = max(answered.values()) - first if answered else float("nan")
    floor = people / LIMIT
    print(f"\n== check-in burst: {people} people within 5 s, emulator {LIMIT}/s ==")
    print(f"answered: {len(answered)}/{people}; marked attended: {len(marked)}/{people}")
    print(
        f"time to the last answer: {last:.1f} s vs floor {floor:.1f} s = {last / floor:.2f} x"
        f" (target <= 1.1); 429 answers seen (then retried): {len(refused)}"
    )
    await emu.stop()
    await engine.dispose()
    await drop_database(base_url, dbname)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--database-url", help="PostgreSQL server URL; default: a SQLite file")
    parser.add_argument("--skip-broadcast", action="store_true")
    parser.add_argument("--skip-kill", action="store_true")
    parser.add_argument("--skip-checkin", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if not args.skip_checkin:
            await checkin_burst(args.database_url, Path(folder))
        if not args.skip_broadcast:
            await broadcast_run(args.database_url, Path(folder), args.count, kill=False)
        if not args.skip_kill:
            await broadcast_run(args.database_url, Path(folder), args.count, kill=True)


if __name__ == "__main__":
    asyncio.run(main())
