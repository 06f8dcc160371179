"""The web chat: a page that acts as the sandbox's people, live over a WebSocket.

Every chat lives in the emulator (its history survives a page reload); the page sends what a
Telegram client would (text, a button press, a file) and the emulator turns it into an update for
the bot. Text is shown from the message's plain text and entities, so only Telegram's formatting
(b, i, u, s, a, code, pre, blockquote, spoiler) ever reaches the page as markup.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import mimetypes
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from aiohttp import WSMsgType, web
from aiohttp.typedefs import Handler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.emulator import BotApiEmulator, StoredMessage
from bot.emulator.model import MAX_TEXT
from bot.sandbox import clock, personas
from bot.sandbox.personas import Persona
from bot.texts import sandbox as t

log = logging.getLogger(__name__)

#: A browser frame larger than this closes the socket (code 1009); the page says why.
MAX_FRAME = 256 * 1024
MAX_UPLOAD_MB = 10
STATIC = Path(str(resources.files("bot.sandbox") / "static"))

_TAGS = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "code": ("<code>", "</code>"),
    "pre": ("<pre>", "</pre>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
    "expandable_blockquote": ("<blockquote>", "</blockquote>"),
    "spoiler": ('<span class="spoiler">', "</span>"),
}
_SAFE_SCHEMES = ("http://", "https://", "tg://", "mailto:")


def render_html(text: str, entities: list[dict[str, Any]]) -> str:
    """Plain text and Telegram entities (UTF-16 offsets) as safe HTML of whitelisted tags."""
    starts: dict[int, list[tuple[int, str, str]]] = {}
    for entity in entities:
        try:
            offset, length = int(entity["offset"]), int(entity["length"])
        except (KeyError, TypeError, ValueError):
            continue
        kind = entity.get("type")
        if kind == "text_link":
            url = str(entity.get("url", ""))
            if not url.startswith(_SAFE_SCHEMES):
                continue
            tags = (
                f'<a href="{escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">',
                "</a>",
            )
        elif isinstance(kind, str) and kind in _TAGS:
            tags = _TAGS[kind]
        else:
            continue
        if length > 0:
            starts.setdefault(offset, []).append((offset + length, *tags))
    out: list[str] = []
    stack: list[tuple[int, str]] = []  # (end, closing tag)
    position = 0  # in UTF-16 code units
    for char in text:
        while stack and stack[-1][0] <= position:
            out.append(stack.pop()[1])
        for end, opening, closing in sorted(starts.get(position, []), reverse=True):
            out.append(opening)
            stack.append((end, closing))
        out.append(escape(char, quote=False))
        position += 2 if ord(char) > 0xFFFF else 1
    out.extend(closing for _, closing in reversed(stack))
    return "".join(out)


def _buttons(message: StoredMessage) -> list[list[dict[str, str]]]:
    rows = (message.reply_markup or {}).get("inline_keyboard")
    result: list[list[dict[str, str]]] = []
    for row in rows if isinstance(rows, list) else []:
        line = []
        for button in row if isinstance(row, list) else []:
            if not isinstance(button, dict):
                continue
            text = str(button.get("text", ""))
            if "callback_data" in button:
                line.append(
                    {"text": text, "kind": "callback", "data": str(button["callback_data"])}
                )
            elif str(button.get("url", "")).startswith(_SAFE_SCHEMES):
                line.append({"text": text, "kind": "url", "url": str(button["url"])})
        if line:
            result.append(line)
    return result


def _has_button(message: StoredMessage, data: str) -> bool:
    return any(b.get("data") == data for row in _buttons(message) for b in row)


class Chat:
    """The web side of the sandbox: HTTP routes, the sockets of open pages and the people."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        sessions: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self.emulator = emulator
        self.sessions = sessions
        self.people: dict[int, Persona] = {p.id: p for p in personas.PERSONAS}
        self._next_newcomer = personas.NEWCOMER_BASE
        self._tasks: set[asyncio.Task[None]] = set()
        self._sockets: dict[web.WebSocketResponse, asyncio.Queue[dict[str, Any] | None]] = {}
        emulator.add_listener(self._on_change)

    async def load_newcomers(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """The database is ready: remember it and the newcomers of earlier runs."""
        self.sessions = sessions
        async with sessions() as session:
            for persona in await personas.newcomers(session):
                self.people[persona.id] = persona
            self._next_newcomer = max(
                self._next_newcomer, await personas.largest_newcomer_id(session) + 1
            )

    def app(self) -> web.Application:
        app = web.Application(
            client_max_size=(MAX_UPLOAD_MB + 1) * 1024 * 1024, middlewares=[_same_origin]
        )
        app.router.add_get("/", self._index)
        app.router.add_static("/static", STATIC)
        app.router.add_get("/api/state", self._state)
        app.router.add_get("/api/chat/{chat_id}", self._chat)
        app.router.add_post("/api/people", self._new_person)
        app.router.add_post("/api/rewind", self._rewind)
        app.router.add_post("/api/upload", self._upload)
        app.router.add_get("/files/{file_id}", self._file)
        app.router.add_get("/ws", self._socket)
        app.on_shutdown.append(self._close_sockets)
        return app

    # ------------------------------------------------------------------ views

    def message_view(self, message: StoredMessage) -> dict[str, Any]:
        view: dict[str, Any] = {
            "id": message.message_id,
            "chat_id": message.chat_id,
            "from_bot": message.from_bot,
            "html": render_html(message.text or "", message.entities),
            "kind": message.kind,
            "edited": message.edit_date is not None,
            "date": message.date,
            "buttons": _buttons(message),
        }
        upload = self.emulator.file(message.file_id) if message.file_id else None
        if upload is not None and message.file_id:
            view["file"] = {
                "name": upload.filename,
                "size": upload.size,
                "url": f"/files/{quote(message.file_id)}",
                "photo": message.kind == "photo",
            }
        return view

    def chat_view(self, chat_id: int) -> dict[str, Any]:
        return {
            "chat_id": chat_id,
            "messages": [
                self.message_view(m) for m in self.emulator.history(chat_id) if not m.deleted
            ],
            "keyboard": self.emulator.reply_keyboard_rows(chat_id),
            "commands": self.emulator.commands_for(chat_id),
        }

    def _people_json(self) -> list[dict[str, object]]:
        return [p.as_json() for p in self.people.values()]

    @staticmethod
    def _unnamed(persona: Persona) -> bool:
        return persona.id >= personas.NEWCOMER_BASE and not persona.full_name

    async def _rename(self, chat_id: int) -> None:
        """A newcomer's chat moved on: once onboarding stored their name, every page shows it."""
        await self._refresh_names()
        persona = self.people.get(chat_id)
        if persona is not None and persona.full_name:
            self._broadcast({"type": "people", "people": self._people_json()})

    async def _refresh_names(self) -> None:
        """Newcomers who finished onboarding are listed by the name they gave."""
        if self.sessions is None:
            return
        async with self.sessions() as session:
            names = await personas.names(
                session, [p for p in self.people if p >= personas.NEWCOMER_BASE]
            )
        for telegram_id, full_name in names.items():
            self.people[telegram_id] = personas.newcomer(telegram_id, full_name)

    # ------------------------------------------------------------------ live updates

    def _on_change(self, kind: str, details: dict[str, Any]) -> None:
        chat_id = details.get("chat_id")
        frame: dict[str, Any]
        if kind == "message" and isinstance(chat_id, int):
            message = self.emulator.message(chat_id, int(details["message_id"]))
            if message is None or message.deleted:
                return
            persona = self.people.get(chat_id)
            if message.from_bot and persona is not None and self._unnamed(persona):
                task = asyncio.get_running_loop().create_task(self._rename(chat_id))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            frame = {"type": "message", "chat_id": chat_id, "message": self.message_view(message)}
        elif kind == "deleted":
            frame = {"type": "deleted", "chat_id": chat_id, "message_id": details["message_id"]}
        elif kind == "keyboard" and isinstance(chat_id, int):
            rows = self.emulator.reply_keyboard_rows(chat_id)
            frame = {"type": "keyboard", "chat_id": chat_id, "rows": rows}
        elif kind == "callback_answer":
            if not details.get("text"):
                return
            frame = {
                "type": "toast",
                "chat_id": chat_id,
                "text": details["text"],
                "alert": details.get("show_alert", False),
            }
        elif kind == "commands":
            frame = {"type": "commands"}
        else:
            return
        self._broadcast(frame)

    def _broadcast(self, frame: dict[str, Any]) -> None:
        for queue in self._sockets.values():
            queue.put_nowait(frame)

    async def _close_sockets(self, app: web.Application) -> None:
        for ws in list(self._sockets):
            await ws.close()

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=MAX_FRAME, heartbeat=30)
        await ws.prepare(request)
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._sockets[ws] = queue
        writer = asyncio.create_task(self._write(ws, queue))
        try:
            async for frame in ws:
                if frame.type == WSMsgType.TEXT:
                    error = self._act(frame.data)
                    if error:
                        queue.put_nowait({"type": "error", "text": error})
                elif frame.type == WSMsgType.BINARY:
                    queue.put_nowait({"type": "error", "text": t.BAD_FRAME.format(reason=t.BINARY)})
        finally:
            self._sockets.pop(ws, None)
            queue.put_nowait(None)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        return ws

    @staticmethod
    async def _write(
        ws: web.WebSocketResponse, queue: asyncio.Queue[dict[str, Any] | None]
    ) -> None:
        while (frame := await queue.get()) is not None:
            try:
                await ws.send_json(frame)
            except (ConnectionError, RuntimeError):
                return

    def _act(self, data: str) -> str | None:
        """Carry out one frame from the page; returns the error to show, or None."""
        try:
            frame = json.loads(data)
        except ValueError:
            return t.BAD_FRAME.format(reason=t.NOT_JSON)
        if not isinstance(frame, dict):
            return t.BAD_FRAME.format(reason=t.NOT_OBJECT)
        chat_id = frame.get("chat_id")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            return t.BAD_FRAME.format(reason=t.NO_CHAT)
        persona = self.people.get(chat_id)
        if persona is None:
            return t.UNKNOWN_PERSONA
        op = frame.get("op")
        if op == "text":
            text = frame.get("text")
            if not isinstance(text, str):
                return t.BAD_FRAME.format(reason=t.NO_TEXT)
            if not text.strip():
                return t.EMPTY_TEXT
            if len(text) > MAX_TEXT:
                return t.TOO_LONG.format(limit=MAX_TEXT)
            self.emulator.send_text(chat_id, text, first_name=persona.first_name)
            return None
        if op == "press":
            message_id, pressed = frame.get("message_id"), frame.get("data")
            if not isinstance(message_id, int) or not isinstance(pressed, str):
                return t.BAD_FRAME.format(reason=t.NO_PRESS)
            message = self.emulator.message(chat_id, message_id)
            if message is None or message.deleted or not _has_button(message, pressed):
                return t.NO_BUTTON
            self.emulator.press(chat_id, message_id, pressed)
            return None
        return t.BAD_FRAME.format(reason=t.UNKNOWN_OP.format(op=str(op)[:40]))

    # ------------------------------------------------------------------ HTTP

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def _state(self, request: web.Request) -> web.StreamResponse:
        await self._refresh_names()
        texts = {name: value for name, value in vars(t).items() if name.isupper()}
        return web.json_response(
            {
                "people": self._people_json(),
                "texts": texts,
                "bot": {"name": t.BOT_NAME, "username": self.emulator.username},
            }
        )

    def _known_chat(self, raw: str) -> int:
        try:
            chat_id = int(raw)
        except ValueError:
            raise web.HTTPBadRequest(text=t.UNKNOWN_PERSONA) from None
        if chat_id not in self.people:
            raise web.HTTPNotFound(text=t.UNKNOWN_PERSONA)
        return chat_id

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self.chat_view(self._known_chat(request.match_info["chat_id"])))

    async def _new_person(self, request: web.Request) -> web.StreamResponse:
        persona = personas.newcomer(self._next_newcomer)
        self._next_newcomer += 1
        self.people[persona.id] = persona
        self._broadcast({"type": "people", "people": self._people_json()})
        return web.json_response(persona.as_json())

    async def _rewind(self, request: web.Request) -> web.StreamResponse:
        if self.sessions is None:
            raise web.HTTPServiceUnavailable(text=t.CONNECTING)
        result = await clock.rewind(self.sessions)
        return web.json_response({"text": clock.describe(result), "moved": result.moved})

    async def _upload(self, request: web.Request) -> web.StreamResponse:
        try:
            form = await request.post()
        except web.HTTPRequestEntityTooLarge:
            return _error(t.FILE_TOO_BIG.format(limit=MAX_UPLOAD_MB), 413)
        except ValueError:
            return _error(t.BAD_FRAME.format(reason=t.BROKEN_FORM))
        chat_id = self._known_chat(str(form.get("chat_id", "")))
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            return _error(t.NO_FILE)
        content = upload.file.read()
        if not content:
            return _error(t.NO_FILE)
        self.emulator.send_document(
            chat_id, upload.filename or "file", content, upload.content_type or None
        )
        return web.json_response({"ok": True})

    async def _file(self, request: web.Request) -> web.StreamResponse:
        upload = self.emulator.file(request.match_info["file_id"])
        if upload is None:
            raise web.HTTPNotFound()
        disposition = "inline" if request.query.get("inline") else "attachment"
        name = quote(upload.filename)
        content_type = (upload.content_type or "").split(";")[0].strip()
        if not content_type or content_type == "application/octet-stream":
            content_type = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
        return web.Response(
            body=upload.content,
            content_type=content_type,
            headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{name}"},
        )


@web.middleware
async def _same_origin(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Other sites open in the same browser must not act in the sandbox: a request that says it
    comes from another origin (a cross-site form, fetch or WebSocket) is refused."""
    origin = request.headers.get("Origin")
    if origin and urlsplit(origin).netloc != request.host:
        raise web.HTTPForbidden()
    return await handler(request)


def _error(text: str, status: int = 400) -> web.Response:
    return web.json_response({"error": text}, status=status)
