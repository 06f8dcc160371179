"""The one keyboard builder: inline keyboards from rows of (text, callback) and the main menu."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.texts import common as t

#: A button: text and callback data, or text and ("url", link).
Button = tuple[str, CallbackData | str] | tuple[str, tuple[str, str]]


def button(text: str, action: CallbackData | str | tuple[str, str]) -> InlineKeyboardButton:
    if isinstance(action, tuple):
        return InlineKeyboardButton(text=text, url=action[1])
    data = action.pack() if isinstance(action, CallbackData) else action
    return InlineKeyboardButton(text=text, callback_data=data)


def inline(*rows: Sequence[Button]) -> InlineKeyboardMarkup:
    """An inline keyboard; each argument is one row of buttons, empty rows are dropped."""
    return InlineKeyboardMarkup(
        inline_keyboard=[[button(text, action) for text, action in row] for row in rows if row]
    )


def column(buttons: Iterable[Button], *extra_rows: Sequence[Button]) -> InlineKeyboardMarkup:
    """One button per row, then the extra rows (typically navigation)."""
    return inline(*([b] for b in buttons), *extra_rows)


def pager_row(make: Callable[[int], CallbackData], page: int, pages: int) -> list[Button]:
    """‹ Назад · 2/5 · Далее › for paginated lists (page is zero-based)."""
    row: list[Button] = []
    if page > 0:
        row.append((t.PREV_PAGE, make(page - 1)))
    if pages > 1:
        row.append((f"{page + 1}/{pages}", make(page)))
    if page + 1 < pages:
        row.append((t.NEXT_PAGE, make(page + 1)))
    return row


def main_menu(is_staff: bool, is_head: bool = False) -> ReplyKeyboardMarkup:
    rows = [
        [KeyboardButton(text=t.MENU_EVENTS), KeyboardButton(text=t.MENU_MY)],
        [KeyboardButton(text=t.MENU_DIAGNOSTICS), KeyboardButton(text=t.MENU_PROFILE)],
        [KeyboardButton(text=t.MENU_HELP)],
    ]
    if is_head:  # only a head confirmed for their organisation
        rows[-1].insert(0, KeyboardButton(text=t.MENU_MY_ORG))
    if is_staff:
        rows[-1].append(KeyboardButton(text=t.MENU_STAFF))
    return ReplyKeyboardMarkup(
        keyboard=rows, resize_keyboard=True, input_field_placeholder=t.MAIN_MENU_PLACEHOLDER
    )
