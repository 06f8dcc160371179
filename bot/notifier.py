"""The sender: a periodic tick claims due outbox rows and delivers them within Telegram's limits.

About 30 messages a second per bot and about one a second per chat; a 429 pauses everything for
`retry_after`, a 403 marks the person inactive, network errors retry with backoff a bounded
number of times and then the row is marked failed for admins to see.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup, Message
from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import callbacks, limiter
from bot.config import Settings
from bot.ops import logs, metrics
from bot.services import broadcasts, delivery, feedback, notification_texts, people
from bot.services.delivery import QuietHours
from handlers.admin.broadcast_views import progress_view, report_view
from handlers.keyboards import Button, inline
from handlers.questionnaire import start_button
from models import (
    BroadcastStatus,
    ContentKind,
    Notification,
    NotificationKind,
    NotificationStatus,
    Person,
)
from models.base import utcnow

log = logging.getLogger(__name__)

#: How often the authors' progress messages are brought up to date during a broadcast.
PROGRESS_SECONDS = 3.0
#: How stale a broadcast's status may be when a delivery checks it (pause and stop).
STATUS_SECONDS = 0.3
#: How often a long tick looks for scheduled broadcasts whose time has come.
SCHEDULE_CHECK_SECONDS = 5.0

#: Kinds that may wait for the morning; reminders and change notices never wait.
HOLDABLE_KINDS = frozenset(
    {
        NotificationKind.FEEDBACK_REQUEST,
        NotificationKind.FEEDBACK_FOLLOWUP,
        NotificationKind.BROADCAST,
        NotificationKind.FORM_REMINDER,
    }
)


class Pacer:
    """Spaces sends evenly so that no second holds more than `rate` of them."""

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate
        self._limit = max(1, int(rate))
        self._next = 0.0
        self._paused_until = 0.0
        self._chat_next: dict[int, float] = {}
        self._recent: collections.deque[float] = collections.deque()

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    async def slot(self, chat_id: int) -> None:
        """Wait for a global slot and for this chat's one-per-second turn."""
        now = time.monotonic()
        chat_at = self._chat_next.get(chat_id, 0.0)
        at = max(now, self._next, self._paused_until, chat_at)
        self._next = at + self._interval
        self._chat_next[chat_id] = at + 1.0
        if len(self._chat_next) > 10_000:
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        delay = at - now
        if delay > 0:
            await asyncio.sleep(delay)
        # A 429 that arrived while we slept moves everyone back.
        while (wait := self._paused_until - time.monotonic()) > 0:
            await asyncio.sleep(wait)

    async def guard(self) -> None:
        """Right before a request: at most `rate` requests in any one second.

        Slots space requests evenly, but a slow commit between the slot and the request can
        bunch a few together; this keeps such a bunch under Telegram's limit.
        """
        while True:
            now = time.monotonic()
            while self._recent and now - self._recent[0] >= 1.0:
                self._recent.popleft()
            if len(self._recent) < self._limit:
                self._recent.append(now)
                return
            await asyncio.sleep(1.0 - (now - self._recent[0]) + 0.001)


@dataclass
class TickStats:
    sent: int = 0
    failed: int = 0
    dropped: int = 0
    postponed: int = 0

    def add(self, other: TickStats) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.dropped += other.dropped
        self.postponed += other.postponed


class Notifier:
    """Delivers the outbox. Several processes may run one each on PostgreSQL."""

    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        batch_size: int | None = None,
        concurrency: int = 16,
    ) -> None:
        self._bot = bot
        self._sessions = sessions
        self._settings = settings
        self._batch = batch_size or settings.outbox_batch_size
        self._concurrency = concurrency
        self._pacer = Pacer(settings.send_rate_per_second)
        self._lease = timedelta(seconds=settings.outbox_lease_seconds)
        self._quiet = (
            QuietHours(settings.quiet_hours[0], settings.quiet_hours[1], settings.tz)
            if settings.quiet_hours
            else None
        )
        self._lock = asyncio.Lock()
        self._stopping = False
        # For /readyz and /metrics (bot.ops.health): monotonic times of this process's sender.
        self.last_tick_started: float | None = None
        self.last_tick_finished: float | None = None
        self.last_sent: float | None = None
        self.scheduler_lag: float | None = None
        # Broadcast deliveries claimed at once: about a second of sending, so that a
        # reminder falling due meanwhile waits no longer than that.
        self._bulk = max(10, int(settings.send_rate_per_second))
        self._launch_checked = 0.0
        self._progress_at = 0.0
        self._progress_texts: dict[int, str] = {}
        self._samples: dict[int, collections.deque[tuple[float, int]]] = {}
        self._statuses: dict[int, tuple[float, BroadcastStatus | None]] = {}
        self._sent: list[tuple[int, int, datetime]] = []

    @property
    def ticking(self) -> bool:
        return self._lock.locked()

    async def tick(self) -> TickStats:
        """Send everything that is due now, batch by batch; one tick at a time per process.

        Broadcast deliveries are claimed in small batches after everything else, so a reminder
        falling due during a long broadcast waits at most one such batch.
        """
        total = TickStats()
        self.last_tick_started = time.monotonic()
        try:
            await self._tick(total)
        except Exception:
            metrics.error("outbox_tick")
            raise
        finally:
            self.last_tick_finished = time.monotonic()
        return total

    async def _tick(self, total: TickStats) -> None:
        async with self._lock:
            async with self._sessions.begin() as session:
                await delivery.settle_interrupted(session)
                await feedback.plan_requests(
                    session,
                    self._settings.feedback_delay,
                    followup_after=self._settings.feedback_followup_delay,
                )
            await self._launch_scheduled()
            while not self._stopping:
                now = utcnow()
                if time.monotonic() - self._launch_checked >= SCHEDULE_CHECK_SECONDS:
                    await self._launch_scheduled()
                async with self._sessions.begin() as session:
                    rows = await delivery.claim_due(
                        session,
                        self._batch,
                        now=now,
                        lease=self._lease,
                        bulk_limit=self._bulk,
                        hold_broadcasts=self._quiet is not None and self._quiet.contains(now),
                    )
                if not rows:
                    break
                total.add(await self._deliver_batch(rows))
                await self._broadcast_progress()
            await self._broadcast_progress(force=True)
        if total.sent or total.failed or total.dropped:
            log.info(
                "Outbox tick: sent %d, failed %d, dropped %d, postponed %d",
                total.sent,
                total.failed,
                total.dropped,
                total.postponed,
            )

    async def _launch_scheduled(self) -> None:
        self._launch_checked = time.monotonic()
        async with self._sessions.begin() as session:
            launched = await broadcasts.launch_due(session, self._settings, utcnow())
            for broadcast in launched:
                if broadcast.author_id is not None and broadcast.progress_chat_id is None:
                    author = await session.get(Person, broadcast.author_id)
                    broadcast.progress_chat_id = author.telegram_id if author else None
        for broadcast in launched:
            log.info(
                "Scheduled broadcast %s launched: %s recipients", broadcast.id, broadcast.total
            )

    async def _broadcast_progress(self, force: bool = False) -> None:
        """Edit the authors' progress messages (only when the text changed) and send reports."""
        moment = time.monotonic()
        if not force and moment - self._progress_at < PROGRESS_SECONDS:
            return
        self._progress_at = moment
        async with self._sessions.begin() as session:
            await broadcasts.finish_completed(session, utcnow())
            watched = await broadcasts.watched(session)
        for broadcast in watched:
            async with self._sessions() as session:
                progress = await broadcasts.progress(session, broadcast.id)
            rate, end = self._pace(broadcast.id, progress, moment)
            metrics.broadcast_progress(
                broadcast.id,
                total=broadcast.total or progress.total,
                sent=progress.sent,
                failed=progress.failed,
            )
            held_until = None
            if (
                self._quiet is not None
                and not broadcast.urgent
                and self._quiet.contains(utcnow())
                and broadcast.status == BroadcastStatus.SENDING
            ):
                held_until = self._quiet.end_after(utcnow())
            text, markup = progress_view(
                broadcast, progress, rate, end, held_until, self._settings.tz
            )
            chat = broadcast.progress_chat_id
            try:
                if chat is not None and broadcast.progress_message_id is None:
                    message = await self._bot.send_message(chat, text, reply_markup=markup)
                    async with self._sessions.begin() as session:
                        await broadcasts.set_progress_message(
                            session, broadcast.id, message.message_id
                        )
                    self._progress_texts[broadcast.id] = text
                elif chat is not None and self._progress_texts.get(broadcast.id) != text:
                    self._progress_texts[broadcast.id] = text
                    with contextlib.suppress(TelegramBadRequest):  # deleted or not modified
                        await self._bot.edit_message_text(
                            text,
                            chat_id=chat,
                            message_id=broadcast.progress_message_id,
                            reply_markup=markup,
                        )
                finished = broadcast.status in (BroadcastStatus.DONE, BroadcastStatus.STOPPED)
                if finished and progress.left == 0 and not broadcast.report_sent:
                    async with self._sessions.begin() as session:
                        # Marked first: a report is worth less than never sending one twice.
                        if not await broadcasts.mark_report_sent(session, broadcast.id):
                            continue
                        report = await broadcasts.report(session, broadcast)
                    self._samples.pop(broadcast.id, None)
                    metrics.broadcast_finished(broadcast.id)
                    if chat is not None:
                        report_text, report_markup = report_view(broadcast, report)
                        await self._bot.send_message(chat, report_text, reply_markup=report_markup)
            except (TelegramForbiddenError, TelegramNetworkError, TelegramServerError) as exc:
                log.warning("Progress of broadcast %s not shown: %s", broadcast.id, exc)
            except TelegramRetryAfter as exc:
                self._pacer.pause(exc.retry_after)

    def _pace(
        self, broadcast_id: int, progress: broadcasts.Progress, moment: float
    ) -> tuple[float | None, datetime | None]:
        """Messages a second over the last few samples and the expected end, when known."""
        done = progress.sent + progress.failed + progress.cancelled
        samples = self._samples.setdefault(broadcast_id, collections.deque(maxlen=8))
        samples.append((moment, done))
        first_at, first_done = samples[0]
        if moment - first_at < 2.0 or done <= first_done:
            return None, None
        rate = (done - first_done) / (moment - first_at)
        return rate, utcnow() + timedelta(seconds=progress.left / rate)

    async def stop(self) -> None:
        """Finish the batch in hand and claim no more."""
        self._stopping = True
        async with self._lock:
            pass

    async def _deliver_batch(self, rows: list[Notification]) -> TickStats:
        async with self._sessions() as session:
            chats = await _chats(session, (r.person_id for r in rows))
            # What the batch's broadcast rows send, read once for the batch.
            context = await broadcasts.batch_context(session, rows)
        stats = TickStats()
        semaphore = asyncio.Semaphore(self._concurrency)
        blocked: set[int] = set()  # chats that answered 403 during this batch

        async def one(row: Notification) -> None:
            async with semaphore:
                with logs.context(notification_id=row.id, notification_kind=str(row.kind)):
                    outcome = await self._deliver(row, chats.get(row.person_id), blocked, context)
                setattr(stats, outcome, getattr(stats, outcome) + 1)
                if outcome == "failed":
                    metrics.error("notification")

        try:
            await asyncio.gather(*(one(r) for r in rows))
        finally:
            await self._flush_sent()
        return stats

    async def _flush_sent(self) -> None:
        """Record the batch's successful sends in one transaction.

        Safe to defer: a row whose request left is marked attempted, so if the process dies
        before this, the next start counts it as sent all the same (delivery.settle_interrupted).
        """
        done, self._sent = self._sent, []
        if done:
            async with self._sessions.begin() as session:
                await delivery.finish_sent(session, done)

    async def _broadcast_status(self, broadcast_id: int) -> BroadcastStatus | None:
        """The broadcast's status, re-read at most every STATUS_SECONDS (pause/stop apply fast)."""
        moment = time.monotonic()
        cached = self._statuses.get(broadcast_id)
        if cached is not None and moment - cached[0] < STATUS_SECONDS:
            return cached[1]
        async with self._sessions() as session:
            status = await broadcasts.status_of(session, broadcast_id)
        self._statuses[broadcast_id] = (moment, status)
        return status

    async def _deliver(
        self,
        row: Notification,
        chat_id: int | None,
        blocked: set[int],
        context: broadcasts.BatchContext,
    ) -> str:
        now = utcnow()
        if chat_id is None:
            await self._finish(
                row, NotificationStatus.CANCELLED, error="person inactive or deleted"
            )
            return "dropped"
        if row.expires_at is not None and row.expires_at <= now:
            log.info(
                "Dropping notification %s (%s): expired at %s", row.id, row.kind, row.expires_at
            )
            await self._finish(row, NotificationStatus.DROPPED, error="expired before sending")
            return "dropped"
        is_broadcast = row.kind == NotificationKind.BROADCAST and (
            row.broadcast_id is not None or "broadcast_test" in row.payload
        )
        # A broadcast row is held unless urgent (its `holdable` says); a test send is not held.
        holdable = row.holdable or (row.kind in HOLDABLE_KINDS and not is_broadcast)
        if self._quiet is not None and holdable and self._quiet.contains(now):
            async with self._sessions.begin() as session:
                await delivery.postpone(session, row.id, self._quiet.end_after(now))
            return "postponed"
        rendered: notification_texts.Rendered | broadcasts.Content | None
        if is_broadcast:
            state = context.content_for(row)
            if isinstance(state, str):
                error = {"opted_out": broadcasts.OPTED_OUT_ERROR}.get(state, "broadcast gone")
                await self._finish(row, NotificationStatus.CANCELLED, error=error)
                return "dropped"
            rendered = state
        else:
            async with self._sessions() as session:
                rendered = await notification_texts.render(session, row, now, self._settings.tz)
        if rendered is None:
            # Not needed any more (answered, registration or event gone): not a missed message.
            await self._finish(row, NotificationStatus.CANCELLED, error="no longer relevant")
            return "dropped"
        await self._pacer.slot(chat_id)
        if chat_id in blocked:
            await self._finish(row, NotificationStatus.CANCELLED, error="person blocked the bot")
            return "dropped"
        if is_broadcast and row.broadcast_id is not None:
            # Checked right before the send: a pause or a stop holds what is not yet sent.
            status = await self._broadcast_status(row.broadcast_id)
            if status == BroadcastStatus.PAUSED:
                async with self._sessions.begin() as session:
                    await delivery.postpone(session, row.id, now)
                return "postponed"
            if status != BroadcastStatus.SENDING:
                error = broadcasts.STOPPED_ERROR
                await self._finish(row, NotificationStatus.CANCELLED, error=error)
                return "dropped"
        async with self._sessions.begin() as session:
            await delivery.mark_attempt(session, row.id)
        await self._pacer.guard()
        # Broadcast sends yield to direct answers in the Bot session's shared limiter.
        limiter.BULK.set(is_broadcast and row.broadcast_id is not None)
        limiter.NO_RETRY.set(True)
        try:
            if isinstance(rendered, broadcasts.Content):
                message = await self._send_content(chat_id, rendered)
            else:
                message = await self._bot.send_message(
                    chat_id, rendered.text, reply_markup=_markup(rendered)
                )
        except TelegramRetryAfter as exc:
            self._pacer.pause(exc.retry_after)
            due = utcnow() + timedelta(seconds=exc.retry_after)
            async with self._sessions.begin() as session:
                await delivery.postpone(session, row.id, due, error=str(exc))
            return "postponed"
        except TelegramForbiddenError as exc:
            async with self._sessions.begin() as session:
                await people.set_active(session, chat_id, False)
                await delivery.finish(
                    session, row.id, NotificationStatus.FAILED, error=str(exc), attempts_delta=1
                )
            blocked.add(chat_id)
            log.info("Person with chat %s blocked the bot; marked inactive", chat_id)
            return "failed"
        except TelegramBadRequest as exc:
            await self._finish(row, NotificationStatus.FAILED, error=str(exc), attempts=1)
            log.warning("Notification %s rejected: %s", row.id, exc)
            return "failed"
        except (TelegramNetworkError, TelegramServerError, OSError) as exc:
            attempts = row.attempts + 1
            if attempts >= delivery.MAX_ATTEMPTS:
                await self._finish(row, NotificationStatus.FAILED, error=str(exc), attempts=1)
                log.warning("Notification %s failed after %d attempts: %s", row.id, attempts, exc)
                return "failed"
            due = utcnow() + delivery.retry_delay(attempts)
            async with self._sessions.begin() as session:
                await delivery.postpone(session, row.id, due, error=str(exc), count_attempt=True)
            return "postponed"
        self._sent.append((row.id, message.message_id, utcnow()))
        self.last_sent = time.monotonic()
        return "sent"

    async def _send_content(self, chat_id: int, content: broadcasts.Content) -> Message:
        """A broadcast as its recipients see it: the stored text or file with its caption."""
        return await send_content(self._bot, chat_id, content)

    async def _finish(
        self,
        row: Notification,
        status: NotificationStatus,
        *,
        error: str = "",
        message_id: int | None = None,
        attempts: int = 0,
    ) -> None:
        async with self._sessions.begin() as session:
            await delivery.finish(
                session, row.id, status, error=error, message_id=message_id, attempts_delta=attempts
            )


async def _chats(session: AsyncSession, person_ids: Iterable[int]) -> dict[int, int | None]:
    """Telegram chat of each person, None for people who blocked the bot or deleted their data."""
    result = await session.execute(
        select(Person.id, Person.telegram_id, Person.is_active).where(
            Person.id.in_(set(person_ids))
        )
    )
    return {pid: (tg if active else None) for pid, tg, active in result.all()}


async def send_content(bot: Bot, chat_id: int, content: broadcasts.Content) -> Message:
    """Send a broadcast's stored message (also the preview the author sees)."""
    markup = _buttons_markup(content.buttons)
    if content.kind == ContentKind.PHOTO and content.file_id:
        return await bot.send_photo(
            chat_id, content.file_id, caption=content.text or None, reply_markup=markup
        )
    if content.kind == ContentKind.DOCUMENT and content.file_id:
        return await bot.send_document(
            chat_id, content.file_id, caption=content.text or None, reply_markup=markup
        )
    if content.kind == ContentKind.VIDEO and content.file_id:
        return await bot.send_video(
            chat_id, content.file_id, caption=content.text or None, reply_markup=markup
        )
    return await bot.send_message(chat_id, content.text, reply_markup=markup)


def _markup(rendered: notification_texts.Rendered) -> InlineKeyboardMarkup | None:
    rows: list[list[Button]] = []
    if rendered.form_button is not None:
        form = rendered.form_button
        rows.append([start_button(form.text, form.form_code, form.context)])
    rows += _button_rows(rendered.buttons)
    return inline(*rows) if rows else None


def _buttons_markup(buttons: Iterable[Iterable[Any]]) -> InlineKeyboardMarkup | None:
    rows = _button_rows(buttons)
    return inline(*rows) if rows else None


def _button_rows(buttons: Iterable[Iterable[Any]]) -> list[list[Button]]:
    """Stored button specs (outbox.button / url_button) as keyboard rows."""
    rows: list[list[Button]] = []
    for row in buttons:
        keyboard_row: list[Button] = []
        for text, target in row:
            if isinstance(target, dict) and "url" in target:
                keyboard_row.append((text, ("url", target["url"])))
            elif isinstance(target, dict):
                keyboard_row.append((text, callbacks.for_target(target["target"], target["id"])))
            else:
                keyboard_row.append((text, target))
        rows.append(keyboard_row)
    return rows


def start_ticker(notifier: Notifier, seconds: float) -> AsyncIOScheduler:
    """APScheduler is only the metronome: one interval job; the outbox table is the truth.

    The first tick runs at once, so whatever fell due while the bot was down goes out on start.
    """
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        notifier.tick,
        "interval",
        seconds=seconds,
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        id="outbox-tick",
    )

    def submitted(event: JobSubmissionEvent) -> None:
        if event.scheduled_run_times:
            late = datetime.now(UTC) - max(event.scheduled_run_times)
            notifier.scheduler_lag = late.total_seconds()

    scheduler.add_listener(submitted, EVENT_JOB_SUBMITTED)
    scheduler.start()
    return scheduler


def add_hourly_job(
    scheduler: AsyncIOScheduler,
    job: Callable[..., Awaitable[Any]],
    job_id: str,
    *args: Any,
) -> None:
    """A second metronome, for daily work (retention): it ticks every hour from the start, and
    the job itself decides from the database whether today's run is done."""
    scheduler.add_job(
        job,
        "interval",
        args=list(args),
        hours=1,
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        id=job_id,
    )
