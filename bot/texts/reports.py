"""Reports and exports: periods, the concept's indicators, the annual report, the export menu."""

from bot.texts.format import plural, quantity

SECTION = "📊 Отчёты и выгрузки"

# Periods
PERIOD_YEAR = "{first}/{second} учебный год"
PERIOD_RANGE = "с {first} по {last}"
PERIOD_END_BEFORE_START = "Дата окончания периода раньше даты начала. Проверьте даты."
PERIOD_BAD_MONTH = "Такого месяца нет. Напишите месяц как 2026-03."
PERIOD_BAD_YEAR = "Учебный год пишется двумя соседними годами, например 2025-2026."
PERIOD_BAD_DATE = "Не понимаю дату «{value}». Пишите даты как 01.09.2025 или 2025-09-01."
PERIOD_TOO_LONG = "Период слишком длинный: не больше пяти лет."
PERIOD_UNKNOWN = (
    "Не понимаю период. Напишите учебный год (2025-2026), месяц (2026-03) "
    "или две даты (01.01.2026–31.03.2026)."
)

# The chat
MENU = "<b>Отчёты и выгрузки</b>\nПериод: <b>{period}</b>\n\nЧто подготовить?"
CHOOSE_PERIOD = "Выберите период отчёта или напишите его сами:"
ASK_PERIOD = (
    "Напишите период: учебный год (2025-2026), месяц (2026-03) или две даты "
    "(01.01.2026–31.03.2026). Чтобы выйти, нажмите /cancel."
)
PERIOD_CURRENT_YEAR = "Текущий учебный год"
PERIOD_PREVIOUS_YEAR = "Прошлый учебный год"
PERIOD_THIS_MONTH = "Этот месяц"
PERIOD_PREVIOUS_MONTH = "Прошлый месяц"
PERIOD_TYPE = "✏️ Другой период"
CHANGE_PERIOD = "📅 Сменить период"
INDICATORS = "📈 Показатели концепции"
INDICATORS_XLSX = "⬇️ Показатели (XLSX)"
ANNUAL = "📄 Аналитический отчёт (DOCX + XLSX)"
EXPORTS = "⬇️ Выгрузки таблиц"
TEMPLATE = "🧩 Шаблон отчёта"
BACK_TO_REPORTS = "‹ К отчётам"
STALE = "Эта кнопка устарела. Откройте «Отчёты и выгрузки» заново."
EXPORTS_TITLE = "<b>Выгрузки за период: {period}</b>\nВыберите таблицу и формат:"
PREPARING = "Готовлю файл…"
NO_DATA = "За период «{period}» нет данных: {what}."
EXPORT_CAPTION = "{title} — {period}: {rows}."
ANNUAL_CAPTION = "Аналитический отчёт — {period}."
ANNUAL_NO_DATA = "За период «{period}» нет данных: нет ни мероприятий, ни анкет, ни консультаций."


def rows(n: int) -> str:
    return quantity(n, "строка", "строки", "строк")


# Exports: kind → (title in the menu and the file, sheet title)
EXPORT_KINDS: dict[str, str] = {
    "people": "Участники",
    "organisations": "Организации",
    "events": "Мероприятия",
    "registrations": "Записи и посещаемость",
    "diagnostics": "Ответы диагностик",
    "routes": "Маршруты",
    "feedback": "Отзывы",
    "consultations": "Консультации",
}
EXPORT_FILE = {
    "people": "участники",
    "organisations": "организации",
    "events": "мероприятия",
    "registrations": "записи",
    "diagnostics": "диагностики",
    "routes": "маршруты",
    "feedback": "отзывы",
    "consultations": "консультации",
}
DELETED_PERSON = "данные удалены"

PEOPLE_HEADERS = (
    "№", "ФИО", "Роль", "Организация", "Должность", "Молодой специалист",
    "Резерв управленческих кадров", "Зарегистрирован(а)", "Активен в боте", "Данные удалены",
)  # fmt: skip
ORG_HEADERS = (
    "№", "Название", "Тип", "Муниципалитет", "Подтверждена", "Численность педагогов",
    "Зарегистрировано в боте", "Добавлена",
)  # fmt: skip
EVENT_HEADERS = (
    "№", "Форма", "Название", "Цикл", "Дата и время начала", "Окончание", "Формат", "Место",
    "Организаторы", "Цель", "Темы", "Статус", "Записалось", "Посетило", "Лист ожидания",
)  # fmt: skip
REGISTRATION_HEADERS = (
    "№", "Мероприятие", "Дата мероприятия", "ФИО", "Организация", "Роль", "Статус записи",
    "Записан(а)", "Отметка о посещении",
)  # fmt: skip
DIAGNOSTIC_HEADERS = (
    "№", "Анкета", "Версия", "ФИО", "Организация", "Роль", "Должность", "Статус",
    "Начата", "Отправлена",
)  # fmt: skip
ROUTE_HEADERS = (
    "№", "ФИО", "Организация", "Роль", "Построен", "Дефициты", "Темы", "Мероприятие",
    "Дата мероприятия", "Статус записи",
)  # fmt: skip
FEEDBACK_HEADERS = ("№", "Мероприятие", "Дата мероприятия", "Отправлен")
CONSULTATION_HEADERS = (
    "№", "Дата запроса", "ФИО", "Организация", "Роль", "Тема", "Вопрос", "Статус",
    "Взял(а) в работу", "Ответ", "Дата ответа",
)  # fmt: skip
SCORE = "балл"
ROLE_KIND_STAFF = "сотрудник методической службы"

__all__ = ["plural", "quantity"]

# The command line
HELP_EXPORT = (
    "выгрузить таблицу (people, organisations, events, registrations, diagnostics, routes, "
    "feedback, consultations), показатели (indicators) или аналитический отчёт (annual)"
)
HELP_PERIOD = "учебный год 2025-2026, месяц 2026-03 или даты 2026-01-01..2026-03-31"
CLI_BAD_PERIOD = "Период не принят: {error}"
CLI_BAD_FORMAT = "Формат {fmt} для «{kind}» не подходит: допустимы {allowed}."
CLI_EXPORTED = "Записано в {path}: {rows}."
CLI_WRITTEN = "Записано в {path}."
CLI_NO_DATA = "За период «{period}» нет данных; файл не создан."

# Indicators in the chat and the template section
INDICATORS_MORE = "Списки за каждым показателем — в файле «Показатели (XLSX)»."
TEMPLATE_INFO = (
    "<b>Шаблон аналитического отчёта</b>\n"
    "Отчёт в Word собирается по шаблону. Скачайте текущий шаблон, измените оформление и текст "
    "в Word и пришлите файл обратно. Поля в фигурных скобках (например, <code>{{{{ period }}}}</code>) "
    "и строки с <code>{{%p …%}}</code>, <code>{{%tr …%}}</code> не удаляйте — на их место "
    "подставляются данные.\nСейчас используется: {current}."
)
TEMPLATE_DEFAULT = "шаблон по умолчанию"
TEMPLATE_UPLOADED = "«{name}», загружен {date}"
TEMPLATE_GET = "⬇️ Скачать текущий шаблон"
TEMPLATE_UPLOAD = "⬆️ Загрузить новый шаблон"
TEMPLATE_ASK = "Пришлите шаблон отчёта — файл Word (.docx). Чтобы выйти, нажмите /cancel."
TEMPLATE_WAITING = "Жду файл Word (.docx) с шаблоном. Чтобы выйти, нажмите /cancel."
TEMPLATE_ACCEPTED = "Шаблон «{name}» проверен и принят: следующие отчёты будут собираться по нему."
TEMPLATE_FILE = "шаблон_аналитического_отчёта.docx"
ANNUAL_FILE = "аналитический_отчёт_{period}"
INDICATORS_FILE = "показатели_{period}.xlsx"
PERIOD_SET = "Период: {period}."
