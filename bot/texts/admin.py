"""The methodologists' section."""

MENU = "<b>Раздел методиста</b>\nВыберите, с чем будем работать:"
SECTION_ORGS_IMPORT = "🏫 Загрузить организации"
SECTION_ORGS_PENDING = "🆕 Новые организации"
SECTION_STAFF = "👥 Методисты"

STAFF_USAGE = (
    "Назначить методиста: /grant_methodist &lt;id в Telegram&gt;\n"
    "Снять роль: /revoke_methodist &lt;id в Telegram&gt;\n\n"
    "Человек должен сначала зарегистрироваться в боте."
)
STAFF_LIST = "<b>Методисты и администраторы</b>\n{people}"
STAFF_NONE = "пока никого"
STAFF_NOT_FOUND = "Пользователь с id {telegram_id} не зарегистрирован в боте."
STAFF_BAD_ID = "Укажите числовой id пользователя в Telegram, например: /grant_methodist 123456789"
STAFF_GRANTED = "{name} теперь методист."
STAFF_REVOKED = "{name} больше не методист (роль — педагог)."
STAFF_IS_ADMIN = "{name} — администратор: роль администратора здесь не меняется."
STAFF_ALREADY = "{name} уже методист."
STAFF_NOT_METHODIST = "{name} не методист: снимать нечего."
STAFF_ONLY_ADMIN = "Назначать методистов может только администратор."
FILE_TOO_BIG = "Файл слишком большой: допускается не больше {limit_mb} МБ."

# Roles in the chat (issue 12)
STAFF_FIND = "➕ Назначить методиста"
STAFF_REVOKE_BUTTON = "Снять роль: {name}"
STAFF_ASK_QUERY = (
    "Кого назначить методистом? Напишите часть ФИО или названия организации "
    "(не меньше 3 букв). /cancel — отмена."
)
STAFF_QUERY_SHORT = "Напишите хотя бы 3 буквы ФИО или названия организации."
STAFF_FOUND = "Найдено: {count}. Выберите человека:"
STAFF_FOUND_NONE = "Никого не нашёл по запросу «{query}». Попробуйте иначе или /cancel."
STAFF_CONFIRM_GRANT = "Назначить методистом {name} ({organisation}, роль — {role})?"
STAFF_CONFIRM_REVOKE = "Снять роль методиста у {name}? Роль станет «педагог»."
STAFF_YES_GRANT = "Да, назначить"
STAFF_YES_REVOKE = "Да, снять"
STAFF_IS_CONFIGURED_ADMIN = (
    "{name} — администратор (указан в настройках ADMIN_IDS): его роль в чате не меняется."
)
STAFF_GONE = "Этого человека больше нет среди зарегистрированных."
STAFF_LINE = "• {name} — {role}{organisation}"
STAFF_USAGE_CHAT = (
    "Назначить методиста можно кнопкой ниже (поиск по ФИО или организации) или командой "
    "/grant_methodist &lt;id в Telegram&gt;; снять роль — кнопкой или /revoke_methodist."
)
#: The row every admin screen ends with.
BTN_TO_MENU = "« В меню методиста"
