"""The methodologists' forms section: coverage, averages, answers, export, new versions."""

SECTION_FORMS = "🧭 Анкеты и диагностика"
SECTION_CONSULTATIONS = "💬 Запросы на консультацию"
LIST_TITLE = "<b>Анкеты</b>\nВыберите анкету или загрузите новую версию файла."
LIST_EMPTY = "Анкет пока нет."
LIST_ITEM = "{title} (в. {version})"
UPLOAD = "⬆️ Загрузить файл анкеты"
CARD = (
    "<b>{title}</b>\nКод: <code>{code}</code> · версия {version} · {purpose}\n"
    "Вопросов: {questions}, разделов: {sections}\n"
    "Отправлено ответов: {submitted}, заполняются сейчас: {in_progress}"
)
PURPOSE = {"diagnostic": "диагностика", "feedback": "обратная связь", "survey": "опрос"}
COVERAGE = "👥 Кто заполнил"
AVERAGES = "📊 Средние по областям"
ANSWERS = "🔎 Ответы педагога"
EXPORT = "📥 Выгрузить XLSX"
EXPORT_CSV = "📥 Выгрузить CSV"
DOWNLOAD_SOURCE = "📄 Файл текущей версии"
COVERAGE_TITLE = "<b>{title}</b>: кто заполнил, по организациям\n"
COVERAGE_LINE = "<b>{org}</b>: заполнили {submitted} из {total}{in_progress}"
COVERAGE_IN_PROGRESS = ", заполняют {count}"
COVERAGE_MISSING = "   не заполнили: {names}"
COVERAGE_TOTAL = "\nВсего: заполнили {submitted} из {total}."
COVERAGE_EMPTY = "Среди зарегистрированных пока нет тех, кому адресована анкета."
COVERAGE_TRUNCATED = "\n… список сокращён, полный — в выгрузке XLSX."
NO_ORGANISATION = "Организация не указана"
AVERAGES_TITLE = "<b>{title}</b>: средние баллы по муниципалитету\n(по последней анкете каждого)\n"
AVERAGES_LINE = "{mark} {area}: <b>{average}</b> · ответов {count}, дефицит у {below}"
AVERAGES_EMPTY = "Пока никто не отправил эту анкету."
AVERAGES_NOT_DIAGNOSTIC = "У этой анкеты нет областей для подсчёта."
ASK_PERSON = "Напишите id пользователя в Telegram или часть ФИО (не меньше трёх букв)."
PERSON_NOT_FOUND = "Никого не нашёл. Попробуйте иначе или /cancel."
PERSON_CHOOSE = "Нашлось несколько человек — выберите:"
PERSON_NO_ANSWERS = "{name} ещё не заполнял(а) эту анкету."
PERSON_ANSWERS = "<b>{name}</b> · {form}\nСтатус: {status}, версия {version}\n"
PERSON_ANSWER_LINE = "• {question}\n  → <i>{value}</i>"
STATUS = {"in_progress": "заполняется", "submitted": "отправлена", "abandoned": "прервана"}
EXPORT_HEADERS = (
    "ФИО",
    "Организация",
    "Роль",
    "Должность",
    "Статус",
    "Версия анкеты",
    "Начата",
    "Отправлена",
)
EXPORT_SCORE = "балл"
EXPORT_NAME = "ответы_{stem}"
ANONYMOUS = "(данные удалены)"
UPLOAD_ASK = (
    "Пришлите файл анкеты в формате YAML (.yaml). Образец — текущая версия, её можно скачать "
    "кнопкой в карточке анкеты. Я проверю файл и покажу, что изменится, прежде чем включить его."
)
UPLOAD_WAITING = "Жду файл анкеты .yaml документом или /cancel."
UPLOAD_REFUSED = "Файл не принят.\n{error}"
UPLOAD_SAME = "Этот файл совпадает с версией {version} анкеты «{title}» — ничего не изменилось."
UPLOAD_PREVIEW = (
    "<b>Проверка пройдена</b>\n«{title}» (<code>{code}</code>)\n"
    "Станет версией {version}{new}. Разделов: {sections}, вопросов: {questions}, "
    "областей: {areas}.\n\n{outline}\n\n"
    "Начатые анкеты дозаполнятся по своей версии; новые начнутся с этой."
)
UPLOAD_NEW_FORM = " (новая анкета)"
UPLOAD_ACTIVATE = "✅ Включить эту версию"
UPLOAD_DONE = "Версия {version} анкеты «{title}» включена."
UPLOAD_OUTLINE_LINE = "{n}. {title} — {count}"
