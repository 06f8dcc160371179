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


def count_people(n: int) -> str:
    """«1 человек», «3 человека», «5 человек»."""
    return quantity(n, "человек", "человека", "человек")


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


def agree(n: int, one: str, many: str) -> str:
    """The verb that agrees with a number: «получит 1 участник», «получат 5 участников».

    A numeral ending in 1 (but not 11) takes the singular verb; any other takes the plural.
    """
    n = abs(n)
    return one if n % 10 == 1 and n % 100 != 11 else many


def share(part: int, total: int) -> str:
    """«12 (40 %)»: a count with its share of the total (no share of nothing)."""
    if total <= 0:
        return str(part)
    return f"{part} ({round(100 * part / total)} %)"


def quoted(text: str) -> str:
    """«…» around a title; quotes inside it become „…“ (Russian nested quotes)."""
    inner = text.replace("«", "„").replace("»", "“")
    if inner.count('"') % 2 == 0 and '"' in inner:
        parts = inner.split('"')
        inner = "".join(
            p + ("„" if i % 2 == 0 else "“") if i < len(parts) - 1 else p
            for i, p in enumerate(parts)
        )
    return f"«{inner}»"


def inside_quotes(text: str) -> str:
    """A title as it stands inside a text's own «…»: its quotes become „…“, so «Вебинар
    «ФГОС»» never appears — the template writes «{title}» and gets «Вебинар „ФГОС“»."""
    return quoted(text)[1:-1]


def kind_and_title(kind_label: str, title: str) -> str:
    """«Вебинар «Цифровые инструменты»», but just «Вебинар по ФГОС» or «Муниципальная
    конференция «…»» when the title's first words already name the kind (it is not repeated)."""
    kind_word = kind_label.split(maxsplit=1)[0].casefold()
    stem = kind_word[: max(4, len(kind_word) - 2)]
    if any(word.casefold().startswith(stem) for word in title.split()[:3]):
        return title
    return f"{kind_label} {quoted(title)}"


def file_stem(title: str, moment: datetime | None = None, tz: ZoneInfo | None = None) -> str:
    """A file name from a title and a date: «Цифровые_инструменты_учителя_2026-12-05»."""
    cleaned = "".join(ch if ch.isalnum() or ch in " -№" else " " for ch in title)
    stem = "_".join(cleaned.split())[:60].strip("_-") or "выгрузка"
    if moment is not None:
        local = moment.astimezone(tz) if tz is not None else moment
        stem += f"_{local:%Y-%m-%d}"
    return stem
