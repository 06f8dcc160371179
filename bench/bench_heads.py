"""Heads' organisation view and chasing non-responders on a district-sized database.

A district of ORGS organisations × STAFF people each, the repo's diagnostic forms loaded and
about 60 % of the teachers with a submitted response. Measured in the same run and printed as
ratios against a baseline query (the organisation's staff, one SELECT):

- «Моя организация» → a form's completion and aggregates for one organisation;
- the XLSX of one organisation;
- «Кто не ответил» for a form over the whole district (what a methodologist opens).

    .venv/bin/python bench/bench_heads.py                    # 100 × 50 = 5,000 people
    .venv/bin/python bench/bench_heads.py --orgs 300 --staff 50
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select

from bot.config import Settings
from bot.db import create_engine, create_session_factory
from bot.migrate import upgrade_async
from bot.services import chase, forms, org_view
from models import Organisation, OrgKind, Person, Response, ResponseStatus, Role
from models.base import utcnow


async def _timed(fn: Callable[[], Awaitable[Any]], repeat: int) -> float:
    await fn()  # warm-up
    start = time.perf_counter()
    for _ in range(repeat):
        await fn()
    return (time.perf_counter() - start) / repeat


async def main(orgs: int, staff: int, database_url: str | None) -> None:
    folder = tempfile.mkdtemp()
    url = database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
    await upgrade_async(url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    now = utcnow()
    async with sessions.begin() as session:
        await forms.load_all(session)
        form = await forms.active(session, "teacher_deficits")
        assert form is not None
        areas = [a.code for a in forms.definition(form).areas]
        await session.execute(
            insert(Organisation),
            [
                {"name": f"Школа № {i}", "search_name": f"школа № {i}", "kind": OrgKind.SCHOOL,
                 "municipality": "", "is_confirmed": True, "created_at": now}
                for i in range(1, orgs + 1)
            ],
        )  # fmt: skip
        org_ids = list((await session.execute(select(Organisation.id))).scalars())
        rows = []
        for org_id in org_ids:
            for n in range(staff):
                rows.append(
                    {"telegram_id": org_id * 10_000 + n, "full_name": f"Учитель {org_id} {n}",
                     "role": Role.HEAD if n == 0 else Role.TEACHER, "organisation_id": org_id,
                     "position": "учитель", "is_young_specialist": False,
                     "is_management_reserve": False, "is_active": True, "created_at": now,
                     "updated_at": now, "head_org_id": org_id if n == 0 else None}
                )  # fmt: skip
        await session.execute(insert(Person), rows)
        people = (await session.execute(select(Person.id, Person.role))).all()
        responses = [
            {"form_id": form.id, "form_code": form.code, "person_id": pid,
             "status": ResponseStatus.SUBMITTED, "context": {}, "context_key": "",
             "scores": {a: 2.5 + (pid % 5) / 2 for a in areas}, "started_at": now,
             "updated_at": now, "submitted_at": now}
            for pid, role in people
            if role == Role.TEACHER and pid % 5 < 3
        ]  # fmt: skip
        await session.execute(insert(Response), responses)
    org_id = org_ids[len(org_ids) // 2]
    start, end = org_view.school_year(settings.tz)

    async def baseline() -> None:
        async with sessions() as session:
            await org_view.staff(session, org_id)

    async def completion() -> None:
        async with sessions() as session:
            await org_view.completion(session, org_id, form)

    async def export() -> None:
        async with sessions() as session:
            await org_view.export_xlsx(session, org_id, start, end, settings.tz)

    async def district() -> None:
        async with sessions() as session:
            subject = await chase.form_subject(session, form.id)
            assert subject is not None
            await chase.missing(session, subject, None)

    base = await _timed(baseline, 20)
    print(f"district: {orgs} organisations × {staff} people, {len(responses)} responses")
    print(f"baseline (one organisation's staff): {base * 1000:.1f} ms")
    for name, fn, repeat in (
        ("organisation: form completion and aggregates", completion, 20),
        ("organisation: XLSX of everything", export, 5),
        ("district: who has not answered a form", district, 3),
    ):
        spent = await _timed(fn, repeat)
        print(f"{name}: {spent * 1000:.1f} ms = {spent / base:.1f} × baseline")
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orgs", type=int, default=100)
    parser.add_argument("--staff", type=int, default=50)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    asyncio.run(main(args.orgs, args.staff, args.database_url))
