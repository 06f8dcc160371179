"""Questionnaires: the engine's questions and buttons, diagnostics results, form file errors."""

# --- the schema of form files (errors name the file and the place) ---
PLACE_QUESTION = "вопрос «{id}»"
PLACE_QUESTION_N = "вопрос № {n}"
PLACE_SECTION = "раздел {n}"
PLACE_AREA = "область «{code}»"
PLACE_FIELD = "поле {field}"
PLACE_FORM = "анкета"
PLACE_LINE_COLUMN = "строка {line}, позиция {column}"
PLACE_SYNTAX = "синтаксис"
SCHEMA_BAD_YAML = (
    "ошибка в записи YAML — проверьте отступы, двоеточия, кавычки и скобки в этом месте "
    "или строкой выше"
)
SCHEMA_NOT_MAPPING = "ожидается описание анкеты (поля code, title, sections…)"
SCHEMA_CONDITION_ONE_TEST = "в условии show_if укажите ровно одно из equals или any_of"
SCHEMA_NEED_OPTIONS = "у вопроса с выбором должно быть не меньше двух вариантов (options)"
SCHEMA_DUPLICATE_OPTIONS = "значения вариантов (value) повторяются"
SCHEMA_TOO_MANY_OPTIONS = "не больше 12 вариантов в одном вопросе"
SCHEMA_OPTIONS_NOT_ALLOWED = "варианты (options) бывают только у вопросов single и multi"
SCHEMA_SCALE_LABELS = "у шкалы подписи (scale_labels) нужны для всех пяти баллов или ни для одного"
SCHEMA_NUMBER_RANGE = "у числового вопроса задайте min и max (min не больше max)"
SCHEMA_AREA_KIND = "в область (area) засчитываются только вопросы scale и single"
SCHEMA_OPTION_SCORES = "у вопроса, засчитываемого в область, каждому варианту нужен балл (score)"
SCHEMA_PROFILE_ROLE = (
    "вопрос from_profile: role должен быть single, и хотя бы у одного варианта нужен profile "
    "(роль, которую он означает: head, deputy, teacher, management_reserve…)"
)
SCHEMA_PROFILE_TEXT = "вопрос from_profile: organisation или position должен быть text"
SCHEMA_PROFILE_OPTION = "поле profile у вариантов имеет смысл только при from_profile: role"
SCHEMA_PROFILE_CONDITION = "вопрос из профиля (from_profile) не может зависеть от другого (show_if)"
SCHEMA_UNKNOWN_TOPICS = "неизвестные темы: {topics} (см. bot/topics.py)"
SCHEMA_UNKNOWN_AUDIENCE = (
    "неизвестная аудитория: {values} "
    "(допустимо: teacher, head, deputy, methodologist, admin, management_reserve)"
)
SCHEMA_DUPLICATE_ID = "такой id уже есть у другого вопроса анкеты"
SCHEMA_DUPLICATE_AREAS = "коды областей (areas) повторяются"
SCHEMA_UNKNOWN_AREA = "область «{area}» не описана в areas"
SCHEMA_CONDITION_EARLIER = "условие show_if ссылается на «{question}», а это не более ранний вопрос"
SCHEMA_CONDITION_VALUE = "в условии show_if указан вариант, которого нет у вопроса «{question}»"
SCHEMA_NO_AREAS = "у диагностической анкеты должны быть области (areas)"
SCHEMA_EMPTY_AREA = "в область «{area}» не засчитывается ни один вопрос"
SCHEMA_ERROR_TYPES = {
    "missing": "обязательное поле не заполнено",
    "extra_forbidden": "неизвестное поле",
    "string_pattern_mismatch": "допустимы строчные латинские буквы, цифры и _ (до 24 знаков)",
    "literal_error": (
        "недопустимое значение (kind: single, multi, scale, text, number; "
        "purpose: diagnostic, feedback, survey; from_profile: role, organisation, position)"
    ),
    "too_short": "список пуст или слишком короткий",
    "string_too_short": "пустой текст",
    "string_too_long": "слишком длинный текст",
    "string_type": "ожидается текст",
    "list_type": "ожидается список",
    "bool_type": "ожидается true или false",
    "float_parsing": "ожидается число",
    "int_parsing": "ожидается целое число",
    "greater_than_equal": "значение слишком маленькое",
    "less_than_equal": "значение слишком большое",
    "model_type": "ожидается набор полей",
}
DUPLICATE_CODE = "код анкеты уже использован в файле {other}"
UPLOAD_NOT_YAML = "ожидается файл анкеты с расширением .yaml"
UPLOAD_TOO_BIG = "файл больше {limit} КБ"
UPLOAD_NOT_UTF8 = "файл не в кодировке UTF-8"
CLI_FORMS_LOADED = "Анкеты загружены: {details}."
CLI_FORM_NEW = "{code} — новая версия {version}"
CLI_FORM_SAME = "{code} — без изменений (версия {version})"
FORMS_ERROR = "Ошибка в файле анкеты {error}"

# --- the engine ---
PROGRESS = "Раздел {section} из {sections} · вопрос {question} из {questions}{follow_up}"
FOLLOW_UP = " (уточнение)"
REQUIRED_MARK = ""
OPTIONAL_MARK = "<i>(необязательный вопрос)</i>"
HINT_SCALE = "Оцените от 1 до 5."
HINT_MULTI = "Отметьте все подходящие варианты и нажмите «Готово»."
HINT_TEXT = "Напишите ответ сообщением (до {limit})."
HINT_NUMBER = "Напишите число от {min} до {max}."
CURRENT_ANSWER = "Сейчас ответ: <i>{value}</i>"
DONE = "✔️ Готово"
SKIP = "Пропустить"
SUBMIT = "📨 Отправить"
EDIT_ANSWER = "✏️ Изменить ответ"
EDIT_WHICH = "Какой ответ изменить?"
CHECKED = "✅ "
SKIPPED = "пропущено"
FROM_PROFILE = (
    "{fields} мы взяли из профиля: {values}. Если что-то изменилось, исправьте это в /profile "
    "и начните анкету заново."
)
#: What a `from_profile` question takes, in the accusative («мы взяли …»).
FROM_PROFILE_FIELDS = {"role": "должность", "position": "должность", "organisation": "организацию"}
SUMMARY_FROM_PROFILE = "Из профиля: <i>{values}</i>\n"
SUMMARY_TITLE = "<b>{title}</b>\nПроверьте ответы перед отправкой:\n"
SUMMARY_LINE = "{n}. {question}\n   → <i>{value}</i>"
SUMMARY_TAIL = "\nЕсли всё верно, нажмите «Отправить». Изменить ответ можно кнопкой ниже."
SUMMARY_TRUNCATED = "\n… и ещё {count}"
STALE_QUESTION = "Эта кнопка относится к другому вопросу или анкете. Ответьте на текущий вопрос."
USE_BUTTONS = "Пожалуйста, ответьте кнопкой под вопросом."
TEXT_EMPTY = "Ответ пустой. Напишите, пожалуйста, текст."
TEXT_TOO_LONG = (
    "Ответ слишком длинный: {length} при допустимых {limit}. Сократите, пожалуйста, "
    "и отправьте ещё раз."
)
TEXT_EXPECTED = "Напишите, пожалуйста, ответ текстом в сообщении."
NUMBER_EXPECTED = "Напишите, пожалуйста, число цифрами в сообщении."
SUMMARY_USE_BUTTONS = (
    "Ответы собраны. Нажмите «Отправить» под сводкой или «Изменить ответ», если нужно что-то "
    "поправить."
)
ALREADY_SUBMITTED = "Эта анкета уже отправлена, ответы сохранены. Спасибо!"
NUMBER_BAD = "Нужно число, например: 12. Напишите его цифрами."
NUMBER_NOT_INTEGER = "Нужно целое число, без дробной части."
NUMBER_RANGE = "Число должно быть от {min} до {max}. Проверьте и отправьте ещё раз."
CHOOSE_AT_LEAST_ONE = "Отметьте хотя бы один вариант, затем нажмите «Готово»."
REQUIRED = "На этот вопрос нужно ответить."
MISSING_ANSWERS = "Не на все обязательные вопросы есть ответы — вернёмся к первому пропущенному."
FORM_UNAVAILABLE = "Эта анкета сейчас недоступна. Попробуйте позже или напишите методисту."
FIRST_QUESTION = "Это первый вопрос анкеты."
RESUME_ASK = (
    "У вас есть незавершённая анкета «{title}»: отвечено {answered} из {total}. "
    "Продолжим с того же места?"
)
RESUME = "▶️ Продолжить"
RESTART = "🔄 Начать заново"
RESTART_CONFIRM = (
    "Начать анкету заново? Уже данные ответы останутся в архиве, но заполнять придётся с начала."
)
RESTART_YES = "Да, начать заново"
SUBMITTED_THANKS = "Спасибо! Ответы отправлены."
CONTINUE_HINT = "Продолжаем анкету."
NOTHING_IN_PROGRESS = "Незавершённой анкеты нет."

# --- diagnostics ---
DIAG_MENU = (
    "<b>Диагностика профессиональных дефицитов</b>\n"
    "Диагностика — начало индивидуального маршрута: по её итогам я подберу мероприятия "
    "по темам, где вам нужна поддержка, а методист сможет оказать адресную помощь."
)
DIAG_NO_FORM = "Для вашей роли диагностическая анкета пока не подготовлена."
DIAG_START = "📝 {title}"
DIAG_CONTINUE = "▶️ Продолжить: {title}"
DIAG_AGAIN = "🔁 Пройти заново: {title}"
CHART_FILE = "результаты_диагностики.png"
DIAG_LAST = "«{title}»: последний раз заполнена {date}."
DIAG_ROUTE = "🗺 Мой маршрут"
DIAG_RESULT = "📊 Результаты диагностики"
DIAG_CONSULT = "💬 Консультация методиста"
INTRO_START = "▶️ Начать"
RESULT_TITLE = "<b>Результаты диагностики</b>\n{form}\n"
RESULT_AREA = "{mark} {title}: <b>{score}</b>"
RESULT_AREA_SKIPPED = "▫️ {title}: нет ответов"
RESULT_DEFICITS = "\n<b>Дефициты</b> (ниже порога):\n{areas}"
RESULT_NO_DEFICITS = (
    "\nВыраженных дефицитов не выявлено — отличный результат! Маршрут можно дополнить "
    "по вашему запросу на консультации методиста."
)
RESULT_NO_RESULT = "Вы ещё не проходили диагностику. Начните её в разделе «Диагностика»."
CHART_TITLE = "Результаты по областям (порог отмечен чертой)"
CHART_AXIS = "Средний балл самооценки (1–5)"
CHART_CAPTION = "Результаты диагностики: оранжевые области — ниже порога."
PROFILE_DEFICITS_LINE = "Дефициты по диагностике: {areas}"
PROFILE_NO_DIAGNOSTIC = "Диагностику ещё не проходил(а)."
NO_DEFICITS_SHORT = "не выявлены"
