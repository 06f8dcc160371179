"""The Bot API server: the HTTP endpoints, the chats' state, users' actions and fault injection."""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import json
import mimetypes
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.emulator.entities import _EntityParseError, _parse_html, _utf16_len
from bot.emulator.model import (
    _CANONICAL,
    _COMMAND_RE,
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
    _as_int,
    _CallbackQuery,
    _fault_description,
    _FileRecord,
    _inline_only,
    _is_outgoing,
    _is_rate_limited,
    _read_request,
    _reply_buttons,
    _reply_rows,
)
from bot.emulator.user import EmulatedUser


class BotApiEmulator:
    """An in-process Telegram Bot API server for end-to-end tests.

    All methods must be called from the event loop the server runs in (tests are async, so
    that is the natural case). Update-producing methods (``send_text``, ``press``,
    ``send_document``) only queue the update and return its ``update_id``; the bot picks it up
    with its next ``getUpdates`` and ``wait_processed`` tells when it acknowledged it.

    Attributes that tests read directly: ``calls`` (every request, in arrival order),
    ``commands`` (``setMyCommands`` state keyed by ``commands_key(scope, language_code)``),
    ``menu_buttons``, ``webhook_url``, ``dropped_updates`` (update id -> why the bot will never
    see it).

    Messages sent with ``parse_mode="HTML"`` are validated and rendered like Telegram does:
    bad markup is a 400 "can't parse entities", ``StoredMessage.text`` is the plain text a user
    sees (tags stripped, ``&lt;`` decoded) with ``entities``, while ``StoredMessage.raw_text``
    and ``ApiCall.text`` keep what the bot sent. Set ``parse_html = False`` to store HTML as is.
    Set ``require_known_chats = True`` to make sending to a user who never wrote to the bot
    fail with 403 "bot can't initiate conversation with a user", as in production.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_id: int | None = None,
        username: str = "metodbot_test_bot",
    ) -> None:
        self.token = token
        self.bot_id = bot_id if bot_id is not None else int(token.partition(":")[0])
        self.username = username
        self.calls: list[ApiCall] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.menu_buttons: dict[str, dict[str, Any]] = {}
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self.dropped_updates: dict[int, str] = {}
        self.parse_html = True
        self.require_known_chats = False

        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._closing = False
        self._changed = asyncio.Event()

        self._pending: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._acked_offset = 0
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0

        self._users: dict[int, dict[str, Any]] = {}
        self._messages: dict[int, dict[int, StoredMessage]] = {}
        self._last_message_id: dict[int, int] = {}
        self._reply_keyboards: dict[int, list[str]] = {}
        self._reply_rows: dict[int, list[list[str]]] = {}
        self._listeners: list[Callable[[str, dict[str, Any]], None]] = []
        self._seq = 0
        self._files: dict[str, _FileRecord] = {}
        self._file_paths: dict[str, str] = {}
        self._callbacks: dict[str, _CallbackQuery] = {}
        self._next_callback = 1
        self._next_media_group = 1

        self._blocked: set[int] = set()
        self._rate_limit: float | None = None
        self._retry_after = 1
        self._send_times: collections.deque[float] = collections.deque()
        self._faults: dict[str, list[int]] = {}

        self._handlers: dict[str, Callable[[ApiCall], Any]] = {
            "getme": self._get_me,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "setmycommands": self._set_my_commands,
            "deletemycommands": self._delete_my_commands,
            "getmycommands": self._get_my_commands,
            "setchatmenubutton": self._set_chat_menu_button,
            "getchatmenubutton": self._get_chat_menu_button,
            "sendmessage": self._send_message,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
            "sendchataction": self._send_chat_action,
            "sendmediagroup": self._send_media_group,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "deletemessages": self._delete_messages,
            "answercallbackquery": self._answer_callback_query,
            "getfile": self._get_file,
            "copymessage": self._copy_message,
            "forwardmessage": self._forward_message,
            "getchat": self._get_chat,
        }

    # ----------------------------------------------------------------- lifecycle

    async def start(self, port: int = 0, host: str = "127.0.0.1") -> None:
        """Start serving on 127.0.0.1 (a random free port by default)."""
        if self._runner is not None:
            raise RuntimeError("emulator is already running")
        self._closing = False
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        app.router.add_route("*", "/_emulator/{action}", self._handle_control)
        # A short shutdown timeout: long polls are woken on stop, anything else is a bug that
        # should not turn into a minute-long hang of the test run.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop the server; pending long polls are answered with an empty list first."""
        runner, self._runner = self._runner, None
        self._closing = True
        self._notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if runner is not None:
            await runner.cleanup()

    @property
    def base_url(self) -> str:
        """Base URL for ``TelegramAPIServer.from_base``; available after ``start``."""
        if self._port is None:
            raise RuntimeError("emulator is not started")
        return f"http://127.0.0.1:{self._port}"

    # ----------------------------------------------------------------- users' actions

    def user(self, user_id: int, first_name: str = "Тест") -> EmulatedUser:
        """A helper acting as the given user in its private chat with the bot."""
        return EmulatedUser(self, user_id, first_name=first_name)

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str = "Тест",
        username: str | None = None,
    ) -> int:
        """Queue a text message from a user to the bot; returns the update_id."""
        self._remember_user(user_id, first_name, username)
        entities: list[dict[str, Any]] = []
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0] if text.strip() else text
            entities.append({"type": "bot_command", "offset": 0, "length": _utf16_len(command)})
        message = self._store_message(
            StoredMessage(
                message_id=self._new_message_id(user_id),
                chat_id=user_id,
                text=text,
                raw_text=text,
                entities=entities,
                from_bot=False,
                date=int(time.time()),
            )
        )
        return self.push_update("message", self._message_payload(message))

    def send_document(
        self,
        user_id: int,
        filename: str,
        content: bytes,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> int:
        """Queue a document message from a user; the bot can getFile and download it."""
        self._remember_user(user_id)
        if mime_type is None:
            mime_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        record = self._register_file(UploadedFile(filename, content, mime_type), "documents")
        message = self._store_message(
            StoredMessage(
                message_id=self._new_message_id(user_id),
                chat_id=user_id,
                text=caption,
                raw_text=caption,
                document=record.upload,
                file_id=record.file_id,
                kind="document",
                from_bot=False,
                date=int(time.time()),
            )
        )
        return self.push_update("message", self._message_payload(message))

    def press(self, user_id: int, message_id: int, data: str) -> int:
        """Queue a callback_query as if the user pressed a button with ``data``.

        The data is not checked against the keyboard, so tests can forge callbacks. The
        message is embedded as it is now (deleted messages too, to emulate races).
        """
        message = self._messages.get(user_id, {}).get(message_id)
        if message is None:
            raise KeyError(f"no message {message_id} in chat {user_id}")
        self._remember_user(user_id)
        query_id = str(4_000_000_000_000_000 + self._next_callback)
        self._next_callback += 1
        self._callbacks[query_id] = _CallbackQuery(user_id=user_id, message_id=message_id)
        return self.push_update(
            "callback_query",
            {
                "id": query_id,
                "from": self._user_payload(user_id),
                "message": self._message_payload(message),
                "chat_instance": str(-(abs(user_id) * 7919 + 1)),
                "data": data,
            },
        )

    def push_update(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue an arbitrary update (e.g. ``my_chat_member``); returns its update_id."""
        update_id = self._next_update_id
        self._next_update_id += 1
        self._pending.append({"update_id": update_id, kind: payload})
        self._notify()
        return update_id

    # ----------------------------------------------------------------- waiting

    async def wait_processed(self, update_id: int, timeout: float = 10.0) -> None:
        """Wait until the bot acknowledged the update (getUpdates with offset > update_id).

        With ``start_polling(..., handle_as_tasks=False)`` acknowledgement means the handler
        finished. Also returns if the update was dropped (see ``dropped_updates``).
        """
        if update_id >= self._next_update_id:
            raise ValueError(f"update {update_id} was never queued")
        deadline = asyncio.get_running_loop().time() + timeout
        while self._acked_offset <= update_id and update_id not in self.dropped_updates:
            if not await self._wait_change(deadline):
                raise TimeoutError(self._describe_stuck_update(update_id, timeout))

    async def wait_for(
        self,
        predicate: Callable[[ApiCall], bool],
        *,
        since: int = 0,
        timeout: float = 10.0,
    ) -> ApiCall:
        """Return the first call with index >= ``since`` matching ``predicate``, waiting for it."""
        deadline = asyncio.get_running_loop().time() + timeout
        scanned = since
        while True:
            while scanned < len(self.calls):
                call = self.calls[scanned]
                scanned += 1
                if predicate(call):
                    return call
            if not await self._wait_change(deadline):
                recent = [c for c in self.calls[since:] if c.method != "getUpdates"][-10:]
                raise TimeoutError(
                    f"no matching API call within {timeout}s since #{since}; "
                    f"calls since then (without getUpdates): {recent}"
                )

    # ----------------------------------------------------------------- inspection

    def messages_to(self, chat_id: int) -> list[StoredMessage]:
        """Bot messages in the chat, oldest first, in their current state (incl. deleted)."""
        chat = self._messages.get(chat_id, {})
        return [chat[mid] for mid in sorted(chat) if chat[mid].from_bot]

    def reply_keyboard(self, chat_id: int) -> list[str]:
        """Button texts of the reply keyboard currently shown in the chat (flat)."""
        return list(self._reply_keyboards.get(chat_id, []))

    def history(self, chat_id: int) -> list[StoredMessage]:
        """Every message of the chat, the user's and the bot's, oldest first (incl. deleted)."""
        chat = self._messages.get(chat_id, {})
        return [chat[mid] for mid in sorted(chat)]

    def message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        """A message of the chat in its current state, or None."""
        return self._messages.get(chat_id, {}).get(message_id)

    def reply_keyboard_rows(self, chat_id: int) -> list[list[str]]:
        """The reply keyboard currently shown in the chat, row by row."""
        return [list(row) for row in self._reply_rows.get(chat_id, [])]

    def file(self, file_id: str) -> UploadedFile | None:
        """A file the bot sent or a user uploaded, by its file_id."""
        record = self._files.get(file_id)
        return record.upload if record is not None else None

    def commands_for(self, chat_id: int) -> list[dict[str, Any]]:
        """The command menu a private chat shows: its own scope, else all private chats, else
        the default one."""
        for scope in ({"type": "chat", "chat_id": chat_id}, {"type": "all_private_chats"}, None):
            commands = self.commands.get(self.commands_key(scope))
            if commands is not None:
                return list(commands)
        return []

    def add_listener(self, listener: Callable[[str, dict[str, Any]], None]) -> None:
        """Call ``listener(kind, details)`` on every change a chat client would show: "message"
        (sent or edited; details chat_id, message_id), "deleted" (chat_id, message_id),
        "keyboard" (chat_id), "callback_answer" (chat_id, text, show_alert, url), "commands".
        """
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[str, dict[str, Any]], None]) -> None:
        """Undo ``add_listener``."""
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    @staticmethod
    def commands_key(scope: dict[str, Any] | None = None, language_code: str | None = None) -> str:
        """Key of ``commands`` for a scope: "default" or the scope's canonical JSON."""
        if not scope or scope.get("type") == "default":
            key = "default"
        else:
            key = json.dumps(scope, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return f"{key}|{language_code}" if language_code else key

    # ----------------------------------------------------------------- fault injection

    def block_user(self, chat_id: int) -> None:
        """Make every send*/edit* to the chat fail with 403 "bot was blocked by the user"."""
        self._blocked.add(chat_id)

    def unblock_user(self, chat_id: int) -> None:
        """Undo ``block_user``."""
        self._blocked.discard(chat_id)

    def set_rate_limit(self, per_second: float | None, retry_after: int = 1) -> None:
        """Limit send* (sendChatAction included) and copy/forward calls globally.

        At most ``per_second`` calls pass in any sliding 1-second window; the rest get 429 with
        ``parameters.retry_after``. Rejected calls count against the window too, as hammering
        does on Telegram. ``None`` disables the limit.
        """
        self._rate_limit = per_second
        self._retry_after = retry_after
        self._send_times.clear()

    def fail_next(self, method: str, times: int = 1, status: int = 500) -> None:
        """Make the next ``times`` calls of ``method`` fail with ``status``.

        A 429 carries ``parameters.retry_after`` (see ``set_rate_limit``).
        """
        self._faults.setdefault(method.lower(), []).extend([status] * times)

    # ----------------------------------------------------------------- internals: state

    def _notify(self) -> None:
        # One shared "something changed" event: waiters re-check their own condition.
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_change(self, deadline: float) -> bool:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            return False
        event = self._changed
        try:
            await asyncio.wait_for(event.wait(), remaining)
        except TimeoutError:
            return False
        return True

    def _describe_stuck_update(self, update_id: int, timeout: float) -> str:
        polls = [c for c in self.calls if c.method == "getUpdates"]
        lines = [
            f"update {update_id} was not processed within {timeout}s "
            f"(bot acknowledged updates below {self._acked_offset})."
        ]
        if not polls:
            lines.append(
                f"The bot never called getUpdates: is it polling {self.base_url} "
                f"with token {self.token!r}?"
            )
        else:
            age = time.monotonic() - polls[-1].time
            lines.append(f"Last getUpdates arrived {age:.2f}s ago.")
            if any(u["update_id"] == update_id for u in self._pending):
                lines.append(
                    "The update is still pending: the handler may hang or be slow, or the bot "
                    "handles updates as tasks."
                )
        recent = [c for c in self.calls if c.method != "getUpdates"][-5:]
        lines.append(f"Recent calls: {recent}")
        return " ".join(lines)

    def _remember_user(
        self, user_id: int, first_name: str | None = None, username: str | None = None
    ) -> None:
        profile = self._users.setdefault(
            user_id, {"id": user_id, "is_bot": False, "first_name": first_name or "Тест"}
        )
        if first_name:
            profile["first_name"] = first_name
        if username:
            profile["username"] = username
        profile["language_code"] = "ru"

    def _user_payload(self, user_id: int) -> dict[str, Any]:
        if user_id not in self._users:
            self._remember_user(user_id)
        return dict(self._users[user_id])

    def _bot_payload(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Metodbot Test",
            "username": self.username,
        }

    def _chat_payload(self, chat_id: int) -> dict[str, Any]:
        if chat_id < 0:
            kind = "supergroup" if str(chat_id).startswith("-100") else "group"
            return {"id": chat_id, "type": kind, "title": f"Chat {chat_id}"}
        user = self._users.get(chat_id, {})
        chat: dict[str, Any] = {
            "id": chat_id,
            "type": "private",
            "first_name": user.get("first_name", "Тест"),
        }
        if "username" in user:
            chat["username"] = user["username"]
        return chat

    def _new_message_id(self, chat_id: int) -> int:
        # Private chats number user and bot messages with one counter, as Telegram does.
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        return message_id

    def _emit(self, kind: str, **details: Any) -> None:
        for listener in list(self._listeners):
            listener(kind, details)

    def _store_message(self, message: StoredMessage) -> StoredMessage:
        self._seq += 1
        message.seq = self._seq
        self._messages.setdefault(message.chat_id, {})[message.message_id] = message
        self._emit("message", chat_id=message.chat_id, message_id=message.message_id)
        return message

    def _touch(self, message: StoredMessage) -> None:
        self._seq += 1
        message.seq = self._seq
        message.edit_date = int(time.time())
        self._emit("message", chat_id=message.chat_id, message_id=message.message_id)

    def _mark_deleted(self, message: StoredMessage) -> None:
        message.deleted = True
        self._emit("deleted", chat_id=message.chat_id, message_id=message.message_id)

    def _message_payload(self, message: StoredMessage, *, nested: bool = False) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "message_id": message.message_id,
            "from": (
                self._bot_payload() if message.from_bot else self._user_payload(message.chat_id)
            ),
            "chat": self._chat_payload(message.chat_id),
            "date": message.date,
        }
        if message.edit_date is not None:
            payload["edit_date"] = message.edit_date
        if message.kind == "text":
            payload["text"] = message.text or ""
            if message.entities:
                payload["entities"] = message.entities
        elif message.text:
            payload["caption"] = message.text
            if message.entities:
                payload["caption_entities"] = message.entities
        record = self._files.get(message.file_id) if message.file_id else None
        if record is not None and message.kind == "document":
            payload["document"] = record.document()
        elif record is not None and message.kind == "photo":
            payload["photo"] = [record.photo()]
        payload.update(message.extra)
        markup = _inline_only(message.reply_markup)
        if markup is not None:
            payload["reply_markup"] = markup
        if not nested and message.reply_to_message_id is not None:
            replied = self._messages.get(message.chat_id, {}).get(message.reply_to_message_id)
            if replied is not None:
                payload["reply_to_message"] = self._message_payload(replied, nested=True)
        return payload

    def _register_file(self, upload: UploadedFile, folder: str) -> _FileRecord:
        number = len(self._files) + 1
        suffix = ""
        if "." in upload.filename:
            suffix = "." + upload.filename.rsplit(".", 1)[1]
        elif folder == "photos":
            suffix = ".jpg"
        record = _FileRecord(
            file_id=f"BQACAgIAAxkBAAI{number:06d}{self.bot_id}",
            file_unique_id=f"AgAD{number:06d}",
            file_path=f"{folder}/file_{number}{suffix}",
            upload=upload,
        )
        self._files[record.file_id] = record
        self._file_paths[record.file_path] = record.file_id
        return record

    # ----------------------------------------------------------------- internals: HTTP

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method_name = request.match_info["method"]
        method = _CANONICAL.get(method_name.lower(), method_name)
        try:
            params, files = await _read_request(request)
        except ValueError as err:
            error = _ApiError(400, f"Bad Request: can't parse request: {err}")
            return web.json_response(error.body(), status=error.status)
        call = ApiCall(
            index=len(self.calls),
            method=method,
            params=params,
            files=files,
            time=time.monotonic(),
        )
        self.calls.append(call)
        self._notify()
        try:
            if request.match_info["token"] != self.token:
                raise _ApiError(401, "Unauthorized")
            self._check_faults(call)
            if method == "getUpdates":
                result = await self._get_updates(call)
            else:
                handler = self._handlers.get(method.lower(), self._unknown_method)
                result = handler(call)
        except _ApiError as error:
            call.status = error.status
            call.description = error.description
            self._notify()
            return web.json_response(error.body(), status=error.status)
        call.result = result
        self._notify()
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        not_found = _ApiError(404, "Not Found")
        if request.match_info["token"] != self.token:
            error = _ApiError(401, "Unauthorized")
            return web.json_response(error.body(), status=error.status)
        file_id = self._file_paths.get(request.match_info["file_path"])
        if file_id is None:
            return web.json_response(not_found.body(), status=not_found.status)
        upload = self._files[file_id].upload
        return web.Response(
            body=upload.content, content_type=upload.content_type or "application/octet-stream"
        )

    def _check_faults(self, call: ApiCall) -> None:
        queue = self._faults.get(call.method.lower())
        if queue:
            status = queue.pop(0)
            if not queue:
                del self._faults[call.method.lower()]
            retry = {"retry_after": self._retry_after} if status == 429 else None
            raise _ApiError(status, _fault_description(status, self._retry_after), retry)
        if self._rate_limit is not None and _is_rate_limited(call.method):
            now = time.monotonic()
            window = self._send_times
            while window and window[0] <= now - 1.0:
                window.popleft()
            over = len(window) >= self._rate_limit
            window.append(now)
            if over:
                raise _ApiError(
                    429,
                    f"Too Many Requests: retry after {self._retry_after}",
                    {"retry_after": self._retry_after},
                )
        if _is_outgoing(call.method) and call.chat_id in self._blocked:
            raise _ApiError(403, BLOCKED)

    # ----------------------------------------------------------------- internals: updates

    async def _get_updates(self, call: ApiCall) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise _ApiError(409, CONFLICT_WEBHOOK)
        params = call.params
        offset = _as_int(params.get("offset"), 0)
        limit = min(max(_as_int(params.get("limit"), 100), 1), 100)
        timeout = params.get("timeout", 0)
        timeout = float(timeout) if isinstance(timeout, (int, float)) else 0.0
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            # An empty list means "the default set", which includes everything we produce.
            self._allowed_updates = [str(kind) for kind in allowed] or None
        if offset:
            self._confirm(offset)
        # A newer poll terminates an older one, like Telegram does; this also retires polls
        # orphaned by a client that went away (aiohttp does not cancel their handlers).
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()
        deadline = asyncio.get_running_loop().time() + max(timeout, 0.0)
        while True:
            if generation != self._poll_generation:
                raise _ApiError(409, CONFLICT_POLL)
            batch = self._deliverable(limit)
            if batch or self._closing:
                return batch
            if not await self._wait_change(deadline):
                return []

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            keep = self._pending[offset:]
            for update in self._pending[: len(self._pending) - len(keep)]:
                self.dropped_updates[update["update_id"]] = "forgotten by a negative offset"
            self._pending = keep
        else:
            self._acked_offset = max(self._acked_offset, offset)
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        self._notify()

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        if self._allowed_updates is not None:
            kept = []
            for update in self._pending:
                kind = next(key for key in update if key != "update_id")
                if kind in self._allowed_updates:
                    kept.append(update)
                else:
                    self.dropped_updates[update["update_id"]] = (
                        f"{kind} is not in allowed_updates {self._allowed_updates}"
                    )
            if len(kept) != len(self._pending):
                self._pending = kept
                self._notify()
        return self._pending[:limit]

    # ----------------------------------------------------------------- internals: checks

    def _chat(self, call: ApiCall, *, sending: bool = False) -> int:
        value = call.params.get("chat_id")
        if value is None or value == "":
            raise _ApiError(400, "Bad Request: chat_id is empty")
        chat_id = call.chat_id
        if chat_id is None and isinstance(value, str) and value.startswith("@"):
            chat_id = next(
                (uid for uid, u in self._users.items() if u.get("username") == value[1:]), None
            )
        if chat_id is None:
            raise _ApiError(400, "Bad Request: chat not found")
        if sending and self.require_known_chats and chat_id > 0 and chat_id not in self._users:
            raise _ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat_id

    def _format(
        self, text: str, parse_mode: Any, entities: Any
    ) -> tuple[str, list[dict[str, Any]]]:
        if self.parse_html and isinstance(parse_mode, str) and parse_mode.lower() == "html":
            try:
                return _parse_html(text)
            except _EntityParseError as err:
                raise _ApiError(400, f"Bad Request: can't parse entities: {err}") from None
        return text, entities if isinstance(entities, list) else []

    def _text_param(self, call: ApiCall) -> tuple[str, str, list[dict[str, Any]]]:
        raw = call.params.get("text")
        if not isinstance(raw, str) or not raw.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        text, entities = self._format(
            raw, call.params.get("parse_mode"), call.params.get("entities")
        )
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(text) > MAX_TEXT:
            raise _ApiError(400, "Bad Request: message is too long")
        return raw, text, entities

    def _caption_param(self, call: ApiCall) -> tuple[str | None, str | None, list[dict[str, Any]]]:
        raw = call.params.get("caption")
        if not isinstance(raw, str) or raw == "":
            return None, None, []
        text, entities = self._format(
            raw, call.params.get("parse_mode"), call.params.get("caption_entities")
        )
        if _utf16_len(text) > MAX_CAPTION:
            raise _ApiError(400, "Bad Request: message caption is too long")
        return raw, text or None, entities

    @staticmethod
    def _markup(call: ApiCall, *, inline_only: bool = False) -> dict[str, Any] | None:
        markup = call.params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            if inline_only:
                raise _ApiError(400, "Bad Request: inline keyboard expected")
            return markup
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _ApiError(400, "Bad Request: can't parse inline keyboard button")
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise _ApiError(400, "Bad Request: can't parse inline keyboard button")
                if set(button) == {"text"}:
                    raise _ApiError(
                        400, "Bad Request: text buttons are unallowed in the inline keyboard"
                    )
                data = button.get("callback_data")
                if data is not None and (
                    not isinstance(data, str)
                    or not data
                    or len(data.encode("utf-8")) > MAX_CALLBACK_DATA
                ):
                    raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _reply_to(self, call: ApiCall, chat_id: int) -> int | None:
        params = call.params
        reply = params.get("reply_parameters")
        message_id: int | None = None
        allow_missing = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            message_id = _as_int(reply.get("message_id"), 0) or None
            allow_missing = allow_missing or bool(reply.get("allow_sending_without_reply"))
        elif "reply_to_message_id" in params:
            message_id = _as_int(params.get("reply_to_message_id"), 0) or None
        if message_id is None:
            return None
        existing = self._messages.get(chat_id, {}).get(message_id)
        if existing is None or existing.deleted:
            if allow_missing:
                return None
            raise _ApiError(400, "Bad Request: message to be replied not found")
        return message_id

    def _input_file(self, call: ApiCall, name: str, value: Any, folder: str) -> _FileRecord:
        upload = call.files.get(name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = call.files.get(value.removeprefix("attach://"))
        if upload is not None:
            if not upload.content:
                raise _ApiError(400, "Bad Request: file must be non-empty")
            return self._register_file(upload, folder)
        if value is None or value == "":
            raise _ApiError(400, f"Bad Request: there is no {name} in the request")
        if isinstance(value, str) and value in self._files:
            return self._files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            filename = value.rstrip("/").rsplit("/", 1)[-1] or "file"
            return self._register_file(UploadedFile(filename, b""), folder)
        raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _new_bot_message(
        self,
        call: ApiCall,
        chat_id: int,
        *,
        kind: str,
        raw_text: str | None,
        text: str | None,
        entities: list[dict[str, Any]],
        record: _FileRecord | None = None,
        extra: dict[str, Any] | None = None,
    ) -> StoredMessage:
        markup = self._markup(call)
        reply_to = self._reply_to(call, chat_id)
        message = self._store_message(
            StoredMessage(
                message_id=self._new_message_id(chat_id),
                chat_id=chat_id,
                text=text,
                raw_text=raw_text,
                entities=entities,
                reply_markup=markup,
                kind=kind,
                document=record.upload if record is not None and kind == "document" else None,
                photo=record.upload if record is not None and kind == "photo" else None,
                file_id=record.file_id if record is not None else None,
                reply_to_message_id=reply_to,
                extra=extra or {},
                date=int(time.time()),
            )
        )
        if markup is not None and "keyboard" in markup:
            self._reply_keyboards[chat_id] = _reply_buttons(markup)
            self._reply_rows[chat_id] = _reply_rows(markup)
            self._emit("keyboard", chat_id=chat_id)
        elif markup is not None and markup.get("remove_keyboard"):
            self._reply_keyboards.pop(chat_id, None)
            self._reply_rows.pop(chat_id, None)
            self._emit("keyboard", chat_id=chat_id)
        return message

    def _existing(self, call: ApiCall, missing: str) -> StoredMessage:
        chat_id = self._chat(call)
        message_id = _as_int(call.params.get("message_id"), 0)
        message = self._messages.get(chat_id, {}).get(message_id)
        if message is None or message.deleted:
            raise _ApiError(400, missing)
        return message

    def _editable(self, call: ApiCall) -> StoredMessage:
        message = self._existing(call, EDIT_NOT_FOUND)
        if not message.from_bot:
            raise _ApiError(400, "Bad Request: message can't be edited")
        return message

    # ----------------------------------------------------------------- Bot API methods

    def _unknown_method(self, call: ApiCall) -> Any:
        if call.method.startswith("send"):
            # aiogram expects a Message back from any send*; a bare one parses fine.
            chat_id = self._chat(call, sending=True)
            raw, caption, entities = self._caption_param(call)
            message = self._new_bot_message(
                call, chat_id, kind="other", raw_text=raw, text=caption, entities=entities
            )
            return self._message_payload(message)
        return True

    def _get_me(self, call: ApiCall) -> Any:
        return {
            **self._bot_payload(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _set_webhook(self, call: ApiCall) -> Any:
        url = call.params.get("url")
        self.webhook_url = str(url) if url else None
        secret = call.params.get("secret_token")
        self.webhook_secret = str(secret) if secret else None
        if call.params.get("drop_pending_updates"):
            self._drop_pending("dropped by setWebhook(drop_pending_updates=True)")
        if self.webhook_url and (self._webhook_task is None or self._webhook_task.done()):
            self._webhook_task = asyncio.create_task(self._deliver_to_webhook())
        self._notify()
        return True

    async def _deliver_to_webhook(self) -> None:
        """POST queued updates one by one to the webhook, as Telegram does; 200 confirms one."""
        import aiohttp

        async with aiohttp.ClientSession() as http:
            while self.webhook_url and not self._closing:
                batch = self._deliverable(1)
                if not batch:
                    await self._wait_change(asyncio.get_running_loop().time() + 1.0)
                    continue
                update = batch[0]
                headers = {}
                if self.webhook_secret:
                    headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
                try:
                    async with http.post(self.webhook_url, json=update, headers=headers) as resp:
                        delivered = resp.status == 200
                except (aiohttp.ClientError, OSError):
                    delivered = False
                if delivered:
                    self._confirm(update["update_id"] + 1)
                else:
                    await asyncio.sleep(0.2)  # the bot is not up yet: Telegram retries too

    def _delete_webhook(self, call: ApiCall) -> Any:
        self.webhook_url = None
        if call.params.get("drop_pending_updates"):
            self._drop_pending("dropped by deleteWebhook(drop_pending_updates=True)")
        return True

    def _drop_pending(self, reason: str) -> None:
        for update in self._pending:
            self.dropped_updates[update["update_id"]] = reason
        self._pending = []
        self._notify()

    def _get_webhook_info(self, call: ApiCall) -> Any:
        return {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    def _commands_key_of(self, call: ApiCall) -> str:
        scope = call.params.get("scope")
        language = call.params.get("language_code")
        return self.commands_key(
            scope if isinstance(scope, dict) else None, str(language) if language else None
        )

    def _set_my_commands(self, call: ApiCall) -> Any:
        commands = call.params.get("commands")
        if not isinstance(commands, list):
            raise _ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            if not isinstance(name, str) or not _COMMAND_RE.match(name.removeprefix("/")):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not command.get("description"):
                raise _ApiError(400, "Bad Request: command description is empty")
        self.commands[self._commands_key_of(call)] = commands
        self._emit("commands")
        return True

    def _delete_my_commands(self, call: ApiCall) -> Any:
        self.commands.pop(self._commands_key_of(call), None)
        self._emit("commands")
        return True

    def _get_my_commands(self, call: ApiCall) -> Any:
        return self.commands.get(self._commands_key_of(call), [])

    def _set_chat_menu_button(self, call: ApiCall) -> Any:
        button = call.params.get("menu_button")
        key = str(call.chat_id) if call.chat_id is not None else "default"
        self.menu_buttons[key] = button if isinstance(button, dict) else {"type": "default"}
        return True

    def _get_chat_menu_button(self, call: ApiCall) -> Any:
        key = str(call.chat_id) if call.chat_id is not None else "default"
        return self.menu_buttons.get(key, {"type": "default"})

    def _send_message(self, call: ApiCall) -> Any:
        chat_id = self._chat(call, sending=True)
        raw, text, entities = self._text_param(call)
        message = self._new_bot_message(
            call, chat_id, kind="text", raw_text=raw, text=text, entities=entities
        )
        return self._message_payload(message)

    def _send_file(self, call: ApiCall, name: str, kind: str, folder: str) -> Any:
        chat_id = self._chat(call, sending=True)
        raw, caption, entities = self._caption_param(call)
        record = self._input_file(call, name, call.params.get(name), folder)
        message = self._new_bot_message(
            call,
            chat_id,
            kind=kind,
            raw_text=raw,
            text=caption,
            entities=entities,
            record=record,
        )
        return self._message_payload(message)

    def _send_document(self, call: ApiCall) -> Any:
        return self._send_file(call, "document", "document", "documents")

    def _send_photo(self, call: ApiCall) -> Any:
        return self._send_file(call, "photo", "photo", "photos")

    def _send_chat_action(self, call: ApiCall) -> Any:
        self._chat(call, sending=True)
        return True

    def _send_media_group(self, call: ApiCall) -> Any:
        chat_id = self._chat(call, sending=True)
        media = call.params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise _ApiError(400, "Bad Request: wrong number of media in the album")
        group_id = str(10_000_000 + self._next_media_group)
        self._next_media_group += 1
        results = []
        for item in media:
            if not isinstance(item, dict):
                raise _ApiError(400, "Bad Request: can't parse InputMedia JSON object")
            kind = {"photo": "photo", "document": "document"}.get(str(item.get("type")), "other")
            folder = {"photo": "photos", "document": "documents"}.get(kind, "media")
            record = self._input_file(call, "media", item.get("media"), folder)
            caption = item.get("caption")
            text, entities = (
                self._format(caption, item.get("parse_mode"), item.get("caption_entities"))
                if isinstance(caption, str) and caption
                else (None, [])
            )
            message = self._new_bot_message(
                call,
                chat_id,
                kind=kind,
                raw_text=caption if isinstance(caption, str) else None,
                text=text or None,
                entities=entities,
                record=record,
                extra={"media_group_id": group_id},
            )
            results.append(self._message_payload(message))
        return results

    def _edit_message_text(self, call: ApiCall) -> Any:
        if call.params.get("inline_message_id"):
            return True
        message = self._editable(call)
        if message.kind != "text":
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        raw, text, entities = self._text_param(call)
        # Omitting reply_markup removes the inline keyboard, exactly as on Telegram.
        markup = self._markup(call, inline_only=True)
        current = (message.text, message.entities, _inline_only(message.reply_markup))
        if current == (text, entities, markup):
            raise _ApiError(400, NOT_MODIFIED)
        message.text, message.raw_text, message.entities = text, raw, entities
        message.reply_markup = markup
        self._touch(message)
        return self._message_payload(message)

    def _edit_message_caption(self, call: ApiCall) -> Any:
        if call.params.get("inline_message_id"):
            return True
        message = self._editable(call)
        if message.kind == "text":
            raise _ApiError(400, "Bad Request: there is no caption in the message to edit")
        raw, caption, entities = self._caption_param(call)
        markup = self._markup(call, inline_only=True)
        current = (message.text, message.entities, _inline_only(message.reply_markup))
        if current == (caption, entities, markup):
            raise _ApiError(400, NOT_MODIFIED)
        message.text, message.raw_text, message.entities = caption, raw, entities
        message.reply_markup = markup
        self._touch(message)
        return self._message_payload(message)

    def _edit_message_reply_markup(self, call: ApiCall) -> Any:
        if call.params.get("inline_message_id"):
            return True
        message = self._editable(call)
        markup = self._markup(call, inline_only=True)
        if _inline_only(message.reply_markup) == markup:
            raise _ApiError(400, NOT_MODIFIED)
        message.reply_markup = markup
        self._touch(message)
        return self._message_payload(message)

    def _delete_message(self, call: ApiCall) -> Any:
        self._mark_deleted(self._existing(call, DELETE_NOT_FOUND))
        return True

    def _delete_messages(self, call: ApiCall) -> Any:
        chat = self._messages.get(self._chat(call), {})
        ids = call.params.get("message_ids")
        for message_id in ids if isinstance(ids, list) else []:
            message = chat.get(_as_int(message_id, 0))
            if message is not None and not message.deleted:
                self._mark_deleted(message)
        return True

    def _answer_callback_query(self, call: ApiCall) -> Any:
        query = self._callbacks.get(str(call.params.get("callback_query_id", "")))
        if query is None or query.answered:
            raise _ApiError(400, QUERY_INVALID)
        query.answered = True
        self._emit(
            "callback_answer",
            chat_id=query.user_id,
            text=str(call.params.get("text") or ""),
            show_alert=bool(call.params.get("show_alert")),
            url=str(call.params.get("url") or ""),
        )
        return True

    def _get_file(self, call: ApiCall) -> Any:
        record = self._files.get(str(call.params.get("file_id", "")))
        if record is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        if record.upload.size > MAX_DOWNLOAD:
            raise _ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "file_size": record.upload.size,
            "file_path": record.file_path,
        }

    def _source_message(self, call: ApiCall, missing: str) -> StoredMessage:
        from_chat = call.params.get("from_chat_id")
        if not isinstance(from_chat, int):
            raise _ApiError(400, "Bad Request: chat not found")
        message_id = _as_int(call.params.get("message_id"), 0)
        source = self._messages.get(from_chat, {}).get(message_id)
        if source is None or source.deleted:
            raise _ApiError(400, missing)
        return source

    def _copy_message(self, call: ApiCall) -> Any:
        chat_id = self._chat(call, sending=True)
        source = self._source_message(call, "Bad Request: message to copy not found")
        raw, text, entities = source.raw_text, source.text, source.entities
        if "caption" in call.params and source.kind != "text":
            raw, text, entities = self._caption_param(call)
        record = self._files.get(source.file_id) if source.file_id else None
        message = self._new_bot_message(
            call,
            chat_id,
            kind=source.kind,
            raw_text=raw,
            text=text,
            entities=list(entities),
            record=record,
        )
        return {"message_id": message.message_id}

    def _forward_message(self, call: ApiCall) -> Any:
        chat_id = self._chat(call, sending=True)
        source = self._source_message(call, "Bad Request: message to forward not found")
        origin = {
            "type": "user",
            "date": source.date,
            "sender_user": (
                self._bot_payload() if source.from_bot else self._user_payload(source.chat_id)
            ),
        }
        record = self._files.get(source.file_id) if source.file_id else None
        message = self._store_message(
            StoredMessage(
                message_id=self._new_message_id(chat_id),
                chat_id=chat_id,
                text=source.text,
                raw_text=source.raw_text,
                entities=list(source.entities),
                kind=source.kind,
                document=source.document,
                photo=source.photo,
                file_id=record.file_id if record is not None else None,
                extra={"forward_origin": origin},
                date=int(time.time()),
            )
        )
        return self._message_payload(message)

    def _get_chat(self, call: ApiCall) -> Any:
        chat_id = self._chat(call)
        if chat_id > 0 and chat_id not in self._users:
            raise _ApiError(400, "Bad Request: chat not found")
        return {
            **self._chat_payload(chat_id),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    # ----------------------------------------------------------------- control API

    async def _handle_control(self, request: web.Request) -> web.StreamResponse:
        """JSON control API for the standalone server.

        GET  /_emulator/calls?since=N            -> list of calls (files as name/size)
        GET  /_emulator/messages?chat_id=N       -> bot messages in the chat
        GET  /_emulator/stats                    -> counts by method and status
        POST /_emulator/send_text      {"user_id", "text", "first_name"?}   -> {"update_id"}
        POST /_emulator/press          {"user_id", "message_id", "data"}    -> {"update_id"}
        POST /_emulator/send_document  {"user_id", "filename", "content_b64"} -> {"update_id"}
        POST /_emulator/wait_processed {"update_id", "timeout"?}
        POST /_emulator/block_user | unblock_user {"chat_id"}
        POST /_emulator/set_rate_limit {"per_second", "retry_after"?}
        POST /_emulator/fail_next      {"method", "times"?, "status"?}
        """
        action = request.match_info["action"]
        try:
            body: dict[str, Any] = await request.json() if request.can_read_body else {}
            result = await self._control(action, body, request.query)
        except TimeoutError as err:
            return web.json_response({"ok": False, "error": str(err)}, status=504)
        except (KeyError, TypeError, ValueError) as err:
            return web.json_response({"ok": False, "error": repr(err)}, status=400)
        return web.json_response({"ok": True, "result": result}, dumps=_dumps)

    async def _control(self, action: str, body: dict[str, Any], query: Any) -> Any:
        if action == "calls":
            since = int(query.get("since", 0))
            return [_call_summary(call) for call in self.calls[since:]]
        if action == "messages":
            chat_id = int(query["chat_id"])
            return [self._message_payload(m) for m in self.messages_to(chat_id) if not m.deleted]
        if action == "stats":
            return {
                "calls": len(self.calls),
                "by_method": collections.Counter(c.method for c in self.calls),
                "by_status": collections.Counter(str(c.status) for c in self.calls),
                "pending_updates": len(self._pending),
            }
        if action == "send_text":
            return {
                "update_id": self.send_text(
                    int(body["user_id"]),
                    str(body["text"]),
                    first_name=body.get("first_name", "Тест"),
                )
            }
        if action == "press":
            return {
                "update_id": self.press(
                    int(body["user_id"]), int(body["message_id"]), str(body["data"])
                )
            }
        if action == "send_document":
            content = base64.b64decode(body["content_b64"])
            return {
                "update_id": self.send_document(
                    int(body["user_id"]), str(body["filename"]), content, body.get("mime_type")
                )
            }
        if action == "wait_processed":
            await self.wait_processed(int(body["update_id"]), float(body.get("timeout", 10.0)))
            return True
        if action in ("block_user", "unblock_user"):
            getattr(self, action)(int(body["chat_id"]))
            return True
        if action == "set_rate_limit":
            per_second = body.get("per_second")
            self.set_rate_limit(
                None if per_second is None else float(per_second),
                int(body.get("retry_after", 1)),
            )
            return True
        if action == "fail_next":
            self.fail_next(
                str(body["method"]), int(body.get("times", 1)), int(body.get("status", 500))
            )
            return True
        raise KeyError(f"unknown action {action!r}")


def _call_summary(call: ApiCall) -> dict[str, Any]:
    return {
        "index": call.index,
        "method": call.method,
        "params": call.params,
        "files": {k: {"filename": f.filename, "size": f.size} for k, f in call.files.items()},
        "status": call.status,
        "time": call.time,
        "description": call.description,
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
