"""The period of a report or an export: a school year (1 September – 31 August), a month, or two
dates, always in the municipality's time zone.

A period is a half-open span of local days [start, end + 1 day) turned into UTC moments for the
queries; it is written as text in three forms that people and the command line type and buttons
carry: «2025-2026» (a school year), «2026-03» (a month), «2026-01-01..2026-03-31» (two dates;
Russian «01.01.2026–31.03.2026» is understood too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services import InvalidInput
from bot.texts import reports as t
from bot.texts.format import MONTHS_GENITIVE, MONTHS_NOMINATIVE

#: The longest span of two dates a report may cover (a few school years).
MAX_DAYS = 366 * 5
SCHOOL_YEAR_START_MONTH = 9

_YEAR = re.compile(r"^(\d{4})\s*[-–/]\s*(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_MONTH_RU = re.compile(r"^(\d{1,2})\.(\d{4})$")
_RANGE = re.compile(r"^(\S+?)\s*(?:\.\.|[–—]|\s-\s|\s)\s*(\S+)$")


@dataclass(frozen=True)
class Period:
    """Local dates from `first` to `last`, both included; `kind` is year / month / range."""

    kind: str
    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise InvalidInput(t.PERIOD_END_BEFORE_START)

    def start_utc(self, tz: ZoneInfo) -> datetime:
        return datetime.combine(self.first, time(0), tz).astimezone(UTC)

    def end_utc(self, tz: ZoneInfo) -> datetime:
        """The first moment after the period (exclusive bound)."""
        return datetime.combine(self.last + timedelta(days=1), time(0), tz).astimezone(UTC)

    def contains(self, moment: datetime | None, tz: ZoneInfo) -> bool:
        return moment is not None and self.start_utc(tz) <= moment < self.end_utc(tz)

    @property
    def code(self) -> str:
        """The period as typed on the command line and carried by buttons."""
        if self.kind == "year":
            return f"{self.first.year}-{self.first.year + 1}"
        if self.kind == "month":
            return f"{self.first:%Y-%m}"
        return f"{self.first:%Y-%m-%d}..{self.last:%Y-%m-%d}"

    @property
    def label(self) -> str:
        """«2025/2026 учебный год», «март 2026», «с 1 января 2026 по 31 марта 2026»."""
        if self.kind == "year":
            return t.PERIOD_YEAR.format(first=self.first.year, second=self.first.year + 1)
        if self.kind == "month":
            return f"{MONTHS_NOMINATIVE[self.first.month - 1]} {self.first.year}"
        return t.PERIOD_RANGE.format(first=_day(self.first), last=_day(self.last))

    @property
    def slug(self) -> str:
        """A part of a file name."""
        return self.code.replace("..", "_")


def _day(value: date) -> str:
    return f"{value.day} {MONTHS_GENITIVE[value.month - 1]} {value.year}"


def school_year(first_year: int) -> Period:
    return Period(
        "year",
        date(first_year, SCHOOL_YEAR_START_MONTH, 1),
        date(first_year + 1, SCHOOL_YEAR_START_MONTH, 1) - timedelta(days=1),
    )


def school_year_of(day: date) -> Period:
    first = day.year if day.month >= SCHOOL_YEAR_START_MONTH else day.year - 1
    return school_year(first)


def month(year: int, number: int) -> Period:
    if not 1 <= number <= 12 or not 1900 < year < 2200:
        raise InvalidInput(t.PERIOD_BAD_MONTH)
    first = date(year, number, 1)
    following = date(year + (number == 12), number % 12 + 1, 1)
    return Period("month", first, following - timedelta(days=1))


def between(first: date, last: date) -> Period:
    period = Period("range", first, last)
    if (last - first).days > MAX_DAYS:
        raise InvalidInput(t.PERIOD_TOO_LONG)
    return period


def today(tz: ZoneInfo, now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(tz).date()


def current_school_year(tz: ZoneInfo, now: datetime | None = None) -> Period:
    """The default period: the school year that is going on now."""
    return school_year_of(today(tz, now))


def _parse_day(text: str) -> date:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise InvalidInput(t.PERIOD_BAD_DATE.format(value=text))


def parse(text: str, tz: ZoneInfo, now: datetime | None = None) -> Period:
    """A period from what a person or the command line typed; InvalidInput in Russian otherwise.

    Empty text (or «текущий») is the current school year.
    """
    value = " ".join(text.strip().split()).casefold()
    if value in ("", "current", "текущий", "текущий год"):
        return current_school_year(tz, now)
    if match := _YEAR.match(value):
        first, second = int(match[1]), int(match[2])
        if second != first + 1:
            raise InvalidInput(t.PERIOD_BAD_YEAR)
        return school_year(first)
    if match := _MONTH.match(value):
        return month(int(match[1]), int(match[2]))
    if match := _MONTH_RU.match(value):
        return month(int(match[2]), int(match[1]))
    if match := _RANGE.match(value):
        return between(_parse_day(match[1]), _parse_day(match[2]))
    raise InvalidInput(t.PERIOD_UNKNOWN)
