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


# handlers/diagnostics.py
class DiagCb(CallbackData, prefix="dg"):
    a: str  # route / result / signup / wait (join the waitlist of a full event)
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


def for_target(target: str, id: int) -> CallbackData:
    """The callback data of a button that a service stored by name (bot.services.outbox.Target)."""
    from bot.services.outbox import Target

    if target == Target.EVENT_CARD:
        return EvCb(action="card", event_id=id)
    if target == Target.GIVE_BACK:
        return RegCb(action="giveback", registration_id=id)
    if target == Target.TAKE_CONSULTATION:
        return AConsCb(a="take", i=id)
    if target == Target.BROADCAST_SIGNUP:
        return BcUserCb(a="signup", i=id)
    if target == Target.BROADCAST_OPT_OUT:
        return BcUserCb(a="optout", i=id)
    raise ValueError(f"unknown button target {target!r}")


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
