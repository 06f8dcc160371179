"""Asking the profile fields: used by registration, by its summary's «Изменить» and by /profile.

The same step handlers serve three modes kept in FSM data: "onboarding" walks the steps in order,
"review" returns to the summary after one step, "profile" saves the field and shows the profile.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import OnbCb
from bot.services import InvalidInput, heads, organisations, people
from bot.texts import common as tc
from bot.texts import heads as th
from bot.texts import inside_quotes
from bot.texts import onboarding as t
from bot.texts import profile as tp
from handlers.keyboards import Button, column, inline
from handlers.views import drop_keyboard, respond, send_main_menu, send_profile
from models import Person, Role
from models.person import SELF_CHOSEN_ROLES

MODE_ONBOARDING = "onboarding"
MODE_REVIEW = "review"
MODE_PROFILE = "profile"


class Steps(StatesGroup):
    consent = State()
    full_name = State()
    role = State()
    organisation = State()
    position = State()
    summary = State()


def step_by_name(name: str) -> State:
    """The step whose state name is stored in FSM (consent when unknown)."""
    return next((s for s in Steps.__all_states__ if s.state == name), Steps.consent)


#: Free text that is not a command: commands are left to their own handlers.
_TEXT = F.text & ~F.text.startswith("/")

ORDER = [Steps.full_name, Steps.role, Steps.organisation, Steps.position, Steps.summary]
Event = Message | CallbackQuery


def _back_row() -> list[Button]:
    return [(tc.BACK, OnbCb(action="back"))]


def consent_keyboard() -> Any:
    return inline(
        [(t.CONSENT_YES, OnbCb(action="consent_yes")), (t.CONSENT_NO, OnbCb(action="consent_no"))],
        [(t.CONSENT_POLICY, OnbCb(action="policy"))],
    )


async def ask(event: Event, state: FSMContext, step: State) -> None:
    """Put the dialog at `step` and ask its question."""
    await state.set_state(step)
    data = await state.get_data()
    if step == Steps.consent:
        await respond(event, t.CONSENT_REQUEST, consent_keyboard())
    elif step == Steps.full_name:
        await respond(event, t.ASK_FULL_NAME, inline(_back_row()))
    elif step == Steps.role:
        roles = [(t.ROLE_LABELS[r], OnbCb(action="role", value=r.value)) for r in SELF_CHOSEN_ROLES]
        await respond(event, t.ASK_ROLE, column(roles, _back_row()))
    elif step == Steps.organisation:
        await respond(event, t.ASK_ORGANISATION, inline(_back_row()))
    elif step == Steps.position:
        await respond(event, t.ASK_POSITION, inline(_back_row()))
    else:
        await respond(event, summary_text(data), summary_keyboard())


def summary_text(data: dict[str, Any]) -> str:
    role = data.get("role")
    return t.SUMMARY.format(
        full_name=escape(data.get("full_name") or t.NOT_SET),
        role=t.ROLE_LABELS[Role(role)] if role else t.NOT_SET,
        organisation=escape(data.get("org_name") or t.NOT_SET),
        position=escape(data.get("position") or t.NOT_SET),
    )


def summary_keyboard() -> Any:
    return inline(
        [(t.SUMMARY_OK, OnbCb(action="confirm")), (t.SUMMARY_EDIT, OnbCb(action="edit"))],
        _back_row(),
    )


def edit_keyboard() -> Any:
    fields = [
        (t.FIELD_FULL_NAME, "full_name"),
        (t.FIELD_ROLE, "role"),
        (t.FIELD_ORGANISATION, "organisation"),
        (t.FIELD_POSITION, "position"),
    ]
    return column(
        [(label, OnbCb(action="edit_field", value=v)) for label, v in fields],
        [(tc.BACK, OnbCb(action="summary"))],
    )


STEP_BY_FIELD = {
    "full_name": Steps.full_name,
    "role": Steps.role,
    "organisation": Steps.organisation,
    "position": Steps.position,
}


async def begin_profile_edit(event: Event, state: FSMContext, field: str) -> None:
    """Start editing one field of an existing profile (from /profile)."""
    await state.set_data({"mode": MODE_PROFILE})
    await ask(event, state, STEP_BY_FIELD[field])


async def _accepted(
    event: Event,
    state: FSMContext,
    session: AsyncSession,
    person: Person | None,
    values: dict[str, Any],
) -> None:
    """A step's answer is valid: store it and move on according to the mode."""
    data = await state.update_data(values)
    mode = data.get("mode", MODE_ONBOARDING)
    current = await state.get_state()
    if mode == MODE_PROFILE:
        if person is None:
            await state.clear()
            await respond(event, tc.NEED_REGISTRATION)
            return
        old_role, old_org_id = person.role, person.organisation_id
        for field in ("full_name", "role", "position"):
            if field in values:
                setattr(person, field, Role(values[field]) if field == "role" else values[field])
        if "org_id" in values:
            person.organisation_id = values["org_id"]
        await session.flush()
        request = await heads.profile_changed(session, person, old_role, old_org_id)
        await session.refresh(person, ["organisation"])
        await state.clear()
        notice = "" if request is None else "\n\n" + _request_notice(request.role)
        await respond(event, tp.SAVED + notice)
        await send_profile(event, session, person)
        return
    if mode == MODE_REVIEW:
        await ask(event, state, Steps.summary)
        return
    index = [s.state for s in ORDER].index(current)
    await ask(event, state, ORDER[index + 1])


async def on_back(
    callback: CallbackQuery, state: FSMContext, session: AsyncSession, person: Person | None
) -> None:
    data = await state.get_data()
    mode = data.get("mode", MODE_ONBOARDING)
    current = await state.get_state()
    if mode == MODE_PROFILE:
        await state.clear()
        if person is not None:
            await send_profile(callback, session, person)
        else:
            await callback.answer()
        return
    if mode == MODE_REVIEW and current != Steps.summary.state:
        await ask(callback, state, Steps.summary)
        return
    states = [s.state for s in ORDER]
    if current == Steps.full_name.state or current not in states:
        await ask(callback, state, Steps.consent)
        return
    await ask(callback, state, ORDER[states.index(current) - 1])


TextStepHandler = Callable[[Message, FSMContext, AsyncSession, Person | None], Awaitable[None]]


def _text_step(field: str, normalize: Callable[[str], str]) -> TextStepHandler:
    """A typed answer is checked by `normalize`: its reason is shown (the step stays), or the
    normalised value is kept as `field`."""

    async def on_text(
        message: Message, state: FSMContext, session: AsyncSession, person: Person | None
    ) -> None:
        try:
            value = normalize(message.text or "")
        except InvalidInput as exc:
            await message.answer(str(exc), reply_markup=inline(_back_row()))
            return
        await _accepted(message, state, session, person, {field: value})

    return on_text


async def on_role(
    callback: CallbackQuery,
    callback_data: OnbCb,
    state: FSMContext,
    session: AsyncSession,
    person: Person | None,
) -> None:
    if callback_data.value not in {r.value for r in SELF_CHOSEN_ROLES}:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    await _accepted(callback, state, session, person, {"role": callback_data.value})


async def on_organisation_query(message: Message, state: FSMContext, session: AsyncSession) -> None:
    query = " ".join((message.text or "").split())
    try:
        found = await organisations.search(session, query)
    except InvalidInput as exc:
        await message.answer(str(exc), reply_markup=inline(_back_row()))
        return
    await state.update_data(org_choices=[o.id for o in found], org_query=query)
    add_row: list[Button] = [
        (t.ORG_ADD_TYPED.format(query=inside_quotes(query[:40])), OnbCb(action="org_add"))
    ]
    choices = [(o.name, OnbCb(action="org", value=str(o.id))) for o in found]
    text = t.ORG_FOUND if found else t.ORG_NOT_FOUND.format(query=escape(inside_quotes(query)))
    await message.answer(text, reply_markup=column(choices, add_row, _back_row()))


async def on_organisation_pick(
    callback: CallbackQuery,
    callback_data: OnbCb,
    state: FSMContext,
    session: AsyncSession,
    person: Person | None,
) -> None:
    data = await state.get_data()
    # Only an organisation from the list shown to this person is accepted: a forged id is stale.
    if not callback_data.value.isdigit() or int(callback_data.value) not in data.get(
        "org_choices", []
    ):
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    org = await organisations.get(session, int(callback_data.value))
    if org is None:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    values = {"org_id": org.id, "org_name": org.name}
    await _accepted(callback, state, session, person, values)


async def on_organisation_add(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    person: Person | None,
) -> None:
    data = await state.get_data()
    query = data.get("org_query")
    if not query:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    org = await organisations.add_unconfirmed(session, query)
    if isinstance(callback.message, Message):
        await callback.message.answer(t.ORG_ADDED.format(name=escape(inside_quotes(org.name))))
    values = {"org_id": org.id, "org_name": org.name}
    await _accepted(callback, state, session, person, values)


async def on_edit(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.edit_reply_markup(reply_markup=edit_keyboard())


async def on_edit_field(callback: CallbackQuery, callback_data: OnbCb, state: FSMContext) -> None:
    step = STEP_BY_FIELD.get(callback_data.value)
    if step is None:
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    await state.update_data(mode=MODE_REVIEW)
    await ask(callback, state, step)


async def on_show_summary(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.edit_reply_markup(reply_markup=summary_keyboard())


async def on_confirm(
    callback: CallbackQuery, state: FSMContext, session: AsyncSession, is_staff: bool
) -> None:
    data = await state.get_data()
    required = ("full_name", "role", "org_id", "position")
    if not all(data.get(k) for k in required):
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    draft = people.ProfileDraft(
        full_name=data["full_name"],
        role=Role(data["role"]),
        organisation_id=int(data["org_id"]),
        position=data["position"],
        consent_version=data.get("consent_version", t.POLICY_VERSION),
    )
    person = await people.register(session, callback.from_user.id, draft)
    request = await heads.request_if_needed(session, person)
    await state.clear()
    await drop_keyboard(callback)
    text = t.REGISTERED.format(first_name=escape(people.first_name(person.full_name)))
    if request is not None:
        text += "\n\n" + _request_notice(request.role)
    await send_main_menu(callback, is_staff or person.is_staff, text)


def _request_notice(role: Role) -> str:
    """What a person who claimed a role to be confirmed is told."""
    return th.REQUEST_SENT_METHODIST if role == Role.METHODICAL_STAFF else th.REQUEST_SENT_HEAD


async def on_expected_button(message: Message) -> None:
    await message.answer(tc.USE_BUTTONS)


def build_router() -> Router:
    router = Router(name="onboarding")
    router.callback_query.register(on_back, OnbCb.filter(F.action == "back"), Steps())
    router.message.register(
        _text_step("full_name", people.normalize_full_name), Steps.full_name, _TEXT
    )
    router.callback_query.register(on_role, OnbCb.filter(F.action == "role"), Steps.role)
    router.message.register(on_organisation_query, Steps.organisation, _TEXT)
    router.callback_query.register(
        on_organisation_pick, OnbCb.filter(F.action == "org"), Steps.organisation
    )
    router.callback_query.register(
        on_organisation_add, OnbCb.filter(F.action == "org_add"), Steps.organisation
    )
    router.message.register(
        _text_step("position", people.normalize_position), Steps.position, _TEXT
    )
    router.callback_query.register(on_edit, OnbCb.filter(F.action == "edit"), Steps.summary)
    router.callback_query.register(
        on_edit_field, OnbCb.filter(F.action == "edit_field"), Steps.summary
    )
    router.callback_query.register(
        on_show_summary, OnbCb.filter(F.action == "summary"), Steps.summary
    )
    router.callback_query.register(on_confirm, OnbCb.filter(F.action == "confirm"), Steps.summary)
    router.message.register(on_expected_button, Steps())
    return router
