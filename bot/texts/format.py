"""Russian plural forms and dates shown in the municipality's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

MONTHS_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip
MONTHS_NOMINATIVE = (
    "январь", "февраль", "март", "апрель", "май", "июнь",
    "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
)  # fmt: skip
WEEKDAYS_SHORT = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


def plural(n: int, one: str, few: str, many: str) -> str:
    """The form of a noun for n: plural(1, …) → one, 2–4 → few, 5–20 → many (11–14 → many)."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def quantity(n: int, one: str, few: str, many: str) -> str:
    """«1 участник», «2 участника», «5 участников»."""
    return f"{n} {plural(n, one, few, many)}"


def fmt_date(moment: datetime, tz: ZoneInfo) -> str:
    """«5 декабря 2026» in the given zone."""
    local = moment.astimezone(tz)
    return f"{local.day} {MONTHS_GENITIVE[local.month - 1]} {local.year}"


def fmt_time(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M")


def fmt_datetime(moment: datetime, tz: ZoneInfo) -> str:
    """«5 декабря 2026 (сб), 15:00» in the given zone."""
    local = moment.astimezone(tz)
    return f"{fmt_date(local, tz)} ({WEEKDAYS_SHORT[local.weekday()]}), {local:%H:%M}"


def fmt_offsets(minutes: list[int]) -> str:
    """«за 24 часа, за 1 час» for reminder offsets given in minutes."""
    parts = []
    for m in minutes:
        if m % 1440 == 0 and m >= 2880:
            parts.append("за " + quantity(m // 1440, "день", "дня", "дней"))
        elif m % 60 == 0:
            parts.append("за " + quantity(m // 60, "час", "часа", "часов"))
        else:
            parts.append("за " + quantity(m, "минуту", "минуты", "минут"))
    return ", ".join(parts)
