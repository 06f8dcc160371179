"""The step-by-step dialog that creates an event (with Back and a preview) and edits one field.

The same steps serve three modes kept in FSM data: "create" walks the steps in order, "review"
returns to the preview after one step, "edit" saves one field of an existing event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AdmEvCb, EvDlgCb
from bot.config import Settings
from bot.services import InvalidInput, event_admin, events, reminders, series
from bot.services.event_admin import AUDIENCE_ROLES, DATE_EXAMPLE, EventFields
from bot.services.events import Seats
from bot.texts import common as tc
from bot.texts import event_admin as t
from bot.texts import events as te
from bot.texts import fmt_offsets
from bot.topics import TOPICS
from handlers.admin.events import admin_card_text, audience_label, send_admin_card
from handlers.keyboards import Button, column, inline
from handlers.views import MESSAGE_LIMIT, respond, text_size
from models import Event, EventFormat, EventKind, EventStatus, Person
from models.base import utcnow

MODE_CREATE = "create"
MODE_REVIEW = "review"
MODE_EDIT = "edit"


class Dlg(StatesGroup):
    kind = State()
    title = State()
    description = State()
    format = State()
    place = State()
    join_link = State()
    starts_at = State()
    ends_at = State()
    capacity = State()
    registration_deadline = State()
    audience = State()
    topics = State()
    goal = State()
    organisers = State()
    speakers = State()
    series_id = State()
    materials_link = State()
    reminder_offsets = State()
    preview = State()


ORDER = [
    Dlg.kind,
    Dlg.title,
    Dlg.description,
    Dlg.format,
    Dlg.place,
    Dlg.join_link,
    Dlg.starts_at,
    Dlg.ends_at,
    Dlg.capacity,
    Dlg.registration_deadline,
    Dlg.audience,
    Dlg.topics,
    Dlg.goal,
    Dlg.organisers,
    Dlg.speakers,
    Dlg.series_id,
    Dlg.materials_link,
    Dlg.reminder_offsets,
    Dlg.preview,
]
#: Steps a methodologist may skip («Пропустить»): the value kept is empty.
SKIPPABLE = ("description", "goal", "organisers", "speakers", "materials_link")
STEP_BY_FIELD = {str(s.state).split(":")[1]: s for s in Dlg.__all_states__ if s != Dlg.preview}
_TEXT = F.text & ~F.text.startswith("/")
TEXT_STEPS = (
    Dlg.title,
    Dlg.description,
    Dlg.place,
    Dlg.join_link,
    Dlg.starts_at,
    Dlg.ends_at,
    Dlg.capacity,
    Dlg.registration_deadline,
    Dlg.goal,
    Dlg.organisers,
    Dlg.speakers,
    Dlg.materials_link,
    Dlg.reminder_offsets,
)
Target = Message | CallbackQuery


def _applies(step: State, draft: dict[str, Any]) -> bool:
    """Place only for events held somewhere, the link only for online ones."""
    fmt = draft.get("format")
    if step == Dlg.place:
        return fmt in (EventFormat.OFFLINE.value, EventFormat.HYBRID.value)
    if step == Dlg.join_link:
        return fmt in (EventFormat.ONLINE.value, EventFormat.HYBRID.value)
    if step == Dlg.series_id:
        return not draft.get("series_fixed")  # a meeting added from the series view
    return True


def _back() -> list[Button]:
    return [(tc.BACK, EvDlgCb(action="back"))]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def draft_of(event: Event) -> dict[str, Any]:
    return {
        "kind": event.kind.value,
        "title": event.title,
        "description": event.description,
        "format": event.format.value,
        "place": event.place,
        "join_link": event.join_link,
        "starts_at": _iso(event.starts_at),
        "ends_at": _iso(event.ends_at),
        "capacity": event.capacity,
        "registration_deadline": _iso(event.registration_deadline),
        "audience": list(event.audience),
        "topics": list(event.topics),
        "goal": event.goal,
        "organisers": event.organisers,
        "speakers": event.speakers,
        "series_id": event.series_id,
        "materials_link": event.materials_link,
        "reminder_offsets": event.reminder_offsets,
    }


def fields_from(draft: dict[str, Any]) -> EventFields:
    starts, ends = _dt(draft.get("starts_at")), _dt(draft.get("ends_at"))
    if not (draft.get("kind") and draft.get("title") and draft.get("format") and starts and ends):
        raise InvalidInput(tc.STALE_BUTTON)
    return EventFields(
        kind=EventKind(draft["kind"]),
        title=draft["title"],
        format=EventFormat(draft["format"]),
        starts_at=starts,
        ends_at=ends,
        description=draft.get("description", ""),
        goal=draft.get("goal", ""),
        organisers=draft.get("organisers", ""),
        speakers=draft.get("speakers", ""),
        materials_link=draft.get("materials_link", ""),
        place=draft.get("place", "") if _applies(Dlg.place, draft) else "",
        join_link=draft.get("join_link", "") if _applies(Dlg.join_link, draft) else "",
        registration_deadline=_dt(draft.get("registration_deadline")),
        capacity=draft.get("capacity"),
        audience=tuple(draft.get("audience", [])),
        topics=tuple(draft.get("topics", [])),
    )


async def ask(
    target: Target,
    state: FSMContext,
    step: State,
    settings: Settings,
    session: AsyncSession | None = None,
) -> None:
    """Put the dialog at `step` and ask its question (the series step lists the series, and
    the preview names the chosen one, when a session is given)."""
    await state.set_state(step)
    data = await state.get_data()
    draft: dict[str, Any] = data.get("draft", {})
    back = _back()
    example = DATE_EXAMPLE
    if step == Dlg.kind:
        kinds = [
            (label, EvDlgCb(action="kind", value=k.value)) for k, label in te.KIND_LABELS.items()
        ]
        await respond(target, t.ASK_KIND, column(kinds, back))
    elif step == Dlg.format:
        formats = [
            (label.capitalize(), EvDlgCb(action="format", value=f.value))
            for f, label in te.FORMAT_LABELS.items()
        ]
        await respond(target, t.ASK_FORMAT, column(formats, back))
    elif step in (Dlg.description, Dlg.goal, Dlg.organisers, Dlg.speakers, Dlg.materials_link):
        question = {
            Dlg.description: t.ASK_DESCRIPTION,
            Dlg.goal: t.ASK_GOAL,
            Dlg.organisers: t.ASK_ORGANISERS,
            Dlg.speakers: t.ASK_SPEAKERS,
            Dlg.materials_link: t.ASK_MATERIALS,
        }[step]
        await respond(target, question, inline([(t.BTN_SKIP, EvDlgCb(action="skip"))], back))
    elif step == Dlg.series_id:
        found = await series.list_page(session, 0) if session is not None else ([], 0, 1)
        choices: list[Button] = [
            (s.title[:48], EvDlgCb(action="series", value=str(s.id))) for s, _ in found[0]
        ]
        none = [(t.BTN_NO_SERIES, EvDlgCb(action="series", value="0"))]
        await respond(target, t.ASK_SERIES, column(choices, none, back))
    elif step == Dlg.starts_at:
        await respond(target, t.ASK_START.format(example=example), inline(back))
    elif step == Dlg.ends_at:
        await respond(target, t.ASK_END.format(example=example), inline(back))
    elif step == Dlg.capacity:
        unlimited = [(t.BTN_UNLIMITED, EvDlgCb(action="unlimited"))]
        await respond(target, t.ASK_CAPACITY, inline(unlimited, back))
    elif step == Dlg.registration_deadline:
        none = [(t.BTN_NO_DEADLINE, EvDlgCb(action="nodeadline"))]
        await respond(target, t.ASK_DEADLINE.format(example=example), inline(none, back))
    elif step == Dlg.audience:
        chosen = set(draft.get("audience", []))
        values = [r.value for r in AUDIENCE_ROLES] + list(t.EXTRA_AUDIENCE_LABELS)
        buttons: list[Button] = [
            (
                ("✅ " if v in chosen else "▫️ ") + audience_label(v),
                EvDlgCb(action="aud", value=v),
            )
            for v in values
        ]
        label = t.BTN_DONE if chosen else t.BTN_EVERYONE
        await _ask_or_update(
            target, t.ASK_AUDIENCE, column(buttons, [(label, EvDlgCb(action="aud_done"))], back)
        )
    elif step == Dlg.topics:
        chosen = set(draft.get("topics", []))
        buttons = [
            (("✅ " if c in chosen else "▫️ ") + label, EvDlgCb(action="topic", value=c))
            for c, label in TOPICS.items()
        ]
        done = [(t.BTN_DONE, EvDlgCb(action="topics_done"))]
        await _ask_or_update(target, t.ASK_TOPICS, column(buttons, done, back))
    elif step == Dlg.reminder_offsets:
        default = fmt_offsets([int(o.total_seconds() // 60) for o in settings.reminder_offsets])
        usual = [(t.BTN_DEFAULT_REMINDERS, EvDlgCb(action="defaultrem"))]
        await respond(target, t.ASK_REMINDERS.format(default=default), inline(usual, back))
    elif step == Dlg.preview:
        await _preview(target, state, draft, settings, session)
    else:
        question = {
            Dlg.title: t.ASK_TITLE,
            Dlg.place: t.ASK_PLACE,
            Dlg.join_link: t.ASK_LINK,
        }[step]
        await respond(target, question, inline(back))


async def _ask_or_update(target: Target, text: str, markup: Any) -> None:
    """Toggling a choice redraws the same message instead of sending a new one."""
    if (
        isinstance(target, CallbackQuery)
        and isinstance(target.message, Message)
        and (target.data or "").startswith(("aevd:aud:", "aevd:topic:"))
    ):
        await target.answer()
        await target.message.edit_reply_markup(reply_markup=markup)
        return
    await respond(target, text, markup)


async def _preview(
    target: Target,
    state: FSMContext,
    draft: dict[str, Any],
    settings: Settings,
    session: AsyncSession | None,
) -> None:
    try:
        fields = fields_from(draft)
    except InvalidInput:
        await respond(target, tc.STALE_BUTTON)
        return
    event = Event(
        status=EventStatus.DRAFT,
        checkin_code="—",
        series_id=None,
        reminder_offsets=draft.get("reminder_offsets"),
    )
    event_admin.assign_fields(event, fields)
    series_id = draft.get("series_id")
    title = await events.series_title(session, int(series_id)) if series_id and session else ""
    limit = MESSAGE_LIMIT - text_size(t.PREVIEW.format(card="")) - 200
    card = admin_card_text(event, Seats(), settings, limit, series_title=title)
    # Each preview has its number: «Опубликовать» on an older preview is refused as outdated.
    revision = int((await state.get_data()).get("revision", 0)) + 1
    await state.update_data(revision=revision)
    rev = str(revision)
    keyboard = inline(
        [
            (t.BTN_PUBLISH, EvDlgCb(action="publish", value=rev)),
            (t.BTN_SAVE_DRAFT, EvDlgCb(action="draft", value=rev)),
        ],
        [(t.BTN_EDIT, EvDlgCb(action="edit"))],
        _back(),
    )
    await respond(target, t.PREVIEW.format(card=card), keyboard)


def _edit_keyboard(mode: str) -> Any:
    fields = [
        f
        for f in t.EDIT_FIELDS
        if mode == MODE_EDIT or (f in STEP_BY_FIELD and STEP_BY_FIELD[f] in ORDER)
    ]
    back = (
        [(t.BTN_EDIT_DONE, EvDlgCb(action="back"))]
        if mode == MODE_EDIT
        else [(t.BTN_TO_PREVIEW, EvDlgCb(action="preview"))]
    )
    return column([(t.EDIT_FIELDS[f], EvDlgCb(action="field", value=f)) for f in fields], back)


# Entering the dialog ---------------------------------------------------------------------------


async def on_create(callback: CallbackQuery, state: FSMContext, settings: Settings) -> None:
    await state.clear()
    await state.set_data({"mode": MODE_CREATE, "draft": {}})
    await ask(callback, state, Dlg.kind, settings)


async def on_edit_event(
    callback: CallbackQuery, callback_data: AdmEvCb, state: FSMContext, session: AsyncSession
) -> None:
    event = await events.get(session, callback_data.event_id)
    if event is None or event.status not in (EventStatus.DRAFT, EventStatus.PUBLISHED):
        await callback.answer(t.CANNOT_EDIT if event else te.NOT_FOUND, show_alert=True)
        return
    await state.clear()
    await state.set_state(Dlg.preview)
    await state.set_data({"mode": MODE_EDIT, "event_id": event.id, "draft": draft_of(event)})
    await respond(callback, t.EDIT_PICK, _edit_keyboard(MODE_EDIT))


async def on_field(
    callback: CallbackQuery,
    callback_data: EvDlgCb,
    state: FSMContext,
    settings: Settings,
    session: AsyncSession,
) -> None:
    step = STEP_BY_FIELD.get(callback_data.value)
    data = await state.get_data()
    if step is None:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    if data.get("mode") == MODE_CREATE:
        await state.update_data(mode=MODE_REVIEW)
    await ask(callback, state, step, settings, session)


async def on_edit_pick(callback: CallbackQuery, state: FSMContext) -> None:
    data = await state.get_data()
    await respond(callback, t.EDIT_PICK, _edit_keyboard(data.get("mode", MODE_CREATE)))


# Moving between steps ---------------------------------------------------------------------------


async def _accepted(
    target: Target,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
    values: dict[str, Any],
) -> None:
    """A step's answer is valid: keep it and go on according to the mode."""
    data = await state.get_data()
    draft = {**data.get("draft", {}), **values}
    await state.update_data(draft=draft)
    mode = data.get("mode", MODE_CREATE)
    current = await state.get_state()
    if mode == MODE_EDIT:
        await _save_edit(target, state, session, settings, person, data, values)
        return
    if mode == MODE_REVIEW:
        await ask(target, state, Dlg.preview, settings, session)
        return
    index = [s.state for s in ORDER].index(current or "")
    for step in ORDER[index + 1 :]:
        if _applies(step, draft):
            await ask(target, state, step, settings, session)
            return


async def _save_edit(
    target: Target,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
    data: dict[str, Any],
    values: dict[str, Any],
) -> None:
    changes: dict[str, Any] = {}
    for name, value in values.items():
        if name in ("starts_at", "ends_at", "registration_deadline"):
            changes[name] = _dt(value)
        elif name == "kind":
            changes[name] = EventKind(value)
        elif name == "format":
            changes[name] = EventFormat(value)
        else:
            changes[name] = value
    try:
        told = await event_admin.update(session, settings, int(data["event_id"]), changes, person)
    except InvalidInput as exc:
        await respond(target, str(exc), inline(_back()))
        return
    event = await events.get(session, int(data["event_id"]))
    if event is None:
        await state.clear()
        await respond(target, te.NOT_FOUND)
        return
    # The field list stays: several fields are often changed in a row.
    await state.set_state(Dlg.preview)
    await state.update_data(draft=draft_of(event))
    await respond(target, t.SAVED_NOTIFIED.format(count=told) if told else t.SAVED)
    await send_admin_card(
        target,
        event,
        session,
        settings,
        new_message=True,
        keyboard=_edit_keyboard(MODE_EDIT),
        footer=t.EDIT_MORE,
    )


async def on_back(
    callback: CallbackQuery, state: FSMContext, session: AsyncSession, settings: Settings
) -> None:
    data = await state.get_data()
    mode = data.get("mode", MODE_CREATE)
    current = await state.get_state()
    if mode == MODE_EDIT:
        await state.clear()
        event = await events.get(session, int(data.get("event_id", 0)))
        await callback.answer()
        if event is not None:
            await send_admin_card(callback, event, session, settings, new_message=True)
        return
    if mode == MODE_REVIEW and current != Dlg.preview.state:
        await ask(callback, state, Dlg.preview, settings, session)
        return
    states = [s.state for s in ORDER]
    if current not in states or current == Dlg.kind.state:
        await state.clear()
        await respond(callback, tc.CANCELLED)
        return
    draft = data.get("draft", {})
    for step in reversed(ORDER[: states.index(current or "")]):
        if _applies(step, draft):
            await ask(callback, state, step, settings, session)
            return


# Steps -----------------------------------------------------------------------------------------


# The button steps: the callback's action names the draft field, its value one of these.
CHOICES: dict[str, frozenset[str]] = {
    "kind": frozenset(k.value for k in EventKind),
    "format": frozenset(f.value for f in EventFormat),
}


async def on_choice(
    callback: CallbackQuery,
    callback_data: EvDlgCb,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    if callback_data.value not in CHOICES[callback_data.action]:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    field = {callback_data.action: callback_data.value}
    await _accepted(callback, state, session, settings, person, field)


def _parse_step(step: str | None, text: str, draft: dict[str, Any], settings: Settings) -> Any:
    """The value typed at a text step, validated; InvalidInput with the reason otherwise."""
    now = utcnow()
    tz = settings.tz
    if step == Dlg.title.state:
        return event_admin.clean_text(text, event_admin.TITLE_LIMIT)
    if step in (Dlg.description.state, Dlg.goal.state, Dlg.speakers.state):
        return event_admin.clean_text(text, event_admin.TEXT_LIMIT)
    if step in (Dlg.place.state, Dlg.organisers.state):
        return event_admin.clean_text(text, event_admin.SHORT_LIMIT)
    if step in (Dlg.join_link.state, Dlg.materials_link.state):
        return event_admin.clean_link(text)
    if step == Dlg.starts_at.state:
        starts = event_admin.parse_local_datetime(text, tz)
        event_admin.check_start(starts, now)
        return starts
    if step == Dlg.ends_at.state:
        start = _dt(draft.get("starts_at"))
        if start is None:
            raise InvalidInput(tc.STALE_BUTTON)
        ends = event_admin.parse_end(text, start, tz)
        event_admin.check_times(start, ends, None, tz)
        return ends
    if step == Dlg.capacity.state:
        return event_admin.parse_capacity(text)
    if step == Dlg.reminder_offsets.state:
        return reminders.parse_offsets(text)
    if step == Dlg.registration_deadline.state:
        deadline = event_admin.parse_local_datetime(text, tz)
        event_admin.check_start(deadline, now)
        begins = _dt(draft.get("starts_at"))
        if begins is not None:
            event_admin.check_times(begins, begins.replace(year=begins.year + 1), deadline, tz)
        return deadline
    raise InvalidInput(tc.USE_BUTTONS)


async def on_text(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    current = await state.get_state()
    data = await state.get_data()
    draft = data.get("draft", {})
    try:
        value = _parse_step(current, message.text or "", draft, settings)
    except InvalidInput as exc:
        await message.answer(str(exc), reply_markup=inline(_back()))
        return
    name = (current or "").split(":")[1]
    values: dict[str, Any] = {name: _iso(value) if isinstance(value, datetime) else value}
    if name == "starts_at" and data.get("mode") == MODE_REVIEW and draft.get("ends_at"):
        # Moving the start in review keeps the duration.
        duration = _dt(draft["ends_at"]) - _dt(draft["starts_at"])  # type: ignore[operator]
        values["ends_at"] = _iso(value + duration)
    await _accepted(message, state, session, settings, person, values)


async def on_skip(
    callback: CallbackQuery,
    callback_data: EvDlgCb,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    current = await state.get_state()
    name = (current or ":").split(":")[1]
    values: dict[str, Any]
    if callback_data.action == "skip" and name in SKIPPABLE:
        values = {name: ""}
    elif callback_data.action == "unlimited" and current == Dlg.capacity.state:
        values = {"capacity": None}
    elif callback_data.action == "nodeadline" and current == Dlg.registration_deadline.state:
        values = {"registration_deadline": None}
    elif callback_data.action == "defaultrem" and current == Dlg.reminder_offsets.state:
        values = {"reminder_offsets": None}
    else:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    await _accepted(callback, state, session, settings, person, values)


async def on_toggle(
    callback: CallbackQuery, callback_data: EvDlgCb, state: FSMContext, settings: Settings
) -> None:
    key, allowed = (
        ("audience", {r.value for r in AUDIENCE_ROLES} | set(t.EXTRA_AUDIENCE_LABELS))
        if callback_data.action == "aud"
        else ("topics", set(TOPICS))
    )
    if callback_data.value not in allowed:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    data = await state.get_data()
    draft = data.get("draft", {})
    chosen = list(draft.get(key, []))
    if callback_data.value in chosen:
        chosen.remove(callback_data.value)
    else:
        chosen.append(callback_data.value)
    draft[key] = chosen
    await state.update_data(draft=draft)
    await ask(callback, state, Dlg.audience if key == "audience" else Dlg.topics, settings)


async def on_toggle_done(
    callback: CallbackQuery,
    callback_data: EvDlgCb,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    data = await state.get_data()
    draft = data.get("draft", {})
    key = "audience" if callback_data.action == "aud_done" else "topics"
    await _accepted(callback, state, session, settings, person, {key: draft.get(key, [])})


async def on_save(
    callback: CallbackQuery,
    callback_data: EvDlgCb,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    data = await state.get_data()
    if data.get("mode") not in (MODE_CREATE, MODE_REVIEW):
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    if callback_data.value != str(data.get("revision", "")):
        await callback.answer(t.PREVIEW_OUTDATED, show_alert=True)
        return
    publish = callback_data.action == "publish"
    try:
        fields = fields_from(data.get("draft", {}))
        event_admin.check_start(fields.starts_at, utcnow())
        event_admin.check_times(
            fields.starts_at, fields.ends_at, fields.registration_deadline, settings.tz
        )
    except InvalidInput as exc:
        await callback.answer(str(exc), show_alert=True)
        return
    draft = data.get("draft", {})
    series_id = draft.get("series_id") or data.get("series_id")
    if series_id and await series.get(session, int(series_id)) is None:
        series_id = None  # the series was deleted meanwhile
    event = await event_admin.create(
        session, fields, person, publish=publish, series_id=int(series_id) if series_id else None
    )
    event.reminder_offsets = draft.get("reminder_offsets")
    await state.clear()
    if isinstance(callback.message, Message):
        await callback.message.edit_reply_markup(reply_markup=None)
    text = t.PUBLISHED.format(code=event.checkin_code) if publish else t.CREATED_DRAFT
    await respond(callback, text)
    await send_admin_card(callback, event, session, settings, new_message=True)


async def on_outdated_save(callback: CallbackQuery) -> None:
    """«Опубликовать» or «Сохранить черновик» of a preview whose dialog is over."""
    await callback.answer(t.PREVIEW_OUTDATED, show_alert=True)


async def on_series_choice(
    callback: CallbackQuery,
    callback_data: EvDlgCb,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    person: Person | None,
) -> None:
    chosen = int(callback_data.value) if callback_data.value.isdigit() else -1
    if chosen < 0 or (chosen and await series.get(session, chosen) is None):
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    await _accepted(callback, state, session, settings, person, {"series_id": chosen or None})


async def on_show_preview(
    callback: CallbackQuery, state: FSMContext, session: AsyncSession, settings: Settings
) -> None:
    await ask(callback, state, Dlg.preview, settings, session)


async def on_expected_button(message: Message) -> None:
    await message.answer(tc.USE_BUTTONS)


def build_router() -> Router:
    router = Router(name="admin_events_dialog")
    router.callback_query.register(on_create, AdmEvCb.filter(F.action == "create"))
    router.callback_query.register(on_edit_event, AdmEvCb.filter(F.action == "edit"))
    router.callback_query.register(on_back, EvDlgCb.filter(F.action == "back"), Dlg())
    router.callback_query.register(on_choice, EvDlgCb.filter(F.action == "kind"), Dlg.kind)
    router.callback_query.register(on_choice, EvDlgCb.filter(F.action == "format"), Dlg.format)
    router.callback_query.register(
        on_skip,
        EvDlgCb.filter(F.action.in_({"skip", "unlimited", "nodeadline", "defaultrem"})),
        Dlg(),
    )
    router.callback_query.register(on_toggle, EvDlgCb.filter(F.action == "aud"), Dlg.audience)
    router.callback_query.register(on_toggle, EvDlgCb.filter(F.action == "topic"), Dlg.topics)
    router.callback_query.register(
        on_toggle_done, EvDlgCb.filter(F.action == "aud_done"), Dlg.audience
    )
    router.callback_query.register(
        on_toggle_done, EvDlgCb.filter(F.action == "topics_done"), Dlg.topics
    )
    router.callback_query.register(
        on_save, EvDlgCb.filter(F.action.in_({"publish", "draft"})), Dlg.preview
    )
    router.callback_query.register(
        on_outdated_save, EvDlgCb.filter(F.action.in_({"publish", "draft"}))
    )
    router.callback_query.register(on_edit_pick, EvDlgCb.filter(F.action == "edit"), Dlg.preview)
    router.callback_query.register(
        on_show_preview, EvDlgCb.filter(F.action == "preview"), Dlg.preview
    )
    router.callback_query.register(
        on_series_choice, EvDlgCb.filter(F.action == "series"), Dlg.series_id
    )
    router.callback_query.register(on_field, EvDlgCb.filter(F.action == "field"), Dlg.preview)
    router.message.register(on_text, StateFilter(*TEXT_STEPS), _TEXT)
    router.message.register(on_expected_button, Dlg())
    return router
