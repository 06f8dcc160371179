"""The command menus: one for everyone, a longer one in each admin's private chat."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.texts import common as t

log = logging.getLogger(__name__)


def user_commands() -> list[BotCommand]:
    return [
        BotCommand(command="start", description=t.COMMAND_START),
        BotCommand(command="profile", description=t.COMMAND_PROFILE),
        BotCommand(command="privacy", description=t.COMMAND_PRIVACY),
        BotCommand(command="delete_me", description=t.COMMAND_DELETE_ME),
        BotCommand(command="help", description=t.COMMAND_HELP),
        BotCommand(command="cancel", description=t.COMMAND_CANCEL),
    ]


def staff_commands() -> list[BotCommand]:
    return [BotCommand(command="admin", description=t.COMMAND_ADMIN), *user_commands()]


async def register_commands(bot: Bot, admin_ids: frozenset[int]) -> None:
    """Set the menus; an admin who never opened the bot must not stop the start-up."""
    await bot.set_my_commands(user_commands(), scope=BotCommandScopeDefault())
    for admin_id in sorted(admin_ids):
        try:
            await bot.set_my_commands(staff_commands(), scope=BotCommandScopeChat(chat_id=admin_id))
        except TelegramAPIError as exc:
            log.warning("Could not set admin commands for %s: %s", admin_id, exc)
