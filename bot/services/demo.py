"""A demo district so a newcomer can try the bot at once (`python -m bot seed-demo`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import org_import
from models import OrgKind

DEMO_MUNICIPALITY = "Демонстрационный район"

_SCHOOLS = [237, 238, 241, 242, 245, 250, 252, 255, 260, 263, 264, 270, 272, 275, 280, 281]
_GYMNASIUMS = [399, 405, 406, 411]
_LYCEUMS = [101, 126, 144]
_KINDERGARTENS = [12, 23, 34, 45, 56, 67, 78, 89, 90, 101]
_OTHERS = [
    ("ГБУ ДО Дом детского творчества «Левобережный»", OrgKind.ADDITIONAL),
    ("ГБУ ДО Центр детского (юношеского) технического творчества", OrgKind.ADDITIONAL),
    ("ГБУ ДППО ЦПКС «Информационно-методический центр»", OrgKind.METHODICAL_CENTRE),
]


def demo_organisations() -> list[org_import.OrgRow]:
    rows = [
        *((f"ГБОУ школа № {n}", OrgKind.SCHOOL) for n in _SCHOOLS),
        *((f"ГБОУ гимназия № {n}", OrgKind.GYMNASIUM) for n in _GYMNASIUMS),
        *((f"ГБОУ лицей № {n}", OrgKind.LYCEUM) for n in _LYCEUMS),
        *((f"ГБДОУ детский сад № {n}", OrgKind.KINDERGARTEN) for n in _KINDERGARTENS),
        *_OTHERS,
    ]
    return [org_import.OrgRow(name, kind, DEMO_MUNICIPALITY) for name, kind in rows]


async def seed_demo(session: AsyncSession) -> dict[str, int]:
    """Load the demo data; running it again updates rather than duplicates. Returns counts."""
    plan = await org_import.apply(session, demo_organisations())
    from bot.services.events_demo import seed_events

    events_added = await seed_events(session)
    return {
        "organisations_added": plan.added,
        "organisations_updated": plan.updated,
        "events_added": events_added,
    }
