"""aiogram routers, one module per user journey. Routers are built anew for every Dispatcher."""

from __future__ import annotations

from aiogram import Router

from handlers import (
    admin,
    broadcasts,
    chase,
    checkin,
    common,
    consultations,
    diagnostics,
    events,
    fallback,
    mentoring,
    my_events,
    my_org,
    onboarding,
    privacy,
    profile,
    questionnaire,
    routes,
    start,
)


def build_form_finishers() -> dict[str, questionnaire.Finisher]:
    """What each journey shows once a form of its code or purpose is sent."""
    return {"diagnostic": diagnostics.send_result}


def build_routers() -> list[Router]:
    """Routers in the order they are tried: /cancel first, the catch-all fallback last."""
    return [
        common.build_router(),
        start.build_router(),
        onboarding.build_router(),
        profile.build_router(),
        broadcasts.build_router(),
        privacy.build_router(),
        events.build_router(),
        my_events.build_router(),
        my_org.build_router(),
        chase.build_router(),
        admin.build_router(),
        questionnaire.build_router(),
        diagnostics.build_router(),
        routes.build_router(),
        consultations.build_router(),
        mentoring.build_router(),
        # Last before the fallback: a bare number may be a check-in code.
        checkin.build_router(),
        fallback.build_router(),
    ]
