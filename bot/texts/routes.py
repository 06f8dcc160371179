"""The individual route: deficit by deficit, for the person and for methodologists."""

# --- The person's route (handlers/routes.py) ---
ROUTE_HEADER = "<b>Мой индивидуальный маршрут</b>"
ROUTE_PROGRESS = "Посещено {done} из {total} · записаны на {registered}."
ROUTE_INTRO = "Мероприятия подобраны по каждой области, которую стоит подтянуть:"
ROUTE_DEFICIT = "\n🟠 <b>{title}</b>{score}"
ROUTE_SCORE = " · {score} из 5"
ROUTE_ITEM = "{n}. {mark} {date} — {title}"
ROUTE_ITEM_STATUS = {
    "registered": "вы записаны",
    "waitlisted": "в листе ожидания",
    "cancelled": "запись отменена",
    "attended": "пройдено",
    "no_show": "не посещено",
}
ROUTE_ITEM_CLOSED = "запись закрыта"
ROUTE_ITEM_FULL = "мест нет, есть лист ожидания"
ROUTE_ALSO = "   Подходят и мероприятия выше: {numbers}."
ROUTE_SERIES_LINE = "📚 Цикл {title}: можно записаться сразу на все встречи — кнопка «Весь цикл»."
ROUTE_NO_EVENT = (
    "   Ближайших мероприятий по этой теме нет. Можно попросить консультацию методиста — "
    "кнопка «{button}» ниже."
)
ROUTE_STRONG = "\n🟢 Сильные стороны: {areas}. Мероприятия по ним не предлагаются."
ROUTE_EMPTY_EVENTS = (
    "Сейчас в календаре нет ближайших мероприятий по темам ваших дефицитов. "
    "Когда они появятся, бот сообщит; а пока можно попросить консультацию методиста."
)
ROUTE_NONE = (
    "Маршрута пока нет: он строится по итогам диагностики. Пройдите её в разделе «Диагностика»."
)
ROUTE_NO_DEFICITS = (
    "По итогам диагностики дефицитов не выявлено, мероприятия в маршрут не включены."
)
#: Button labels stay short so Telegram never cuts them: number, date, the title's beginning.
ROUTE_SIGN_UP = "✍️ {n}. {date} · {title}"
ROUTE_WAITLIST = "⏳ {n}. {date} · в лист ожидания"
ROUTE_SERIES = "✍️ Весь цикл: {title}"
ROUTE_CONSULT = "💬 Консультация: {area}"
ROUTE_SIGNED_UP = "Вы записаны на {title}. Напоминание придёт накануне."
ROUTE_WAITLISTED = "Вы в листе ожидания на {title}, место в очереди: {position}."
ROUTE_FULL = (
    "Все места на {title} заняты. В маршруте появилась кнопка «в лист ожидания» — "
    "нажмите её, если хотите встать в очередь."
)
ROUTE_SERIES_DONE = "Цикл {title}: {summary}"
ROUTE_SERIES_SUMMARY = "записаны на {registered} из {total}"
ROUTE_SERIES_WAITING = ", в листе ожидания — {waiting}"
ROUTE_SERIES_NOTHING = "В цикле не осталось встреч, на которые можно записаться."
ROUTE_NEW_EVENT = (
    "🧭 Новое мероприятие для вашего индивидуального маршрута: {title}.\n"
    "Оно по темам, которые стоит подтянуть по итогам диагностики: {topics}."
)
ROUTE_NEW_EVENT_BUTTON = "Открыть мероприятие"

# --- Methodologists (handlers/admin/routes.py) ---
SECTION = "🗺 Маршруты и дефициты"
MENU = (
    "<b>Индивидуальные маршруты</b>\n"
    "Маршрутов: {routes}. Мероприятий в маршрутах: {items}, из них посещено {attended}, "
    "записаны ещё на {registered}."
)
BTN_TABLE = "🏫 Дефициты по организациям"
BTN_PEOPLE = "👤 Маршруты людей"
BTN_FIND = "🔎 Найти человека"
BTN_XLSX = "⬇️ Таблица XLSX"
BTN_BACK = "« К маршрутам"
PEOPLE_TITLE = (
    "<b>Маршруты людей</b> ({count})\nВыберите человека: в скобках — посещено из включённых."
)
PEOPLE_EMPTY = "Маршрутов пока нет: они появляются, когда люди проходят диагностику."
PERSON_LABEL = "{name} · {done}/{total}"
FIND_ASK = "Напишите часть ФИО (не меньше 3 букв) или id в Telegram. /cancel — отмена."
FIND_NONE = "Никого не нашёл. Попробуйте иначе или /cancel."
FIND_CHOOSE = "Найдено несколько человек, выберите:"
PERSON_NO_ROUTE = "У {name} пока нет маршрута: диагностика не пройдена."
PERSON_TITLE = "<b>Маршрут: {name}</b>\n{org}{role} · построен {date}\n{progress}"
PERSON_PROGRESS = "Посещено {done} из {total}, записан(а) ещё на {registered}."
PERSON_DEFICIT = "\n🟠 <b>{title}</b>{score} — {state}"
PERSON_DEFICIT_STATE = "посещено {attended} из {total}, записан(а) на {registered}"
PERSON_DEFICIT_EMPTY = "мероприятий нет"
PERSON_ITEM = "   {mark} {date} — {title}{status}"
PERSON_ITEM_STATUS = {
    "registered": "записан(а)",
    "waitlisted": "в листе ожидания",
    "cancelled": "запись отменена",
    "attended": "посетил(а)",
    "no_show": "не пришёл (не пришла)",
}
PERSON_STRONG = "\n🟢 Сильные стороны: {areas}."
TABLE_TITLE = (
    "<b>Дефициты по организациям</b>\n"
    "По последним маршрутам: сколько человек назвали область дефицитом и есть ли "
    "ближайшие мероприятия по ней для их роли. Организаций: {orgs}; страница {page} из {pages}."
)
TABLE_EMPTY = "Дефицитов пока нет: никто не прошёл диагностику с дефицитами."
TABLE_ORG = "\n<b>{name}</b>"
TABLE_LINE = "• {area} ({who}) — {people} · {covered}"
TABLE_COVERED = "✅ есть мероприятие"
TABLE_PARTLY = "◐ мероприятие есть для {covered} из {people}"
TABLE_NOT_COVERED = "⚠️ мероприятий нет"
NO_ORGANISATION = "Без организации"
FORM_WHO = {"teacher_deficits": "педагоги", "head_card": "руководители"}
TABLE_HEADERS = (
    "Организация",
    "Область дефицита",
    "Диагностика",
    "Человек",
    "Из них с подходящим мероприятием",
    "Есть мероприятие",
    "Ближайшее мероприятие",
)
TABLE_FILE = "Дефициты по организациям"
TABLE_SHEET = "Дефициты"
YES = "да"
NO = "нет"
ANONYMOUS = "(данные удалены)"
