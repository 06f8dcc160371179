"""The emulator's data: recorded calls, chat messages, files, and the decoding of requests."""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

DEFAULT_TOKEN = "123456:TEST-token"

# Telegram's own wording, so that code matching on descriptions behaves as in production.
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
EDIT_NOT_FOUND = "Bad Request: message to edit not found"
DELETE_NOT_FOUND = "Bad Request: message to delete not found"
BLOCKED = "Forbidden: bot was blocked by the user"
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_DOWNLOAD = 20 * 1024 * 1024

# Parameters that must stay strings even when they look like numbers, booleans or JSON
# (a user may well type "123" or "[1]", and file ids are opaque).
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "data",
        "url",
        "file_id",
        "query",
        "description",
        "short_description",
        "name",
        "title",
        "emoji",
        "action",
        "secret_token",
        "language_code",
        "business_connection_id",
        "message_effect_id",
        "custom_emoji_id",
        "payload",
        "currency",
        "document",
        "photo",
        "video",
        "audio",
        "voice",
        "animation",
        "sticker",
        "video_note",
        "thumbnail",
        "first_name",
        "last_name",
        "username",
        "phone_number",
        "question",
    }
)
_INT_RE = re.compile(r"-?\d+\Z")
_FLOAT_RE = re.compile(r"-?\d+\.\d+\Z")
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}\Z")

_CANONICAL_METHODS = [
    "getMe",
    "getUpdates",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "setMyCommands",
    "deleteMyCommands",
    "getMyCommands",
    "setChatMenuButton",
    "getChatMenuButton",
    "sendMessage",
    "sendDocument",
    "sendPhoto",
    "sendChatAction",
    "sendMediaGroup",
    "editMessageText",
    "editMessageReplyMarkup",
    "editMessageCaption",
    "deleteMessage",
    "deleteMessages",
    "answerCallbackQuery",
    "getFile",
    "copyMessage",
    "forwardMessage",
    "getChat",
    "close",
    "logOut",
]
_CANONICAL = {name.lower(): name for name in _CANONICAL_METHODS}


class _ApiError(Exception):
    """An error answer in Telegram's shape; raised by method handlers."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass(frozen=True)
class UploadedFile:
    """A file that travelled through the emulator: uploaded by the bot or sent by a user."""

    filename: str
    content: bytes
    content_type: str | None = None

    @property
    def size(self) -> int:
        """Size of the content in bytes."""
        return len(self.content)


def _inline_buttons(markup: Any) -> list[tuple[str, str]]:
    if not isinstance(markup, dict):
        return []
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list):
        return []
    buttons: list[tuple[str, str]] = []
    for row in rows:
        for button in row if isinstance(row, list) else []:
            if not isinstance(button, dict):
                continue
            web_app = button.get("web_app")
            target = (
                button.get("callback_data")
                or button.get("url")
                or (web_app.get("url") if isinstance(web_app, dict) else None)
                or ""
            )
            buttons.append((str(button.get("text", "")), str(target)))
    return buttons


def _reply_buttons(markup: Any) -> list[str]:
    if not isinstance(markup, dict):
        return []
    rows = markup.get("keyboard")
    if not isinstance(rows, list):
        return []
    texts: list[str] = []
    for row in rows:
        for button in row if isinstance(row, list) else []:
            texts.append(str(button.get("text", "")) if isinstance(button, dict) else str(button))
    return texts


def _reply_rows(markup: Any) -> list[list[str]]:
    rows = markup.get("keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list):
        return []
    return [
        [str(b.get("text", "")) if isinstance(b, dict) else str(b) for b in row]
        for row in rows
        if isinstance(row, list)
    ]


def _inline_only(markup: Any) -> dict[str, Any] | None:
    # Telegram attaches only inline keyboards to messages; reply keyboards belong to the chat.
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return markup
    return None


@dataclass
class ApiCall:
    """One request the bot made, with decoded parameters and the answer it got."""

    index: int
    method: str
    params: dict[str, Any]
    files: dict[str, UploadedFile] = field(default_factory=dict)
    status: int = 200
    time: float = 0.0
    result: Any = None
    description: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.status == 200

    @property
    def text(self) -> str | None:
        """``text`` or ``caption`` parameter as sent by the bot (before HTML parsing)."""
        value = self.params.get("text", self.params.get("caption"))
        return None if value is None else str(value)

    @property
    def chat_id(self) -> int | None:
        """Target chat of the call, when it has a numeric one."""
        value = self.params.get("chat_id")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and _INT_RE.match(value):
            return int(value)
        return None

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """Inline keyboard as a flat list of (text, callback_data or url)."""
        return _inline_buttons(self.params.get("reply_markup"))

    @property
    def reply_keyboard(self) -> list[str]:
        """Button texts of a reply keyboard sent with this call, flat; empty if none."""
        return _reply_buttons(self.params.get("reply_markup"))

    def __repr__(self) -> str:
        details = f"#{self.index} {self.method} -> {self.status}"
        if self.chat_id is not None:
            details += f" chat={self.chat_id}"
        if self.text is not None:
            details += f" text={self.text[:60]!r}"
        if self.description:
            details += f" ({self.description})"
        return f"ApiCall({details})"


@dataclass
class StoredMessage:
    """Current state of a message in a chat (bot messages and, internally, user messages)."""

    message_id: int
    chat_id: int
    text: str | None
    reply_markup: dict[str, Any] | None = None
    document: UploadedFile | None = None
    deleted: bool = False
    photo: UploadedFile | None = None
    from_bot: bool = True
    kind: str = "text"  # "text", "document", "photo" or "other": decides text vs caption edits
    raw_text: str | None = None  # as the bot sent it, before HTML parsing
    entities: list[dict[str, Any]] = field(default_factory=list)
    date: int = 0
    edit_date: int | None = None
    file_id: str | None = None
    reply_to_message_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    seq: int = 0  # bumped on every send/edit, so "newest" means most recently changed

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """Inline keyboard as a flat list of (text, callback_data or url)."""
        return _inline_buttons(self.reply_markup)


@dataclass
class _FileRecord:
    file_id: str
    file_unique_id: str
    file_path: str
    upload: UploadedFile

    def document(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.upload.filename,
            "file_size": self.upload.size,
        }
        if self.upload.content_type:
            payload["mime_type"] = self.upload.content_type
        return payload

    def photo(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": 800,
            "height": 600,
            "file_size": self.upload.size,
        }


@dataclass
class _CallbackQuery:
    user_id: int
    message_id: int
    answered: bool = False


def _decode_value(key: str, value: Any) -> Any:
    # Multipart and urlencoded bodies carry only strings; give tests typed values back.
    if not isinstance(value, str) or key in _STRING_PARAMS:
        return value
    if value[:1] in ("{", "["):
        with contextlib.suppress(ValueError):
            return json.loads(value)
        return value
    if _INT_RE.match(value):
        return int(value)
    if _FLOAT_RE.match(value):
        return float(value)
    if value in ("true", "false"):
        return value == "true"
    return value


async def _read_request(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    raw: dict[str, Any] = dict(request.query)
    uploads: dict[str, UploadedFile] = {}
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("JSON body must be an object")
            raw.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    uploads[key] = UploadedFile(
                        filename=value.filename or key,
                        content=value.file.read(),
                        content_type=value.content_type,
                    )
                elif isinstance(value, (bytes, bytearray)):
                    raw[key] = bytes(value).decode("utf-8", "replace")
                else:
                    raw[key] = value
    params = {key: _decode_value(key, value) for key, value in raw.items()}
    # aiogram uploads files under random field names referenced as "attach://name"; key them
    # by the parameter instead, so tests can say call.files["document"].
    files: dict[str, UploadedFile] = {}
    referenced: set[str] = set()
    for key, value in params.items():
        if isinstance(value, str) and value.startswith("attach://"):
            name = value.removeprefix("attach://")
            if name in uploads:
                files[key] = uploads[name]
                referenced.add(name)
    for name, upload in uploads.items():
        if name not in referenced:
            files.setdefault(name, upload)
    return params, files


def _as_int(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INT_RE.match(value):
        return int(value)
    return default


def _fault_description(status: int, retry_after: int) -> str:
    return {
        400: "Bad Request: injected failure",
        401: "Unauthorized",
        403: "Forbidden: injected failure",
        404: "Not Found",
        409: "Conflict: injected failure",
        429: f"Too Many Requests: retry after {retry_after}",
        500: "Internal Server Error",
        502: "Bad Gateway",
    }.get(status, f"Error {status}: injected failure")


def _is_outgoing(method: str) -> bool:
    return method.startswith(("send", "edit", "copyMessage", "forwardMessage"))


def _is_rate_limited(method: str) -> bool:
    return method.startswith(("send", "copyMessage", "forwardMessage"))
