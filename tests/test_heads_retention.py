"""Retention (152-ФЗ): people inactive past PERSONAL_DATA_RETENTION are anonymised once a day."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.app import start_background
from bot.config import SettingsError, load_settings, parse_retention
from bot.services import retention
from models import AuditEntry, JobRun, Person, Registration, RegistrationStatus, Role
from models.base import utcnow
from tests.conftest import ADMIN_ID, RunningBot, make_settings
from tests.factories import make_event, make_org, make_person


def test_setting_is_parsed_or_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_retention("3y") == (36, 0)
    assert parse_retention("18m") == (18, 0)
    assert parse_retention("400d") == (0, 400)
    assert parse_retention("  ") is None
    monkeypatch.setenv("PERSONAL_DATA_RETENTION", "три года")
    with pytest.raises(SettingsError, match=r"^PERSONAL_DATA_RETENTION: ожидается срок"):
        load_settings()
    monkeypatch.setenv("PERSONAL_DATA_RETENTION", "")
    assert load_settings().personal_data_retention is None


async def _people(app: RunningBot) -> dict[str, int]:
    long_ago = utcnow() - timedelta(days=4 * 365)
    async with app.sessions.begin() as s:
        school = await make_org(s)
        rows = {
            "old": await make_person(s, 2001, Role.TEACHER, "Старова Анна Ивановна", school,
                                     last_seen_at=long_ago, created_at=long_ago),
            "never_seen": await make_person(s, 2002, Role.HEAD, "Давнов Иван Ильич", school,
                                            created_at=long_ago, head_org_id=school.id),
            "recent": await make_person(s, 2003, Role.TEACHER, "Новикова Вера Львовна", school,
                                        last_seen_at=utcnow() - timedelta(days=30),
                                        created_at=long_ago),
            "admin": await make_person(s, ADMIN_ID, Role.TEACHER, "Админов Пётр Ильич",
                                       last_seen_at=long_ago, created_at=long_ago),
        }  # fmt: skip
        event = await make_event(s)
        s.add(Registration(event_id=event.id, person_id=rows["old"].id,
                           status=RegistrationStatus.REGISTERED))  # fmt: skip
        return {k: p.id for k, p in rows.items()}


async def test_inactive_people_are_anonymised_once_a_day(app: RunningBot) -> None:
    ids = await _people(app)
    settings = make_settings(app.settings.database_url, personal_data_retention="3y")
    now = utcnow()
    assert await retention.run(app.sessions, settings, now) == 2
    async with app.sessions() as s:
        people = {p.id: p for p in (await s.execute(select(Person))).scalars()}
        old, never = people[ids["old"]], people[ids["never_seen"]]
        for gone in (old, never):
            assert gone.telegram_id is None and gone.full_name is None and gone.deleted_at
        assert never.head_org_id is None
        assert people[ids["recent"]].full_name == "Новикова Вера Львовна"
        assert people[ids["admin"]].telegram_id == ADMIN_ID
        registration = (await s.execute(select(Registration))).scalar_one()
        assert registration.status == RegistrationStatus.CANCELLED  # as /delete_me does
        entries = list((await s.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())
    assert [(e.action, e.actor_id, e.subject_person_id) for e in entries] == [
        ("privacy.retention", None, ids["old"]),
        ("privacy.retention", None, ids["never_seen"]),
    ]
    # The same day again: nothing; the next day: runs, finds nobody new.
    assert await retention.run(app.sessions, settings, now + timedelta(minutes=5)) is None
    assert await retention.run(app.sessions, settings, now + timedelta(days=1)) == 0
    async with app.sessions() as s:
        assert len(list((await s.execute(select(AuditEntry))).scalars())) == 2
    # Off by default: the job does nothing at all.
    assert await retention.run(app.sessions, app.settings, now + timedelta(days=2)) is None


async def test_last_seen_is_written_at_most_once_a_day(app: RunningBot) -> None:
    ids = await _people(app)
    user = app.user(2003)
    await user.send("/start")
    async with app.sessions() as s:
        first = (await s.get(Person, ids["recent"])).last_seen_at  # type: ignore[union-attr]
    assert first is not None and utcnow() - first < timedelta(minutes=5)
    await user.send("/profile")
    async with app.sessions() as s:
        assert (await s.get(Person, ids["recent"])).last_seen_at == first  # type: ignore[union-attr]
    # Someone long inactive writes again: they are not anonymised any more.
    await app.user(2001).send("/start")
    settings = make_settings(app.settings.database_url, personal_data_retention="3y")
    assert await retention.run(app.sessions, settings) == 1  # only the one never seen


async def test_the_daily_job_runs_on_the_scheduler(app: RunningBot) -> None:
    ids = await _people(app)
    settings = make_settings(
        app.settings.database_url,
        app.settings.telegram_api_base,
        personal_data_retention="3y",
        outbox_tick_seconds=3600,
    )
    stops = await start_background(app.bot, app.sessions, settings)
    try:
        for _ in range(200):
            async with app.sessions() as s:
                done = (await s.execute(select(JobRun))).scalar_one_or_none()
                person = await s.get(Person, ids["old"])
            if done is not None and person is not None and person.deleted_at is not None:
                break
            await asyncio.sleep(0.05)
        assert done is not None and person is not None and person.deleted_at is not None
    finally:
        for stop in stops:
            await stop()
    async with app.sessions.begin() as s:  # a run left for yesterday is due again
        await s.execute(update(JobRun).values(last_run_at=utcnow() - timedelta(days=2)))
    assert await retention.run(app.sessions, settings) == 0
