"""Sending an export table as a file in the chat: XLSX, or CSV for those who need it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from aiogram.types import BufferedInputFile, CallbackQuery

from bot.services.tables import to_csv, to_xlsx

Format = Literal["xlsx", "csv"]


def file_format(value: str) -> Format:
    """The format a button asks for; anything but «csv» (a forged button too) gets XLSX."""
    return "csv" if value == "csv" else "xlsx"


async def send_table(
    callback: CallbackQuery,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    fmt: Format,
    filename: str,
    title: str,
) -> None:
    """Encode the rows in `fmt` and send them to whoever pressed the button.

    `filename` is without the extension; `title` names the XLSX sheet.
    """
    content = to_csv(headers, rows) if fmt == "csv" else to_xlsx(headers, rows, title=title)
    await callback.answer()
    assert callback.bot is not None
    await callback.bot.send_document(
        callback.from_user.id, BufferedInputFile(content, filename=f"{filename}.{fmt}")
    )
