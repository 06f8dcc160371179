"""What a broadcast's author sees while it goes out and when it has gone: the live progress
message and the final report. Used by the «Рассылки» handlers and by the notifier, which edits
the progress message as the sender works."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup

from bot.callbacks import BcCb
from bot.services import broadcasts
from bot.texts import broadcasts as t
from bot.texts import fmt_datetime
from handlers.keyboards import inline
from models import Broadcast, BroadcastStatus


def cb(a: str, i: int = 0, v: str = "", p: int = 0) -> BcCb:
    """The «Рассылки» section's callback data."""
    return BcCb(a=a, i=i, v=v, p=p)


def progress_view(
    broadcast: Broadcast,
    progress: broadcasts.Progress,
    rate: float | None,
    end: datetime | None,
    held_until: datetime | None,
    tz: ZoneInfo,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The author's live message: counts, pace, expected end and the control buttons."""
    if held_until is not None:
        pace = t.PACE_HELD.format(end=fmt_datetime(held_until, tz))
    elif rate is not None and end is not None:
        pace = t.PACE.format(rate=f"{rate:.1f}".replace(".", ","), end=fmt_datetime(end, tz))
    elif broadcast.status == BroadcastStatus.SENDING:
        pace = t.PACE_UNKNOWN
    else:
        pace = ""
    text = t.PROGRESS.format(
        id=broadcast.id,
        status=t.STATUS_LABELS[broadcast.status],
        sent=progress.sent,
        total=broadcast.total or progress.total,
        failed=progress.failed,
        left=progress.left,
        pace=pace,
    ).rstrip()
    i = broadcast.id
    if broadcast.status == BroadcastStatus.SENDING:
        markup = inline([(t.BTN_PAUSE, cb("pause", i)), (t.BTN_STOP, cb("stop", i))])
    elif broadcast.status == BroadcastStatus.PAUSED:
        markup = inline([(t.BTN_RESUME, cb("resume", i)), (t.BTN_STOP, cb("stop", i))])
    else:
        markup = None
    return text, markup


def report_view(
    broadcast: Broadcast, report: broadcasts.Report
) -> tuple[str, InlineKeyboardMarkup]:
    text = t.REPORT.format(
        id=broadcast.id,
        status=t.STATUS_LABELS[broadcast.status],
        recipients=broadcast.filters_text or t.EVERYONE,
        delivered=report.delivered,
        blocked=report.blocked,
        opted=report.opted_out,
        failed=report.failed,
        unsent=report.unsent,
        presses=report.presses,
        registered=report.registered,
    )
    i = broadcast.id
    return text, inline(
        [
            (t.BTN_FAILURES_XLSX, cb("fail", i, "xlsx")),
            (t.BTN_FAILURES_CSV, cb("fail", i, "csv")),
        ],
        [(t.BTN_HISTORY, cb("hist"))],
    )
