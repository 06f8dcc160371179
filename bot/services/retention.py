"""Retention of personal data (152-ФЗ): people inactive for PERSONAL_DATA_RETENTION are
anonymised exactly as /delete_me does, once a day, each one audit-logged.

"Inactive" means: no update from the person (a message or a button) since the cutoff, counted
from `Person.last_seen_at` (written at most once a day by the PersonMiddleware), or from the
registration when they have never been seen since. Admins listed in ADMIN_IDS are kept.

The job runs on the scheduler every hour but does its work once per local day: the day is
claimed in the database (`job_runs`), so a restart or several instances never run it twice a
day; running it again would anyway find nobody left to anonymise.
"""

from __future__ import annotations

import calendar
import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.services import audit, people
from models import JobRun, Person
from models.base import utcnow

log = logging.getLogger(__name__)
JOB = "retention"


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the 31st → the month's last day)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def cutoff(retention: tuple[int, int], now: datetime) -> datetime:
    months, days = retention
    return months_before(now, months) - timedelta(days=days)


async def claim_day(session: AsyncSession, settings: Settings, now: datetime) -> bool:
    """True for the first caller of the local day; the claim commits with the job's work."""
    local = now.astimezone(settings.tz)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    inserted = await session.execute(
        insert(JobRun)
        .values(name=JOB, last_run_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    if int(getattr(inserted, "rowcount", 0) or 0) == 1:
        return True
    claimed = await session.execute(
        update(JobRun)
        .where(JobRun.name == JOB, JobRun.last_run_at < day_start)
        .values(last_run_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(claimed, "rowcount", 0) or 0) == 1


async def inactive(session: AsyncSession, settings: Settings, before: datetime) -> list[Person]:
    """Registered people not seen since `before` (admins of ADMIN_IDS excluded)."""
    stmt = select(Person).where(
        Person.telegram_id.is_not(None),
        Person.deleted_at.is_(None),
        func.coalesce(Person.last_seen_at, Person.created_at) < before,
    )
    if settings.admin_ids:
        stmt = stmt.where(Person.telegram_id.not_in(list(settings.admin_ids)))
    return list((await session.execute(stmt.order_by(Person.id))).scalars().unique())


async def anonymise_inactive(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Anonymise everyone inactive past the retention period; returns how many."""
    if settings.personal_data_retention is None:
        return 0
    before = cutoff(settings.personal_data_retention, now)
    found = await inactive(session, settings, before)
    for person in found:
        seen = person.last_seen_at or person.created_at
        audit.record(
            session,
            None,
            "privacy.retention",
            subject=person,
            last_seen=seen.date().isoformat(),
            cutoff=before.date().isoformat(),
        )
        await people.anonymise(session, person, settings)
    return len(found)


async def run(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, now: datetime | None = None
) -> int | None:
    """The daily job: None when retention is off or today's run is done, else how many."""
    if settings.personal_data_retention is None:
        return None
    now = now or utcnow()
    async with sessions.begin() as session:
        if not await claim_day(session, settings, now):
            return None
        count = await anonymise_inactive(session, settings, now)
    if count:
        log.info("Retention: anonymised %d people inactive since before the cutoff", count)
    return count
