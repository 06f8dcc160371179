"""The questionnaire engine and versioning, as services on SQLite and PostgreSQL."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import InvalidInput, form_hooks, forms, questionnaire, routes, scoring
from bot.services.form_schema import FormDef, parse_form
from models import Answer, Form, Person, Response, ResponseStatus, Role, Route
from tests.factories import make_person
from tests.questionnaire_helpers import make_event

FORM_V1 = textwrap.dedent(
    """\
    code: pilot
    title: Пилотная анкета
    purpose: diagnostic
    threshold: 3
    areas:
      - {code: digital, title: Цифровые инструменты, topics: [digital]}
      - {code: parents, title: Работа с родителями, topics: [parents]}
    sections:
      - title: О вас
        questions:
          - {id: role, kind: single, text: Кто вы, options: [{value: a, label: Учитель}, {value: b, label: Воспитатель}]}
          - {id: detail, kind: text, text: Группа, show_if: {question: role, equals: b}, max_length: 20}
          - {id: years, kind: number, text: Стаж, min: 0, max: 50}
      - title: Самооценка
        questions:
          - {id: dig1, kind: scale, text: Цифра один, area: digital}
          - {id: dig2, kind: scale, text: Цифра два, area: digital}
          - {id: par, kind: single, text: Родители, area: parents,
             options: [{value: low, label: Трудно, score: 2}, {value: high, label: Легко, score: 5}]}
          - {id: formats, kind: multi, text: Форматы, required: false,
             options: [{value: w, label: Вебинар}, {value: s, label: Семинар}, {value: m, label: Наставник}]}
    """
)


async def _load(session: AsyncSession, source: str = FORM_V1) -> Form:
    result = await forms.add_version(session, parse_form("pilot.yaml", source), source)
    return result.form


async def test_versions_same_file_is_noop_changed_file_is_new(session: AsyncSession) -> None:
    first = await _load(session)
    again = await forms.add_version(session, parse_form("pilot.yaml", FORM_V1), FORM_V1)
    assert not again.created and again.form.id == first.id
    changed = FORM_V1.replace("Пилотная анкета", "Пилотная анкета 2027")
    second = await _load(session, changed)
    assert (first.version, second.version) == (1, 2)
    await session.refresh(first)
    assert second.is_active and not first.is_active
    count = await session.scalar(select(func.count(Form.id)).where(Form.code == "pilot"))
    assert count == 2
    # Loading the old file again (a restart with the repo's file) does not undo the upload.
    await forms.add_version(session, parse_form("pilot.yaml", FORM_V1), FORM_V1)
    active = await forms.active(session, "pilot")
    assert active is not None and active.id == second.id


async def test_repo_forms_load_once(session: AsyncSession) -> None:
    results = await forms.load_all(session)
    assert all(r.created for r in results) and len(results) == 3
    results = await forms.load_all(session)
    assert not any(r.created for r in results)


async def test_conditions_back_progress_and_validation(session: AsyncSession) -> None:
    form = await _load(session)
    person = await make_person(session, 501)
    response = await questionnaire.start(session, person, form)
    state = await questionnaire.load_state(session, response)
    assert state.question is not None and state.question.id == "role"
    progress = state.progress()
    assert progress is not None
    assert (progress.section, progress.sections, progress.question, progress.questions) == (
        1, 2, 1, 6,
    )  # fmt: skip

    await questionnaire.answer(session, state, person, "role", "a")
    assert response.current_question == "years"  # «detail» is only for «b»
    # The wrong question (an old button) changes nothing.
    with pytest.raises(InvalidInput):
        await questionnaire.answer(session, state, person, "role", "b")
    for bad in ("51", "-1", "двадцать", "2.5", "nan"):
        with pytest.raises(InvalidInput):
            await questionnaire.answer(session, state, person, "years", bad)
    assert response.current_question == "years"

    # Back to the first question, change the answer: the conditional question appears.
    assert await questionnaire.back(session, state, person, "years")
    assert response.current_question == "role"
    assert not await questionnaire.back(session, state, person, "role")
    await questionnaire.answer(session, state, person, "role", "b")
    assert response.current_question == "detail"
    progress = state.progress()
    # The follow-up keeps the number of the question it clarifies: the total does not jump.
    assert progress is not None and (progress.question, progress.questions) == (1, 6)
    assert progress.follow_up
    with pytest.raises(InvalidInput, match="слишком длинный"):
        await questionnaire.answer(session, state, person, "detail", "я" * 10_000)
    await questionnaire.answer(session, state, person, "detail", "старшая")
    await questionnaire.answer(session, state, person, "years", "12")
    await questionnaire.answer(session, state, person, "dig1", "2")
    with pytest.raises(InvalidInput):
        await questionnaire.answer(session, state, person, "dig2", "7")
    await questionnaire.answer(session, state, person, "dig2", "3")
    await questionnaire.answer(session, state, person, "par", "low")
    assert await questionnaire.toggle(session, state, person, "formats", "s") == ["s"]
    assert await questionnaire.toggle(session, state, person, "formats", "w") == ["w", "s"]
    assert await questionnaire.toggle(session, state, person, "formats", "s") == ["w"]
    await questionnaire.done(session, state, person, "formats")
    assert response.current_question is None  # the summary

    # Every answer is a row already, before submitting.
    stored = await session.scalar(
        select(func.count(Answer.id)).where(Answer.response_id == response.id)
    )
    assert stored == 7

    # Back from the summary to «role», switch to «a»: «detail» is hidden and dropped on submit.
    await questionnaire.edit(session, state, person, "role")
    await questionnaire.answer(session, state, person, "role", "a")
    while response.current_question is not None:
        question = state.question
        assert question is not None
        if question.kind == "multi":
            await questionnaire.done(session, state, person, question.id)
        else:
            await questionnaire.answer(
                session, state, person, question.id, str(state.value(question.id))
            )
    submitted = await questionnaire.submit(session, state, person, form_hooks.default())
    assert submitted.status == ResponseStatus.SUBMITTED
    remaining = set(
        (
            await session.execute(
                select(Answer.question_id).where(Answer.response_id == response.id)
            )
        ).scalars()
    )
    assert "detail" not in remaining and "years" in remaining
    assert submitted.scores == {"digital": 2.5, "parents": 2.0}


async def test_someone_elses_response_is_refused(session: AsyncSession) -> None:
    form = await _load(session)
    owner = await make_person(session, 511)
    stranger = await make_person(session, 512, full_name="Петров Пётр Петрович")
    response = await questionnaire.start(session, owner, form)
    state = await questionnaire.load_state(session, response)
    with pytest.raises(InvalidInput):
        await questionnaire.answer(session, state, stranger, "role", "a")
    with pytest.raises(InvalidInput):
        await questionnaire.back(session, state, stranger, "role")
    with pytest.raises(InvalidInput):
        await questionnaire.submit(session, state, stranger)
    assert await session.scalar(select(func.count(Answer.id))) == 0


async def test_half_filled_response_survives_a_new_version(session: AsyncSession) -> None:
    v1 = await _load(session)
    person = await make_person(session, 521)
    response = await questionnaire.start(session, person, v1)
    state = await questionnaire.load_state(session, response)
    await questionnaire.answer(session, state, person, "role", "a")
    await questionnaire.answer(session, state, person, "years", "3")

    # Next year's card: «dig2» removed, a new question added, the first one reworded.
    v2_source = FORM_V1.replace(
        "          - {id: dig2, kind: scale, text: Цифра два, area: digital}\n", ""
    )
    v2_source = v2_source.replace("text: Кто вы,", "text: Ваша должность,")
    v2 = await _load(session, v2_source)
    assert v2.version == 2

    # Continuing: the same response, still on version 1, with all its questions.
    again = await questionnaire.start(session, person, v2)
    assert again.id == response.id and again.form_id == v1.id
    state = await questionnaire.load_state(session, again)
    assert state.question is not None and state.question.id == "dig1"
    for qid, value in (("dig1", "4"), ("dig2", "4"), ("par", "high")):
        await questionnaire.answer(session, state, person, qid, value)
    await questionnaire.done(session, state, person, "formats")
    await questionnaire.submit(session, state, person, form_hooks.default())
    assert again.form.version == 1

    # A new start goes to version 2; «Начать заново» abandons the old one.
    fresh = await questionnaire.start(session, person, v2)
    assert fresh.form_id == v2.id
    restarted = await questionnaire.start(session, person, v2, restart=True)
    assert restarted.id != fresh.id
    await session.refresh(fresh)
    assert fresh.status == ResponseStatus.ABANDONED


def _values(**kwargs: object) -> dict[str, object]:
    return dict(kwargs)


def test_scoring_and_deficits() -> None:
    form: FormDef = parse_form("pilot.yaml", FORM_V1)
    scores = scoring.score(form, _values(dig1=2, dig2=3, par="high"))
    by_code = {s.code: s for s in scores}
    assert by_code["digital"].score == 2.5 and by_code["digital"].is_deficit
    assert by_code["parents"].score == 5 and not by_code["parents"].is_deficit
    assert [d.code for d in scoring.deficits(scores)] == ["digital"]
    # Exactly at the threshold is not a deficit; an area with no answers is not either.
    scores = scoring.score(form, _values(dig1=3, dig2=3))
    assert scoring.deficits(scores) == []
    assert {s.code: s.score for s in scores}["parents"] is None


async def test_route_takes_matching_upcoming_events_for_the_role(session: AsyncSession) -> None:
    form = await _load(session)
    head = await make_person(session, 531, role=Role.HEAD)
    wanted = await make_event(session, "Цифровая школа", ["digital"], days=3)
    also = await make_event(
        session, "Цифровые сервисы", ["digital", "subject"], days=1, audience=["head"]
    )
    await make_event(session, "Для учителей", ["digital"], audience=["teacher"])
    await make_event(session, "Прошедшее", ["digital"], days=-1)
    from models import EventStatus

    await make_event(session, "Черновик", ["digital"], status=EventStatus.DRAFT)
    await make_event(session, "Родители", ["parents"])  # no deficit there
    response = await questionnaire.start(session, head, form)
    state = await questionnaire.load_state(session, response)
    for qid, value in (
        ("role", "a"),
        ("years", "1"),
        ("dig1", "1"),
        ("dig2", "2"),
        ("par", "high"),
    ):
        await questionnaire.answer(session, state, head, qid, value)
    await questionnaire.done(session, state, head, "formats")
    # The diagnostic hook builds the route.
    await questionnaire.submit(session, state, head, form_hooks.default())

    route = await routes.latest(session, head.id)
    assert route is not None
    assert route.deficits == ["digital"] and route.topics == ["digital"]
    assert [i.event_id for i in route.items] == [also.id, wanted.id]  # by start time
    view = await routes.view(session, route)
    assert (view.done, view.total) == (0, 2)
    assert await session.scalar(select(func.count(Route.id))) == 1
    assert response.scores == {"digital": 1.5, "parents": 5.0}


async def test_load_from_folder(tmp_path: Path, session: AsyncSession) -> None:
    (tmp_path / "pilot.yaml").write_text(FORM_V1, encoding="utf-8")
    (results,) = [await forms.load_all(session, tmp_path)]
    assert [r.form.code for r in results] == ["pilot"]
    assert results[0].form.source_name.endswith("/pilot.yaml")
    assert isinstance(results[0].form, Form)
    assert (await session.get(Response, 1)) is None


async def test_heads_card_takes_position_and_organisation_from_the_profile(
    session: AsyncSession,
) -> None:
    """What the profile holds is stored, not asked; the counter counts what is asked and its
    total stays the same from the first question to the last, whatever the answers."""
    from tests.factories import make_org

    await forms.load_all(session)
    card = await forms.active(session, "head_card")
    assert card is not None
    org = await make_org(session)
    await make_person(session, 701, role=Role.DEPUTY, organisation=org)
    await make_person(session, 702, role=Role.TEACHER, is_management_reserve=True)
    people = {
        p.telegram_id: p
        for p in (await session.execute(select(Person).where(Person.telegram_id > 700))).scalars()
    }

    # A deputy: «position» = deputy from the role, so «deputy_field» is certain and numbered.
    deputy = people[701]
    response = await questionnaire.start(session, deputy, card)
    state = await questionnaire.load_state(session, response)
    assert state.from_profile == {"position", "organisation"}
    assert state.value("position") == "deputy" and state.value("organisation") == org.name
    assert response.current_question == "deputy_field"
    seen: list[tuple[str, int, int, str]] = []
    while (question := state.question) is not None:
        progress = state.progress()
        assert progress is not None
        seen.append((question.id, progress.question, progress.questions, progress.follow_up))
        value = "yes" if question.id == "share" else None
        if question.kind == "multi":
            await questionnaire.toggle(session, state, deputy, question.id, "webinar")
            await questionnaire.done(session, state, deputy, question.id)
        elif question.kind in ("text",):
            await questionnaire.answer(session, state, deputy, question.id, "Опыт ВСОКО")
        else:
            raw = value or (question.options[0].value if question.options else "3")
            await questionnaire.answer(session, state, deputy, question.id, raw)
    assert {total for _, _, total, _ in seen} == {23}  # the total never changes
    numbers = [n for _, n, _, _ in seen]
    assert numbers == sorted(numbers) and numbers[:2] == [1, 2]  # no jumps, no going back
    assert seen[0][:2] == ("deputy_field", 1) and not seen[0][3]
    assert seen[-1][0] == "share_topic" and seen[-1][1] == seen[-2][1] and seen[-1][3]
    assert "position" not in [qid for qid, *_ in seen]
    # The summary and the list of answers number them as the counter did: the follow-up
    # after question 23 is «23а», not 24.
    numbers_shown = state.numbers()
    assert numbers_shown["deputy_field"] == "1" and numbers_shown["share"] == str(seen[-2][1])
    assert numbers_shown["share_topic"] == f"{seen[-2][1]}а"
    # «Назад» never leads to a question the profile answered.
    await questionnaire.edit(session, state, deputy, "deputy_field")
    assert not await questionnaire.back(session, state, deputy, "deputy_field")
    await questionnaire.answer(session, state, deputy, "deputy_field", "methods")
    with pytest.raises(InvalidInput):
        await questionnaire.answer(session, state, deputy, "position", "director")

    # The reserve (a teacher by role) is answered as the reserve; no organisation → asked.
    reserve = people[702]
    response = await questionnaire.start(session, reserve, card)
    state = await questionnaire.load_state(session, response)
    assert state.from_profile == {"position"} and state.value("position") == "reserve"
    assert response.current_question == "organisation"
    progress = state.progress()
    assert progress is not None and (progress.question, progress.questions) == (1, 23)
