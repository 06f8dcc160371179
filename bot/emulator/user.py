"""A user of the bot in a test: acts and waits for the bot to have handled it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.emulator.model import ApiCall, StoredMessage

if TYPE_CHECKING:
    from bot.emulator.server import BotApiEmulator


class EmulatedUser:
    """A user of the bot in its private chat, for readable tests.

    ``send``/``press``/``press_data``/``send_document`` queue an update, wait until the bot
    acknowledged it and return the API calls made meanwhile (``getUpdates`` excluded). That
    list is exactly "what the bot did in response" when the bot polls with
    ``dp.start_polling(bot, handle_as_tasks=False)``: updates are then handled one at a time
    and the next getUpdates only comes after the handler finished. With tasks (the aiogram
    default) the list may be incomplete, and calls of concurrent activity (other users,
    background jobs) are included either way.
    """

    def __init__(self, emulator: BotApiEmulator, user_id: int, first_name: str = "Тест") -> None:
        self.emulator = emulator
        self.id = user_id
        self.first_name = first_name

    async def _act(self, update_id: int, since: int, timeout: float) -> list[ApiCall]:
        await self.emulator.wait_processed(update_id, timeout)
        return [c for c in self.emulator.calls[since:] if c.method != "getUpdates"]

    async def send(self, text: str, timeout: float = 10.0) -> list[ApiCall]:
        """Send a text message and return the calls the bot made handling it."""
        since = len(self.emulator.calls)
        update_id = self.emulator.send_text(self.id, text, first_name=self.first_name)
        return await self._act(update_id, since, timeout)

    async def press(self, button_text: str, timeout: float = 10.0) -> list[ApiCall]:
        """Press a callback button by its text (exact match first, then substring).

        Looks at non-deleted bot messages, newest first; raises AssertionError listing the
        available buttons when nothing matches.
        """
        messages = [m for m in reversed(self.emulator.messages_to(self.id)) if not m.deleted]
        for matches in (
            lambda text: text == button_text,
            lambda text: button_text in text,
        ):
            for message in messages:
                for text, target in message.buttons:
                    if not matches(text):
                        continue
                    if not self._is_callback(message, text):
                        raise AssertionError(
                            f"button {text!r} in message #{message.message_id} is not a "
                            f"callback button (target {target!r})"
                        )
                    return await self.press_data(target, message.message_id, timeout)
        available = [
            f"#{m.message_id}: {[text for text, _ in m.buttons]}" for m in messages if m.buttons
        ]
        raise AssertionError(
            f"no inline button {button_text!r} in chat {self.id}; available: "
            f"{available or 'no inline keyboards'}"
        )

    @staticmethod
    def _is_callback(message: StoredMessage, text: str) -> bool:
        rows = (message.reply_markup or {}).get("inline_keyboard", [])
        return any(
            button.get("text") == text and "callback_data" in button
            for row in rows
            for button in row
        )

    async def press_data(
        self, data: str, message_id: int | None = None, timeout: float = 10.0
    ) -> list[ApiCall]:
        """Send a callback with raw (possibly forged) data on a message (default: newest)."""
        if message_id is None:
            alive = [m for m in self.emulator.messages_to(self.id) if not m.deleted]
            if not alive:
                raise AssertionError(f"no bot messages in chat {self.id} to press on")
            message_id = alive[-1].message_id
        since = len(self.emulator.calls)
        update_id = self.emulator.press(self.id, message_id, data)
        return await self._act(update_id, since, timeout)

    async def send_document(
        self, filename: str, content: bytes, timeout: float = 10.0
    ) -> list[ApiCall]:
        """Send a document and return the calls the bot made handling it."""
        since = len(self.emulator.calls)
        self.emulator._remember_user(self.id, self.first_name)
        update_id = self.emulator.send_document(self.id, filename, content)
        return await self._act(update_id, since, timeout)

    def messages(self) -> list[StoredMessage]:
        """Non-deleted bot messages in this chat, oldest first."""
        return [m for m in self.emulator.messages_to(self.id) if not m.deleted]

    def last_text(self) -> str:
        """Text (or caption) of the bot message sent or edited most recently."""
        alive = [m for m in self.messages() if m.text is not None]
        if not alive:
            raise AssertionError(f"the bot has no text messages in chat {self.id}")
        return max(alive, key=lambda m: m.seq).text or ""

    def texts(self) -> list[str]:
        """Texts (or captions) of the bot messages in this chat, oldest first."""
        return [m.text for m in self.messages() if m.text is not None]

    def alerts(self) -> list[str]:
        """Texts the bot gave in successful answerCallbackQuery for this user's callbacks."""
        texts = []
        for call in self.emulator.calls:
            if call.method != "answerCallbackQuery" or not call.ok:
                continue
            query = self.emulator._callbacks.get(str(call.params.get("callback_query_id")))
            if query is not None and query.user_id == self.id and call.params.get("text"):
                texts.append(str(call.params["text"]))
        return texts

    def keyboard(self) -> list[str]:
        """Button texts of the reply keyboard currently shown to this user."""
        return self.emulator.reply_keyboard(self.id)
