"""Form files: the schema, errors naming the file and the question, refusing to start."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.services import forms
from bot.services.form_schema import FormFileError, parse_form

GOOD = textwrap.dedent(
    """\
    code: sample
    title: Пробная анкета
    purpose: diagnostic
    audience: [teacher]
    threshold: 3
    areas:
      - {code: digital, title: Цифровые инструменты, topics: [digital]}
      - {code: parents, title: Работа с родителями, topics: [parents], threshold: 2.5}
    sections:
      - title: Первый раздел
        questions:
          - {id: role, kind: single, text: Кто вы, options: [{value: a, label: А}, {value: b, label: Б}]}
          - {id: detail, kind: text, text: Уточните, show_if: {question: role, equals: b}, required: false}
          - {id: dig, kind: scale, text: Цифра, area: digital}
      - title: Второй раздел
        questions:
          - {id: par, kind: single, text: Родители, area: parents,
             options: [{value: low, label: Трудно, score: 1}, {value: high, label: Легко, score: 5}]}
          - {id: years, kind: number, text: Стаж, min: 0, max: 50}
          - {id: formats, kind: multi, text: Форматы, options: [{value: w, label: Вебинар}, {value: s, label: Семинар}]}
    """
)


def test_good_file_and_repo_forms_parse() -> None:
    form = parse_form("sample.yaml", GOOD)
    assert [q.id for q in form.questions] == ["role", "detail", "dig", "par", "years", "formats"]
    assert form.threshold_of(form.areas[1]) == 2.5
    parsed = {f.code: f for _, _, f in forms.read_files()}
    assert set(parsed) == {"head_card", "teacher_deficits", "event_feedback"}
    assert parsed.pop("event_feedback").purpose == "feedback"
    for form_def in parsed.values():
        assert 20 <= len(form_def.questions) <= 30
        assert form_def.purpose == "diagnostic"
    assert {"head", "deputy", "management_reserve"} <= set(parsed["head_card"].audience)


def _broken(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (_broken("kind: scale, text: Цифра", "kind: slider, text: Цифра"), "вопрос «dig»"),
        (
            _broken(
                "{id: years, kind: number, text: Стаж, min: 0, max: 50}",
                "{id: years, kind: number, text: Стаж}",
            ),
            "вопрос «years»",
        ),
        (
            _broken(
                "options: [{value: w, label: Вебинар}, {value: s, label: Семинар}]",
                "options: [{value: w, label: Вебинар}]",
            ),
            "вопрос «formats»",
        ),
        (_broken("{id: years,", "{id: dig,"), "вопрос «dig»: такой id уже есть"),
        (
            _broken("show_if: {question: role, equals: b}", "show_if: {question: par, equals: b}"),
            "вопрос «detail»: условие show_if ссылается на «par»",
        ),
        (
            _broken("show_if: {question: role, equals: b}", "show_if: {question: role, equals: z}"),
            "вопрос «detail»: в условии show_if указан вариант",
        ),
        (_broken("area: digital}", "area: digitals}"), "вопрос «dig»: область «digitals»"),
        (_broken("topics: [digital]", "topics: [cooking]"), "область «digital»: неизвестные темы"),
        (
            _broken("{id: role, kind: single, text: Кто вы,", "{kind: single, text: Кто вы,"),
            "вопрос № 1",
        ),
        (_broken("score: 1}", "}"), "вопрос «par»: у вопроса, засчитываемого в область"),
        (
            _broken("text: Цифра, area: digital}", "text: Цифра}"),
            "анкета: в область «digital» не засчитывается ни один вопрос",
        ),
        (_broken("title: Пробная анкета", "title: Пробная анкета\ncolour: red"), "поле colour"),
        (_broken("audience: [teacher]", "audience: [pupils]"), "неизвестная аудитория"),
        (
            _broken("{id: role, kind: single,", "{id: role, kind: single, from_profile: role,"),
            "вопрос «role»: вопрос from_profile: role должен быть single",
        ),
        (
            _broken(
                "{id: years, kind: number,", "{id: years, kind: number, from_profile: position,"
            ),
            "вопрос «years»: вопрос from_profile: organisation или position должен быть text",
        ),
        (
            _broken("{value: a, label: А}", "{value: a, label: А, profile: head}"),
            "вопрос «role»: поле profile у вариантов имеет смысл только при from_profile: role",
        ),
        (
            _broken(
                "show_if: {question: role, equals: b}",
                "from_profile: organisation, show_if: {question: role, equals: b}",
            ),
            "вопрос «detail»: вопрос из профиля (from_profile) не может зависеть",
        ),
        ("code: x\ntitle: [unclosed\n", "строка"),
        ("- just\n- a list\n", "ожидается описание анкеты"),
    ],
)
def test_errors_name_the_file_and_the_question(source: str, expected: str) -> None:
    with pytest.raises(FormFileError) as caught:
        parse_form("bot/forms/sample.yaml", source)
    message = str(caught.value)
    assert message.startswith("bot/forms/sample.yaml: "), message
    assert expected in message, message
    assert "\n" not in message


def test_uploads_must_be_yaml_text() -> None:
    with pytest.raises(FormFileError, match=r"расширением \.yaml"):
        forms.decode_upload("card.xlsx", b"code: x")
    with pytest.raises(FormFileError, match="UTF-8"):
        forms.decode_upload("card.yaml", "код".encode("cp1251"))
    assert forms.decode_upload("card.yml", "\ufeffcode: x".encode()) == "code: x"


def test_duplicate_codes_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(FormFileError, match=r"b\.yaml: код анкеты уже использован"):
        forms.read_files(tmp_path)


def test_bot_refuses_to_start_with_a_malformed_form(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "forms"
    folder.mkdir()
    (folder / "card.yaml").write_text(
        _broken("kind: scale, text: Цифра", "kind: slider, text: Цифра")
    )
    monkeypatch.setattr(forms, "forms_dir", lambda: folder)
    monkeypatch.setenv("BOT_TOKEN", "123456789:AAE_test-token-for-the-emulator-0123")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    monkeypatch.chdir(tmp_path)  # no .env of the developer
    for command in (["run"], ["migrate"]):
        assert main(command) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("Ошибка в файле анкеты forms/card.yaml: вопрос «dig»"), err
        assert "\n" not in err and "Traceback" not in err
