"""The engine asks a non-diagnostic form for another journey: a context, a start check, a hook."""

from __future__ import annotations

import textwrap
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import forms, questionnaire
from bot.services.form_schema import FormDef, parse_form
from handlers.questionnaire import start_button
from models import Person, Response, Role
from tests.conftest import RunningBot
from tests.factories import make_person
from tests.questionnaire_helpers import current_question, fill

FEEDBACK = textwrap.dedent(
    """\
    code: test_feedback
    title: Отзыв о мероприятии
    purpose: feedback
    outro: Спасибо за отзыв!
    sections:
      - title: Ваши впечатления
        questions:
          - id: satisfied
            kind: single
            text: Насколько вы удовлетворены мероприятием?
            options:
              - {value: fully, label: Вполне удовлетворён(а)}
              - {value: enough, label: Удовлетворён(а) в достаточной мере}
              - {value: "no", label: Не удовлетворён(а)}
          - {id: why, kind: text, text: Что было не так, show_if: {question: satisfied, equals: "no"}}
          - {id: use, kind: text, text: Что планируете использовать в работе, required: false}
    """
)


async def test_a_feedback_form_with_an_event_context(app: RunningBot) -> None:
    submitted: list[dict[str, Any]] = []

    async def hook(session: AsyncSession, response: Response, form: FormDef) -> None:
        submitted.append(dict(response.context))

    async def only_participants(
        session: AsyncSession, person: Person, form: FormDef, context: dict[str, Any]
    ) -> str | None:
        return None if context.get("event_id") == 5 else "Отзыв оставляют участники."

    # Hooks belong to this test's Dispatcher: nothing is left registered for other tests.
    app.dp["form_hooks"].add_submit("test_feedback", hook)
    app.dp["form_hooks"].add_start_check("test_feedback", only_participants)
    async with app.sessions.begin() as s:
        await forms.add_version(s, parse_form("test_feedback.yaml", FEEDBACK), FEEDBACK)
        await make_person(s, 4001, role=Role.TEACHER)

    user = app.user(4001, "Мария")
    await user.send("/start")
    # The button another journey would put into an outbox message.
    _, data = start_button("Оставить отзыв", "test_feedback", {"event_id": 5})
    assert not isinstance(data, tuple | str)
    await user.press_data(data.pack())
    assert "Отзыв о мероприятии" in user.texts()[-2]
    assert current_question(user) is not None
    await user.press_data(data.model_copy(update={"c": "event_id=6"}).pack())
    assert user.alerts()[-1] == "Отзыв оставляют участники."

    form = parse_form("test_feedback.yaml", FEEDBACK)
    asked = await fill(user, form, {"satisfied": "no", "why": "Плохо слышно", "use": None})
    assert asked == ["satisfied", "why", "use"]
    await user.press("Отправить")
    assert "Спасибо за отзыв!" in user.last_text()
    assert submitted == [{"event_id": 5}]
    async with app.sessions() as s:
        person = (await s.execute(select(Person).where(Person.telegram_id == 4001))).scalar_one()
        done = await questionnaire.submitted_for(s, person.id, "test_feedback", {"event_id": 5})
        assert done is not None and done.context == {"event_id": 5}
        assert (
            await questionnaire.submitted_for(s, person.id, "test_feedback", {"event_id": 6})
            is None
        )
