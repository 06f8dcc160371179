"""The event calendar for teachers and heads: the list, the card, registration, the waitlist."""

from models import EventFormat, EventKind, RegistrationStatus

KIND_LABELS: dict[EventKind, str] = {
    EventKind.WEBINAR: "Вебинар",
    EventKind.NETWORK_SEMINAR: "Сетевой семинар",
    EventKind.SEMINAR: "Семинар",
    EventKind.CONFERENCE: "Конференция",
    EventKind.MASTER_CLASS: "Мастер-класс",
    EventKind.PEDAGOGICAL_COUNCIL: "Педагогический совет",
    EventKind.CONSULTATION: "Консультация",
    EventKind.CONTEST: "Конкурс",
}
FORMAT_LABELS: dict[EventFormat, str] = {
    EventFormat.ONLINE: "онлайн",
    EventFormat.OFFLINE: "очно",
    EventFormat.HYBRID: "очно и онлайн",
}
STATUS_LABELS: dict[RegistrationStatus, str] = {
    RegistrationStatus.REGISTERED: "вы записаны",
    RegistrationStatus.WAITLISTED: "в листе ожидания",
    RegistrationStatus.CANCELLED: "запись отменена",
    RegistrationStatus.ATTENDED: "вы участвовали",
    RegistrationStatus.NO_SHOW: "не пришли",
}

# The list
LIST_TITLE = "<b>Ближайшие мероприятия</b>"
LIST_FILTERS = "Отбор: {filters}"
LIST_EMPTY = "Пока нет запланированных мероприятий для вас. Загляните позже!"
LIST_EMPTY_FILTERED = "По выбранному отбору мероприятий нет. Попробуйте сбросить отбор."
#: heading: the kind and the title in «…», or the title alone when it already names the kind.
LIST_ITEM = "{n}. {date} — {heading}{seats}"
LIST_ITEM_FULL = " · мест нет"
LIST_ITEM_MINE = " · ✅"
LIST_HINT = "Нажмите на мероприятие, чтобы открыть его и записаться."
FILTER_KIND = "Вид: {value}"
FILTER_MONTH = "Месяц: {value}"
FILTER_ANY_KIND = "🔎 Вид мероприятия"
FILTER_ANY_MONTH = "🗓 Месяц"
FILTER_RESET = "✖ Сбросить отбор"
PICK_KIND = "Какие мероприятия показать?"
PICK_MONTH = "За какой месяц показать мероприятия?"
ALL_KINDS = "Все виды"
ALL_MONTHS = "Все месяцы"

# The card
CARD = "<b>{heading}</b>\n🗓 {when}\n📍 {place}\n{seats}"
CARD_SERIES = "🔗 Часть цикла «{title}»"
CARD_ORGANISERS = "👥 Организаторы: {organisers}"
CARD_DEADLINE = "⏳ Запись до {deadline}"
CARD_GOAL = "🎯 Цель: {goal}"
CARD_TOPICS = "🏷 Темы: {topics}"
CARD_STATUS = "\n<b>Ваша запись:</b> {status}"
CARD_WAITLIST_PLACE = "\n<b>Вы в листе ожидания</b>, ваше место в очереди: {position}."
CARD_JOIN_LINK = "🔗 Ссылка для подключения: {link}"
CARD_MATERIALS = "📚 Материалы: {link}"
CARD_RECORDING = "🎬 Запись: {link}"
CARD_SPEAKERS = "🎤 Эксперты и спикеры: {speakers}"
CARD_CANCELLED = "\n❌ <b>Мероприятие отменено.</b> {reason}"
CARD_STARTED = "\nМероприятие уже идёт."
CARD_FINISHED = "\nМероприятие завершилось."
PLACE_ONLINE = "онлайн"
WHEN_RANGE = "{start} – {end}"
SEATS_FREE = "🪑 Свободно мест: {free} из {capacity}"
SEATS_UNLIMITED = "🪑 Количество мест не ограничено"
SEATS_FULL = "🪑 Мест нет: все {capacity} заняты. В листе ожидания: {waiting}"

BTN_REGISTER = "✅ Записаться"
BTN_WAITLIST = "⏳ Встать в лист ожидания"
BTN_CANCEL = "Отменить запись"
BTN_LEAVE_WAITLIST = "Покинуть лист ожидания"
BTN_SERIES = "📚 Записаться на весь цикл"
BTN_CHECKIN = "🙋 Я на мероприятии"
BTN_ICS = "📎 Добавить в календарь"
BTN_TO_LIST = "« К списку"
BTN_OPEN = "Открыть мероприятие"
BTN_GIVE_BACK = "Не смогу — отдать место"
BTN_CONFIRM_CANCEL = "Да, отменить"
BTN_KEEP = "Нет, оставить"

# Registration outcomes
REGISTERED = (
    "✅ Вы записаны на «{title}», {when}.\n"
    "Я напомню о мероприятии заранее. Файл для календаря — ниже."
)
REGISTERED_LINK = "\nСсылка для подключения: {link}"
ALREADY_REGISTERED = "Вы уже записаны на это мероприятие."
ALREADY_WAITLISTED = "Вы уже в листе ожидания, ваше место в очереди: {position}."
FULL_OFFER = (
    "К сожалению, все места на «{title}» заняты. Можно встать в лист ожидания: "
    "если кто-то откажется, я сразу запишу вас и сообщу об этом."
)
WAITLISTED = (
    "⏳ Вы в листе ожидания на «{title}». Ваше место в очереди: {position}.\n"
    "Если освободится место, я запишу вас автоматически и пришлю сообщение. "
    "Покинуть очередь можно в карточке мероприятия."
)
CANCEL_CONFIRM = "Отменить вашу запись на «{title}»?"
LEAVE_CONFIRM = "Покинуть лист ожидания на «{title}»?"
CANCELLED = "Запись на «{title}» отменена. Спасибо, что предупредили: место достанется другим."
LEFT_WAITLIST = "Вы покинули лист ожидания на «{title}»."
GAVE_BACK = "Вы отказались от места на «{title}». Его получит следующий в очереди. Спасибо!"
KEPT = "Хорошо, запись остаётся."
SERIES_DONE = "<b>Запись на цикл {title}</b>\n{lines}\n\n{summary}"
SERIES_LINE = "• {date} — {outcome}"
SERIES_OUTCOME_REGISTERED = "записаны"
SERIES_OUTCOME_WAITLISTED = "мест нет, вы в листе ожидания (место {position})"
SERIES_OUTCOME_ALREADY = "уже были записаны"
SERIES_OUTCOME_ALREADY_WAITLISTED = "вы уже в листе ожидания (место {position})"
SERIES_OUTCOME_REFUSED = "запись невозможна: {reason}"
SERIES_OUTCOME_PAST = "встреча уже прошла"
SERIES_OUTCOME_PAST_ATTENDED = "встреча прошла, вы участвовали"
SERIES_OUTCOME_CANCELLED = "встреча отменена"
#: (one, few, many) of «встреча» after «из» and after «на» (accusative), and the summary line.
MEETINGS_OF = ("встречи", "встреч", "встреч")
MEETINGS_ACC = ("встречу", "встречи", "встреч")
SERIES_SUMMARY = "Вы записаны на {registered} из {total}."
SERIES_SUMMARY_WAITING = " В листе ожидания — на {waiting}."
SERIES_NOTHING = "В этом цикле не осталось встреч, на которые открыта запись."
ICS_CAPTION = "Файл для календаря: откройте его, чтобы добавить мероприятие в свой календарь."

# Refusals (raised by the services)
NOT_FOUND = "Мероприятие не найдено: возможно, его удалили. Откройте список мероприятий заново."
NOT_PUBLISHED = "Запись на это мероприятие ещё не открыта."
EVENT_CANCELLED = "Мероприятие отменено, запись на него закрыта."
EVENT_STARTED = "Мероприятие уже началось, запись закрыта."
EVENT_FINISHED = "Мероприятие уже прошло, запись закрыта."
DEADLINE_PASSED = "Запись на это мероприятие закончилась {deadline}."
NOT_FOR_ROLE = "Это мероприятие предназначено для других категорий участников."
NOT_YOUR_REGISTRATION = "Эта запись вам не принадлежит или уже не действует."
CANCEL_TOO_LATE = "Мероприятие уже началось, отменить запись нельзя."

# Notices sent through the outbox
PROMOTED = (
    "🎉 Освободилось место, и я записал вас на «{title}», {when}.\n"
    "Если не сможете участвовать, отдайте место следующему в очереди кнопкой ниже."
)
CHANGED = "✏️ Изменения в мероприятии «{title}»:\n{changes}"
CHANGED_LINE = "• {field}: {old} → {new}"
CANCELLED_NOTICE = (
    "❌ Мероприятие «{title}», назначенное на {when}, отменено.\nПричина: {reason}\n"
    "Приносим извинения. Следите за новыми мероприятиями в разделе «Мероприятия»."
)

# My registrations
MY_TITLE = "<b>Мои записи</b>"
MY_UPCOMING = "<b>Предстоящие</b>"
MY_PAST = "<b>Прошедшие</b>"
MY_EMPTY = (
    "У вас пока нет записей. Откройте раздел «Мероприятия», чтобы выбрать вебинар или семинар."
)
MY_NONE_UPCOMING = "Предстоящих записей нет."
MY_ITEM = "• {date} — «{title}»: {status}"
MY_ITEM_WAITLIST = "в листе ожидания (место {position})"
MY_ITEM_EVENT_CANCELLED = "мероприятие отменено"
MY_PAST_HINT = "Прошедшие мероприятия и их материалы — кнопками ниже (📚)."
MY_MORE = "…и ещё {records}."

# Check-in
CHECKIN_ASK = "Напишите код, который назвал ведущий мероприятия (несколько цифр)."
CHECKIN_DONE = "🙌 Отметил ваше участие в «{title}». Спасибо, что вы с нами!"
CHECKIN_ALREADY = "Ваше участие в «{title}» уже отмечено."
CHECKIN_WRONG = "Код не подошёл. Проверьте цифры и попробуйте ещё раз (осталось попыток: {left})."
CHECKIN_LOCKED = (
    "Код не подошёл, и попытки закончились. Пожалуйста, попросите методиста "
    "отметить ваше участие вручную."
)
CHECKIN_NOTHING_ON = (
    "Сейчас не идёт ни одно мероприятие, на которое вы записаны, поэтому отмечать нечего."
)
CHECKIN_NOT_ON = "Отметиться можно только во время мероприятия."
CHECKIN_USAGE = "Отправьте код вместе с командой, например: /checkin 123456"

# ICS
ICS_PRODID = "-//Методическая служба//metodbot//RU"
ICS_LINK = "Ссылка для подключения: {link}"
