"""Reading uploaded CSV/XLSX tables and writing XLSX/CSV exports (Russian headers, Excel-friendly)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.services import InvalidInput
from bot.texts import tables as t

MAX_UPLOAD_BYTES = 2 * 1024 * 1024


@dataclass
class Table:
    """Rows of an uploaded file: headers as written, each row keyed by the normalised header."""

    headers: list[str]
    rows: list[tuple[int, dict[str, Any]]]  # (row number as a person sees it in Excel, values)


@dataclass(frozen=True)
class CellError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return t.CELL_ERROR.format(row=self.row, column=self.column, message=self.message)


@dataclass
class RowErrors:
    """Collects every problem of a file before anything is written."""

    items: list[CellError] = field(default_factory=list)

    def add(self, row: int, column: str, message: str) -> None:
        self.items.append(CellError(row, column, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def report(self, limit: int = 20) -> str:
        lines = [f"• {e}" for e in self.items[:limit]]
        if len(self.items) > limit:
            lines.append(t.MORE_ERRORS.format(count=len(self.items) - limit))
        return "\n".join(lines)


def normalize_header(header: str) -> str:
    return " ".join(str(header).replace("ё", "е").casefold().split()).rstrip("*: ")


def read_table(filename: str, content: bytes) -> Table:
    """Parse CSV (UTF-8 or Windows-1251, ';' or ',') or XLSX. Raises InvalidInput in Russian."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise InvalidInput(t.TOO_BIG.format(limit_mb=MAX_UPLOAD_BYTES // (1024 * 1024)))
    name = filename.lower()
    if name.endswith(".xlsx"):
        raw_rows = _read_xlsx(content)
    elif name.endswith(".csv"):
        raw_rows = _read_csv(content)
    else:
        raise InvalidInput(t.WRONG_FORMAT)
    rows = [(i, r) for i, r in enumerate(raw_rows, start=1)]
    # Skip blank rows before the header; the header is the first non-empty row.
    rows = [(i, r) for i, r in rows if any(_blank(v) is not None for v in r)]
    if not rows:
        raise InvalidInput(t.EMPTY)
    header_no, header = rows[0]
    headers = [str(h).strip() if h is not None else "" for h in header]
    keys = [normalize_header(h) for h in headers]
    body: list[tuple[int, dict[str, Any]]] = []
    for number, values in rows[1:]:
        record = {
            k: _blank(values[i]) if i < len(values) else None for i, k in enumerate(keys) if k
        }
        body.append((number, record))
    del header_no
    if not body:
        raise InvalidInput(t.NO_ROWS)
    return Table(headers=headers, rows=body)


def require_columns(table: Table, columns: Iterable[str]) -> None:
    """Raise InvalidInput naming the required columns the file lacks."""
    present = {normalize_header(h) for h in table.headers}
    missing = [c for c in columns if normalize_header(c) not in present]
    if missing:
        raise InvalidInput(t.MISSING_COLUMNS.format(columns=", ".join(f"«{c}»" for c in missing)))


def _blank(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _read_xlsx(content: bytes) -> list[Sequence[Any]]:
    # openpyxl is imported when a file is read or written, not at the bot's start (~25 MB).
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise InvalidInput(t.BROKEN_XLSX) from None
    try:
        sheet = workbook.worksheets[0]
        return [tuple(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _read_csv(content: bytes) -> list[Sequence[Any]]:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput(t.BAD_ENCODING)
    if "\x00" in text:
        raise InvalidInput(t.WRONG_FORMAT)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    try:
        return list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error:
        raise InvalidInput(t.WRONG_FORMAT) from None


#: XlsxWriter's options for every workbook: strings stay strings (a free-text answer starting
#: with «=» is never a formula, nor text a link); datetimes are real dates in local time.
WORKBOOK_OPTIONS: dict[str, Any] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "default_date_format": "dd.mm.yyyy hh:mm",
    "remove_timezone": True,
}


class SheetWriter:
    """One XLSX sheet written row by row with XlsxWriter: a bold frozen header, real dates
    (local times, as callers pass them), column widths fitted to the first rows, an autofilter.

    With `constant_memory` every row goes to disk as it is written, so memory stays flat however
    many rows there are (the target must then be a file path). A workbook made elsewhere should
    use WORKBOOK_OPTIONS.
    """

    WIDTH_SAMPLE = 200
    MAX_WIDTH = 60

    def __init__(
        self,
        target: str | io.BytesIO,
        headers: Sequence[str],
        title: str = "Данные",
        *,
        constant_memory: bool = False,
        workbook: Any = None,
    ) -> None:
        import xlsxwriter

        self._own = workbook is None
        if workbook is None:
            options: dict[str, Any] = dict(WORKBOOK_OPTIONS)
            if constant_memory:
                options["constant_memory"] = True
            else:
                options["in_memory"] = True
            workbook = xlsxwriter.Workbook(target, options)
        self.workbook = workbook
        self.sheet = workbook.add_worksheet(_sheet_title(title))
        self._bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self.columns = len(headers)
        self.widths = [min(self.MAX_WIDTH, max(8, len(str(h)))) for h in headers]
        self.sheet.write_row(0, 0, [str(h) for h in headers], self._bold)
        self.sheet.freeze_panes(1, 0)
        self.rows = 0

    def add(self, row: Sequence[Any]) -> None:
        """One row: strings, numbers, datetimes (local, naive or aware), None for a blank."""
        self.rows += 1
        self.sheet.write_row(self.rows, 0, row)
        if self.rows <= self.WIDTH_SAMPLE:
            widths = self.widths
            for c, value in enumerate(row[: self.columns]):
                if value is None:
                    continue
                width = 16 if isinstance(value, datetime) else len(str(value))
                if width > widths[c]:
                    widths[c] = min(self.MAX_WIDTH, width)

    def finish(self) -> None:
        """Widths and the autofilter (known only now); closes the workbook if it owns it."""
        for c, width in enumerate(self.widths):
            self.sheet.set_column(c, c, width + 2)
        if self.columns:
            self.sheet.autofilter(0, 0, max(self.rows, 1), self.columns - 1)
        if self._own:
            self.workbook.close()


def _sheet_title(title: str) -> str:
    """Excel refuses []:*?/\\ in sheet names and more than 31 characters."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return (cleaned or "Данные")[:31]


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "Данные") -> bytes:
    """An XLSX workbook with one sheet: a bold header row, then the rows; widths fitted."""
    buffer = io.BytesIO()
    writer = SheetWriter(buffer, headers, title)
    for row in rows:
        writer.add([_plain(v) for v in row])
    writer.finish()
    return buffer.getvalue()


def _plain(value: Any) -> Any:
    """What the writer takes: booleans as «да»/«нет», dates as midnight."""
    if isinstance(value, bool):
        return t.YES if value else t.NO
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, datetime.min.time())
    return value


async def write_table(
    path: str,
    headers: Sequence[str],
    rows: AsyncIterable[Sequence[Any]] | Iterable[Sequence[Any]],
    fmt: str,
    title: str = "Данные",
) -> int:
    """Stream rows into a file at `path` (XLSX in constant-memory mode, or CSV for Excel);
    returns the number of rows written."""
    if fmt == "csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as file:
            writer = csv.writer(file, delimiter=";")
            writer.writerow(headers)
            count = 0
            async for row in _aiter(rows):
                writer.writerow(["" if v is None else _csv_value(v) for v in row])
                count += 1
            return count
    sheet = SheetWriter(path, headers, title, constant_memory=True)
    async for row in _aiter(rows):
        sheet.add(row)
    sheet.finish()
    return sheet.rows


async def _aiter(
    rows: AsyncIterable[Sequence[Any]] | Iterable[Sequence[Any]],
) -> AsyncIterator[Sequence[Any]]:
    if isinstance(rows, AsyncIterable):
        async for row in rows:
            yield row
    else:
        for row in rows:
            yield row


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV for Excel: UTF-8 with BOM (so Cyrillic opens right) and ';' as the separator."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else _csv_value(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return t.YES if value else t.NO
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return value
