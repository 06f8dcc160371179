"""aiogram routers, one module per user journey. Routers are built anew for every Dispatcher."""

from __future__ import annotations

from aiogram import Router

from handlers import admin, common, fallback, onboarding, privacy, profile, start


def build_routers() -> list[Router]:
    """Routers in the order they are tried: /cancel first, the catch-all fallback last."""
    return [
        common.build_router(),
        start.build_router(),
        onboarding.build_router(),
        profile.build_router(),
        privacy.build_router(),
        admin.build_router(),
        fallback.build_router(),
    ]
