"""The questionnaire engine's UI, shared by diagnostics and post-event feedback.

Another journey starts a form with `begin(...)` (or a `QStartCb` button, e.g. in an outbox
message); what to show once a response is submitted comes from the Dispatcher's
`form_finishers` (handlers.build_form_finishers), keyed by form code or purpose.
Every button carries the response id and the question id and is checked against the person and
the response's current question, so a forged or stale button changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import QCb, QStartCb
from bot.config import Settings
from bot.services import InvalidInput, forms, questionnaire
from bot.services.form_schema import Question
from bot.services.questionnaire import FormHooks
from bot.services.questionnaire import State as Filling
from bot.texts import common as tc
from bot.texts import forms as t
from bot.texts import inside_quotes, quantity
from handlers.common import MENU_TEXTS
from handlers.keyboards import Button, column, inline, pager_row
from handlers.views import edit_markup
from models import Form, Person, Response, ResponseStatus

Event = Message | CallbackQuery
#: What to show after a submit: (event, session, person, response, settings).
Finisher = Callable[[Event, AsyncSession, Person, Response, Settings], Awaitable[None]]
SUMMARY_LIMIT = 3500
EDIT_PAGE = 8


class QuestionnaireSteps(StatesGroup):
    answering = State()


def parse_context(key: str) -> dict[str, Any]:
    """The context of a QStartCb: "event_id=5" → {"event_id": 5}."""
    context: dict[str, Any] = {}
    for part in key.split(";"):
        name, _, value = part.partition("=")
        if name:
            context[name] = int(value) if value.lstrip("-").isdigit() else value
    return context


def start_button(text: str, form_code: str, context: dict[str, Any] | None = None) -> Button:
    """A button that starts (or resumes) a form with a context, for any journey."""
    return (text, QStartCb(a="new", f=form_code, c=questionnaire.context_key(context)))


# --- rendering ---


async def send(
    event: Event, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> Message:
    """Send to the chat of the event without answering a callback: the handler answers it once
    (Telegram accepts one answer per callback query)."""
    if isinstance(event, CallbackQuery):
        assert event.bot is not None
        return await event.bot.send_message(event.from_user.id, text, reply_markup=reply_markup)
    return await event.answer(text, reply_markup=reply_markup)


def _question_text(filling: Filling, question: Question) -> str:
    progress = filling.progress()
    form = filling.form
    lines: list[str] = []
    if progress is not None:
        lines.append("<i>" + t.PROGRESS.format(**progress.__dict__) + "</i>")
    section = form.sections[form.section_of(question.id)]
    lines.append(f"<b>{escape(section.title)}</b>")
    if section.intro and section.questions[0].id == question.id:
        lines.append(f"<i>{escape(section.intro)}</i>")
    lines.append("")
    lines.append(escape(question.text))
    if question.hint:
        lines.append(f"<i>{escape(question.hint)}</i>")
    if question.kind == "scale":
        if question.scale_labels:
            lines.append(
                "<i>"
                + " · ".join(f"{i} — {escape(s)}" for i, s in enumerate(question.scale_labels, 1))
                + "</i>"
            )
        else:
            lines.append(f"<i>{t.HINT_SCALE}</i>")
    elif question.kind == "multi":
        lines.append(f"<i>{t.HINT_MULTI}</i>")
    elif question.kind == "text":
        limit = quantity(question.max_length, "знака", "знаков", "знаков")
        lines.append(f"<i>{t.HINT_TEXT.format(limit=limit)}</i>")
    elif question.kind == "number":
        assert question.min is not None and question.max is not None
        lines.append(
            "<i>"
            + t.HINT_NUMBER.format(
                min=questionnaire.format_number(question.min),
                max=questionnaire.format_number(question.max),
            )
            + "</i>"
        )
    if not question.required:
        lines.append(t.OPTIONAL_MARK)
    answer = filling.answers.get(question.id)
    if answer is not None and question.kind != "multi" and not answer.skipped:
        value = questionnaire.display_value(question, answer.value)
        lines.append(t.CURRENT_ANSWER.format(value=escape(value[:300])))
    return "\n".join(lines)


def _question_keyboard(filling: Filling, question: Question) -> InlineKeyboardMarkup:
    rid = filling.response.id
    qid = question.id
    rows: list[list[Button]] = []
    if question.kind == "single":
        rows = [
            [(o.label, QCb(a="ans", r=rid, q=qid, v=str(i)))]
            for i, o in enumerate(question.options)
        ]
    elif question.kind == "scale":
        rows = [[(str(p), QCb(a="ans", r=rid, q=qid, v=str(p))) for p in range(1, 6)]]
    elif question.kind == "multi":
        chosen = filling.value(qid) or []
        rows = [
            [
                (
                    (t.CHECKED if o.value in chosen else "") + o.label,
                    QCb(a="tog", r=rid, q=qid, v=str(i)),
                )
            ]
            for i, o in enumerate(question.options)
        ]
        rows.append([(t.DONE, QCb(a="done", r=rid, q=qid))])
    nav: list[Button] = [(tc.BACK, QCb(a="back", r=rid, q=qid))]
    if not question.required:
        nav.append((t.SKIP, QCb(a="skip", r=rid, q=qid)))
    return inline(*rows, nav)


def _profile_values(taken: list[tuple[Question, Any]]) -> str:
    return ", ".join(questionnaire.display_value(q, v) for q, v in taken)


def from_profile_line(filling: Filling) -> str:
    """«Должность и организацию мы взяли из профиля: …», or "" when the profile gave nothing."""
    taken = filling.profile_answers()
    if not taken:
        return ""
    fields: list[str] = []
    for question, _ in taken:
        assert question.from_profile is not None
        field = t.FROM_PROFILE_FIELDS[question.from_profile]
        if field not in fields:
            fields.append(field)
    what = " и ".join(fields)
    return t.FROM_PROFILE.format(
        fields=what[:1].upper() + what[1:], values=escape(_profile_values(taken))
    )


def summary_text(filling: Filling) -> str:
    lines = [t.SUMMARY_TITLE.format(title=escape(filling.form.title))]
    taken = filling.profile_answers()
    if taken:
        values = _profile_values(taken)
        lines.append(t.SUMMARY_FROM_PROFILE.format(values=escape(_short(values, 300))))
    shown = filling.asked()
    numbers = filling.numbers()
    used = len(lines[0])
    for n, question in enumerate(shown, 1):
        answer = filling.answers.get(question.id)
        value = (
            questionnaire.display_value(question, answer.value, answer.skipped)
            if answer is not None
            else t.SKIPPED
        )
        line = t.SUMMARY_LINE.format(
            n=numbers[question.id],
            question=escape(_short(question.text, 70)),
            value=escape(_short(value, 200)),
        )
        if used + len(line) > SUMMARY_LIMIT:
            lines.append(t.SUMMARY_TRUNCATED.format(count=len(shown) - n + 1))
            break
        lines.append(line)
        used += len(line)
    lines.append(t.SUMMARY_TAIL)
    return "\n".join(lines)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summary_keyboard(filling: Filling) -> InlineKeyboardMarkup:
    rid = filling.response.id
    return inline(
        [(t.SUBMIT, QCb(a="sub", r=rid))],
        [(t.EDIT_ANSWER, QCb(a="page", r=rid, v="0"))],
        [(tc.BACK, QCb(a="back", r=rid))],
    )


def edit_keyboard(filling: Filling, page: int) -> InlineKeyboardMarkup:
    rid = filling.response.id
    shown = filling.asked()
    pages = max(1, (len(shown) + EDIT_PAGE - 1) // EDIT_PAGE)
    page = min(max(page, 0), pages - 1)
    numbers = filling.numbers()
    chunk = shown[page * EDIT_PAGE : (page + 1) * EDIT_PAGE]
    buttons: list[Button] = [
        (f"{numbers[q.id]}. {_short(q.text, 40)}", QCb(a="pick", r=rid, q=q.id)) for q in chunk
    ]
    pager = pager_row(lambda p: QCb(a="page", r=rid, v=str(p)), page, pages)
    # «Назад» from the list of answers returns to the summary, not to the last question.
    return column(buttons, pager, [(tc.BACK, QCb(a="sum", r=rid))])


async def show(event: Event, state: FSMContext, filling: Filling) -> None:
    """Ask the current question, or show the summary before «Отправить»."""
    await state.set_state(QuestionnaireSteps.answering)
    await state.update_data(response_id=filling.response.id)
    question = filling.question
    if question is None:
        await send(event, summary_text(filling), summary_keyboard(filling))
    else:
        await send(event, _question_text(filling, question), _question_keyboard(filling, question))


# --- entry points for journeys ---


async def begin(
    event: Event,
    session: AsyncSession,
    state: FSMContext,
    person: Person,
    form: Form,
    context: dict[str, Any] | None = None,
    *,
    restart: bool = False,
) -> Response:
    """Start the form for the person (showing its intro) or continue their unfinished response."""
    existing = await questionnaire.in_progress(session, person.id, form.code, context)
    response = await questionnaire.start(session, person, form, context, restart=restart)
    filling = await questionnaire.load_state(session, response)
    if existing is None or restart:
        intro = f"<b>{escape(filling.form.title)}</b>"
        if filling.form.intro:
            intro += "\n\n" + escape(filling.form.intro)
        profile_line = from_profile_line(filling)
        if profile_line:
            intro += "\n\n" + profile_line
        await send(event, intro)
    else:
        await send(event, t.CONTINUE_HINT)
    await show(event, state, filling)
    return response


def resume_keyboard(form_code: str, context_key: str = "") -> InlineKeyboardMarkup:
    return inline(
        [(t.RESUME, QStartCb(a="resume", f=form_code, c=context_key))],
        [(t.RESTART, QStartCb(a="restart", f=form_code, c=context_key))],
    )


async def offer(
    event: Event,
    session: AsyncSession,
    state: FSMContext,
    person: Person,
    form: Form,
    context: dict[str, Any] | None = None,
) -> None:
    """Start the form, or — with a response in progress — ask «Продолжить» / «Начать заново»."""
    existing = await questionnaire.in_progress(session, person.id, form.code, context)
    if existing is None:
        await begin(event, session, state, person, form, context)
        return
    filling = await questionnaire.load_state(session, existing)
    asked = filling.asked()
    answered = sum(1 for q in asked if q.id in filling.answers)
    text = t.RESUME_ASK.format(
        title=escape(inside_quotes(filling.form.title)), answered=answered, total=len(asked)
    )
    await send(event, text, resume_keyboard(form.code, questionnaire.context_key(context)))


# --- handlers ---


async def _load(
    callback: CallbackQuery, session: AsyncSession, person: Person | None, response_id: int
) -> tuple[Filling, Person] | None:
    response = await questionnaire.get_response(session, response_id, lock=True)
    if person is None or response is None or response.person_id != person.id:
        await callback.answer(t.STALE_QUESTION, show_alert=True)
        return None
    if response.status != ResponseStatus.IN_PROGRESS:
        # A second «Отправить» or an old question's button after the form was sent.
        sent = response.status == ResponseStatus.SUBMITTED
        await callback.answer(t.ALREADY_SUBMITTED if sent else t.STALE_QUESTION, show_alert=True)
        return None
    return await questionnaire.load_state(session, response), person


@dataclass
class Step:
    """What one button press of a form works with."""

    callback: CallbackQuery
    data: QCb
    session: AsyncSession
    state: FSMContext
    filling: Filling
    person: Person
    #: The rest of the update's data (settings, form hooks and finishers for «Отправить»).
    extra: dict[str, Any]


#: One action of a form's buttons: does its work and says whether to show where the form stands.
StepAction = Callable[[Step], Awaitable[bool]]


def step_handler(action: StepAction) -> Callable[..., Awaitable[None]]:
    """The callback handler of one action: load the response the button names, run the action,
    then show where the form stands. A refusal (stale or forged button, a missing answer) is an
    alert and changes nothing."""

    async def handler(
        callback: CallbackQuery,
        callback_data: QCb,
        session: AsyncSession,
        state: FSMContext,
        person: Person | None,
        **extra: Any,
    ) -> None:
        loaded = await _load(callback, session, person, callback_data.r)
        if loaded is None:
            return
        filling, who = loaded
        step = Step(callback, callback_data, session, state, filling, who, extra)
        try:
            if not await action(step):
                return
        except InvalidInput as exc:
            await callback.answer(str(exc), show_alert=True)
            if str(exc) == t.MISSING_ANSWERS:
                await show(callback, state, filling)
            return
        await callback.answer()
        await show(callback, state, filling)

    handler.__name__ = action.__name__
    return handler


async def answer_step(step: Step) -> bool:
    question = questionnaire.check_turn(step.filling, step.person, step.data.q)
    raw = step.data.v
    if question.kind == "single":
        raw = _option_value(question, raw)
    await questionnaire.answer(step.session, step.filling, step.person, step.data.q, raw)
    return True


async def toggle_step(step: Step) -> bool:
    question = questionnaire.check_turn(step.filling, step.person, step.data.q)
    value = _option_value(question, step.data.v)
    await questionnaire.toggle(step.session, step.filling, step.person, step.data.q, value)
    await edit_markup(step.callback, _question_keyboard(step.filling, question))
    await step.callback.answer()
    return False


async def done_step(step: Step) -> bool:
    await questionnaire.done(step.session, step.filling, step.person, step.data.q)
    return True


async def skip_step(step: Step) -> bool:
    await questionnaire.skip(step.session, step.filling, step.person, step.data.q)
    return True


async def back_step(step: Step) -> bool:
    if await questionnaire.back(step.session, step.filling, step.person, step.data.q):
        return True
    await step.callback.answer(t.FIRST_QUESTION, show_alert=True)
    return False


def _at_summary(filling: Filling) -> None:
    """Summary buttons are stale while a question is being asked."""
    if filling.response.current_question is not None:
        raise InvalidInput(t.STALE_QUESTION)


async def edit_page_step(step: Step) -> bool:
    _at_summary(step.filling)
    page = int(step.data.v) if step.data.v.isdigit() else 0
    await step.callback.answer()
    await send(step.callback, t.EDIT_WHICH, edit_keyboard(step.filling, page))
    return False


async def pick_step(step: Step) -> bool:
    await questionnaire.edit(step.session, step.filling, step.person, step.data.q)
    return True


async def summary_step(step: Step) -> bool:
    _at_summary(step.filling)
    return True


async def submit_step(step: Step) -> bool:
    hooks: FormHooks = step.extra["form_hooks"]
    response = await questionnaire.submit(step.session, step.filling, step.person, hooks)
    await step.state.clear()
    await step.callback.answer()
    await _finish(
        step.callback,
        step.session,
        step.person,
        response,
        step.filling,
        step.extra["settings"],
        step.extra["form_finishers"],
    )
    return False


#: The form's button actions (QCb.a), one handler each.
STEPS: dict[str, StepAction] = {
    "ans": answer_step,
    "tog": toggle_step,
    "done": done_step,
    "skip": skip_step,
    "back": back_step,
    "page": edit_page_step,
    "pick": pick_step,
    "sum": summary_step,
    "sub": submit_step,
}


def _option_value(question: Question, index: str) -> str:
    """The option behind a button index; an index out of range is a forged button."""
    if not index.isdigit() or int(index) >= len(question.options):
        raise InvalidInput(t.STALE_QUESTION)
    return question.options[int(index)].value


async def _finish(
    event: Event,
    session: AsyncSession,
    person: Person,
    response: Response,
    filling: Filling,
    settings: Settings,
    finishers: dict[str, Finisher],
) -> None:
    # The callback is already answered when a finisher runs: it sends with `send`.
    finisher = finishers.get(response.form_code) or finishers.get(filling.form.purpose)
    if finisher is not None:
        await finisher(event, session, person, response, settings)
        return
    # A form's own closing words already thank the person; the generic line only stands in.
    await send(event, escape(filling.form.outro) if filling.form.outro else t.SUBMITTED_THANKS)


async def on_text(
    message: Message, session: AsyncSession, state: FSMContext, person: Person | None
) -> None:
    data = await state.get_data()
    response = await questionnaire.get_response(session, int(data.get("response_id") or 0))
    if (
        person is None
        or response is None
        or response.person_id != person.id
        or response.status != ResponseStatus.IN_PROGRESS
    ):
        await state.clear()
        await message.answer(tc.STALE_BUTTON)
        return
    filling = await questionnaire.load_state(session, response)
    question = filling.question
    if question is None:
        await message.answer(t.SUMMARY_USE_BUTTONS)
        return
    if question.kind not in ("text", "number"):
        await message.answer(t.USE_BUTTONS)
        return
    try:
        await questionnaire.answer(session, filling, person, question.id, message.text or "")
    except InvalidInput as exc:
        await message.answer(str(exc))
        return
    await show(message, state, filling)


async def on_other_content(
    message: Message, session: AsyncSession, state: FSMContext, person: Person | None
) -> None:
    """A photo, file or sticker instead of an answer: say what the current question expects."""
    data = await state.get_data()
    response = await questionnaire.get_response(session, int(data.get("response_id") or 0))
    question = None
    if response is not None and person is not None and response.person_id == person.id:
        question = (await questionnaire.load_state(session, response)).question
        if question is None and response.status == ResponseStatus.IN_PROGRESS:
            await message.answer(t.SUMMARY_USE_BUTTONS)
            return
    if question is not None and question.kind in ("text", "number"):
        await message.answer(t.TEXT_EXPECTED if question.kind == "text" else t.NUMBER_EXPECTED)
    else:
        await message.answer(t.USE_BUTTONS)


async def on_start_button(
    callback: CallbackQuery,
    callback_data: QStartCb,
    session: AsyncSession,
    state: FSMContext,
    person: Person | None,
    form_hooks: FormHooks,
) -> None:
    if person is None:
        await callback.answer(tc.NEED_REGISTRATION, show_alert=True)
        return
    form = await forms.active(session, callback_data.f)
    if form is None or not forms.is_meant_for(forms.definition(form), person):
        await callback.answer(t.FORM_UNAVAILABLE, show_alert=True)
        return
    context = parse_context(callback_data.c)
    action = callback_data.a
    refusal = await form_hooks.refusal_to_start(session, person, forms.definition(form), context)
    if refusal is not None:
        await callback.answer(refusal, show_alert=True)
        return
    existing = await questionnaire.in_progress(session, person.id, form.code, context)
    if action == "resume" and existing is None:
        await callback.answer(t.NOTHING_IN_PROGRESS, show_alert=True)
        return
    if action not in ("new", "resume", "restart", "restart_yes"):
        await callback.answer(tc.STALE_BUTTON, show_alert=True)
        return
    await callback.answer()
    if action == "new":
        await offer(callback, session, state, person, form, context)
    elif action == "resume" and existing is not None:
        await show(callback, state, await questionnaire.load_state(session, existing))
    elif action == "restart":
        if existing is None:
            await begin(callback, session, state, person, form, context)
            return
        keyboard = inline(
            [(t.RESTART_YES, QStartCb(a="restart_yes", f=form.code, c=callback_data.c))],
            [(tc.BACK, QStartCb(a="resume", f=form.code, c=callback_data.c))],
        )
        await send(callback, t.RESTART_CONFIRM, keyboard)
    elif action == "restart_yes":
        await begin(callback, session, state, person, form, context, restart=existing is not None)


def build_router() -> Router:
    router = Router(name="questionnaire")
    for action, work in STEPS.items():
        router.callback_query.register(step_handler(work), QCb.filter(F.a == action))
    router.callback_query.register(on_start_button, QStartCb.filter())
    # A menu button leaves the form (handlers.common clears the state, but the state filter here
    # still sees the old one within the same update), so menu texts are never taken as answers.
    router.message.register(
        on_text,
        QuestionnaireSteps.answering,
        F.text & ~F.text.startswith("/") & ~F.text.in_(MENU_TEXTS),
    )
    router.message.register(on_other_content, QuestionnaireSteps.answering, ~F.text)
    return router
