"""Reminders of an event as outbox rows: scheduled on registration, moved with the event.

The reminder's text is rendered when it is sent (bot.notifier), so a changed link or place is
always current; here only the moments are decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import parse_duration
from bot.services import InvalidInput, outbox
from bot.texts import event_admin as te
from models import (
    Event,
    NotificationKind,
    Registration,
    RegistrationStatus,
)
from models.base import utcnow

REMINDER_KINDS = (NotificationKind.REMINDER,)
MAX_OFFSETS = 5
_NONE_WORDS = {"нет", "no", "0", "-", "—", "без напоминаний"}


def parse_offsets(text: str) -> list[int]:
    """Reminder offsets typed by a methodologist («48h, 2h», «90m», «нет») as minutes, longest
    first. Raises InvalidInput with the Russian reason."""
    cleaned = " ".join(text.split()).casefold()
    if cleaned in _NONE_WORDS:
        return []
    try:
        offsets = {int(parse_duration(p).total_seconds() // 60) for p in cleaned.split(",")}
    except ValueError:
        raise InvalidInput(te.BAD_REMINDERS) from None
    if not offsets or len(offsets) > MAX_OFFSETS or not all(1 <= m <= 30 * 1440 for m in offsets):
        raise InvalidInput(te.BAD_REMINDERS)
    return sorted(offsets, reverse=True)


def offsets_for(event: Event, default: Sequence[timedelta]) -> list[timedelta]:
    """The event's own offsets (minutes) when set, else the global ones."""
    if event.reminder_offsets is not None:
        return [timedelta(minutes=m) for m in event.reminder_offsets]
    return list(default)


async def schedule(
    session: AsyncSession,
    registration: Registration,
    default_offsets: Sequence[timedelta],
    now: datetime | None = None,
) -> int:
    """Add the reminders still ahead for a registered person; returns how many were added.

    A reminder whose moment has already passed is not added: someone registering 30 minutes
    before the start gets no «через 24 часа» message.
    """
    if registration.status != RegistrationStatus.REGISTERED:
        return 0
    event = registration.event
    now = now or utcnow()
    added = 0
    for offset in offsets_for(event, default_offsets):
        due = event.starts_at - offset
        if due <= now:
            continue
        minutes = int(offset.total_seconds() // 60)
        # Keyed by seconds: offsets like «90s,60s» (shortened for a check) are two reminders.
        seconds = int(offset.total_seconds())
        key = f"reminder:{registration.id}:{seconds}s:{int(event.starts_at.timestamp())}"
        row = await outbox.enqueue(
            session,
            kind=NotificationKind.REMINDER,
            person_id=registration.person_id,
            event_id=event.id,
            due_at=due,
            expires_at=event.starts_at,
            payload={"offset_minutes": minutes},
            text="",
            dedup_key=key,
        )
        added += row is not None
    return added


async def drop(session: AsyncSession, registration: Registration) -> int:
    """Cancel the pending reminders of one person for one event (registration cancelled)."""
    return await outbox.cancel_pending(
        session,
        person_id=registration.person_id,
        event_id=registration.event_id,
        kinds=REMINDER_KINDS,
    )


async def reschedule_event(
    session: AsyncSession, event: Event, default_offsets: Sequence[timedelta]
) -> int:
    """After the event moved: cancel its pending reminders and schedule them for the new time."""
    await outbox.cancel_pending(session, event_id=event.id, kinds=REMINDER_KINDS)
    result = await session.execute(
        select(Registration).where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.REGISTERED,
        )
    )
    return sum([await schedule(session, r, default_offsets) for r in result.scalars()])


async def drop_event(session: AsyncSession, event: Event) -> int:
    """The event is cancelled: nothing pending about it is sent any more (except the notice)."""
    return await outbox.cancel_pending(session, event_id=event.id)
