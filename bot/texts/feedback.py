"""Post-event feedback: requests, refusals and the methodologists' summary."""

REQUEST = (
    "Спасибо, что были на мероприятии «{title}»!\n"
    "Поделитесь, пожалуйста, впечатлениями — это займёт пару минут."
)
FOLLOWUP = (
    "Напоминаем: нам очень важен ваш отзыв о мероприятии «{title}». "
    "Если у вас есть пара минут, ответьте, пожалуйста, на несколько вопросов."
)
REQUEST_BUTTON = "📝 Оставить отзыв"
NOT_A_PARTICIPANT = "Отзыв о мероприятии могут оставить только его участники."
NOT_YET = "Отзыв можно будет оставить после окончания мероприятия."
ALREADY_ANSWERED = "Вы уже оставили отзыв об этом мероприятии. Спасибо!"

SECTION = "💬 Отзывы о мероприятиях"
LIST_TITLE = "<b>Отзывы о прошедших мероприятиях</b>\nВыберите мероприятие:"
LIST_EMPTY = "Прошедших мероприятий пока нет."
LIST_ITEM = "{date} · {title} ({count})"
SUMMARY_TITLE = "<b>Отзывы: «{title}»</b>\n{date}\nОтветов: {responses}{asked}"
SUMMARY_ASKED = " из {asked} опрошенных"
SUMMARY_NO_FORM = "Анкета отзыва не загружена."
SUMMARY_NONE = "\nОтзывов пока нет."
AVERAGE = "среднее {value}"
OPTION_LINE = "  • {label} — {count}"
TEXT_LINE = "  — {text}"
SKIPPED_LINE = "  (пропустили: {count})"
TRUNCATED = "\n…список сокращён, полностью — в выгрузке XLSX."
EXPORT = "📥 Ответы в XLSX"
EXPORT_CSV = "📥 Ответы в CSV"
EXPORT_NAME = "отзывы_{event_id}.{ext}"
EXPORT_NUMBER = "№ ответа"
EXPORT_SUBMITTED = "Отправлен"
BACK_TO_LIST = "« К списку"
