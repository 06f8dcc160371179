"""The outbox: putting notifications in, taking pending ones out (sending is bot.notifier's job).

Messages the bot sends on its own initiative — reminders, change and cancel notices, waitlist
promotions, feedback requests, broadcasts — are rows first, so a restart loses none of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Notification, NotificationKind, NotificationStatus
from models.base import utcnow


async def enqueue(
    session: AsyncSession,
    *,
    kind: NotificationKind,
    person_id: int,
    text: str,
    due_at: datetime | None = None,
    event_id: int | None = None,
    expires_at: datetime | None = None,
    holdable: bool = False,
    payload: dict[str, Any] | None = None,
    dedup_key: str | None = None,
) -> Notification | None:
    """Add a notification (due now unless `due_at` is given).

    `payload` may carry `buttons`: rows of `button(...)`/`url_button(...)` for an inline keyboard.
    With a `dedup_key` that is already used, nothing is added and None is returned.
    """
    if dedup_key is not None:
        existing = await session.execute(
            select(Notification.id).where(Notification.dedup_key == dedup_key)
        )
        if existing.scalar_one_or_none() is not None:
            return None
    notification = Notification(
        kind=kind,
        person_id=person_id,
        event_id=event_id,
        due_at=due_at or utcnow(),
        expires_at=expires_at,
        holdable=holdable,
        text=text,
        payload=payload or {},
        dedup_key=dedup_key,
        status=NotificationStatus.PENDING,
    )
    session.add(notification)
    await session.flush()
    return notification


async def cancel_pending(
    session: AsyncSession,
    *,
    person_id: int | None = None,
    event_id: int | None = None,
    kinds: Iterable[NotificationKind] | None = None,
) -> int:
    """Cancel pending notifications matching all the given conditions; returns how many."""
    stmt = update(Notification).where(Notification.status == NotificationStatus.PENDING)
    if person_id is not None:
        stmt = stmt.where(Notification.person_id == person_id)
    if event_id is not None:
        stmt = stmt.where(Notification.event_id == event_id)
    if kinds is not None:
        stmt = stmt.where(Notification.kind.in_(list(kinds)))
    # The key is released: someone who cancels and registers again gets their reminders again.
    result = await session.execute(
        stmt.values(status=NotificationStatus.CANCELLED, dedup_key=None).execution_options(
            synchronize_session=False
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


class Target:
    """Where a button in a notification leads; bot.callbacks turns each into its CallbackData."""

    EVENT_CARD = "event_card"
    GIVE_BACK = "give_back"
    TAKE_CONSULTATION = "take_consultation"
    MY_ORG = "my_org"  # a confirmed head's «Моя организация» (the id is not used)
    CONSULTATION_REPLY = "consultation_reply"
    CONSULTATION_ACCEPT = "consultation_accept"
    CONSULTATION_CARD = "consultation_card"
    BROADCAST_SIGNUP = "broadcast_signup"
    BROADCAST_OPT_OUT = "broadcast_opt_out"
    MY_MENTORING = "my_mentoring"  # «Моё наставничество» of a person in a pair (id not used)


def button(text: str, target: str, id: int) -> list[Any]:
    """A callback button stored in a notification's payload: text and a named target."""
    return [text, {"target": target, "id": id}]


def url_button(text: str, url: str) -> list[Any]:
    """A link button stored in a notification's payload."""
    return [text, {"url": url}]
