"""Mentoring of young teachers: requests, pairs, what mentee and mentor are told."""

from bot.texts.format import quantity

SECTION = "🤝 Наставничество"
BTN_ASK = "🤝 Хочу наставника"
ASKED = (
    "Запрос на наставника принят. Методист подберёт вам наставника и сообщит его контакты "
    "здесь, в этом чате."
)
ALREADY_ASKED = "Ваш запрос на наставника уже у методиста. Как только наставник найдётся, я сообщу."
HAS_MENTOR = "Ваш наставник: {contact}."
LIST_TITLE = "<b>Наставничество</b>\nЗапросы молодых педагогов и действующие пары:"
LIST_EMPTY = "<b>Наставничество</b>\nЗапросов на наставника и действующих пар нет."
ITEM_REQUEST = "🆕 {name} · с {date}"
ITEM_PAIR = "🤝 {name} — {mentor} · с {date}"
CARD_REQUEST = "<b>Запрос на наставника</b>\nНаставляемый: {mentee}\nС {date} ({source})."
CARD_PAIR = "<b>Пара наставничества</b>\nНаставляемый: {mentee}\nНаставник: {mentor}\nС {date}."
SOURCE = {"profile": "из профиля", "diagnostic": "по итогам диагностики"}
BTN_PICK = "👤 Подобрать наставника"
BTN_FINISH = "Завершить наставничество"
BTN_TO_LIST = "« К наставничеству"
ASK_MENTOR = (
    "Напишите фамилию (или фамилию и имя) наставника: он должен быть зарегистрирован в боте."
)
PICK_MENTOR = "Выберите наставника:"
NOBODY = "Никого не нашёл. Проверьте фамилию: наставник должен быть зарегистрирован в боте."
PAIR_CONFIRM = "Назначить наставником для {mentee}:\n{mentor}?\nОба получат контакты друг друга."
BTN_PAIR = "Да, назначить"
PAIRED = "Пара создана: {mentee} — {mentor}. Оба получат сообщение с контактами."
FINISHED = "Наставничество завершено."
TOLD_MENTEE = "🤝 Вам назначен наставник: {contact}. Напишите ему, чтобы договориться о встрече."
TOLD_MENTOR = (
    "🤝 Вы назначены наставником молодого педагога: {contact}. "
    "Свяжитесь, пожалуйста, чтобы договориться о первой встрече."
)
BTN_WRITE = "Написать"
NOT_FOUND = "Запрос не найден или уже обработан."
MENTOR_GONE = "Этот человек удалил свои данные из бота или недоступен. Выберите другого наставника."
SELF_MENTOR = "Нельзя назначить человека наставником самому себе."
BAD_QUERY = "Напишите фамилию наставника (до 100 знаков)."
ANONYMOUS = "(данные удалены)"

# --- the person's own screen (/profile → «Моё наставничество») ---
BTN_MINE = "🤝 Моё наставничество"
MINE_TITLE = "<b>🤝 Наставничество</b>"
MINE_MENTOR = "<b>Ваш наставник</b>"
MINE_MENTORS = "<b>Ваши наставники</b>"
MINE_MENTEES = "<b>Вы наставник</b>: {mentees}"
MINE_PAIR = "👤 {who}\nС {date} · {status}\nСвязаться: {contact}"
MINE_STATUS_ACTIVE = "наставничество идёт"
MINE_STATUS_FINISHED = "завершено {date}"
MINE_CONTACT = '<a href="tg://user?id={telegram_id}">написать в Telegram</a>'
MINE_CONTACT_GONE = "недоступен — человек удалил свои данные"
MINE_MORE = "… и ещё {count}"
MINE_NONE = "Пар наставничества у вас нет."


def mentees(count: int) -> str:
    """«1 наставляемый», «3 наставляемых»."""
    return quantity(count, "наставляемый", "наставляемых", "наставляемых")
