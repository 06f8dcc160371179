"""Tests of the Bot API emulator, driven by a real aiogram Bot and Dispatcher."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from bot.emulator import BotApiEmulator

USER_ID = 1001


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator()
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


class LocalSession(AiohttpSession):
    """AiohttpSession without the 250 ms grace sleep on close.

    That sleep exists for SSL connections to api.telegram.org; over plain HTTP to 127.0.0.1
    it would only add a quarter of a second to every test.
    """

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def make_bot(emu: BotApiEmulator, token: str | None = None) -> Bot:
    session = LocalSession(api=TelegramAPIServer.from_base(emu.base_url))
    return Bot(token or emu.token, session=session)


@pytest_asyncio.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    instance = make_bot(emu)
    try:
        yield instance
    finally:
        await instance.session.close()


@contextlib.asynccontextmanager
async def polling(emu: BotApiEmulator, router: Router) -> AsyncIterator[Bot]:
    """Run a real Dispatcher against the emulator for the duration of the block."""
    bot = make_bot(emu)
    dp = Dispatcher()
    dp.include_router(router)
    task = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, handle_as_tasks=False, polling_timeout=10)
    )
    try:
        # stop_polling() refuses to run before polling started, and tests want a ready bot.
        await emu.wait_for(lambda call: call.method == "getUpdates", timeout=5)
        yield bot
    finally:
        if task.done():
            await task
        else:
            await dp.stop_polling()
            await task


@pytest.mark.asyncio
async def test_echo_round_trip(emu: BotApiEmulator) -> None:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        keyboard = ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text="Материалы"), KeyboardButton(text="Помощь")]]
        )
        await message.answer("Привет!", reply_markup=keyboard)

    @router.message(F.text)
    async def echo(message: Message) -> None:
        assert message.from_user is not None
        await message.answer(f"echo: {message.text} from {message.from_user.first_name}")

    async with polling(emu, router):
        user = emu.user(USER_ID, first_name="Анна")
        calls = await user.send("/start")
        assert [c.method for c in calls] == ["sendMessage"]
        assert calls[0].chat_id == USER_ID
        assert calls[0].reply_keyboard == ["Материалы", "Помощь"]
        assert user.keyboard() == ["Материалы", "Помощь"]

        calls = await user.send("привет")
        assert [(c.method, c.text, c.status) for c in calls] == [
            ("sendMessage", "echo: привет from Анна", 200)
        ]
        assert user.last_text() == "echo: привет from Анна"
        assert user.texts() == ["Привет!", "echo: привет from Анна"]
        assert [m.message_id for m in emu.messages_to(USER_ID)] == [2, 4]
    assert any(c.method == "getMe" for c in emu.calls)


@pytest.mark.asyncio
async def test_callback_round_trip(emu: BotApiEmulator) -> None:
    router = Router()
    seen: list[CallbackQuery] = []

    @router.message(F.text == "/menu")
    async def menu(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text="Да", callback_data="answer:yes"),
                    InlineKeyboardButton(text="Нет", callback_data="answer:no"),
                ],
                [InlineKeyboardButton(text="Сайт", url="https://example.org")],
            ]
        )
        await message.answer("Выберите:", reply_markup=keyboard)

    @router.callback_query(F.data.startswith("answer:"))
    async def chosen(callback: CallbackQuery) -> None:
        seen.append(callback)
        await callback.answer("Принято", show_alert=True)
        assert isinstance(callback.message, Message)
        await callback.message.edit_text(f"Вы выбрали {callback.data}")

    async with polling(emu, router):
        user = emu.user(USER_ID)
        [sent] = await user.send("/menu")
        assert sent.buttons == [
            ("Да", "answer:yes"),
            ("Нет", "answer:no"),
            ("Сайт", "https://example.org"),
        ]
        with pytest.raises(AssertionError, match="not a callback button"):
            await user.press("Сайт")

        calls = await user.press("Да")
        assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
        assert calls[0].params["show_alert"] is True
        assert user.alerts() == ["Принято"]
        assert user.last_text() == "Вы выбрали answer:yes"
        [message] = emu.messages_to(USER_ID)
        assert message.reply_markup is None  # an edit without reply_markup drops the keyboard
        assert seen[0].message is not None and seen[0].message.message_id == message.message_id

        with pytest.raises(AssertionError, match="no inline keyboards"):
            await user.press("Да")

        calls = await user.press_data("answer:forged")
        assert [c.status for c in calls] == [200, 200]
        assert user.last_text() == "Вы выбрали answer:forged"
        assert user.alerts() == ["Принято", "Принято"]


@pytest.mark.asyncio
async def test_document_round_trip(emu: BotApiEmulator) -> None:
    router = Router()

    @router.message(F.document)
    async def on_document(message: Message, bot: Bot) -> None:
        assert message.document is not None
        data = await bot.download(message.document)
        assert data is not None
        content = data.read()
        await message.answer(f"{message.document.file_name}: {len(content)} байт")
        await message.answer_document(BufferedInputFile(content[::-1], filename="reversed.bin"))

    payload = b"\x00\x01 binary \xff" * 100
    async with polling(emu, router):
        user = emu.user(USER_ID)
        calls = await user.send_document("plan.docx", payload)
    assert [c.method for c in calls] == ["getFile", "sendMessage", "sendDocument"]
    assert calls[1].text == f"plan.docx: {len(payload)} байт"
    upload = calls[2].files["document"]
    assert (upload.filename, upload.content) == ("reversed.bin", payload[::-1])
    stored = emu.messages_to(USER_ID)[-1]
    assert stored.document is not None and stored.document.content == payload[::-1]


@pytest.mark.asyncio
async def test_send_document_upload_is_recorded_and_downloadable(
    emu: BotApiEmulator, bot: Bot
) -> None:
    content = "Отчёт,1\n".encode() * 10
    message = await bot.send_document(
        USER_ID,
        BufferedInputFile(content, filename="report.csv"),
        caption="<b>Отчёт</b> за май",
        parse_mode="HTML",
    )
    assert message.document is not None
    assert message.document.file_name == "report.csv"
    assert message.document.file_size == len(content)
    assert message.caption == "Отчёт за май"
    assert message.caption_entities is not None
    assert message.caption_entities[0].type == "bold"

    call = emu.calls[-1]
    assert call.method == "sendDocument"
    assert call.files["document"].content == content
    assert call.files["document"].filename == "report.csv"
    assert call.text == "<b>Отчёт</b> за май"

    downloaded = await bot.download(message.document)
    assert downloaded is not None and downloaded.read() == content


@pytest.mark.asyncio
async def test_blocked_user_raises_forbidden(emu: BotApiEmulator, bot: Bot) -> None:
    emu.block_user(USER_ID)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(USER_ID, "hello")
    await bot.send_message(USER_ID + 1, "other users are fine")
    emu.unblock_user(USER_ID)
    await bot.send_message(USER_ID, "hello again")
    assert [c.status for c in emu.calls if c.method == "sendMessage"] == [403, 200, 200]
    assert [m.text for m in emu.messages_to(USER_ID)] == ["hello again"]


@pytest.mark.asyncio
async def test_rate_limit_and_injected_failures(emu: BotApiEmulator, bot: Bot) -> None:
    emu.set_rate_limit(2, retry_after=3)
    await bot.send_message(USER_ID, "1")
    await bot.send_message(USER_ID, "2")
    with pytest.raises(TelegramRetryAfter) as excinfo:
        await bot.send_message(USER_ID, "3")
    assert excinfo.value.retry_after == 3
    assert [c.status for c in emu.calls if c.method == "sendMessage"] == [200, 200, 429]
    emu.set_rate_limit(None)
    await bot.send_message(USER_ID, "4")

    emu.fail_next("sendMessage", times=2, status=500)
    for _ in range(2):
        with pytest.raises(TelegramServerError):
            await bot.send_message(USER_ID, "5")
    await bot.send_message(USER_ID, "6")
    assert [m.text for m in emu.messages_to(USER_ID)] == ["1", "2", "4", "6"]


@pytest.mark.asyncio
async def test_edit_errors(emu: BotApiEmulator, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="OK", callback_data="ok")]]
    )
    message = await bot.send_message(USER_ID, "текст", reply_markup=keyboard)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            text="текст", chat_id=USER_ID, message_id=message.message_id, reply_markup=keyboard
        )
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=USER_ID, message_id=message.message_id, reply_markup=keyboard
        )
    # Same text without the keyboard is a modification: the keyboard goes away.
    await bot.edit_message_text(text="текст", chat_id=USER_ID, message_id=message.message_id)
    assert emu.messages_to(USER_ID)[0].reply_markup is None

    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=USER_ID, message_id=999)
    await bot.delete_message(USER_ID, message.message_id)
    assert emu.messages_to(USER_ID)[0].deleted
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=USER_ID, message_id=message.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(USER_ID, message.message_id)


@pytest.mark.asyncio
async def test_html_is_validated_and_rendered(emu: BotApiEmulator, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(USER_ID, "2 < 3 <b>x", parse_mode="HTML")
    message = await bot.send_message(
        USER_ID, "<b>жирный</b> &amp; <i>курсив</i>", parse_mode="HTML"
    )
    assert message.text == "жирный & курсив"
    assert message.entities is not None
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bold", 0, 6),
        ("italic", 9, 6),
    ]
    bad = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="d" * 65)]]
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER_ID, "too long callback data", reply_markup=bad)


@pytest.mark.asyncio
async def test_wrong_token_and_commands(emu: BotApiEmulator, bot: Bot) -> None:
    stranger = make_bot(emu, token="42:WRONG")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await stranger.get_me()
    finally:
        await stranger.session.close()

    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "metodbot_test_bot")

    commands = [BotCommand(command="start", description="Начать")]
    await bot.set_my_commands(commands)
    await bot.set_my_commands(
        [BotCommand(command="admin", description="Админка")],
        scope=BotCommandScopeChat(chat_id=USER_ID),
    )
    assert emu.commands["default"] == [{"command": "start", "description": "Начать"}]
    key = emu.commands_key({"type": "chat", "chat_id": USER_ID})
    assert emu.commands[key] == [{"command": "admin", "description": "Админка"}]
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad-Name", description="x")])


@pytest.mark.asyncio
async def test_long_polling_answers_promptly_and_stop_does_not_hang() -> None:
    emu = BotApiEmulator()
    await emu.start()
    url = f"{emu.base_url}/bot{emu.token}/getUpdates"
    async with aiohttp.ClientSession() as http:
        poll = asyncio.create_task(http.post(url, json={"timeout": 30}))
        await emu.wait_for(lambda call: call.method == "getUpdates", timeout=2)
        started = time.monotonic()
        update_id = emu.send_text(USER_ID, "/start payload")
        response = await asyncio.wait_for(poll, 2)
        body = await response.json()
        assert time.monotonic() - started < 1
        [update] = body["result"]
        assert update["update_id"] == update_id
        assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
        assert update["message"]["from"]["language_code"] == "ru"

        with pytest.raises(TimeoutError, match=f"update {update_id} was not processed"):
            await emu.wait_processed(update_id, timeout=0.1)

        pending = asyncio.create_task(
            http.post(url, data={"offset": str(update_id + 1), "timeout": "30"})
        )
        await emu.wait_for(lambda call: call.params.get("offset") == update_id + 1, timeout=2)
        await emu.wait_processed(update_id, timeout=1)
        started = time.monotonic()
        await asyncio.wait_for(emu.stop(), 3)
        assert time.monotonic() - started < 2
        response = await asyncio.wait_for(pending, 2)
        assert (await response.json())["result"] == []
