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
