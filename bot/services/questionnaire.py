"""The questionnaire engine: which question comes next, saving answers, «Назад», conditions,
progress, the summary and submitting. It knows nothing of Telegram.

Every answer is a row as soon as it is given, and the response remembers the question it is at,
so a restart or a pause of a week continues at the same question. Other journeys (post-event
feedback) start a form with a context such as {"event_id": 5} and register a hook that runs when
a response to their forms is submitted.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import is_postgres
from bot.services import InvalidInput, forms
from bot.services.form_schema import FormDef, Question
from bot.texts import forms as t
from bot.texts import quantity
from models import Answer, Form, Person, Response, ResponseStatus
from models.base import utcnow

#: A hook run in the submitting transaction: (session, response, form definition).
SubmitHook = Callable[[AsyncSession, Response, FormDef], Awaitable[None]]
#: Decides whether a person may start a form in a context: a refusal message, or None.
StartCheck = Callable[[AsyncSession, Person, FormDef, dict[str, Any]], Awaitable[str | None]]


@dataclass
class FormHooks:
    """What other journeys attach to forms, keyed by form code or purpose.

    Built once per Dispatcher (bot.services.form_hooks.default) and handed to the handlers, so
    nothing is registered at import time and each test's Dispatcher has hooks of its own.
    """

    on_submit: dict[str, list[SubmitHook]] = field(default_factory=dict)
    start_checks: dict[str, StartCheck] = field(default_factory=dict)

    def add_submit(self, key: str, hook: SubmitHook) -> None:
        """Run `hook` whenever a response is submitted to a form with this code or purpose."""
        hooks = self.on_submit.setdefault(key, [])
        if hook not in hooks:
            hooks.append(hook)

    def add_start_check(self, key: str, check: StartCheck) -> None:
        """Guard starting forms of this code or purpose (e.g. feedback only from participants)."""
        self.start_checks[key] = check

    async def refusal_to_start(
        self, session: AsyncSession, person: Person, form: FormDef, context: dict[str, Any]
    ) -> str | None:
        """The message of the start check of the form's code (else purpose), or None."""
        check = self.start_checks.get(form.code) or self.start_checks.get(form.purpose)
        return None if check is None else await check(session, person, form, context)


def context_key(context: dict[str, Any] | None) -> str:
    """A stable string of a context: one response in progress per person, form and context."""
    if not context:
        return ""
    return ";".join(f"{k}={context[k]}" for k in sorted(context))[:100]


#: Letters of follow-up questions in the summary: «22а», «22б».
FOLLOW_UP_LETTERS = "абвгдежзик"


@dataclass(frozen=True)
class Progress:
    """Where the person is, among the questions actually asked.

    Questions answered from the profile are neither asked nor counted. The total counts the
    unconditional questions, and a conditional one whose condition rests on a profile answer
    (its fate is settled when the response begins); any other conditional question, once shown,
    takes the number of the question before it with «(уточнение)». So the total never changes
    while the form is filled and the number never jumps when an answer opens or hides a
    follow-up question."""

    section: int  # 1-based
    sections: int
    question: int  # 1-based among the form's unconditional questions
    questions: int
    follow_up: str = ""  # t.FOLLOW_UP on a conditional question


@dataclass
class State:
    """A response with its form definition and answers, as the handlers render it."""

    response: Response
    form: FormDef
    answers: dict[str, Answer]

    @property
    def question(self) -> Question | None:
        qid = self.response.current_question
        return self.form.question(qid) if qid else None

    def value(self, question_id: str) -> Any:
        answer = self.answers.get(question_id)
        return None if answer is None else answer.value

    def visible(self) -> list[Question]:
        return visible_questions(self.form, {k: a.value for k, a in self.answers.items()})

    @property
    def from_profile(self) -> set[str]:
        """Ids of the questions answered from the profile when the response began."""
        return {qid for qid, a in self.answers.items() if a.from_profile}

    def asked(self) -> list[Question]:
        """The shown questions the person answers themself (not those taken from the profile)."""
        prefilled = self.from_profile
        return [q for q in self.visible() if q.id not in prefilled]

    def profile_answers(self) -> list[tuple[Question, Any]]:
        """The questions answered from the profile, with their values, in the form's order."""
        prefilled = self.from_profile
        return [(q, self.value(q.id)) for q in self.visible() if q.id in prefilled]

    def _counted(self) -> list[Question]:
        """The questions numbered in the counter: a fixed list for the whole response."""
        prefilled = self.from_profile
        return [q for q in self.asked() if q.show_if is None or q.show_if.question in prefilled]

    def numbers(self) -> dict[str, str]:
        """The number of each question asked, as the counter gives it: a follow-up takes the
        number of the question before it with a letter («22а»), so the summary and the list
        of answers number them as the person saw them."""
        counted_ids = {q.id for q in self._counted()}
        numbers: dict[str, str] = {}
        position, letter = 0, 0
        for q in self.asked():
            if q.id in counted_ids:
                position, letter = position + 1, 0
                numbers[q.id] = str(position)
            else:
                numbers[q.id] = (
                    f"{max(position, 1)}{FOLLOW_UP_LETTERS[letter % len(FOLLOW_UP_LETTERS)]}"
                )
                letter += 1
        return numbers

    def progress(self) -> Progress | None:
        question = self.question
        if question is None:
            return None
        counted = self._counted()
        counted_ids = {q.id for q in counted}
        position = 0
        for q in self.form.questions:
            if q.id in counted_ids:
                position += 1
            if q.id == question.id:
                break
        sections = sorted({self.form.section_of(q.id) for q in counted})
        section = self.form.section_of(question.id)
        return Progress(
            # A follow-up alone in its section counts as the section before it.
            section=max(sum(1 for s in sections if s <= section), 1),
            sections=max(len(sections), 1),
            question=max(position, 1),
            questions=max(len(counted), 1),
            follow_up="" if question.id in counted_ids else t.FOLLOW_UP,
        )


def visible_questions(form: FormDef, values: dict[str, Any]) -> list[Question]:
    """The questions shown for these answers, in order (a hidden question hides its dependants)."""
    shown: list[Question] = []
    shown_ids: set[str] = set()
    for question in form.questions:
        condition = question.show_if
        if condition is not None and (
            condition.question not in shown_ids
            or not condition.accepts(values.get(condition.question))
        ):
            continue
        shown.append(question)
        shown_ids.add(question.id)
    return shown


async def load_state(session: AsyncSession, response: Response) -> State:
    result = await session.execute(select(Answer).where(Answer.response_id == response.id))
    answers = {a.question_id: a for a in result.scalars()}
    return State(response, forms.definition(response.form), answers)


async def get_response(
    session: AsyncSession, response_id: int, *, lock: bool = False
) -> Response | None:
    """The response; with `lock`, its row is locked on PostgreSQL so two presses of the same
    button (handled concurrently) take turns. SQLite transactions already take turns (bot.db)."""
    stmt = select(Response).where(Response.id == response_id)
    if lock and is_postgres(session):
        stmt = stmt.with_for_update(of=Response)
    return (await session.execute(stmt)).scalar_one_or_none()


async def _latest_with_status(
    session: AsyncSession,
    status: ResponseStatus,
    person_id: int,
    form_code: str,
    context: dict[str, Any] | None,
) -> Response | None:
    result = await session.execute(
        select(Response)
        .where(
            Response.person_id == person_id,
            Response.form_code == form_code,
            Response.context_key == context_key(context),
            Response.status == status,
        )
        .order_by(Response.id.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def submitted_for(
    session: AsyncSession, person_id: int, form_code: str, context: dict[str, Any] | None = None
) -> Response | None:
    """The person's latest submitted response to the form for this context (e.g. an event)."""
    return await _latest_with_status(
        session, ResponseStatus.SUBMITTED, person_id, form_code, context
    )


async def in_progress(
    session: AsyncSession, person_id: int, form_code: str, context: dict[str, Any] | None = None
) -> Response | None:
    """The person's unfinished response to this form (any version) for this context."""
    return await _latest_with_status(
        session, ResponseStatus.IN_PROGRESS, person_id, form_code, context
    )


async def last_submitted(
    session: AsyncSession, person_id: int, form_code: str | None = None, purpose: str | None = None
) -> Response | None:
    stmt = (
        select(Response)
        .join(Form, Form.id == Response.form_id)
        .where(Response.person_id == person_id, Response.status == ResponseStatus.SUBMITTED)
        .order_by(Response.submitted_at.desc(), Response.id.desc())
        .limit(1)
    )
    if form_code is not None:
        stmt = stmt.where(Response.form_code == form_code)
    if purpose is not None:
        stmt = stmt.where(Form.purpose == purpose)
    return (await session.execute(stmt)).scalar_one_or_none()


async def start(
    session: AsyncSession,
    person: Person,
    form: Form,
    context: dict[str, Any] | None = None,
    *,
    restart: bool = False,
) -> Response:
    """Continue the person's unfinished response, or start one on the form's active version.

    With `restart` an unfinished response is abandoned (kept for the record) and a new one begins
    on the version that is active now.
    """
    current = await in_progress(session, person.id, form.code, context)
    if current is not None and not restart:
        return current
    if current is not None:
        current.status = ResponseStatus.ABANDONED
    active = form if form.is_active else await forms.active(session, form.code)
    if active is None:
        raise InvalidInput(t.FORM_UNAVAILABLE)
    form_def = forms.definition(active)
    response = Response(
        form_id=active.id,
        form_code=active.code,
        person_id=person.id,
        status=ResponseStatus.IN_PROGRESS,
        current_question=form_def.questions[0].id,
        context=dict(context or {}),
        context_key=context_key(context),
        scores={},
    )
    session.add(response)
    await session.flush()
    await session.refresh(response, ["form"])
    # What the profile already holds is not asked again: stored as answers from the profile.
    prefilled: dict[str, Any] = {}
    for question in form_def.questions:
        value = profile_value(question, person)
        if value is not None:
            prefilled[question.id] = value
            session.add(
                Answer(
                    response_id=response.id,
                    question_id=question.id,
                    value=value,
                    from_profile=True,
                    answered_at=utcnow(),
                )
            )
    if prefilled:
        asked = [q for q in visible_questions(form_def, prefilled) if q.id not in prefilled]
        response.current_question = asked[0].id if asked else None
        await session.flush()
    return response


def profile_value(question: Question, person: Person) -> Any:
    """The answer the person's profile already gives to a `from_profile` question, or None."""
    if question.from_profile == "role":
        # The role first (a head in the reserve is answered as a head), then the reserve flag.
        for wanted in (person.role.value, *sorted(forms.audience_of(person) - {person.role.value})):
            option = next((o for o in question.options if o.profile == wanted), None)
            if option is not None:
                return option.value
        return None
    if question.from_profile == "organisation":
        organisation = person.organisation
        return organisation.name[: question.max_length] if organisation is not None else None
    if question.from_profile == "position":
        position = (person.position or "").strip()
        return position[: question.max_length] or None
    return None


def check_turn(state: State, person: Person, question_id: str) -> Question:
    """The question being answered must be the response's current one, of the person's response.

    Raises InvalidInput(STALE) for a button of another person, another form or an old question.
    """
    response = state.response
    if response.person_id != person.id or response.status != ResponseStatus.IN_PROGRESS:
        raise InvalidInput(t.STALE_QUESTION)
    question = state.question
    if question is None or question.id != question_id:
        raise InvalidInput(t.STALE_QUESTION)
    return question


def parse_value(question: Question, raw: str) -> Any:
    """Turn what a person typed or pressed into the stored value; raises InvalidInput."""
    if question.kind == "text":
        text = raw.strip()
        if not text:
            raise InvalidInput(t.TEXT_EMPTY)
        if len(text) > question.max_length:
            length = quantity(len(text), "знак", "знака", "знаков")
            raise InvalidInput(t.TEXT_TOO_LONG.format(limit=question.max_length, length=length))
        return text
    if question.kind == "number":
        try:
            number = float(raw.strip().replace(",", ".").replace(" ", ""))
        except ValueError:
            raise InvalidInput(t.NUMBER_BAD) from None
        if not math.isfinite(number):
            raise InvalidInput(t.NUMBER_BAD)
        assert question.min is not None and question.max is not None
        if question.integer and number != int(number):
            raise InvalidInput(t.NUMBER_NOT_INTEGER)
        if not question.min <= number <= question.max:
            raise InvalidInput(
                t.NUMBER_RANGE.format(
                    min=format_number(question.min), max=format_number(question.max)
                )
            )
        return int(number) if question.integer else number
    if question.kind == "scale":
        if raw not in {"1", "2", "3", "4", "5"}:
            raise InvalidInput(t.USE_BUTTONS)
        return int(raw)
    if question.kind == "single":
        if question.option(raw) is None:
            raise InvalidInput(t.USE_BUTTONS)
        return raw
    raise InvalidInput(t.USE_BUTTONS)


def format_number(value: float) -> str:
    """A number as Russians write it: 3, 2,5."""
    return str(int(value)) if value == int(value) else str(value).replace(".", ",")


async def _save(
    state: State, session: AsyncSession, question: Question, value: Any, *, skipped: bool = False
) -> None:
    answer = state.answers.get(question.id)
    if answer is None:
        answer = Answer(response_id=state.response.id, question_id=question.id)
        session.add(answer)
        state.answers[question.id] = answer
    answer.value = value
    answer.skipped = skipped
    answer.answered_at = utcnow()
    state.response.updated_at = utcnow()
    await session.flush()


def _next_after(state: State, question_id: str) -> str | None:
    shown = state.asked()
    ids = [q.id for q in shown]
    if question_id in ids:
        index = ids.index(question_id)
        return ids[index + 1] if index + 1 < len(ids) else None
    # The question was hidden by a changed answer: continue with the first later visible one.
    order = [q.id for q in state.form.questions]
    later = [q for q in ids if order.index(q) > order.index(question_id)]
    return later[0] if later else None


async def _advance(state: State, session: AsyncSession, question_id: str) -> None:
    state.response.current_question = _next_after(state, question_id)
    await session.flush()


async def answer(
    session: AsyncSession, state: State, person: Person, question_id: str, raw: str
) -> None:
    """Answer the current question (single, scale, text, number) and move to the next one."""
    question = check_turn(state, person, question_id)
    if question.kind == "multi":
        raise InvalidInput(t.USE_BUTTONS)
    await _save(state, session, question, parse_value(question, raw))
    await _advance(state, session, question.id)


async def toggle(
    session: AsyncSession, state: State, person: Person, question_id: str, option: str
) -> list[str]:
    """Tick or untick an option of a multiple-choice question; saved at once, stays there."""
    question = check_turn(state, person, question_id)
    if question.kind != "multi" or question.option(option) is None:
        raise InvalidInput(t.STALE_QUESTION)
    chosen = list(state.value(question.id) or [])
    chosen = [v for v in chosen if v != option] if option in chosen else [*chosen, option]
    # Keep the order of the form, whatever the order of the taps.
    chosen = [o.value for o in question.options if o.value in chosen]
    await _save(state, session, question, chosen)
    return chosen


async def done(session: AsyncSession, state: State, person: Person, question_id: str) -> None:
    """«Готово» of a multiple-choice question."""
    question = check_turn(state, person, question_id)
    if question.kind != "multi":
        raise InvalidInput(t.STALE_QUESTION)
    if not state.value(question.id):
        if question.required:
            raise InvalidInput(t.CHOOSE_AT_LEAST_ONE)
        await _save(state, session, question, None, skipped=True)
    await _advance(state, session, question.id)


async def skip(session: AsyncSession, state: State, person: Person, question_id: str) -> None:
    """«Пропустить» an optional question."""
    question = check_turn(state, person, question_id)
    if question.required:
        raise InvalidInput(t.REQUIRED)
    await _save(state, session, question, None, skipped=True)
    await _advance(state, session, question.id)


async def back(session: AsyncSession, state: State, person: Person, question_id: str) -> bool:
    """Go to the previous shown question (from the summary: the last one). False at the first.

    `question_id` is the question the button was shown with ("" for the summary), so a stale
    «Назад» of an old message cannot move the response.
    """
    response = state.response
    if response.person_id != person.id or response.status != ResponseStatus.IN_PROGRESS:
        raise InvalidInput(t.STALE_QUESTION)
    if (response.current_question or "") != question_id:
        raise InvalidInput(t.STALE_QUESTION)
    ids = [q.id for q in state.asked()]
    if not ids:
        return False
    if not question_id:
        response.current_question = ids[-1]
    else:
        index = ids.index(question_id) if question_id in ids else len(ids)
        if index == 0:
            return False
        response.current_question = ids[index - 1]
    await session.flush()
    return True


async def edit(session: AsyncSession, state: State, person: Person, question_id: str) -> None:
    """From the summary, go back to one shown question to change its answer."""
    response = state.response
    if response.person_id != person.id or response.status != ResponseStatus.IN_PROGRESS:
        raise InvalidInput(t.STALE_QUESTION)
    if response.current_question is not None or question_id not in {q.id for q in state.asked()}:
        raise InvalidInput(t.STALE_QUESTION)
    response.current_question = question_id
    await session.flush()


def missing_required(state: State) -> list[Question]:
    return [
        q
        for q in state.visible()
        if q.required and (q.id not in state.answers or state.answers[q.id].value in (None, [], ""))
    ]


async def submit(
    session: AsyncSession, state: State, person: Person, hooks: FormHooks | None = None
) -> Response:
    """Send the response: only from the summary with every shown required question answered.

    Answers of questions hidden by later changes are dropped so the stored response is what the
    person saw. Hooks of the form's code and purpose run in the same transaction.
    """
    response = state.response
    if response.person_id != person.id or response.status != ResponseStatus.IN_PROGRESS:
        raise InvalidInput(t.STALE_QUESTION)
    if response.current_question is not None:
        raise InvalidInput(t.STALE_QUESTION)
    missing = missing_required(state)
    if missing:
        response.current_question = missing[0].id
        await session.flush()
        raise InvalidInput(t.MISSING_ANSWERS)
    shown = {q.id for q in state.visible()}
    hidden = [qid for qid in state.answers if qid not in shown]
    if hidden:
        await session.execute(
            delete(Answer).where(Answer.response_id == response.id, Answer.question_id.in_(hidden))
        )
        for qid in hidden:
            state.answers.pop(qid)
    response.status = ResponseStatus.SUBMITTED
    response.submitted_at = utcnow()
    await session.flush()
    for key in (response.form_code, state.form.purpose):
        for hook in hooks.on_submit.get(key, []) if hooks else []:
            await hook(session, response, state.form)
    return response


async def abandon_all(session: AsyncSession, person_id: int) -> None:
    """Abandon the person's unfinished responses (e.g. when their data are deleted)."""
    await session.execute(
        update(Response)
        .where(Response.person_id == person_id, Response.status == ResponseStatus.IN_PROGRESS)
        .values(status=ResponseStatus.ABANDONED)
        .execution_options(synchronize_session=False)
    )


def display_value(question: Question, value: Any, skipped: bool = False) -> str:
    """An answer as a person reads it (plain text; escape before HTML)."""
    if skipped or value is None or value == []:
        return t.SKIPPED
    if question.kind == "single":
        option = question.option(str(value))
        return option.label if option else str(value)
    if question.kind == "multi":
        labels = [o.label for o in question.options if o.value in value]
        return ", ".join(labels)
    if question.kind == "scale":
        label = question.scale_labels[int(value) - 1] if question.scale_labels else ""
        return f"{value} — {label}" if label else str(value)
    if question.kind == "number":
        return format_number(float(value))
    return str(value)
