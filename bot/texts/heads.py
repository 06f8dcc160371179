"""Confirmed heads: requests, the organisation view, chasing those who have not answered."""

ANONYMOUS = "(данные удалены)"
NO_ORGANISATION = "без организации"
MY_ORG_BUTTON = "🏫 Моя организация"

# --- requests (onboarding, profile, /admin → «Подтверждение руководителей») ---
REQUEST_SENT_HEAD = (
    "Вы указали, что вы руководитель или заместитель руководителя. Методист подтвердит это, "
    "и тогда вам откроется раздел «Моя организация» со сведениями о ваших сотрудниках. "
    "Пока можно пользоваться ботом как обычно."
)
REQUEST_SENT_METHODIST = (
    "Вы указали, что работаете в методической службе. Администратор подтвердит это, и вам "
    "откроется раздел методиста. Пока можно пользоваться ботом как обычно."
)
SECTION = "✅ Подтверждение руководителей"
LIST_TITLE = "<b>Заявки на подтверждение</b>\nВсего: {count}. Выберите заявку:"
LIST_EMPTY = "Новых заявок нет."
CONFIRMED_LIST = "👥 Подтверждённые руководители"
CONFIRMED_TITLE = "<b>Подтверждённые руководители</b>\nВсего: {count}. Выберите, чтобы отозвать:"
CONFIRMED_EMPTY = "Подтверждённых руководителей пока нет."
ROLE_CLAIM = {
    "head": "руководитель",
    "deputy": "заместитель руководителя",
    "methodical_staff": "сотрудник методической службы",
}
CARD = (
    "<b>Заявка № {number}</b> · {status}\n\n"
    "ФИО: {full_name}\n"
    "Заявленная роль: {role}\n"
    "Организация: {organisation}\n"
    "Должность: {position}\n"
    "Молодой специалист: {young}\n"
    "Кадровый резерв: {reserve}\n"
    "Зарегистрирован(а): {registered}\n"
    "Подана: {created}"
)
CARD_COLLEAGUES = "\n\nВ этой организации уже подтверждено руководителей: {count}."
CARD_METHODIST_HINT = "\n\nПосле подтверждения человек станет методистом."
CONFIRM = "✅ Подтвердить"
REJECT = "Отклонить"
REVOKE = "Отозвать подтверждение"
REVOKE_ASK = (
    "Отозвать подтверждение у {name} ({organisation})? Раздел «Моя организация» "
    "станет ему недоступен."
)
REVOKE_YES = "Да, отозвать"
STATUS = {
    "pending": "ожидает решения",
    "confirmed": "подтверждена",
    "rejected": "отклонена",
    "revoked": "подтверждение отозвано",
    "dropped": "неактуальна",
}
REQUEST_GONE = "Эта заявка недоступна."
ALREADY_DECIDED = "Заявку {name} уже рассмотрели: {status}."
REQUEST_OUTDATED = "{name} с тех пор изменил(а) роль или организацию: заявка больше не актуальна."
HEAD_CONFIRMED = "{name} подтверждён(а) как руководитель организации «{organisation}»."
HEAD_REJECTED = "Заявка {name} отклонена."
METHODIST_CONFIRMED = "{name} теперь методист."
METHODIST_REJECTED = "Заявка {name} на роль методиста отклонена."
NOT_CONFIRMED = "Подтверждение уже не действует."
REVOKED = "Подтверждение у {name} ({organisation}) отозвано."
NOTICE_HEAD_CONFIRMED = (
    "Методист подтвердил, что вы руководитель организации «{organisation}». "
    "Теперь вам доступен раздел «Моя организация»: сотрудники, их участие в мероприятиях "
    "и диагностике. Кнопка появится в меню после /start."
)
NOTICE_HEAD_REJECTED = (
    "Методист не подтвердил вашу роль руководителя в организации «{organisation}». "
    "Если это ошибка, проверьте организацию в /profile или свяжитесь с методистом."
)
NOTICE_HEAD_REVOKED = (
    "Подтверждение вашей роли руководителя в организации «{organisation}» отозвано методистом. "
    "Раздел «Моя организация» больше недоступен."
)
NOTICE_METHODIST_CONFIRMED = (
    "Администратор подтвердил, что вы сотрудник методической службы: теперь вам доступен "
    "раздел методиста (/admin)."
)
NOTICE_METHODIST_REJECTED = (
    "Администратор не подтвердил вашу роль сотрудника методической службы. Если это ошибка, "
    "свяжитесь с администратором."
)
ONLY_ADMIN_METHODIST = "Роль методиста подтверждает только администратор."

# --- «Моя организация» ---
NOT_A_HEAD = (
    "Раздел «Моя организация» доступен руководителям, чью роль подтвердил методист. "
    "Если вы руководитель, укажите это в /profile и дождитесь подтверждения."
)
ORG_MENU = (
    "<b>{organisation}</b>\nЗарегистрировано в боте: {staff}.\nПериод: {period}.\n\nЧто показать?"
)
ORG_STAFF = "👥 Сотрудники"
ORG_EVENTS = "📅 Участие в мероприятиях"
ORG_DIAGNOSTICS = "🧭 Диагностика"
ORG_ROUTES = "🗺 Маршруты"
ORG_EXPORT = "📥 Выгрузка XLSX"
ORG_CHASE = "📣 Кто не ответил"
ORG_PERIOD = "Период: {period}"
PERIOD_CURRENT = "текущий учебный год"
PERIOD_PREVIOUS = "прошлый учебный год"
PERIOD_RANGE = "{start} – {end}"
BACK_TO_ORG = "« К организации"
STAFF_TITLE = "<b>Сотрудники</b> ({count})\n\n{lines}"
STAFF_LINE = "{n}. {full_name} — {position}{flags}"
FLAG_YOUNG = "молодой специалист"
FLAG_RESERVE = "кадровый резерв"
STAFF_EMPTY = "В боте пока никто из вашей организации не зарегистрирован."
EVENTS_TITLE = "<b>Участие в мероприятиях</b>\n{period}\n\n{lines}"
EVENTS_EMPTY = "За этот период никто из сотрудников не записывался на мероприятия."
EVENTS_LINE = "• {full_name} — «{title}», {date}: {status}"
PARTICIPATION = {
    "registered": "записан(а)",
    "waitlisted": "в листе ожидания",
    "attended": "участвовал(а)",
    "no_show": "не пришёл(ла)",
}
EVENTS_TOTALS = "Записей: {registered}, участий: {attended}."
DIAG_TITLE = "<b>Диагностика</b>\n{lines}\n\nВыберите анкету:"
DIAG_LINE = "• {title}: ответили {done} из {total} ({percent} %)"
DIAG_NONE = "Активных диагностических анкет пока нет."
DIAG_FORM_BUTTON = "{title} — {done} из {total}"
DIAG_FORM = (
    "<b>{title}</b>\n"
    "Для кого в организации: {total}. Заполнили: {done}, не заполнили: {missing}.\n\n"
    "{done_lines}"
)
DIAG_DONE_HEADER = "<b>Заполнили</b>:\n"
AND_MORE = "…и ещё {count} (полный список — в выгрузке XLSX)"
DIAG_DEFICITS_HEADER = "\n\n<b>Дефициты организации</b> (ответили: {respondents}):\n"
DIAG_AREA_LINE = "• {title}: средний балл {average}, дефицит у {below}"
DIAG_TOO_FEW = (
    "\n\nСводка по дефицитам появится, когда анкету заполнят хотя бы {minimum} человека: "
    "так ничьи ответы нельзя вычислить."
)
WHO_MISSING = "Кто не заполнил ({count})"
ROUTES_TITLE = (
    "<b>Индивидуальные маршруты</b>\n"
    "Маршрут есть у {with_route} из {staff}. Пройдено мероприятий маршрутов: {done} из {total}."
    "\n\n{lines}"
)
ROUTES_LINE = "• {full_name}: пройдено {done} из {total}"
ROUTES_EMPTY = "Пока ни у кого из сотрудников нет индивидуального маршрута."
EXPORT_FILENAME = "{stem}_{first}-{last}.xlsx"
EXPORT_SHEET_STEM = "организация"
SHEET_STAFF = "Сотрудники"
SHEET_EVENTS = "Мероприятия"
SHEET_DIAGNOSTICS = "Диагностика"
SHEET_DEFICITS = "Дефициты"
SHEET_ROUTES = "Маршруты"
HEAD_STAFF = ["ФИО", "Должность", "Роль", "Молодой специалист", "Кадровый резерв"]
HEAD_EVENTS = ["ФИО", "Мероприятие", "Начало", "Статус"]
HEAD_DIAGNOSTICS = ["ФИО", "Анкета", "Заполнена", "Дата"]
HEAD_DEFICITS = ["Анкета", "Область", "Ответивших", "Средний балл", "Дефицит у"]
HEAD_ROUTES = ["ФИО", "Мероприятий в маршруте", "Пройдено"]
DEFICITS_HIDDEN = "Меньше {minimum} ответивших: сводка не показывается"
YES = "да"
NO = "нет"

# --- chasing those who have not answered ---
CHASE_SECTION = "📣 Кто не ответил"
CHASE_PICK = "<b>Кто не ответил</b>\nВыберите анкету или мероприятие:"
CHASE_FORM_BUTTON = "🧭 {title}"
CHASE_EVENTS = "📝 Отзывы о мероприятиях"
CHASE_EVENTS_TITLE = "<b>Отзывы о мероприятиях</b>\nВыберите мероприятие:"
CHASE_EVENTS_EMPTY = "Прошедших мероприятий с запросом отзыва пока нет."
CHASE_EVENT_BUTTON = "{date} · {title}"
CHASE_SCOPE = "<b>{title}</b>\nНе ответили: {count}. По организациям:"
CHASE_ALL = "Все ({count})"
CHASE_ORG_BUTTON = "{name} ({count})"
CHASE_LIST = "<b>{title}</b>\n{scope}\nНе ответили: {count}.\n\n{lines}"
CHASE_SCOPE_ALL = "Все организации"
CHASE_NONE = "Все, кому это адресовано, уже ответили. Напоминать некому."
CHASE_LINE = "{n}. {full_name}{org}"
CHASE_REMIND = "🔔 Напомнить ({count})"
CHASE_CONFIRM = (
    "Отправить напоминание {people}? Тем, кому сегодня уже напоминали об этой анкете, "
    "повторно не отправим. В тихие часы сообщения дождутся утра."
)
CHASE_SEND = "Да, отправить"
CHASE_SENT = "Напоминания поставлены в очередь: {sent}."
CHASE_SENT_SKIPPED = " Сегодня напоминание уже получили: {skipped}."
CHASE_SENT_NONE = (
    "Новых напоминаний нет: сегодня напоминание уже получили все, кто не ответил ({skipped}). "
    "Повторить можно завтра."
)
CHASE_NOT_ALLOWED = "Эти сведения вам недоступны."
FORM_REMINDER = (
    "Напоминаем: пожалуйста, заполните анкету «{title}». Это займёт несколько минут и поможет "
    "методической службе подобрать для вас полезные мероприятия."
)
FEEDBACK_REMINDER = (
    "Напоминаем: пожалуйста, оставьте отзыв о мероприятии «{title}». Это займёт пару минут."
)
REMINDER_BUTTON = "Заполнить"
