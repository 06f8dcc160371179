"""Methodologists' series of events, the archive of past events with attendance corrections,
and materials sent after an event."""

SECTION_SERIES = "🔗 Циклы мероприятий"
SECTION_ARCHIVE = "🗄 Прошедшие мероприятия"

# Series: the list and the view
LIST_TITLE = "<b>Циклы мероприятий</b>\nСетевые семинары, марафоны вебинаров и другие циклы встреч."
LIST_EMPTY = "<b>Циклы мероприятий</b>\nЦиклов пока нет. Создайте первый."
LIST_ITEM = "{title} · {meetings}"
MEETINGS = ("встреча", "встречи", "встреч")
BTN_NEW = "➕ Новый цикл"
BTN_TO_LIST = "« К циклам"
BTN_TO_SERIES = "« К циклу"
VIEW = "<b>Цикл {title}</b>\n🎯 Цель: {goal}\n👥 Организаторы: {organisers}"
VIEW_MATERIALS = "📚 Материалы цикла: {link}"
VIEW_MEETINGS = "\n<b>Встречи</b> ({count}):"
VIEW_NO_MEETINGS = "\nВстреч пока нет: добавьте первую кнопкой «Добавить встречу»."
VIEW_MEETING = "{n}. {date} — {title} · {status}: записано {registered}, присутствовали {attended}"
VIEW_MEETING_UPCOMING = "{n}. {date} — {title} · {status}: записано {registered}"
VIEW_TOTALS = (
    "\n<b>Итого</b>: участников (хотя бы одна запись) — {people}, "
    "посетили хотя бы одну встречу — {attendees}.\n"
    "Прошло встреч: {held} из {total}. Посетили не менее {n} из {held}: {at_least}."
)
VIEW_TOTALS_NONE_HELD = (
    "\n<b>Итого</b>: участников (хотя бы одна запись) — {people}. Встречи ещё не проходили."
)
NOT_SET = "—"
BTN_EDIT_TITLE = "✏️ Название"
BTN_EDIT_GOAL = "✏️ Цель"
BTN_EDIT_ORGANISERS = "✏️ Организаторы"
BTN_ADD_MEETING = "➕ Добавить встречу"
BTN_COPY = "📄 Копировать встречу еженедельно"
BTN_THRESHOLD = "Посетили не менее: {n}"
BTN_MATERIALS = "📚 Материалы цикла"
BTN_EXPORT = "📊 Выгрузить XLSX"
BTN_EXPORT_CSV = "📊 Выгрузить CSV"
BTN_MEETING = "{n}. {date}"
NOT_FOUND = "Цикл не найден: возможно, его удалили. Откройте список циклов заново."

# Creating and editing
ASK_TITLE = (
    "Новый цикл. Напишите его название, например: <i>Сетевой семинар «Формирующее оценивание»</i>."
)
ASK_GOAL = "Напишите цель цикла (её берут в годовой отчёт) или нажмите «Пропустить»."
ASK_ORGANISERS = (
    "Кто организаторы? ФИО и место работы через запятую, например: "
    "<i>Смирнова О. В., ИМЦ; Петров И. И., ГБОУ школа № 237</i>. Или нажмите «Пропустить»."
)
ASK_EDIT = {
    "title": "Напишите новое название цикла.",
    "goal": "Напишите новую цель цикла.",
    "organisers": "Напишите организаторов цикла (ФИО и место работы).",
}
BTN_SKIP = "Пропустить"
BAD_TEXT = "Пожалуйста, напишите текст (не длиннее {limit} символов)."
CREATED = "Цикл создан. Добавьте встречи: по одной или копией встречи на следующие недели."
SAVED = "Сохранено."
ASK_COPY_SOURCE = "Какую встречу скопировать? Копии встанут через неделю после последней встречи."
ASK_COPY_COUNT = (
    "Сколько ещё встреч добавить (каждая — через неделю после предыдущей)? "
    "Копии будут черновиками: проверьте их и опубликуйте."
)
COPIED = "Новые встречи добавлены черновиками ({meetings}): {dates}. Проверьте и опубликуйте их."
BAD_COPIES = "Можно добавить от 1 до {limit} встреч за раз."
NO_MEETING_TO_COPY = "В цикле ещё нет встреч: сначала добавьте одну."
ADD_MEETING_HINT = "Новая встреча цикла {title}."

EXPORT_HEADERS = ["№", "ФИО", "Организация", "Должность"]
EXPORT_ATTENDED = "Посетил(а) встреч"
EXPORT_REGISTERED = "Записан(а) на встреч"
EXPORT_TITLE = "Цикл"
MARK_ATTENDED = "+"
MARK_REGISTERED = "−"
ANONYMOUS = "(данные удалены)"

# The archive
ARCHIVE_TITLE = "<b>Прошедшие и отменённые мероприятия</b> · {period}"
ARCHIVE_EMPTY = "За этот период мероприятий не было."
ARCHIVE_ITEM = "{date} · {title} · {counts}"
ARCHIVE_COUNTS = "{attended}/{registered}"
ARCHIVE_CANCELLED = "отменено"
ARCHIVE_HINT = (
    "Рядом с названием — присутствовали/записано. Откройте мероприятие, чтобы поправить "
    "отметки, добавить материалы или выгрузить участников."
)
SCHOOL_YEAR = "{start}/{end} учебный год"
BTN_PERIOD = "🗓 Выбрать период"
PICK_PERIOD = "За какой период показать мероприятия?"
BTN_ARCHIVE = "🗄 Прошедшие"

# Attendance corrections
CORRECT_CONFIRM = (
    "Мероприятие {title} уже прошло. Изменить отметку?\n"
    "<b>{name}</b>: {old} → {new}\n"
    "Изменение будет записано в журнал."
)
BTN_CORRECT_YES = "Да, изменить"
BTN_CORRECT_NO = "Нет, оставить"
CORRECTED = "Отметка изменена: {name} — {new}."
MARK_STALE = (
    "Этот список устарел: отметка уже изменилась. Я открыл список заново — проверьте и "
    "нажмите ещё раз."
)
STATE_ATTENDED = "присутствовал(а)"
STATE_ABSENT = "не присутствовал(а)"

# Materials after the event
BTN_EVENT_MATERIALS = "📚 Материалы и запись"
ASK_MATERIALS = (
    "Пришлите ссылку на материалы {title} (презентации, методические разработки; "
    "начинается с https://). Сейчас: {current}."
)
ASK_RECORDING = "Пришлите ссылку на запись (видео) или нажмите «Без записи». Сейчас: {current}."
ASK_SERIES_MATERIALS = "Пришлите ссылку на материалы цикла {title} (начинается с https://)."
BTN_KEEP = "Оставить как есть"
BTN_NO_RECORDING = "Без записи"
MATERIALS_CONFIRM = (
    "Материалы: {materials}\nЗапись: {recording}\n\n"
    "Сообщение с ними {get} {people} — записавшиеся на {what}. "
    "Оно придёт не в «тихие часы»."
)
MATERIALS_NOBODY = (
    "Материалы: {materials}\nЗапись: {recording}\n\nЗаписавшихся нет — сообщать некому."
)
BTN_SAVE_SEND = "📨 Сохранить и разослать"
BTN_SAVE_ONLY = "💾 Сохранить без рассылки"
MATERIALS_SAVED = "Материалы сохранены."
MATERIALS_SENT = "Материалы сохранены. Сообщение {get} {people}."
WHAT_EVENT = "мероприятие"
WHAT_SERIES = "встречи цикла"
GET = ("получит", "получат")
PEOPLE = ("участник", "участника", "участников")
MATERIALS_NOTICE = "📚 Материалы {what} {title}:\n{lines}\nСпасибо, что были с нами!"
NOTICE_WHAT_EVENT = "мероприятия"
NOTICE_WHAT_SERIES = "цикла"
NOTICE_MATERIALS = "• Материалы: {link}"
NOTICE_RECORDING = "• Запись: {link}"
NOTICE_BUTTON = "Открыть мероприятие"
FEEDBACK_MATERIALS = "📚 Материалы: {link}"
FEEDBACK_RECORDING = "🎬 Запись: {link}"
MATERIALS_DRAFT = "Черновику материалы добавляются в карточке при изменении."
