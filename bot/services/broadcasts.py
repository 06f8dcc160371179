"""Broadcasts: drafts, launching (recipients frozen into rows), control, progress and reports.

Delivery is the outbox's: at launch every recipient gets a `broadcast_recipients` row (unique
per broadcast) and a pending notification with `broadcast_id` and a dedup key, in the same
transaction as the status change, so a crash either launched all of it or nothing. The one
sender (bot.notifier) claims those rows after reminders, change notices and feedback requests,
sharing the rest fairly between broadcasts going at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.services import InvalidInput, audit, outbox, registrations
from bot.services.broadcast_filters import Filters, count, recipient_ids
from bot.services.registrations import Outcome
from bot.texts import broadcasts as t
from bot.texts import fmt_datetime, inside_quotes
from bot.texts.onboarding import ORG_KIND_LABELS, ROLE_LABELS
from models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    ContentKind,
    Event,
    EventSeries,
    Form,
    Notification,
    NotificationKind,
    NotificationStatus,
    Organisation,
    OrgKind,
    Person,
    Role,
)
from models.base import utcnow

#: Bots may send files of any size they received, but a methodologist's 60 MB video is not an
#: announcement: the Bot API's upload limit is the line.
MAX_FILE_BYTES = 50 * 1024 * 1024
CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096
LINK_TITLE_LIMIT = 64
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]{2,}$", re.IGNORECASE)
ACTIVE = (BroadcastStatus.SENDING, BroadcastStatus.PAUSED)
EDITABLE = (BroadcastStatus.DRAFT, BroadcastStatus.SCHEDULED)
#: Errors the sender writes on a broadcast row that was not sent for a known reason.
OPTED_OUT_ERROR = "recipient opted out of broadcasts"
STOPPED_ERROR = "broadcast stopped"


def dedup_key(broadcast_id: int, person_id: int) -> str:
    return f"broadcast:{broadcast_id}:{person_id}"


async def create_draft(session: AsyncSession, author: Person) -> Broadcast:
    broadcast = Broadcast(author_id=author.id, status=BroadcastStatus.DRAFT, filters={})
    session.add(broadcast)
    await session.flush()
    return broadcast


def check_content(kind: ContentKind, html_text: str, file_size: int | None) -> None:
    """Refuse what cannot be broadcast (the caller refuses unknown kinds itself)."""
    if file_size is not None and file_size > MAX_FILE_BYTES:
        raise InvalidInput(t.REFUSE_TOO_BIG.format(limit=MAX_FILE_BYTES // (1024 * 1024)))
    if kind == ContentKind.TEXT and not html_text.strip():
        raise InvalidInput(t.REFUSE_EMPTY)
    if kind != ContentKind.TEXT and len(html_text) > CAPTION_LIMIT * 2:
        raise InvalidInput(t.REFUSE_TOO_LONG)


def set_content(
    broadcast: Broadcast,
    kind: ContentKind,
    html_text: str,
    file_id: str | None,
    *,
    source_chat_id: int,
    source_message_id: int,
) -> None:
    broadcast.content_kind = kind
    broadcast.text = html_text
    broadcast.file_id = file_id
    broadcast.source_chat_id = source_chat_id
    broadcast.source_message_id = source_message_id


def parse_link(text: str) -> tuple[str, str]:
    """«Title\\nURL» (or «Title | URL») → (title, url); InvalidInput when malformed."""
    parts = [p.strip() for p in re.split(r"\n|\|", text.strip()) if p.strip()]
    if len(parts) != 2:
        raise InvalidInput(t.BAD_LINK)
    title, url = parts
    if len(title) > LINK_TITLE_LIMIT or not URL.match(url) or len(url) > 1000:
        raise InvalidInput(t.BAD_LINK)
    return title, url


async def own(
    session: AsyncSession, broadcast_id: int, person: Person, *, lock: bool = False
) -> Broadcast:
    """The broadcast if this staff member may control it (its author, or an admin)."""
    stmt = select(Broadcast).where(Broadcast.id == broadcast_id)
    if lock and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    broadcast = (await session.execute(stmt)).scalar_one_or_none()
    if broadcast is None or not person.is_staff:
        raise InvalidInput(t.NOT_YOURS)
    if broadcast.author_id != person.id and person.role != Role.ADMIN:
        raise InvalidInput(t.NOT_YOURS)
    return broadcast


def filters_of(broadcast: Broadcast) -> Filters:
    return Filters.from_dict(broadcast.filters)


async def describe(session: AsyncSession, filters: Filters, tz: ZoneInfo) -> str:
    """The recipients in words: «роль: Педагог или Руководитель; резерв управленческих кадров»."""
    if filters.is_everyone:
        return t.EVERYONE
    parts: list[str] = []
    if filters.roles:
        parts.append(
            t.DESC_ROLES.format(v=t.DESC_OR.join(ROLE_LABELS[Role(r)] for r in filters.roles))
        )
    if filters.org_ids:
        names = (
            await session.execute(
                select(Organisation.name).where(Organisation.id.in_(filters.org_ids))
            )
        ).scalars()
        parts.append(t.DESC_ORGS.format(v=t.DESC_OR.join(escape(n) for n in names)))
    if filters.org_kinds:
        parts.append(
            t.DESC_ORG_KINDS.format(
                v=t.DESC_OR.join(ORG_KIND_LABELS[OrgKind(k)] for k in filters.org_kinds)
            )
        )
    if filters.events:
        items = []
        for pick in filters.events:
            if pick.event_id is not None:
                title = await session.scalar(select(Event.title).where(Event.id == pick.event_id))
                items.append(
                    t.DESC_EVENT.format(
                        mode=t.DESC_MODES[pick.mode],
                        title=escape(inside_quotes(title or t.UNKNOWN)),
                    )
                )
            else:
                title = await session.scalar(
                    select(EventSeries.title).where(EventSeries.id == pick.series_id)
                )
                items.append(
                    t.DESC_SERIES.format(
                        mode=t.DESC_MODES_SERIES[pick.mode],
                        title=escape(inside_quotes(title or t.UNKNOWN)),
                    )
                )
        parts.append(t.DESC_EVENTS.format(v=t.DESC_OR.join(items)))
    if filters.reserve:
        parts.append(t.DESC_RESERVE)
    if filters.young:
        parts.append(t.DESC_YOUNG)
    if filters.not_submitted:
        titles = []
        for code in filters.not_submitted:
            title = await session.scalar(
                select(Form.title).where(Form.code == code).order_by(Form.version.desc()).limit(1)
            )
            titles.append(escape(title or code))
        if filters.not_submitted_since is not None:
            parts.append(
                t.DESC_FORMS_SINCE.format(
                    date=filters.not_submitted_since.astimezone(tz).strftime("%d.%m.%Y"),
                    v=t.DESC_OR.join(titles),
                )
            )
        else:
            parts.append(t.DESC_FORMS.format(v=t.DESC_OR.join(titles)))
    if filters.no_feedback:
        titles = list(
            (
                await session.execute(select(Event.title).where(Event.id.in_(filters.no_feedback)))
            ).scalars()
        )
        parts.append(t.DESC_FEEDBACK.format(v=t.DESC_OR.join(f"«{escape(x)}»" for x in titles)))
    return t.DESC_AND.join(parts)


def count_text(n: int, blocked: int, opted: int) -> str:
    """«Получат: 412 чел.; не получат: 9 заблокировали бота, 3 отказались от рассылок.»"""
    from bot.texts import plural

    return t.COUNT.format(
        n=n,
        blocked=blocked,
        blocked_word=plural(blocked, *t.BLOCKED_WORDS),
        opted=opted,
        opted_word=plural(opted, *t.OPTED_WORDS),
    )


async def count_for(session: AsyncSession, broadcast: Broadcast) -> tuple[int, str]:
    c = await count(session, filters_of(broadcast))
    return c.recipients, count_text(c.recipients, c.blocked, c.opted_out)


async def launch(
    session: AsyncSession,
    broadcast: Broadcast,
    actor: Person | None,
    settings: Settings,
    *,
    now: datetime | None = None,
    progress_chat_id: int | None = None,
) -> int:
    """Freeze the recipients and queue one delivery each; returns how many.

    One transaction with the status change: after a crash either all of it is there or none.
    """
    now = now or utcnow()
    if broadcast.status not in EDITABLE:
        raise InvalidInput(t.NOT_EDITABLE)
    filters = filters_of(broadcast)
    c = await count(session, filters, now)
    ids = await recipient_ids(session, filters, now)
    if not ids:
        raise InvalidInput(t.EMPTY_RECIPIENTS)
    broadcast.filters_text = await describe(session, filters, settings.tz)
    if ids:
        await session.execute(
            insert(BroadcastRecipient),
            [{"broadcast_id": broadcast.id, "person_id": pid, "registered": False} for pid in ids],
        )
        await session.execute(
            insert(Notification),
            [
                {
                    "kind": NotificationKind.BROADCAST,
                    "person_id": pid,
                    "broadcast_id": broadcast.id,
                    "due_at": now,
                    "holdable": not broadcast.urgent,
                    "text": "",
                    "payload": {},
                    "dedup_key": dedup_key(broadcast.id, pid),
                    "status": NotificationStatus.PENDING,
                    "attempts": 0,
                    "last_error": "",
                    "created_at": now,
                }
                for pid in ids
            ],
        )
    broadcast.total = len(ids)
    broadcast.skipped_blocked = c.blocked
    broadcast.skipped_opted_out = c.opted_out
    broadcast.status = BroadcastStatus.SENDING
    broadcast.launched_at = now
    if progress_chat_id is not None:
        broadcast.progress_chat_id = progress_chat_id
    audit.record(
        session,
        actor,
        "broadcast.launch",
        object_kind="broadcast",
        object_id=broadcast.id,
        recipients=len(ids),
        scheduled=broadcast.scheduled_at is not None,
    )
    await session.flush()
    return len(ids)


def parse_when(text: str, tz: ZoneInfo, now: datetime | None = None) -> datetime:
    """«05.12.2026 10:00» in TIMEZONE → an aware UTC moment in the future."""
    now = now or utcnow()
    match = re.fullmatch(r"\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s+(\d{1,2})[:.](\d{2})\s*", text)
    if not match:
        raise InvalidInput(t.BAD_SCHEDULE.format(example=example_when(now, tz)))
    day, month, year, hour, minute = (int(g) for g in match.groups())
    try:
        local = datetime(year, month, day, hour, minute, tzinfo=tz)
    except ValueError:
        raise InvalidInput(t.BAD_SCHEDULE.format(example=example_when(now, tz))) from None
    moment = local.astimezone(now.tzinfo)
    if moment <= now:
        raise InvalidInput(t.PAST_SCHEDULE)
    return moment


def example_when(now: datetime, tz: ZoneInfo) -> str:
    from datetime import timedelta

    return (now + timedelta(days=1)).astimezone(tz).strftime("%d.%m.%Y 10:00")


async def schedule(
    session: AsyncSession, broadcast: Broadcast, actor: Person, at: datetime, now: datetime
) -> None:
    if broadcast.status not in EDITABLE:
        raise InvalidInput(t.NOT_EDITABLE)
    if at <= now:
        raise InvalidInput(t.PAST_SCHEDULE)
    if (await count(session, filters_of(broadcast), now)).recipients == 0:
        raise InvalidInput(t.EMPTY_RECIPIENTS)
    broadcast.scheduled_at = at
    broadcast.status = BroadcastStatus.SCHEDULED
    audit.record(
        session,
        actor,
        "broadcast.schedule",
        object_kind="broadcast",
        object_id=broadcast.id,
        at=at.isoformat(),
    )
    await session.flush()


async def launch_due(session: AsyncSession, settings: Settings, now: datetime) -> list[Broadcast]:
    """Launch the scheduled broadcasts whose time has come (the sender's tick calls this)."""
    due = list(
        (
            await session.execute(
                select(Broadcast).where(
                    Broadcast.status == BroadcastStatus.SCHEDULED, Broadcast.scheduled_at <= now
                )
            )
        ).scalars()
    )
    launched = []
    for broadcast in due:
        try:
            await launch(session, broadcast, None, settings, now=now)
        except InvalidInput:
            # Nobody matches any more: it is over with nobody to send to.
            broadcast.status = BroadcastStatus.DONE
            broadcast.finished_at = now
            broadcast.launched_at = now
        launched.append(broadcast)
    return launched


async def set_paused(session: AsyncSession, broadcast: Broadcast, paused: bool) -> None:
    if paused and broadcast.status == BroadcastStatus.SENDING:
        broadcast.status = BroadcastStatus.PAUSED
    elif not paused and broadcast.status == BroadcastStatus.PAUSED:
        broadcast.status = BroadcastStatus.SENDING
    else:
        raise InvalidInput(t.NOT_EDITABLE)
    await session.flush()


async def stop(session: AsyncSession, broadcast: Broadcast, actor: Person) -> int:
    """Stop: what is not yet sent is not sent. Returns how many deliveries were cancelled."""
    if broadcast.status not in ACTIVE:
        raise InvalidInput(t.NOT_EDITABLE)
    broadcast.status = BroadcastStatus.STOPPED
    broadcast.finished_at = utcnow()
    result = await session.execute(
        update(Notification)
        .where(
            Notification.broadcast_id == broadcast.id,
            Notification.status == NotificationStatus.PENDING,
        )
        .values(status=NotificationStatus.CANCELLED, last_error=STOPPED_ERROR)
        .execution_options(synchronize_session=False)
    )
    cancelled = int(getattr(result, "rowcount", 0) or 0)
    audit.record(
        session, actor, "broadcast.stop", object_kind="broadcast", object_id=broadcast.id,
        unsent=cancelled,
    )  # fmt: skip
    await session.flush()
    return cancelled


async def cancel(session: AsyncSession, broadcast: Broadcast, actor: Person) -> None:
    """Cancel a draft or a scheduled broadcast before it goes."""
    if broadcast.status not in EDITABLE:
        raise InvalidInput(t.NOT_EDITABLE)
    was = broadcast.status
    broadcast.status = BroadcastStatus.CANCELLED
    audit.record(
        session, actor, "broadcast.cancel", object_kind="broadcast", object_id=broadcast.id,
        was=str(was),
    )  # fmt: skip
    await session.flush()


async def to_draft(session: AsyncSession, broadcast: Broadcast) -> None:
    """A scheduled broadcast goes back to a draft to be changed (it is scheduled again after)."""
    if broadcast.status not in EDITABLE:
        raise InvalidInput(t.NOT_EDITABLE)
    broadcast.status = BroadcastStatus.DRAFT
    broadcast.scheduled_at = None
    await session.flush()


@dataclass
class Progress:
    total: int
    sent: int
    failed: int
    left: int
    cancelled: int


async def progress(session: AsyncSession, broadcast_id: int) -> Progress:
    rows = await session.execute(
        select(Notification.status, func.count())
        .where(Notification.broadcast_id == broadcast_id)
        .group_by(Notification.status)
    )
    by = {NotificationStatus(s): int(n) for s, n in rows.all()}
    sent = by.get(NotificationStatus.SENT, 0)
    failed = by.get(NotificationStatus.FAILED, 0) + by.get(NotificationStatus.DROPPED, 0)
    left = by.get(NotificationStatus.PENDING, 0) + by.get(NotificationStatus.SENDING, 0)
    cancelled = by.get(NotificationStatus.CANCELLED, 0)
    return Progress(sent + failed + left + cancelled, sent, failed, left, cancelled)


async def finish_completed(session: AsyncSession, now: datetime) -> list[int]:
    """Mark sending broadcasts with nothing left as done; returns their ids."""
    active = list(
        (
            await session.execute(
                select(Broadcast.id).where(Broadcast.status == BroadcastStatus.SENDING)
            )
        ).scalars()
    )
    done = []
    for broadcast_id in active:
        left = await session.scalar(
            select(func.count()).where(
                Notification.broadcast_id == broadcast_id,
                Notification.status.in_([NotificationStatus.PENDING, NotificationStatus.SENDING]),
            )
        )
        if not left:
            done.append(broadcast_id)
    if done:
        await session.execute(
            update(Broadcast)
            .where(Broadcast.id.in_(done), Broadcast.status == BroadcastStatus.SENDING)
            .values(status=BroadcastStatus.DONE, finished_at=now)
            .execution_options(synchronize_session=False)
        )
    return done


@dataclass
class Report:
    delivered: int
    blocked: int
    opted_out: int
    failed: int
    unsent: int
    presses: int
    registered: int


async def report(session: AsyncSession, broadcast: Broadcast) -> Report:
    rows = await session.execute(
        select(Notification.status, Notification.last_error, Person.is_active)
        .join(Person, Person.id == Notification.person_id)
        .where(Notification.broadcast_id == broadcast.id)
    )
    delivered = blocked = opted = failed = unsent = 0
    for status, error, active in rows.all():
        if status == NotificationStatus.SENT:
            delivered += 1
        elif error == OPTED_OUT_ERROR:
            opted += 1
        elif error == STOPPED_ERROR or status in (
            NotificationStatus.PENDING,
            NotificationStatus.SENDING,
        ):
            unsent += 1
        elif not active:
            blocked += 1
        else:
            failed += 1
    presses = await session.scalar(
        select(func.count()).where(
            BroadcastRecipient.broadcast_id == broadcast.id,
            BroadcastRecipient.signup_pressed_at.is_not(None),
        )
    )
    registered = await session.scalar(
        select(func.count()).where(
            BroadcastRecipient.broadcast_id == broadcast.id, BroadcastRecipient.registered
        )
    )
    return Report(
        delivered,
        blocked + broadcast.skipped_blocked,
        opted + broadcast.skipped_opted_out,
        failed,
        unsent,
        int(presses or 0),
        int(registered or 0),
    )


async def failure_rows(session: AsyncSession, broadcast: Broadcast) -> list[list[Any]]:
    """Recipients who did not get it: ФИО, organisation, what happened, the error."""
    rows = await session.execute(
        select(
            Person.full_name,
            Organisation.name,
            Notification.status,
            Notification.last_error,
            Person.is_active,
        )
        .join(Person, Person.id == Notification.person_id)
        .outerjoin(Organisation, Organisation.id == Person.organisation_id)
        .where(
            Notification.broadcast_id == broadcast.id,
            Notification.status != NotificationStatus.SENT,
            Notification.status != NotificationStatus.PENDING,
            Notification.status != NotificationStatus.SENDING,
        )
        .order_by(Person.full_name)
    )
    result: list[list[Any]] = []
    for name, org, _status, error, active in rows.all():
        if error == OPTED_OUT_ERROR:
            what = t.FAILURE_OPTED
        elif error == STOPPED_ERROR:
            what = t.FAILURE_UNSENT
        elif not active:
            what = t.FAILURE_BLOCKED
        else:
            what = t.FAILURE_OTHER
        result.append([name or "", org or "", what, error])
    return result


async def history(
    session: AsyncSession, page: int, per_page: int
) -> tuple[list[tuple[Broadcast, int]], int]:
    """Broadcasts except abandoned drafts, newest first, with how many were sent."""
    shown = Broadcast.status != BroadcastStatus.DRAFT
    total = int(await session.scalar(select(func.count()).where(shown)) or 0)
    items = list(
        (
            await session.execute(
                select(Broadcast)
                .where(shown)
                .order_by(Broadcast.id.desc())
                .offset(page * per_page)
                .limit(per_page)
            )
        ).scalars()
    )
    sent: dict[int, int] = {}
    if items:
        rows = await session.execute(
            select(Notification.broadcast_id, func.count())
            .where(
                Notification.broadcast_id.in_([b.id for b in items]),
                Notification.status == NotificationStatus.SENT,
            )
            .group_by(Notification.broadcast_id)
        )
        sent = {int(b or 0): int(n) for b, n in rows.all()}
    return [(b, sent.get(b.id, 0)) for b in items], total


async def set_opt_out(session: AsyncSession, person: Person, opted_out: bool) -> None:
    person.broadcasts_opt_out = opted_out
    await session.flush()


@dataclass
class Content:
    """What a recipient gets: the stored message and its buttons (outbox button specs)."""

    kind: ContentKind
    text: str
    file_id: str | None
    buttons: list[list[Any]]


def content_of(broadcast: Broadcast) -> Content:
    rows: list[list[Any]] = []
    if broadcast.link_url:
        rows.append([outbox.url_button(broadcast.link_title, broadcast.link_url)])
    if broadcast.event_id is not None:
        rows.append([outbox.button(t.BTN_SIGNUP, outbox.Target.BROADCAST_SIGNUP, broadcast.id)])
    rows.append([outbox.button(t.BTN_OPT_OUT, outbox.Target.BROADCAST_OPT_OUT, broadcast.id)])
    return Content(broadcast.content_kind, broadcast.text, broadcast.file_id, rows)


async def enqueue_test(session: AsyncSession, broadcast: Broadcast, author: Person) -> None:
    """A test delivery to the author through the real sender (not counted in the broadcast)."""
    await outbox.enqueue(
        session,
        kind=NotificationKind.BROADCAST,
        person_id=author.id,
        text="",
        payload={"broadcast_test": broadcast.id},
    )


@dataclass
class SignupResult:
    outcome: Outcome
    event: Event
    position: int


async def signup(
    session: AsyncSession, settings: Settings, person: Person, broadcast_id: int
) -> SignupResult:
    """«Записаться» under a broadcast: one tap registers, or joins the waitlist when full."""
    recipient = (
        await session.execute(
            select(BroadcastRecipient).where(
                BroadcastRecipient.broadcast_id == broadcast_id,
                BroadcastRecipient.person_id == person.id,
            )
        )
    ).scalar_one_or_none()
    broadcast = await session.get(Broadcast, broadcast_id)
    if recipient is None or broadcast is None:
        raise InvalidInput(t.NOT_A_RECIPIENT)
    if broadcast.event_id is None:
        raise InvalidInput(t.EVENT_GONE)
    if recipient.signup_pressed_at is None:
        recipient.signup_pressed_at = utcnow()
    result = await registrations.register(
        session, settings, person, broadcast.event_id, join_waitlist=True
    )
    if result.outcome in (Outcome.REGISTERED, Outcome.WAITLISTED):
        recipient.registered = True
    await session.flush()
    return SignupResult(result.outcome, result.event, result.position)


def when_text(moment: datetime | None, tz: ZoneInfo) -> str:
    return fmt_datetime(moment, tz) if moment else ""


def _broadcast_of(row: Notification) -> int | None:
    """The broadcast a row delivers (or test-sends), None for other notifications."""
    if row.kind != NotificationKind.BROADCAST:
        return None
    if row.broadcast_id is not None:
        return row.broadcast_id
    test_id = (row.payload or {}).get("broadcast_test")
    return int(test_id) if test_id else None


@dataclass
class BatchContext:
    """What a batch of outbox rows needs to send its broadcast rows, read in two queries."""

    contents: dict[int, Content]
    opted_out: set[int]

    def content_for(self, row: Notification) -> Content | str:
        """The content to send, or why not: «opted_out» or «gone». A test send always goes."""
        broadcast_id = _broadcast_of(row)
        content = self.contents.get(broadcast_id) if broadcast_id is not None else None
        if content is None:
            return "gone"
        if row.broadcast_id is not None and row.person_id in self.opted_out:
            return "opted_out"
        return content


async def batch_context(session: AsyncSession, rows: list[Notification]) -> BatchContext:
    ids = {i for i in (_broadcast_of(r) for r in rows) if i is not None}
    if not ids:
        return BatchContext({}, set())
    found = (await session.execute(select(Broadcast).where(Broadcast.id.in_(ids)))).scalars()
    contents = {b.id: content_of(b) for b in found}
    people = {r.person_id for r in rows if r.broadcast_id is not None}
    opted = (
        await session.execute(
            select(Person.id).where(Person.id.in_(people), Person.broadcasts_opt_out.is_(True))
        )
    ).scalars()
    return BatchContext(contents, set(opted))


async def status_of(session: AsyncSession, broadcast_id: int) -> BroadcastStatus | None:
    status = await session.scalar(select(Broadcast.status).where(Broadcast.id == broadcast_id))
    return BroadcastStatus(status) if status is not None else None


async def watched(session: AsyncSession) -> list[Broadcast]:
    """Broadcasts whose author's progress message is live or whose report is still due."""
    rows = await session.execute(
        select(Broadcast).where(
            (Broadcast.status.in_(ACTIVE))
            | (
                Broadcast.status.in_([BroadcastStatus.DONE, BroadcastStatus.STOPPED])
                & Broadcast.report_sent.is_(False)
                & Broadcast.launched_at.is_not(None)
            )
        )
    )
    return list(rows.scalars())


async def set_progress_message(session: AsyncSession, broadcast_id: int, message_id: int) -> None:
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .values(progress_message_id=message_id)
        .execution_options(synchronize_session=False)
    )


async def mark_report_sent(session: AsyncSession, broadcast_id: int) -> bool:
    """Claim the sending of the final report; False when another process already did."""
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.report_sent.is_(False))
        .values(report_sent=True)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def pick_events(
    session: AsyncSession, page: int, per_page: int, *, upcoming: bool, now: datetime | None = None
) -> tuple[list[Event], int]:
    """Events to pick from: upcoming published ones (to attach), or held ones (for filters)."""
    from models import EventStatus

    now = now or utcnow()
    if upcoming:
        where = [Event.status == EventStatus.PUBLISHED, Event.starts_at > now]
        order: list[Any] = [Event.starts_at, Event.id]
    else:
        where = [Event.status.in_([EventStatus.PUBLISHED, EventStatus.FINISHED])]
        order = [Event.starts_at.desc(), Event.id.desc()]
    total = int(await session.scalar(select(func.count()).select_from(Event).where(*where)) or 0)
    items = (
        await session.execute(
            select(Event).where(*where).order_by(*order).offset(page * per_page).limit(per_page)
        )
    ).scalars()
    return list(items), total


async def all_series(session: AsyncSession, limit: int = 20) -> list[EventSeries]:
    rows = await session.execute(select(EventSeries).order_by(EventSeries.id.desc()).limit(limit))
    return list(rows.scalars())


async def diagnostic_forms(session: AsyncSession) -> list[tuple[str, str]]:
    """(code, title) of the active forms that are not feedback: what «не заполнили» asks about."""
    rows = await session.execute(
        select(Form.code, Form.title)
        .where(Form.is_active.is_(True), Form.purpose != "feedback")
        .order_by(Form.title)
    )
    return [(code, title) for code, title in rows.all()]


async def author_name(session: AsyncSession, broadcast: Broadcast) -> str:
    if broadcast.author_id is None:
        return ""
    return str(
        await session.scalar(select(Person.full_name).where(Person.id == broadcast.author_id)) or ""
    )
