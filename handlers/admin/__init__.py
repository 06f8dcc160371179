"""The methodologists' section: every router here is for staff only."""

from __future__ import annotations

from aiogram import Router

from handlers.admin import (
    archive,
    audit_log,
    broadcasts,
    consultations,
    events,
    events_dialog,
    events_import,
    feedback,
    forms,
    heads,
    mentoring,
    menu,
    notifications,
    orgs,
    reports,
    routes,
    series,
    staff,
)
from handlers.filters import StaffOnly

#: Commands that belong to staff; others asking for them are told so (see handlers.fallback).
STAFF_COMMANDS = frozenset({"admin", "grant_methodist", "revoke_methodist"})


def build_router() -> Router:
    router = Router(name="admin")
    router.message.filter(StaffOnly())
    router.callback_query.filter(StaffOnly())
    router.include_routers(
        menu.build_router(),
        orgs.build_router(),
        staff.build_router(),
        notifications.build_router(),
        feedback.build_router(),
        forms.build_router(),
        consultations.build_router(),
        heads.build_router(),
        audit_log.build_router(),
        broadcasts.build_router(),
        events.build_router(),
        events_dialog.build_router(),
        events_import.build_router(),
        reports.build_router(),
        series.build_router(),
        archive.build_router(),
        mentoring.build_router(),
        routes.build_router(),
    )
    return router
