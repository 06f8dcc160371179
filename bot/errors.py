"""The error handler: log the update with its traceback, tell the person in Russian."""

from __future__ import annotations

import logging

from aiogram.types import ErrorEvent

from bot.texts import common as t

log = logging.getLogger("bot.errors")


async def on_error(event: ErrorEvent) -> bool:
    log.error(
        "Update %s failed: %r", event.update.update_id, event.exception, exc_info=event.exception
    )
    update = event.update
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(t.ERROR, show_alert=True)
        elif update.message is not None:
            await update.message.answer(t.ERROR)
    except Exception:  # the user must not be left in silence, but a failing reply is only logged
        log.exception("Could not tell the user about the error in update %s", update.update_id)
    return True
