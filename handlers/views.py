"""Messages shown from several journeys: the main menu and the profile card."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from html import escape

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import BcUserCb, MentCb, ProfileCb
from bot.services import mentoring
from bot.texts import broadcasts as tbc
from bot.texts import common as tc
from bot.texts import mentoring as tm
from bot.texts import onboarding as to
from bot.texts import profile as tp
from handlers.keyboards import inline, main_menu
from models import Organisation, Person

#: Telegram refuses texts over 4096 characters; a margin covers the line breaks added later.
MESSAGE_LIMIT = 4000


def text_size(html_text: str) -> int:
    """An upper bound of the length Telegram counts: UTF-16 units of the text with its markup."""
    return len(html_text.encode("utf-16-le")) // 2


def clip(text: str, size: int) -> str:
    """`text` escaped for HTML, cut with «…» so that it takes at most `size` units."""
    escaped = escape(text)
    if text_size(escaped) <= size:
        return escaped
    low, high = 0, len(text)
    while low < high:  # the longest prefix whose escaped form still fits
        middle = (low + high + 1) // 2
        if text_size(escape(text[:middle].rstrip()) + "…") <= size:
            low = middle
        else:
            high = middle - 1
    return escape(text[:low].rstrip()) + "…" if low else ""


def shrink(texts: list[str], budget: int) -> list[str]:
    """Escape free texts (descriptions, goals…) and cut the longest ones until all fit in
    `budget` units together, so a card with every field at its limit can still be sent."""
    sizes = [text_size(escape(t)) for t in texts]
    low, high = 0, max(sizes, default=0)
    while low < high:  # the largest share per text that still fits: short texts stay whole
        middle = (low + high + 1) // 2
        if sum(min(size, middle) for size in sizes) <= budget:
            low = middle
        else:
            high = middle - 1
    return [clip(t, min(size, low)) for t, size in zip(texts, sizes, strict=True)]


def fit_lines(lines: list[str], budget: int) -> tuple[list[str], int]:
    """The first lines that fit in `budget` units (one line break each) and how many did not."""
    kept: list[str] = []
    used = 0
    for line in lines:
        used += text_size(line) + 1
        if used > budget:
            break
        kept.append(line)
    return kept, len(lines) - len(kept)


def organisation_label(org: Organisation | None) -> str:
    if org is None:
        return to.NOT_SET
    return escape(org.name) + ("" if org.is_confirmed else tp.ORG_UNCONFIRMED)


def yes_no(value: bool) -> str:
    return tc.YES.lower() if value else tc.NO.lower()


def profile_text(person: Person) -> str:
    return tp.PROFILE.format(
        full_name=escape(person.full_name or to.NOT_SET),
        role=to.ROLE_LABELS[person.role],
        organisation=organisation_label(person.organisation),
        position=escape(person.position or to.NOT_SET),
        young=yes_no(person.is_young_specialist),
        reserve=yes_no(person.is_management_reserve),
        work_year=person.work_start_year or to.NOT_SET,
    )


def profile_keyboard(person: Person, *, in_pair: bool = False) -> InlineKeyboardMarkup:
    """The profile's buttons; «Моё наставничество» only for someone in a mentoring pair."""
    role_row = [] if person.is_staff else [(tp.EDIT_ROLE, ProfileCb(action="role"))]
    return inline(
        [(tp.EDIT_FULL_NAME, ProfileCb(action="full_name")), *role_row],
        [
            (tp.EDIT_ORGANISATION, ProfileCb(action="organisation")),
            (tp.EDIT_POSITION, ProfileCb(action="position")),
        ],
        [
            (
                tp.TOGGLE_YOUNG.format(value=yes_no(person.is_young_specialist)),
                ProfileCb(action="young"),
            )
        ],
        [
            (
                tp.TOGGLE_RESERVE.format(value=yes_no(person.is_management_reserve)),
                ProfileCb(action="reserve"),
            )
        ],
        [(tp.EDIT_WORK_YEAR, ProfileCb(action="work_year"))],
        [(tm.BTN_MINE, MentCb(a="mine"))] if in_pair else [],
        [] if person.is_staff else [(tm.BTN_ASK, MentCb(a="ask"))],
        [
            (
                tbc.PROFILE_TOGGLE.format(
                    value=tbc.PROFILE_OFF if person.broadcasts_opt_out else tbc.PROFILE_ON
                ),
                BcUserCb(a="toggle"),
            )
        ],
    )


async def profile_markup(session: AsyncSession, person: Person) -> InlineKeyboardMarkup:
    return profile_keyboard(person, in_pair=await mentoring.has_pairs(session, person.id))


async def send_profile(
    event: Message | CallbackQuery, session: AsyncSession, person: Person
) -> None:
    await respond(event, profile_text(person), await profile_markup(session, person))


async def send_main_menu(
    event: Message | CallbackQuery, is_staff: bool, text: str = tc.MAIN_MENU, is_head: bool = False
) -> None:
    await respond(event, text, main_menu(is_staff, is_head))


async def respond(
    event: Message | CallbackQuery,
    text: str,
    reply_markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None,
) -> Message:
    """Send a new message to the chat the event came from (and acknowledge a button press)."""
    if isinstance(event, CallbackQuery):
        await event.answer()
        assert event.from_user is not None
        assert event.bot is not None
        return await event.bot.send_message(event.from_user.id, text, reply_markup=reply_markup)
    return await event.answer(text, reply_markup=reply_markup)


@contextmanager
def unless_not_modified() -> Iterator[None]:
    """Telegram refuses an edit that changes nothing: harmless when re-editing the same text."""
    try:
        yield
    except TelegramBadRequest as exc:
        if "message is not modified" not in exc.message:
            raise


async def edit_markup(callback: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    """Replace the buttons of the pressed message (None removes them)."""
    if isinstance(callback.message, Message):
        with unless_not_modified():
            await callback.message.edit_reply_markup(reply_markup=markup)


async def drop_keyboard(callback: CallbackQuery) -> None:
    """Remove the buttons of the pressed message; a second tap finds them gone already."""
    await edit_markup(callback, None)
