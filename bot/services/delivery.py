"""Taking due notifications out of the outbox and recording what became of them.

Claiming is a short transaction of its own: rows move from pending to sending with a lease.
On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several bot processes claim at once without
ever taking the same row; on SQLite the engine's BEGIN IMMEDIATE serialises claimers.
A row whose lease ran out (its process died mid-send) is claimed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Broadcast,
    BroadcastStatus,
    Notification,
    NotificationKind,
    NotificationStatus,
    Person,
)
from models.base import utcnow

LEASE = timedelta(minutes=2)
INTERRUPTED = "delivery not confirmed: the sending process stopped during the request"
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class QuietHours:
    """A local time span (may wrap midnight) when notifications that can wait are held."""

    start: time
    end: time
    tz: ZoneInfo

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(self.tz).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def end_after(self, moment: datetime) -> datetime:
        """The first moment at or after `moment` outside the span (the morning after)."""
        local = moment.astimezone(self.tz)
        candidate = datetime.combine(local.date(), self.end, tzinfo=self.tz)
        if candidate <= local:
            candidate = datetime.combine(local.date() + timedelta(days=1), self.end, self.tz)
        return candidate.astimezone(moment.tzinfo)


#: Lower sorts first: reminders and change notices, then feedback requests (broadcasts after).
FEEDBACK_KINDS = (NotificationKind.FEEDBACK_REQUEST, NotificationKind.FEEDBACK_FOLLOWUP)


async def claim_due(
    session: AsyncSession,
    limit: int,
    now: datetime | None = None,
    lease: timedelta = LEASE,
    *,
    bulk_limit: int | None = None,
    hold_broadcasts: bool = False,
) -> list[Notification]:
    """Claim up to `limit` due rows, in sending order, and lease them.

    First everything that is not a broadcast delivery — reminders and change notices before
    feedback requests, oldest first — then, in what room is left (at most `bulk_limit`),
    deliveries of the broadcasts now sending, an equal share each and interleaved, so two
    broadcasts at once go at the same pace. During quiet hours (`hold_broadcasts`) only urgent
    broadcasts are claimed. The caller commits right after, so the claim is visible at once.
    """
    now = now or utcnow()
    postgres = session.get_bind().dialect.name == "postgresql"
    priority = case((Notification.kind.in_(FEEDBACK_KINDS), 1), else_=0)
    due = (
        select(Notification.id)
        .where(
            Notification.status == NotificationStatus.PENDING,
            Notification.due_at <= now,
            Notification.broadcast_id.is_(None),
        )
        .order_by(priority, Notification.due_at)
        .limit(limit)
    )
    stale = (
        select(Notification.id)
        .where(
            Notification.status == NotificationStatus.SENDING,
            Notification.claimed_until < now,
            Notification.attempted_at.is_(None),
        )
        .limit(limit)
    )
    if postgres:
        due = due.with_for_update(skip_locked=True)
        stale = stale.with_for_update(skip_locked=True)
    ids = list((await session.execute(due)).scalars())
    if len(ids) < limit:
        ids += [i for i in (await session.execute(stale.limit(limit - len(ids)))).scalars()]
    room = min(limit - len(ids), bulk_limit if bulk_limit is not None else limit)
    if room > 0:
        ids += await _claim_broadcasts(session, room, now, hold_broadcasts, postgres)
    if not ids:
        return []
    await session.execute(
        update(Notification)
        .where(Notification.id.in_(ids))
        .values(status=NotificationStatus.SENDING, claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    rows = await session.execute(select(Notification).where(Notification.id.in_(ids)))
    order = {notification_id: n for n, notification_id in enumerate(ids)}
    return sorted(rows.scalars(), key=lambda r: order[r.id])


async def _claim_broadcasts(
    session: AsyncSession, room: int, now: datetime, hold: bool, postgres: bool
) -> list[int]:
    """Ids of due deliveries of the sending broadcasts: a fair share each, interleaved."""
    active = select(Broadcast.id).where(Broadcast.status == BroadcastStatus.SENDING)
    if hold:
        active = active.where(Broadcast.urgent.is_(True))
    broadcast_ids = list((await session.execute(active.order_by(Broadcast.id))).scalars())
    if not broadcast_ids:
        return []
    share = max(1, room // len(broadcast_ids))
    queues: list[list[int]] = []
    for broadcast_id in broadcast_ids:
        stmt = (
            select(Notification.id)
            .where(
                Notification.broadcast_id == broadcast_id,
                Notification.status == NotificationStatus.PENDING,
                Notification.due_at <= now,
            )
            .order_by(Notification.id)
            .limit(share)
        )
        if postgres:
            stmt = stmt.with_for_update(skip_locked=True)
        queues.append(list((await session.execute(stmt)).scalars()))
    merged: list[int] = []
    for position in range(share):
        merged += [queue[position] for queue in queues if position < len(queue)]
    return merged[:room]


async def settle_interrupted(session: AsyncSession, now: datetime | None = None) -> int:
    """Rows whose process died during the request to Telegram count as sent (not sent again).

    The request most likely arrived; sending it again would be the duplicate people hate. The
    row keeps a note so admins can tell these apart. Returns how many rows were settled.
    """
    now = now or utcnow()
    result = await session.execute(
        update(Notification)
        .where(
            Notification.status == NotificationStatus.SENDING,
            Notification.claimed_until < now,
            Notification.attempted_at.is_not(None),
        )
        .values(
            status=NotificationStatus.SENT,
            sent_at=Notification.attempted_at,
            claimed_until=None,
            last_error=INTERRUPTED,
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def mark_attempt(session: AsyncSession, notification_id: int) -> None:
    """Record that the request to Telegram is about to leave (committed by the caller first)."""
    await session.execute(
        update(Notification)
        .where(Notification.id == notification_id)
        .values(attempted_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def finish(
    session: AsyncSession,
    notification_id: int,
    status: NotificationStatus,
    *,
    error: str = "",
    message_id: int | None = None,
    attempts_delta: int = 0,
) -> None:
    """Record the outcome of one claimed row."""
    values: dict[str, object] = {"status": status, "claimed_until": None}
    if status == NotificationStatus.SENT:
        values["sent_at"] = utcnow()
        values["telegram_message_id"] = message_id
    if error:
        values["last_error"] = error[:1000]
    if attempts_delta:
        values["attempts"] = Notification.attempts + attempts_delta
    await session.execute(
        update(Notification)
        .where(Notification.id == notification_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def finish_sent(session: AsyncSession, sent: list[tuple[int, int, datetime]]) -> None:
    """Record many successful sends at once: (notification id, Telegram message id, when)."""
    await session.execute(
        update(Notification),
        [
            {
                "id": notification_id,
                "status": NotificationStatus.SENT,
                "claimed_until": None,
                "sent_at": at,
                "telegram_message_id": message_id,
            }
            for notification_id, message_id, at in sent
        ],
    )


async def postpone(
    session: AsyncSession,
    notification_id: int,
    due_at: datetime,
    *,
    error: str = "",
    count_attempt: bool = False,
) -> None:
    """Put a claimed row back as pending for later (quiet hours, 429, a network error)."""
    values: dict[str, object] = {
        "status": NotificationStatus.PENDING,
        "due_at": due_at,
        "claimed_until": None,
        "attempted_at": None,  # the attempt is known to have failed: safe to try again
    }
    if error:
        values["last_error"] = error[:1000]
    if count_attempt:
        values["attempts"] = Notification.attempts + 1
    await session.execute(
        update(Notification)
        .where(Notification.id == notification_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after a network error: 2, 4, 8, 16 … seconds."""
    return timedelta(seconds=2 ** max(1, attempts))


async def failed_with_people(
    session: AsyncSession, limit: int = 50
) -> list[tuple[Notification, str | None]]:
    """Notifications that failed or were dropped, newest first, with the person's name."""
    result = await session.execute(
        select(Notification, Person.full_name)
        .join(Person, Person.id == Notification.person_id)
        .where(
            or_(
                Notification.status == NotificationStatus.FAILED,
                Notification.status == NotificationStatus.DROPPED,
            )
        )
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return [(n, name) for n, name in result.all()]


async def outbox_counts(session: AsyncSession) -> dict[str, int]:
    """Rows of the outbox by status (for /metrics)."""
    result = await session.execute(
        select(Notification.status, func.count()).group_by(Notification.status)
    )
    return {str(status): int(count) for status, count in result.all()}


async def oldest_due(session: AsyncSession, now: datetime | None = None) -> datetime | None:
    """Due time of the oldest pending row that is due now (the partial index answers it)."""
    now = now or utcnow()
    return await session.scalar(
        select(func.min(Notification.due_at)).where(
            Notification.status == NotificationStatus.PENDING, Notification.due_at <= now
        )
    )
