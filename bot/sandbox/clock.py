"""«Перемотать время»: pending notifications move earlier, as if time had reached the next one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.texts import sandbox as t
from bot.texts.format import plural
from models import Notification, NotificationStatus
from models.base import utcnow


@dataclass(frozen=True)
class Rewound:
    moved: int  # pending notifications moved earlier
    span: timedelta  # how far (zero when the next one was already due)


async def rewind(sessions: async_sessionmaker[AsyncSession]) -> Rewound:
    """Move every pending notification earlier by the time left until the next one, so the next
    one is due now and the rest keep their order and spacing. The notifier's next tick sends it."""
    pending = Notification.status == NotificationStatus.PENDING
    async with sessions.begin() as session:
        count = (await session.execute(select(func.count()).where(pending))).scalar_one()
        first = (
            await session.execute(select(func.min(Notification.due_at)).where(pending))
        ).scalar()
        if not count or first is None:
            return Rewound(0, timedelta(0))
        span = first - utcnow()
        if span <= timedelta(0):
            return Rewound(int(count), timedelta(0))
        rows = (await session.execute(select(Notification).where(pending))).scalars().all()
        for row in rows:
            row.due_at = row.due_at - span
        return Rewound(len(rows), span)


def describe(result: Rewound) -> str:
    if not result.moved:
        return t.REWIND_NONE
    if result.span <= timedelta(0):
        return t.REWIND_DUE
    minutes = max(1, round(result.span.total_seconds() / 60))
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    parts = [
        plural(n, *forms).format(n=n)
        for n, forms in ((days, t.SPAN_DAYS), (hours, t.SPAN_HOURS), (minutes, t.SPAN_MINUTES))
        if n
    ]
    return t.REWIND_DONE.format(span=" ".join(parts[:2]))
