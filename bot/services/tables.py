"""Reading uploaded CSV/XLSX tables and writing XLSX/CSV exports (Russian headers, Excel-friendly)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
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


def _cell(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones; callers pass local times
    return value


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "Данные") -> bytes:
    """An XLSX workbook with one sheet: a bold header row, then the rows; widths fitted."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(h) for h in headers]
    for row in rows:
        values = [_cell(v) for v in row]
        sheet.append(values)
        for i, v in enumerate(values[: len(widths)]):
            widths[i] = max(widths[i], min(60, len(str(v)) if v is not None else 0))
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = width + 2
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            if isinstance(cell.value, datetime):
                cell.number_format = "DD.MM.YYYY HH:MM"
            elif isinstance(cell.value, date):
                cell.number_format = "DD.MM.YYYY"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV for Excel: UTF-8 with BOM (so Cyrillic opens right) and ';' as the separator."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else _csv_value(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return value
