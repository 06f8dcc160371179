"""Local Telegram Bot API emulator for the bot's tests and the sandbox.

The emulator is an aiohttp server on 127.0.0.1 that speaks enough of the Bot API for a real
aiogram ``Bot`` to run against it::

    emu = BotApiEmulator()
    await emu.start()
    session = AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url))
    bot = Bot(emu.token, session=session)
    polling = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, handle_as_tasks=False)
    )
    user = emu.user(1001)
    calls = await user.send("/start")      # every API call the bot made while handling it
    assert "Привет" in user.last_text()

Tests act as users (``send_text``/``press``/``send_document`` or the ``EmulatedUser`` helper),
inspect every request the bot made (``calls``) and the current state of the chats
(``messages_to``), and inject faults (blocked users, rate limits, server errors).

Run ``python -m bot.emulator --port 8081`` to serve it standalone; ``/_emulator/*`` then
offers a small JSON control API (see ``_handle_control``) for manual use and benchmarks.
"""

# Everything the single-module tests/emulator.py offered stays importable from here, so that
# `from bot.emulator import X` becomes `from bot.emulator import X` for any X.
from bot.emulator.entities import _EntityParseError, _parse_html, _utf16_len
from bot.emulator.model import (
    BLOCKED,
    CONFLICT_POLL,
    CONFLICT_WEBHOOK,
    DEFAULT_TOKEN,
    DELETE_NOT_FOUND,
    EDIT_NOT_FOUND,
    MAX_CALLBACK_DATA,
    MAX_CAPTION,
    MAX_DOWNLOAD,
    MAX_TEXT,
    NOT_MODIFIED,
    QUERY_INVALID,
    ApiCall,
    StoredMessage,
    UploadedFile,
    _ApiError,
    _CallbackQuery,
    _FileRecord,
)
from bot.emulator.server import BotApiEmulator
from bot.emulator.user import EmulatedUser

__all__ = [
    "BLOCKED",
    "CONFLICT_POLL",
    "CONFLICT_WEBHOOK",
    "DEFAULT_TOKEN",
    "DELETE_NOT_FOUND",
    "EDIT_NOT_FOUND",
    "MAX_CALLBACK_DATA",
    "MAX_CAPTION",
    "MAX_DOWNLOAD",
    "MAX_TEXT",
    "NOT_MODIFIED",
    "QUERY_INVALID",
    "ApiCall",
    "BotApiEmulator",
    "EmulatedUser",
    "StoredMessage",
    "UploadedFile",
    "_ApiError",
    "_CallbackQuery",
    "_EntityParseError",
    "_FileRecord",
    "_parse_html",
    "_utf16_len",
]
