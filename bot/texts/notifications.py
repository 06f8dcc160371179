"""Reminders and other notifications the bot sends on its own."""

REMINDER = "⏰ <b>Напоминание</b>\n{when} начнётся «{title}».\nНачало: {starts}.\n{where}"
WHERE_ONLINE = "Ссылка для подключения: {link}"
WHERE_ONLINE_NO_LINK = "Мероприятие проходит онлайн; ссылку пришлём дополнительно."
WHERE_OFFLINE = "Место проведения: {place}"
WHERE_HYBRID = "Место проведения: {place}\nПодключиться онлайн: {link}"
JOIN_BUTTON = "Подключиться"

SOON_MINUTES = ("Через {n} минуту", "Через {n} минуты", "Через {n} минут")
SOON_HOURS = ("Через {n} час", "Через {n} часа", "Через {n} часов")
TOMORROW = "Завтра"
IN_DAYS = ("Через {n} день", "Через {n} дня", "Через {n} дней")
TODAY = "Сегодня"

FAILED_TITLE = (
    "<b>Недоставленные уведомления</b> (сначала новые): Telegram не принял их "
    "или они опоздали, пока бот не работал."
)
ANONYMOUS = "удалённый пользователь"
KIND_LABELS = {
    "reminder": "напоминание",
    "event_changed": "изменение мероприятия",
    "event_cancelled": "отмена мероприятия",
    "waitlist_promoted": "место из листа ожидания",
    "feedback_request": "запрос отзыва",
    "feedback_followup": "повторный запрос отзыва",
    "consultation": "консультация",
    "broadcast": "рассылка",
    "message": "сообщение",
    "form_reminder": "напоминание заполнить анкету",
}
FAILED_NONE = "Недоставленных уведомлений нет."
# The name stays in the nominative: «для Кузнецов Олег Петрович» would be wrong Russian.
FAILED_LINE = "• {when}: {kind}, получатель: {person} — {error}"
FAILED_BLOCKED = "пользователь заблокировал бота"
FAILED_EXPIRED = "опоздало: бот не работал, пока сообщение было нужно"
FAILED_NETWORK = "нет связи с Telegram после нескольких попыток"
FAILED_REJECTED = "Telegram не принял сообщение: {error}"
SECTION_FAILED = "📭 Недоставленные уведомления"
