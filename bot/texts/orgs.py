"""Organisations: import by methodologists, confirmation of ones typed in by people."""

UNKNOWN_KIND = (
    "неизвестный тип «{value}»; допустимы: школа, гимназия, лицей, детский сад, "
    "дополнительное образование, методический центр, другое"
)
DUPLICATE_ROW = "организация уже есть в строке {row}"
IMPORT_ASK_FILE = (
    "Пришлите файл XLSX или CSV со столбцами «Название», «Тип» и (необязательно) "
    "«Муниципалитет». Шаблон — ниже. Чтобы выйти, нажмите /cancel."
)
IMPORT_TEMPLATE_NAME = "шаблон_организации.xlsx"
IMPORT_REFUSED = (
    "Файл не принят, ничего не загружено. Исправьте ошибки и пришлите файл снова:\n{errors}"
)
IMPORT_PREVIEW = (
    "Файл проверен: строк — {total}. Будет добавлено новых организаций: {added}, "
    "обновлено: {updated}. Загрузить?"
)
IMPORT_CONFIRM = "✅ Загрузить"
IMPORT_DONE = "Готово: добавлено {added}, обновлено {updated}."
IMPORT_WAITING_FILE = "Жду файл XLSX или CSV. Чтобы выйти, нажмите /cancel."
CLI_IMPORT_DONE = "Импорт завершён: добавлено {added}, обновлено {updated}."
CLI_IMPORT_REFUSED = "Файл не принят, ничего не загружено:"
PENDING_EMPTY = "Неподтверждённых организаций нет."
PENDING_TITLE = "Организации, добавленные пользователями. Нажмите, чтобы подтвердить:"
PENDING_CONFIRMED = "Организация «{name}» подтверждена."
