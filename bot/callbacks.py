"""Every inline button's callback data: one CallbackData class per journey, unique prefixes.

Handlers filter on these classes; the notifier turns the named targets that services store in
the outbox (`target(...)`) into them, so no module packs callback strings by hand.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


# handlers/admin/consultations.py
class AConsCb(CallbackData, prefix="acons"):
    a: str  # take / card / answer
    i: int


# handlers/admin/events.py
class AdmEvCb(CallbackData, prefix="aev"):
    action: str
    event_id: int = 0
    page: int = 0


# handlers/admin/events.py
class AdmRegCb(CallbackData, prefix="aevr"):
    event_id: int
    registration_id: int
    page: int = 0


# handlers/admin/events_dialog.py
class EvDlgCb(CallbackData, prefix="aevd"):
    action: str
    value: str = ""


# handlers/admin/events_import.py
class EvImportCb(CallbackData, prefix="aevi"):
    action: str


# handlers/admin/feedback.py
class FeedbackCb(CallbackData, prefix="afb"):
    action: str  # list / show / export
    page: int = 0
    event_id: int = 0
    fmt: str = "xlsx"


# handlers/admin/forms.py
class AFormCb(CallbackData, prefix="afrm"):
    a: str  # card / cov / avg / who / pick / xlsx / csv / src / up / act / list
    f: int = 0
    p: int = 0


# handlers/admin/menu.py
class AdminCb(CallbackData, prefix="adm"):
    section: str


# handlers/admin/orgs.py
class OrgCb(CallbackData, prefix="aorg"):
    action: str
    org_id: int = 0
    page: int = 0


# handlers/consultations.py
class ConsCb(CallbackData, prefix="cons"):
    a: str  # new / topic / back / send / cancel
    v: str = ""


# handlers/diagnostics.py, handlers/routes.py
class DiagCb(CallbackData, prefix="dg"):
    a: str  # route / result / signup / wait (join the waitlist of a full event) / series
    i: int = 0


# handlers/events.py
class EvListCb(CallbackData, prefix="evl"):
    page: int = 0
    kind: str = ""
    month: str = ""
    pick: str = ""  # "kind" or "month": show that filter's choices instead of the list


# handlers/events.py
class EvCb(CallbackData, prefix="ev"):
    action: str
    event_id: int


# handlers/events.py
class RegCb(CallbackData, prefix="evr"):
    action: str
    registration_id: int


# handlers/onboarding.py
class OnbCb(CallbackData, prefix="onb"):
    action: str
    value: str = ""


# handlers/privacy.py
class PrivacyCb(CallbackData, prefix="priv"):
    action: str


# handlers/questionnaire.py
class QCb(CallbackData, prefix="q"):
    """a: ans / tog / done / skip / back / sub / pick / page / sum; r: response; q: question."""

    a: str
    r: int
    q: str = ""
    v: str = ""


# handlers/questionnaire.py
class QStartCb(CallbackData, prefix="qs"):
    """Start or resume a form: a = new / resume / restart / restart_yes; c = context key."""

    a: str
    f: str
    c: str = ""


# handlers/views.py
class ProfileCb(CallbackData, prefix="prof"):
    action: str


# Everyday use (issue 11): series, the archive with attendance corrections, materials after the
# event, organisations typed in by people (handlers/admin/series.py, archive.py, materials.py,
# orgs.py).
class SerCb(CallbackData, prefix="aser"):
    """a: list / view / new / skip / edit / add / copy / copyn / thr / xlsx / csv / mat."""

    a: str
    s: int = 0  # series
    e: int = 0  # event (a meeting)
    n: int = 0  # page, threshold or number of copies
    v: str = ""  # the field edited


class ArchCb(CallbackData, prefix="aarc"):
    """p: "" the current school year, "y2025" the school year from September 2025,
    "m2026-11" a month; pick=1 shows the choice of periods."""

    p: str = ""
    pg: int = 0
    pick: int = 0


class MarkCb(CallbackData, prefix="aevm"):
    """An attendance mark in the registrants list; `was` is the state the list showed
    ("a" attended, "r" not), so a stale list never flips a mark silently."""

    e: int
    r: int
    was: str
    pg: int = 0
    ok: int = 0  # 1: the change after the event is confirmed


class MatCb(CallbackData, prefix="amat"):
    """a: event / series (start) / keep / norec / send / save."""

    a: str
    e: int = 0
    s: int = 0


class OrgFixCb(CallbackData, prefix="aorgf"):
    """a: card / ok / rename / merge / into / reject / reject_yes; t: the merge target;
    p: the page of the list the card was opened from."""

    a: str
    o: int
    t: int = 0
    p: int = 0


# Mentoring (issue 11): handlers/mentoring.py and handlers/admin/mentoring.py.
class MentCb(CallbackData, prefix="ment"):
    a: str  # ask / mine


class AMentCb(CallbackData, prefix="ament"):
    """a: card / pick / to / pair / finish; i: the mentoring row; p: the chosen mentor."""

    a: str
    i: int = 0
    p: int = 0


def for_target(target: str, id: int) -> CallbackData:
    """The callback data of a button that a service stored by name (bot.services.outbox.Target)."""
    from bot.services.outbox import Target

    if target == Target.EVENT_CARD:
        return EvCb(action="card", event_id=id)
    if target == Target.GIVE_BACK:
        return RegCb(action="giveback", registration_id=id)
    if target == Target.TAKE_CONSULTATION:
        return AConsCb(a="take", i=id)
    if target == Target.MY_ORG:
        return MyOrgCb(a="menu")
    if target == Target.CONSULTATION_REPLY:
        return ConsCb(a="reply", v=str(id))
    if target == Target.CONSULTATION_ACCEPT:
        return ConsCb(a="accept", v=str(id))
    if target == Target.CONSULTATION_CARD:
        return AConsCb(a="card", i=id)
    if target == Target.BROADCAST_SIGNUP:
        return BcUserCb(a="signup", i=id)
    if target == Target.BROADCAST_OPT_OUT:
        return BcUserCb(a="optout", i=id)
    if target == Target.MY_MENTORING:
        return MentCb(a="mine")
    raise ValueError(f"unknown button target {target!r}")


# --- issue 12: confirmed heads, «Моя организация», chasing non-responders, roles, audit log ---


# handlers/admin/heads.py
class HeadReqCb(CallbackData, prefix="hreq"):
    a: str  # list / card / yes / no / heads / head / revoke / revoke_yes
    i: int = 0  # request id, or person id for a confirmed head
    p: int = 0


# handlers/my_org.py (the organisation is always the pressing head's own: never in the data)
class MyOrgCb(CallbackData, prefix="morg"):
    a: str  # menu / staff / events / diag / form / routes / xlsx
    p: int = 0
    y: int = 0  # 0: the current school year, 1: the previous one
    f: int = 0  # form id


# handlers/chase.py: o = organisation id (0: all, methodologists only), f = form id, e = event id
class ChaseCb(CallbackData, prefix="chase"):
    a: str  # menu / events / scope / list / ask / send
    f: int = 0
    e: int = 0
    o: int = 0
    p: int = 0


# handlers/admin/staff.py
class StaffCb(CallbackData, prefix="astf"):
    a: str  # find / pick / grant / revoke / revoke_yes / list
    i: int = 0  # person id
    p: int = 0


# handlers/admin/audit_log.py
class AuditCb(CallbackData, prefix="alog"):
    a: str  # list / kind / period / xlsx / csv
    k: str = ""  # action group: "" = all
    d: int = 0  # period in days: 0 = all time
    p: int = 0


# --- Reports and exports (handlers/admin/reports.py) ---
class ReportCb(CallbackData, prefix="arep"):
    """a: menu / periods / type / ind / indx / annual / exp / file / tpl / tplget / tplup;
    p: the period's code (2025-2026, 2026-03, 2026-01-01..2026-03-31); k: export kind;
    f: xlsx / csv."""

    a: str
    p: str = ""
    k: str = ""
    f: str = ""


# --- broadcasts (handlers/admin/broadcasts.py, handlers/broadcasts.py) ---


# handlers/admin/broadcasts.py: a = action, i = broadcast id, v = a value, p = page
class BcCb(CallbackData, prefix="abc"):
    a: str
    i: int = 0
    v: str = ""
    p: int = 0


# handlers/broadcasts.py: buttons under a broadcast (signup / optout) and in /profile (optin)
class BcUserCb(CallbackData, prefix="bcu"):
    a: str
    i: int = 0


# --- individual routes for methodologists (issue 11 §5): handlers/admin/routes.py ---
class ARouteCb(CallbackData, prefix="arte"):
    """a: menu / people / person / find / table / xlsx; i: person id; p: page."""

    a: str
    i: int = 0
    p: int = 0
