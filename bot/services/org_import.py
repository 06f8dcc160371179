"""Importing organisations from CSV/XLSX: validate every row first, then write all or nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.tables import RowErrors, Table, normalize_header, require_columns, to_xlsx
from bot.texts import orgs as t
from bot.texts import tables as tt
from models import Organisation, OrgKind
from models.organisation import search_key

COL_NAME = "Название"
COL_KIND = "Тип"
COL_MUNICIPALITY = "Муниципалитет"
#: Optional: the organisation's teaching staff, the denominator of the concept's indicators.
COL_STAFF = "Численность педагогов"
STAFF_LIMIT = 100_000
NAME_LIMIT = 300

KIND_ALIASES: dict[str, OrgKind] = {
    "школа": OrgKind.SCHOOL,
    "сош": OrgKind.SCHOOL,
    "оош": OrgKind.SCHOOL,
    "гимназия": OrgKind.GYMNASIUM,
    "лицей": OrgKind.LYCEUM,
    "детский сад": OrgKind.KINDERGARTEN,
    "доу": OrgKind.KINDERGARTEN,
    "дошкольное": OrgKind.KINDERGARTEN,
    "дополнительное образование": OrgKind.ADDITIONAL,
    "учреждение дополнительного образования": OrgKind.ADDITIONAL,
    "удо": OrgKind.ADDITIONAL,
    "методический центр": OrgKind.METHODICAL_CENTRE,
    "имц": OrgKind.METHODICAL_CENTRE,
    "другое": OrgKind.OTHER,
}


@dataclass(frozen=True)
class OrgRow:
    name: str
    kind: OrgKind
    municipality: str
    staff_count: int | None = None


@dataclass(frozen=True)
class ImportPlan:
    rows: list[OrgRow]
    added: int
    updated: int


def parse(table: Table) -> tuple[list[OrgRow], RowErrors]:
    """Validate every row; the rows are usable only when no errors were found."""
    require_columns(table, [COL_NAME, COL_KIND])
    name_key, kind_key, mun_key, staff_key = (
        normalize_header(c) for c in (COL_NAME, COL_KIND, COL_MUNICIPALITY, COL_STAFF)
    )
    errors = RowErrors()
    rows: list[OrgRow] = []
    seen: dict[tuple[str, str], int] = {}
    for number, record in table.rows:
        if all(v is None for v in record.values()):
            continue
        name = " ".join(str(record.get(name_key) or "").split())
        kind_text = " ".join(str(record.get(kind_key) or "").casefold().split())
        municipality = " ".join(str(record.get(mun_key) or "").split())
        if not name:
            errors.add(number, COL_NAME, tt.REQUIRED)
        elif len(name) > NAME_LIMIT:
            errors.add(number, COL_NAME, tt.TOO_LONG.format(limit=NAME_LIMIT))
        kind = KIND_ALIASES.get(kind_text)
        if not kind_text:
            errors.add(number, COL_KIND, tt.REQUIRED)
        elif kind is None:
            errors.add(number, COL_KIND, t.UNKNOWN_KIND.format(value=kind_text))
        key = (search_key(name), municipality.casefold())
        if name and key in seen:
            errors.add(number, COL_NAME, t.DUPLICATE_ROW.format(row=seen[key]))
        seen.setdefault(key, number)
        staff_count, staff_ok = _staff_count(record.get(staff_key))
        if not staff_ok:
            errors.add(number, COL_STAFF, t.BAD_STAFF_COUNT.format(limit=STAFF_LIMIT))
        if name and kind is not None:
            rows.append(OrgRow(name, kind, municipality, staff_count))
    if not rows and not errors:
        errors.add(table.rows[0][0], COL_NAME, tt.REQUIRED)
    return rows, errors


def _staff_count(value: object) -> tuple[int | None, bool]:
    """The staff number of a cell (empty is unknown) and whether the cell was acceptable."""
    if value is None:
        return None, True
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\u00a0", "").replace(" ", "")
    if not text.isdigit() or not 0 < int(text) <= STAFF_LIMIT:
        return None, False
    return int(text), True


async def plan(session: AsyncSession, rows: list[OrgRow]) -> ImportPlan:
    """How many organisations the import would add and how many it would update."""
    existing = await _existing(session)
    added = sum(1 for r in rows if (search_key(r.name), r.municipality) not in existing)
    return ImportPlan(rows=rows, added=added, updated=len(rows) - added)


async def apply(session: AsyncSession, rows: list[OrgRow]) -> ImportPlan:
    """Add new organisations and update the kind of known ones, in the caller's transaction."""
    existing = await _existing(session)
    added = 0
    for row in rows:
        org = existing.get((search_key(row.name), row.municipality))
        if org is None:
            org = Organisation(municipality=row.municipality)
            session.add(org)
            added += 1
        org.set_name(row.name)
        org.kind = row.kind
        org.is_confirmed = True
        if row.staff_count is not None:
            org.staff_count = row.staff_count
    await session.flush()
    return ImportPlan(rows=rows, added=added, updated=len(rows) - added)


async def _existing(session: AsyncSession) -> dict[tuple[str, str], Organisation]:
    result = await session.execute(select(Organisation))
    return {(o.search_name, o.municipality): o for o in result.scalars()}


def template() -> bytes:
    """An XLSX template with the expected columns and two example rows."""
    return to_xlsx(
        [COL_NAME, COL_KIND, COL_MUNICIPALITY, COL_STAFF],
        [
            ["ГБОУ школа № 237", "школа", "Адмиралтейский район", 64],
            ["ГБДОУ детский сад № 78", "детский сад", "Адмиралтейский район", None],
        ],
        title="Организации",
    )
