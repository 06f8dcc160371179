"""Methodologists' event management: the creation dialog, editing, cancelling, registrants."""

from models import EventStatus, RegistrationStatus

SECTION_EVENTS = "📅 Мероприятия"
SECTION_IMPORT = "📥 Загрузить календарь"

STATUS_LABELS: dict[EventStatus, str] = {
    EventStatus.DRAFT: "черновик",
    EventStatus.PUBLISHED: "опубликовано",
    EventStatus.CANCELLED: "отменено",
    EventStatus.FINISHED: "завершено",
}
REG_STATUS_LABELS: dict[RegistrationStatus, str] = {
    RegistrationStatus.REGISTERED: "записан(а)",
    RegistrationStatus.WAITLISTED: "лист ожидания",
    RegistrationStatus.CANCELLED: "отменил(а) запись",
    RegistrationStatus.ATTENDED: "присутствовал(а)",
    RegistrationStatus.NO_SHOW: "не пришёл(ла)",
}

LIST_TITLE = "<b>Мероприятия</b> (предстоящие и черновики)"
LIST_EMPTY = "Предстоящих мероприятий и черновиков нет."
LIST_ITEM = "{date} · {title} · {status}"
BTN_CREATE = "➕ Создать мероприятие"
BTN_IMPORT = "📥 Загрузить календарь"
BTN_PUBLISH = "📢 Опубликовать"
BTN_EDIT = "✏️ Изменить"
BTN_REGISTRANTS = "👥 Участники"
BTN_EXPORT = "📊 Выгрузить XLSX"
BTN_EXPORT_CSV = "📊 Выгрузить CSV"
BTN_DUPLICATE = "📄 Дублировать"
BTN_CANCEL_EVENT = "❌ Отменить мероприятие"
BTN_TO_LIST = "« К мероприятиям"
BTN_TO_EVENT = "« К мероприятию"
BTN_SAVE_DRAFT = "💾 Сохранить черновик"
BTN_SKIP = "Пропустить"
BTN_UNLIMITED = "Без ограничения"
BTN_NO_DEADLINE = "До начала мероприятия"
BTN_DONE = "Готово ›"
BTN_EVERYONE = "Для всех"
BTN_CONFIRM_CANCEL = "Да, отменить и сообщить участникам"
BTN_KEEP = "Нет"
BTN_MARK = "✅ {name}"
BTN_UNMARK = "↩️ {name}"

ADMIN_CARD = (
    "<b>{heading}</b>\n"
    "Статус: {status}\n"
    "🗓 {when}\n"
    "📍 {place}\n"
    "🔗 Ссылка: {link}\n"
    "🪑 {seats}\n"
    "⏳ Запись до: {deadline}\n"
    "👥 Аудитория: {audience}\n"
    "🏷 Темы: {topics}\n"
    "⏰ Напоминания: {reminders}\n"
    "{extra}"
    "🔑 Код для отметки присутствия: <code>{code}</code>\n"
    "Записано: {registered}, в листе ожидания: {waiting}, присутствовали: {attended}"
)
NOT_SET = "—"
EVERYONE = "все"
CAPACITY_UNLIMITED = "без ограничения"
CAPACITY = "мест: {capacity}"
DEADLINE_NONE = "до начала"
CARD_SERIES = "🔗 Цикл: {title}\n"
CARD_GOAL = "🎯 Цель: {goal}\n"
CARD_ORGANISERS = "👥 Организаторы: {organisers}\n"
CARD_SPEAKERS = "🎤 Эксперты и спикеры: {speakers}\n"
CARD_MATERIALS = "📚 Материалы: {link}\n"
CARD_RECORDING = "🎬 Запись: {link}\n"

# The creation dialog
ASK_KIND = "Новое мероприятие. Шаг 1: выберите вид мероприятия."
ASK_TITLE = "Напишите название мероприятия."
ASK_DESCRIPTION = "Коротко опишите мероприятие: о чём оно и кому будет полезно."
ASK_FORMAT = "В каком формате пройдёт мероприятие?"
ASK_PLACE = "Где пройдёт мероприятие? Напишите адрес или название площадки."
ASK_LINK = "Пришлите ссылку для подключения (начинается с https://)."
ASK_START = "Когда начало? Напишите дату и время, например: <code>{example}</code> (время местное)."
ASK_END = (
    "Когда окончание? Напишите дату и время, например <code>{example}</code>, "
    "или только время, например <code>16:30</code>."
)
ASK_CAPACITY = "Сколько мест? Напишите число или нажмите «Без ограничения»."
ASK_REMINDERS = (
    "За сколько до начала напомнить участникам? Напишите через запятую, например "
    "<code>48h, 2h</code> или <code>90m</code> (h — часы, m — минуты, d — дни); "
    "«нет» — без напоминаний. Сейчас по умолчанию: {default}."
)
BTN_DEFAULT_REMINDERS = "Как обычно"
BAD_REMINDERS = (
    "Не понял. Напишите до пяти промежутков через запятую, от 1 минуты до 30 дней, "
    "например <code>24h, 1h</code>, или «нет»."
)
REMINDERS_NONE = "не отправляются"
REMINDERS_DEFAULT = "{offsets} (как обычно)"
ASK_DEADLINE = (
    "До какого момента открыта запись? Напишите дату и время, например <code>{example}</code>, "
    "или нажмите «До начала мероприятия»."
)
ASK_AUDIENCE = "Для кого мероприятие? Отметьте категории и нажмите «Готово»."
ASK_TOPICS = "Отметьте темы мероприятия (по ним подбираются мероприятия по итогам диагностики)."
ASK_GOAL = "Напишите цель мероприятия (её берут в годовой отчёт) или нажмите «Пропустить»."
ASK_ORGANISERS = (
    "Кто организаторы? ФИО и место работы, например: "
    "<i>Смирнова О. В., ИМЦ; Петров И. И., ГБОУ школа № 237</i>. Или нажмите «Пропустить»."
)
ASK_SPEAKERS = "Кто приглашённые эксперты и спикеры? ФИО и место работы, или нажмите «Пропустить»."
ASK_SERIES = (
    "Это встреча цикла (сетевого семинара, марафона)? Выберите цикл или нажмите «Не из цикла». "
    "Новый цикл создаётся в разделе «Циклы мероприятий»."
)
BTN_NO_SERIES = "Не из цикла"
ASK_MATERIALS = (
    "Пришлите ссылку на материалы мероприятия (начинается с https://) или нажмите «Пропустить». "
    "Материалы можно добавить и после мероприятия."
)
PREVIEW_OUTDATED = (
    "Эта кнопка устарела: мероприятие уже сохранено или изменено после этого просмотра. "
    "Откройте последний просмотр или раздел «Мероприятия»."
)
BTN_TO_PREVIEW = "« К проверке"
BTN_EDIT_DONE = "Готово"
EDIT_MORE = "Что ещё изменить?"
PREVIEW = "<b>Проверьте мероприятие перед публикацией</b>\n\n{card}"
CREATED_DRAFT = "Черновик сохранён. Опубликовать его можно из карточки мероприятия."
PUBLISHED = (
    "Мероприятие опубликовано, запись открыта. Код для отметки присутствия: <code>{code}</code>"
)
ALREADY_PUBLISHED = "Мероприятие уже опубликовано."

# Validation
BAD_DATETIME = "Не понял дату и время. Напишите так: <code>{example}</code>."
BAD_TIME = "Не понял время. Напишите дату и время (<code>{example}</code>) или время (16:30)."
IN_PAST = "Этот момент уже в прошлом. Укажите дату и время в будущем."
END_BEFORE_START = "Окончание должно быть позже начала ({start})."
DEADLINE_AFTER_START = "Запись должна закончиться не позже начала мероприятия ({start})."
BAD_CAPACITY = "Количество мест — целое число от 1 до {limit}."
CAPACITY_BELOW_TAKEN = "Уже записано участников: {taken}, поэтому мест не может быть меньше."
BAD_LINK = "Ссылка должна начинаться с http:// или https://."
TEXT_REQUIRED = "Пожалуйста, напишите текст (не длиннее {limit} символов)."
CANNOT_EDIT = "Это мероприятие отменено или завершено, его нельзя изменить."
PUBLISH_IN_PAST = "Мероприятие уже началось или прошло: измените дату, прежде чем публиковать."

# Editing
EDIT_PICK = "Что изменить?"
EDIT_FIELDS = {
    "kind": "Вид",
    "title": "Название",
    "description": "Описание",
    "goal": "Цель",
    "organisers": "Организаторы",
    "speakers": "Эксперты и спикеры",
    "series_id": "Цикл",
    "format": "Формат",
    "place": "Место",
    "join_link": "Ссылка для подключения",
    "materials_link": "Материалы",
    "starts_at": "Начало",
    "ends_at": "Окончание",
    "capacity": "Количество мест",
    "registration_deadline": "Запись до",
    "audience": "Аудитория",
    "topics": "Темы",
    "reminder_offsets": "Напоминания",
}
SAVED = "Сохранено."
SAVED_NOTIFIED = "Сохранено. Участникам ({count}) отправлено сообщение об изменениях."

# Cancelling
ASK_CANCEL_REASON = "Напишите причину отмены: её увидят записавшиеся участники."
CANCEL_CONFIRM = "Отменить «{title}»? Сообщение об отмене {get} {people}. Напоминания будут сняты."
CANCEL_DONE = "Мероприятие отменено. Сообщение {get} {people}."
PARTICIPANTS = ("участник", "участника", "участников")
GET = ("получит", "получат")
ALREADY_CANCELLED = "Мероприятие уже отменено."

DUPLICATED = "Создана копия (черновик). Измените дату и опубликуйте её."

# Registrants
REGISTRANTS = (
    "<b>Участники «{title}»</b>\n"
    "Записано: {registered}, присутствовали: {attended}, в листе ожидания: {waiting}, "
    "отменили запись: {cancelled}{capacity}\n\n{lines}"
)
REGISTRANTS_CAPACITY = " (мест: {capacity})"
REGISTRANTS_NONE = "Пока никто не записался."
REGISTRANT_LINE = "{n}. {name} — {org} — {status}"
REGISTRANTS_MORE = "…и ещё {count}: полный список — в выгрузке XLSX."
PROMOTIONS = "\n\n<b>Из листа ожидания перешли:</b>\n{lines}"
PROMOTION_LINE = "• {name} — {at}"
MARK_HINT = "\n\nНажмите на участника, чтобы отметить присутствие (или снять отметку)."
ANONYMOUS = "(данные удалены)"
MARKED = "Отмечено: {name} присутствовал(а)."
UNMARKED = "Отметка о присутствии снята: {name}."

EXPORT_HEADERS = [
    "№",
    "ФИО",
    "Организация",
    "Должность",
    "Роль",
    "Статус",
    "Место в листе ожидания",
    "Дата записи",
    "Отметка о присутствии",
]
EXPORT_FILENAME = "участники_{stem}"
EXPORT_TITLE = "Участники"

# Import
IMPORT_ASK_FILE = (
    "Пришлите календарь мероприятий файлом XLSX или CSV. Обязательные столбцы: «Название», "
    "«Вид», «Начало», «Окончание», «Формат». Шаблон с примерами — ниже. "
    "Чтобы выйти, нажмите /cancel."
)
IMPORT_TEMPLATE_NAME = "шаблон_календаря_мероприятий.xlsx"
IMPORT_REFUSED = (
    "Файл не принят, ничего не загружено. Исправьте ошибки и пришлите файл снова:\n{errors}"
)
IMPORT_PREVIEW = (
    "Файл проверен: мероприятий — {total} (новых: {added}, обновится: {updated}), "
    "циклов: {series}. Загрузить?"
)
IMPORT_CONFIRM = "✅ Загрузить"
IMPORT_DONE = "Готово: добавлено мероприятий {added}, обновлено {updated}."
IMPORT_WAITING_FILE = "Жду файл XLSX или CSV. Чтобы выйти, нажмите /cancel."
CLI_IMPORT_DONE = "Импорт календаря завершён: добавлено {added}, обновлено {updated}."
CLI_IMPORT_REFUSED = "Файл не принят, ничего не загружено:"
HELP_IMPORT_EVENTS = "загрузить календарь мероприятий из файла XLSX или CSV"

# Import validation (cells)
UNKNOWN_KIND = "неизвестный вид «{value}»; допустимы: {allowed}"
UNKNOWN_FORMAT = "неизвестный формат «{value}»; допустимы: онлайн, очно, смешанный"
UNKNOWN_STATUS = "неизвестный статус «{value}»; допустимы: опубликовано, черновик"
UNKNOWN_ROLE = "неизвестная категория «{value}»; допустимы: {allowed}"
UNKNOWN_TOPIC = "неизвестная тема «{value}»"
CELL_BAD_DATETIME = "не дата и время: «{value}» (ожидается вида 05.12.2026 15:00)"
CELL_IN_PAST = "дата уже прошла"
CELL_END_BEFORE_START = "окончание не позже начала"
CELL_DEADLINE_AFTER_START = "запись заканчивается позже начала"
CELL_BAD_CAPACITY = "ожидается целое число мест больше нуля или пусто"
CELL_BAD_LINK = "ссылка должна начинаться с http:// или https://"
CELL_DUPLICATE = "то же мероприятие уже есть в строке {row}"

#: Audience values beyond roles, as shown and as typed in the import file.
EXTRA_AUDIENCE_LABELS = {
    "young_specialist": "Молодые специалисты",
    "management_reserve": "Резерв управленческих кадров",
}
