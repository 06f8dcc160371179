"""The topics vocabulary shared by events (their tags) and diagnostics (areas → deficits → events).

Codes are stored in the database; labels are what people see and may type in import files.
"""

from __future__ import annotations

TOPICS: dict[str, str] = {
    "normative": "Нормативно-правовое обеспечение",
    "subject": "Предметная подготовка",
    "methods": "Методика преподавания",
    "psychology": "Психолого-педагогическая компетентность",
    "functional_literacy": "Функциональная грамотность",
    "formative_assessment": "Формирующее оценивание",
    "digital": "Цифровая образовательная среда и цифровые инструменты",
    "inclusive": "Инклюзивное образование и обучающиеся с ОВЗ",
    "upbringing": "Воспитательная работа",
    "projects": "Проектная и исследовательская деятельность",
    "parents": "Работа с родителями",
    "young_specialists": "Молодые специалисты и наставничество",
    "quality_management": "Управление качеством образования",
    "staff_development": "Управление профессиональным ростом педагогов",
    "strategy": "Стратегическое и проектное управление",
    "finance": "Финансово-экономическая деятельность и грантовые конкурсы",
    "team": "Управление командой и конфликты",
}

_BY_LABEL = {label.casefold(): code for code, label in TOPICS.items()}


def topic_code(text: str) -> str | None:
    """The code for a code or a label typed by a person (case-insensitive), or None."""
    key = " ".join(text.split()).casefold()
    if key in TOPICS:
        return key
    return _BY_LABEL.get(key)


def topic_label(code: str) -> str:
    return TOPICS.get(code, code)
