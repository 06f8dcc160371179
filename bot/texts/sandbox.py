"""Texts of the sandbox (`make sandbox`): its command line and its web chat."""

HELP_SANDBOX = "песочница: бот в браузере без токена и без сети (http://127.0.0.1:8080)"
HELP_PORT = "порт веб-чата (по умолчанию SANDBOX_PORT или 8080)"
HELP_FRESH = "начать с чистой базы data/sandbox.db"
PORT_BUSY = (
    "Порт {port} уже занят (может быть, песочница уже запущена): откройте http://127.0.0.1:{port} "
    "или выберите другой порт: python -m bot sandbox --port 8090"
)
BAD_PORT = "неверный порт {port!r}: ожидается число от 1 до 65535"
STARTING = "Песочница: готовлю базу {path} и демонстрационный район…"
READY = (
    "Песочница запущена: откройте http://127.0.0.1:{port} в браузере. "
    "Адрес доступен только с этого компьютера (127.0.0.1), Telegram не используется. "
    "Остановить: Ctrl+C."
)
STOPPED = "Песочница остановлена."

# The web chat.
TITLE = "Песочница методического бота"
SUBTITLE = "бот работает локально, Telegram не нужен"
PERSONAS = "Кто вы"
NEW_PERSON = "Новый человек"
NEW_PERSON_NAME = "Новый человек {n}"
GUEST = "Гость"
NEW_PERSON_ABOUT = "новичок: знакомство начинается с /start"
PLACEHOLDER = "Сообщение"
SEND = "Отправить"
ATTACH = "Отправить файл"
MENU = "Меню"
REWIND = "Перемотать время"
REWIND_HINT = "Следующее уведомление приходит сразу: время как будто дошло до него"
REWIND_NONE = "Нет уведомлений, которые ждут своего времени."
REWIND_DONE = "Время перемотано на {span}: следующие уведомления придут через несколько секунд."
REWIND_DUE = "Уведомления уже наступили и придут через несколько секунд."
DOWNLOAD = "Скачать"
EDITED = "изменено"
EMPTY_CHAT = "Здесь пока пусто. Нажмите /start или выберите команду в меню."
CONNECTING = "Соединение с песочницей…"
DISCONNECTED = "Нет соединения с песочницей: переподключаюсь…"
BOT_NAME = "Методический бот"

# Refusals of bad input from the browser; the bot never sees such input.
BAD_FRAME = "Песочница не поняла запрос браузера: {reason}."
TOO_LONG = "Сообщение слишком длинное: Telegram принимает не больше {limit} символов."
EMPTY_TEXT = "Пустое сообщение не отправляется."
FILE_TOO_BIG = "Файл слишком большой: не больше {limit} МБ."
NO_FILE = "Файл не выбран."
NO_BUTTON = "Этой кнопки больше нет: сообщение изменилось или удалено."
UNKNOWN_PERSONA = "Такого человека нет в песочнице."
NOT_JSON = "это не JSON"
NOT_OBJECT = "ожидается объект"
NO_CHAT = "нет chat_id"
NO_TEXT = "нет текста"
NO_PRESS = "нет message_id или data"
BINARY = "двоичные данные"
BROKEN_FORM = "повреждённая форма"
UNKNOWN_OP = "неизвестное действие {op!r}"
START = "НАЧАТЬ"

PERSONA_TEACHER = "Учитель"
PERSONA_HEAD = "Руководитель"
PERSONA_METHODOLOGIST = "Методист (администратор)"

SPAN_DAYS = ("{n} день", "{n} дня", "{n} дней")
SPAN_HOURS = ("{n} час", "{n} часа", "{n} часов")
SPAN_MINUTES = ("{n} минуту", "{n} минуты", "{n} минут")

PAST_WEBINAR_ABOUT = "Приёмы смыслового чтения на уроках по всем предметам."
