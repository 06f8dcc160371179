"""The annual analytical report: sheet names, headers, template messages, sample data."""

from bot.texts.format import quantity

SHEET_INDICATORS = "Показатели"
SHEET_EVENTS = "Мероприятия"
SHEET_SERIES = "Циклы"
SHEET_FEEDBACK = "Отзывы"
SHEET_DIAGNOSTICS = "Диагностика"
SHEET_REQUESTS = "Запросы"
SHEET_CONSULTATIONS = "Консультации"
SHEET_ORGS = "Организации"

INDICATOR_HEADERS = ("Показатель", "Числитель", "Знаменатель", "Доля, %", "Как считается")
EVENT_HEADERS = ("Форма", "Название", "Дата", "Организаторы", "Цель", "Количество участников")
EVENT_COUNT_HEADERS = ("Форма", "Название", "Дата", "Количество участников")
SERIES_HEADERS = ("Цикл", "Встреча", "Дата", "Участников встречи", "Разных участников цикла")
FEEDBACK_HEADERS = ("Вопрос", "Ответ или тема", "Человек", "Доля")
SATISFACTION_HEADERS = ("Ответ", "Человек", "Доля")
DIAGNOSTIC_HEADERS = ("Анкета", "Направление", "Ответивших", "Средний балл", "С дефицитом")
REQUEST_HEADERS = ("Анкета", "Тема запроса", "Человек")
CONSULTATION_HEADERS = ("Тема", "Всего", "Новые", "В работе", "С ответом")
ORG_HEADERS = ("Организация", "Участий в мероприятиях")

TEMPLATE_NOT_DOCX = "Нужен файл Word в формате DOCX."
TEMPLATE_TOO_BIG = "Файл шаблона слишком большой: не больше {limit_mb} МБ."
TEMPLATE_ERROR = "Шаблон не принят: в нём ошибка — {reason}."
UNKNOWN_FIELD = "неизвестное поле «{name}» (проверьте написание в фигурных скобках)"
SYNTAX = "теги в фигурных скобках записаны с ошибкой ({message})"
TEMPLATE_BROKEN = (
    "Шаблон не принят: файл не удаётся открыть как документ Word ({reason}). "
    "Сохраните его в Word как «Документ Word (.docx)» и пришлите снова."
)

SAMPLE_FORM = "Семинар"
SAMPLE_TITLE = "Пример"
SAMPLE_DATE = "1 сентября 2025"
SAMPLE_ORGANISERS = "Иванова И. И., ИМЦ"
SAMPLE_GOAL = "Пример цели"
SAMPLE_QUESTION = "Пример вопроса"
SAMPLE_ANSWER = "Пример ответа"


def people(n: int) -> str:
    """«3 чел.» as the district reports write it."""
    return f"{n} чел."


__all__ = ["quantity"]
