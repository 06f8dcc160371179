"""Downloading a document an admin sent, within the size limit."""

from __future__ import annotations

import io

from aiogram import Bot
from aiogram.types import Document

from bot.services import InvalidInput
from bot.services.tables import MAX_UPLOAD_BYTES
from bot.texts import admin as t
from handlers.views import MESSAGE_LIMIT, clip, text_size


async def download(bot: Bot, document: Document) -> bytes:
    """The file's bytes; raises InvalidInput before downloading anything too big."""
    if document.file_size is not None and document.file_size > MAX_UPLOAD_BYTES:
        raise InvalidInput(t.FILE_TOO_BIG.format(limit_mb=MAX_UPLOAD_BYTES // (1024 * 1024)))
    buffer = io.BytesIO()
    await bot.download(document, destination=buffer)
    return buffer.getvalue()


def refusal(template: str, errors: str) -> str:
    """A file's refusal with its errors: cells are quoted as text (a «<» in a cell is not
    markup) and a long report is cut to fit one message."""
    room = MESSAGE_LIMIT - text_size(template.format(errors=""))
    return template.format(errors=clip(errors, room))
