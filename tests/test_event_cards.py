"""Complete event cards: the creation dialog asks the goal, organisers, speakers, the series,
materials and reminders; editing several fields in a row keeps the field list; «Назад» from
the preview's steps; an outdated «Опубликовать» says so; words agree with numbers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.texts import agree, file_stem, inside_quotes, kind_and_title, quoted, share
from bot.texts import common as tc
from bot.texts import event_admin as ta
from bot.texts import events as te
from models import Event, EventKind, EventSeries, EventStatus, Role
from models.base import utcnow
from tests.conftest import ADMIN_ID, RunningBot
from tests.factories import make_person


async def rows(app: RunningBot, model: Any, *where: Any) -> list[Any]:
    async with app.sessions() as s:
        return list((await s.execute(select(model).where(*where))).scalars())


async def start_dialog(app: RunningBot, title: str) -> Any:
    async with app.sessions.begin() as s:
        await make_person(s, ADMIN_ID, role=Role.METHODOLOGIST)
        s.add(EventSeries(title="Марафон «Цифровая школа»", description=""))
    admin = app.user(ADMIN_ID, "Методист")
    start = (utcnow() + timedelta(days=10)).astimezone(app.settings.tz)
    await admin.send("/admin")
    await admin.press(ta.SECTION_EVENTS)
    await admin.press(ta.BTN_CREATE)
    await admin.press(te.KIND_LABELS[EventKind.WEBINAR])
    await admin.send(title)
    await admin.press(ta.BTN_SKIP)
    await admin.press("Онлайн")
    await admin.send("https://meet.example.org/fgos")
    await admin.send(f"{start:%d.%m.%Y} 15:00")
    await admin.send("16:30")
    await admin.press(ta.BTN_UNLIMITED)
    await admin.press(ta.BTN_NO_DEADLINE)
    await admin.press(ta.BTN_EVERYONE)
    await admin.press(ta.BTN_DONE)
    return admin


async def test_creation_asks_every_field_of_the_report(app: RunningBot) -> None:
    admin = await start_dialog(app, "Вебинар по обновлённым ФГОС")
    assert ta.ASK_GOAL.split(" (")[0] in admin.last_text()
    await admin.send("Разобрать изменения ФГОС")
    await admin.send("Смирнова О. В., ИМЦ")
    await admin.send("Петров И. И., ГБОУ школа № 237")
    await admin.press("Марафон «Цифровая школа»")
    await admin.send("https://disk.example.org/fgos")
    await admin.send("48h")
    preview = admin.last_text()
    assert "Проверьте мероприятие" in preview
    # The kind is not repeated: the title already says «Вебинар».
    assert "Вебинар по обновлённым ФГОС" in preview and "Вебинар «Вебинар" not in preview
    assert "Цикл: «Марафон „Цифровая школа“»" in preview
    assert "Эксперты и спикеры: Петров И. И., ГБОУ школа № 237" in preview
    assert "Напоминания: за 2 дня" in preview

    # «Назад» from the preview goes to the last step; answering it returns to the preview.
    await admin.press(tc.BACK)
    assert ta.ASK_REMINDERS.split(" Напишите")[0] in admin.last_text()
    await admin.send("2h")
    assert "Напоминания: за 2 часа" in admin.last_text()
    # The field list has its own way back to the preview.
    await admin.press(ta.BTN_EDIT)
    await admin.press(ta.BTN_TO_PREVIEW)
    assert "Проверьте мероприятие" in admin.last_text()
    await admin.press(ta.BTN_PUBLISH)
    (event,) = await rows(app, Event)
    (series,) = await rows(app, EventSeries)
    assert event.status == EventStatus.PUBLISHED and event.series_id == series.id
    assert event.goal == "Разобрать изменения ФГОС"
    assert event.organisers == "Смирнова О. В., ИМЦ"
    assert event.speakers == "Петров И. И., ГБОУ школа № 237"
    assert event.materials_link == "https://disk.example.org/fgos"
    assert event.reminder_offsets == [120]


async def test_outdated_publish_button_says_so(app: RunningBot) -> None:
    admin = await start_dialog(app, "Формирующее оценивание")
    for _ in range(3):
        await admin.press(ta.BTN_SKIP)
    await admin.press(ta.BTN_NO_SERIES)
    await admin.press(ta.BTN_SKIP)
    await admin.press(ta.BTN_DEFAULT_REMINDERS)
    first_preview = admin.messages()[-1].message_id
    await admin.press(ta.BTN_EDIT)
    await admin.press(ta.EDIT_FIELDS["title"])
    await admin.send("Формирующее оценивание: практика")
    second_preview = admin.messages()[-1]
    assert "практика" in (second_preview.text or "")
    publish = next(d for b, d in second_preview.buttons if b == ta.BTN_PUBLISH)
    old = next(
        d
        for m in admin.messages()
        if m.message_id == first_preview
        for b, d in m.buttons
        if b == ta.BTN_PUBLISH
    )
    await admin.press_data(old, first_preview)
    assert ta.PREVIEW_OUTDATED in admin.alerts()
    assert await rows(app, Event) == []
    await admin.press_data(publish, second_preview.message_id)
    (event,) = await rows(app, Event)
    assert event.title == "Формирующее оценивание: практика"
    await admin.press_data(publish, second_preview.message_id)  # once more, after saving
    assert admin.alerts().count(ta.PREVIEW_OUTDATED) == 2
    assert len(await rows(app, Event)) == 1


async def test_editing_several_fields_in_a_row_keeps_the_list(app: RunningBot) -> None:
    admin = await start_dialog(app, "Наставничество")
    for _ in range(3):
        await admin.press(ta.BTN_SKIP)
    await admin.press(ta.BTN_NO_SERIES)
    await admin.press(ta.BTN_SKIP)
    await admin.press(ta.BTN_DEFAULT_REMINDERS)
    await admin.press(ta.BTN_PUBLISH)
    await admin.press(ta.BTN_EDIT)
    await admin.press(ta.EDIT_FIELDS["goal"])
    await admin.send("Поддержать молодых педагогов")
    assert ta.EDIT_MORE in admin.last_text()
    await admin.press(ta.EDIT_FIELDS["speakers"])  # straight from the list, no «Изменить»
    await admin.send("Сидорова А. А., школа № 5")
    await admin.press(ta.EDIT_FIELDS["series_id"])
    await admin.press("Марафон «Цифровая школа»")
    (event,) = await rows(app, Event)
    assert event.goal == "Поддержать молодых педагогов"
    assert event.speakers == "Сидорова А. А., школа № 5" and event.series_id is not None
    await admin.press(ta.BTN_EDIT_DONE)
    assert ta.BTN_REGISTRANTS in [b for b, _ in admin.messages()[-1].buttons]


def test_words_and_numbers() -> None:
    assert [agree(n, "получит", "получат") for n in (1, 2, 5, 11, 21, 111)] == [
        "получит",
        "получат",
        "получат",
        "получат",
        "получит",
        "получат",
    ]
    assert quoted("Школа «Успех»") == "«Школа „Успех“»"
    assert quoted('Проект "Лидер"') == "«Проект „Лидер“»"
    assert kind_and_title("Вебинар", "Вебинар по ФГОС") == "Вебинар по ФГОС"
    conference = "Муниципальная конференция «Качество образования»"
    assert kind_and_title("конференция", conference) == conference
    assert kind_and_title("Сетевой семинар", "Сетевой семинар «Х»") == "Сетевой семинар «Х»"
    assert kind_and_title("Конференция", "Молодые педагоги") == "Конференция «Молодые педагоги»"
    assert share(1, 3) == "1 (33 %)" and share(0, 0) == "0"
    assert file_stem("Итоги: «четверти» / 2 класс") == "Итоги_четверти_2_класс"
    assert file_stem("ГБОУ школа № 237") == "ГБОУ_школа_№_237"
    assert inside_quotes('Марафон «Цифровая школа» и "ФГОС"') == "Марафон „Цифровая школа“ и „ФГОС“"


async def test_a_title_with_quotes_is_never_nested_in_guillemets(app: RunningBot) -> None:
    """The texts' own «…» around a title that has quotes: the inner ones become „…“ — on the
    list, the registration, the cancel question and the answer, in the people's chat."""
    from bot.callbacks import EvCb
    from tests.factories import make_event

    async with app.sessions.begin() as s:
        await make_person(s, 3001)
        event = await make_event(s, title="Марафон «Цифровая школа»")
        event_id = event.id
    user = app.user(3001)
    await user.send(tc.MENU_EVENTS)
    await user.press_data(EvCb(action="card", event_id=event_id).pack())
    await user.press(te.BTN_REGISTER)
    await user.press(te.BTN_CANCEL)
    await user.press(te.BTN_CONFIRM_CANCEL)
    texts = [m.raw_text or "" for m in user.messages()]
    said = "\n".join(texts)
    assert "«Марафон „Цифровая школа“»" in said
    assert "Вы записаны на «Марафон „Цифровая школа“»" in said
    for text in texts:  # no «…«…»…» anywhere
        depth = 0
        for ch in text:
            depth += ch == "«"
            assert depth <= 1, text
            depth -= ch == "»"
