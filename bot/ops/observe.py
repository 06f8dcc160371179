"""What each update and each Bot API request did, for the logs (bot.ops.logs) and the metrics.

`UpdateObserver` (the outermost update middleware) opens the log context of an update (update
id, user id, kind), times it and writes one line «Update handled» with the handler's name and the
duration; `HandlerName` (an inner middleware on every event observer) tells it which handler ran.
`ApiObserver` counts the Bot API requests by method and result, 429s apart.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware, Dispatcher
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.types import TelegramObject, Update, User

from bot.ops import logs, metrics

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod
    from aiogram.methods.base import TelegramType

log = logging.getLogger("bot.updates")
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateObserver(BaseMiddleware):
    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):  # pragma: no cover - registered on updates only
            return await handler(event, data)
        user: User | None = data.get("event_from_user")
        kind = event.event_type
        started = time.perf_counter()
        failed = True
        with logs.context(
            update_id=event.update_id, user_id=user.id if user else None, update_kind=kind
        ) as ctx:
            try:
                result = await handler(event, data)
                failed = False
                return result
            finally:
                seconds = time.perf_counter() - started
                name = ctx.get("handler") or "unhandled"
                metrics.update_handled(kind, name, seconds, failed=failed)
                log.info(
                    "Update %s (%s) %s by %s in %.1f ms",
                    event.update_id,
                    kind,
                    "failed" if failed else "handled",
                    name,
                    seconds * 1000,
                    extra={"handler": name, "duration_ms": round(seconds * 1000, 1)},
                )


class HandlerName(BaseMiddleware):
    """Inner middleware: records `module.function` of the handler chosen for the event."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chosen = data.get("handler")
        callback = getattr(chosen, "callback", None)
        if callback is not None:
            name = (
                f"{getattr(callback, '__module__', '?')}.{getattr(callback, '__qualname__', '?')}"
            )
            logs.add_to_context(handler=name)
        return await handler(event, data)


def install(dp: Dispatcher) -> None:
    """Register both middlewares. The observer goes right after aiogram's user-context
    middleware (which finds the update's user), before the FSM and the database session, so
    it times all of them."""
    from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware

    outer = dp.update.outer_middleware
    middlewares = list(outer[:])
    after = next(
        (i + 1 for i, m in enumerate(middlewares) if isinstance(m, UserContextMiddleware)), 0
    )
    for m in middlewares[after:]:
        outer.unregister(m)
    outer.register(UpdateObserver())
    for m in middlewares[after:]:
        outer.register(m)
    for name, observer in dp.observers.items():
        if name not in {"update", "error"}:
            observer.middleware.register(HandlerName())


class ApiObserver(BaseRequestMiddleware):
    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = type(method).__name__
        name = name[:1].lower() + name[1:]
        try:
            response = await make_request(bot, method)
        except TelegramRetryAfter:
            metrics.api_request(name, "429")
            raise
        except TelegramForbiddenError:
            metrics.api_request(name, "403")
            raise
        except TelegramBadRequest:
            metrics.api_request(name, "400")
            raise
        except TelegramNetworkError:
            metrics.api_request(name, "network")
            raise
        except Exception:
            metrics.api_request(name, "error")
            raise
        metrics.api_request(name, "ok")
        return response
