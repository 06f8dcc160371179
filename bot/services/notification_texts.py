"""What a notification says when it is sent: reminders are rendered from the event as it is now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import feedback, questionnaire
from bot.texts import fmt_datetime, inside_quotes, plural
from bot.texts import notifications as t
from bot.texts import series as ts
from models import (
    Event,
    EventFormat,
    EventStatus,
    Notification,
    NotificationKind,
    Registration,
    RegistrationStatus,
)

#: A button in a notification: text and {"url": link} or {"target": name, "id": n}
#: (outbox.button); a plain string is callback data packed by an older version.
ButtonSpec = tuple[str, "str | dict[str, Any]"]


@dataclass
class FormButton:
    """A button that starts a questionnaire; the sender turns it into the engine's button."""

    text: str
    form_code: str
    context: dict[str, Any]


@dataclass
class Rendered:
    text: str
    buttons: list[list[ButtonSpec]] = field(default_factory=list)
    form_button: FormButton | None = None


def relative_start(starts_at: datetime, now: datetime, tz: ZoneInfo) -> str:
    """«Через 50 минут», «Через 3 часа», «Сегодня», «Завтра» — from the real time left."""
    left = starts_at - now
    # Compared after rounding: the 1-hour reminder leaves at 59 min 59 s and must not say «60 минут».
    minutes = max(1, round(left.total_seconds() / 60))
    if minutes < 60:
        return plural(minutes, *t.SOON_MINUTES).format(n=minutes)
    if left < timedelta(hours=6):
        n = round(left.total_seconds() / 3600)
        return plural(n, *t.SOON_HOURS).format(n=n)
    days = (starts_at.astimezone(tz).date() - now.astimezone(tz).date()).days
    if days <= 0:
        return t.TODAY
    if days == 1:
        return t.TOMORROW
    return plural(days, *t.IN_DAYS).format(n=days)


def _where(event: Event) -> str:
    link = escape(event.join_link)
    if event.format == EventFormat.ONLINE:
        return t.WHERE_ONLINE.format(link=link) if link else t.WHERE_ONLINE_NO_LINK
    if event.format == EventFormat.HYBRID and link:
        return t.WHERE_HYBRID.format(place=escape(event.place), link=link)
    return t.WHERE_OFFLINE.format(place=escape(event.place))


async def render(
    session: AsyncSession, notification: Notification, now: datetime, tz: ZoneInfo
) -> Rendered | None:
    """The message to send, or None when it is no longer relevant (then it is dropped)."""
    if notification.kind == NotificationKind.REMINDER:
        return await _render_reminder(session, notification, now, tz)
    if notification.kind in (NotificationKind.FEEDBACK_REQUEST, NotificationKind.FEEDBACK_FOLLOWUP):
        return await _render_feedback(session, notification)
    if notification.kind == NotificationKind.FORM_REMINDER:
        return await _render_form_reminder(session, notification)
    buttons = [[(str(b[0]), b[1]) for b in row] for row in notification.payload.get("buttons", [])]
    return Rendered(notification.text, buttons)


async def _render_feedback(session: AsyncSession, notification: Notification) -> Rendered | None:
    """A request or follow-up, unless the person has answered in the meantime."""
    form = notification.payload.get("form") or {}
    if notification.event_id is None or not form:
        return None
    if await feedback.answered(session, notification.person_id, notification.event_id):
        return None
    button = FormButton(
        str(notification.payload.get("button", "")), str(form["code"]), dict(form["context"])
    )
    return Rendered(
        notification.text + await _materials(session, notification.event_id), form_button=button
    )


async def _materials(session: AsyncSession, event_id: int) -> str:
    """The event's materials and recording as they are when the request leaves (they are
    often added after the event, between the request being planned and sent)."""
    event = await session.get(Event, event_id)
    if event is None:
        return ""
    lines = []
    if event.materials_link:
        lines.append(ts.FEEDBACK_MATERIALS.format(link=escape(event.materials_link)))
    if event.recording_link:
        lines.append(ts.FEEDBACK_RECORDING.format(link=escape(event.recording_link)))
    return "\n\n" + "\n".join(lines) if lines else ""


async def _render_form_reminder(
    session: AsyncSession, notification: Notification
) -> Rendered | None:
    """«Заполните анкету», unless the person has submitted it in the meantime."""
    form = notification.payload.get("form") or {}
    if not form:
        return None
    code, context = str(form["code"]), dict(form.get("context") or {})
    if await questionnaire.submitted_for(session, notification.person_id, code, context):
        return None
    button = FormButton(str(notification.payload.get("button", "")), code, context)
    return Rendered(notification.text, form_button=button)


async def _render_reminder(
    session: AsyncSession, notification: Notification, now: datetime, tz: ZoneInfo
) -> Rendered | None:
    if notification.event_id is None:
        return None
    event = await session.get(Event, notification.event_id)
    if event is None or event.status != EventStatus.PUBLISHED or event.starts_at <= now:
        return None
    registered = await session.execute(
        select(Registration.id).where(
            Registration.event_id == event.id,
            Registration.person_id == notification.person_id,
            Registration.status == RegistrationStatus.REGISTERED,
        )
    )
    if registered.scalar_one_or_none() is None:
        return None
    text = t.REMINDER.format(
        when=relative_start(event.starts_at, now, tz),
        title=escape(inside_quotes(event.title)),
        starts=fmt_datetime(event.starts_at, tz),
        where=_where(event),
    )
    buttons: list[list[ButtonSpec]] = []
    if event.join_link.startswith(("http://", "https://")) and event.format != EventFormat.OFFLINE:
        buttons.append([(t.JOIN_BUTTON, {"url": event.join_link})])
    return Rendered(text, buttons)
