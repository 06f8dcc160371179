"""The audit log in the chat, its export, and the retention of personal data."""

SECTION = "📜 Журнал действий"
ONLY_ADMIN = "Журнал действий доступен только администраторам."
TITLE = "<b>Журнал действий</b>\nРаздел: {kind}. Период: {period}. Записей: {count}.\n\n{lines}"
EMPTY = "Записей нет."
LINE = "{at} · {actor}: {action}{subject}{details}"
SUBJECT = " → {name}"
SYSTEM = "система"
UNKNOWN_PERSON = "(удалён)"
KIND_ALL = "все"
KIND_BUTTON = "Раздел: {kind}"
PERIOD_BUTTON = "Период: {period}"
PERIODS = {0: "всё время", 1: "сутки", 7: "7 дней", 30: "30 дней", 365: "год"}
PICK_KIND = "Какие действия показать?"
PICK_PERIOD = "За какой период?"
EXPORT_XLSX = "📥 XLSX"
EXPORT_CSV = "📥 CSV"
EXPORT_TITLE = "Журнал"
EXPORT_FILENAME = "журнал_действий"
EXPORT_HEADERS = [
    "Когда",
    "Кто",
    "Действие",
    "Код действия",
    "Над кем",
    "Объект",
    "Номер объекта",
    "Параметры",
]
#: Groups of actions (the part before the dot) for the filter.
KINDS = {
    "role": "роли",
    "head": "руководители",
    "export": "выгрузки",
    "form": "анкеты",
    "event": "мероприятия",
    "privacy": "удаление данных",
    "reminder": "напоминания",
    "broadcast": "рассылки",
    "report": "отчёты",
}
ACTIONS = {
    "role.grant": "назначил(а) методистом",
    "role.revoke": "снял(а) роль методиста",
    "role.reject": "отклонил(а) заявку методиста",
    "head.confirm": "подтвердил(а) руководителя",
    "head.reject": "отклонил(а) заявку руководителя",
    "head.revoke": "отозвал(а) подтверждение руководителя",
    "head.drop": "подтверждение руководителя снято (смена профиля)",
    "export.registrations": "выгрузил(а) записавшихся",
    "export.feedback": "выгрузил(а) отзывы",
    "export.form": "выгрузил(а) ответы на анкету",
    "export.organisation": "выгрузил(а) сведения об организации",
    "export.audit": "выгрузил(а) журнал действий",
    "export.routes": "выгрузил(а) дефициты по организациям",
    "form.upload": "загрузил(а) новую версию анкеты",
    "event.cancel": "отменил(а) мероприятие",
    "privacy.delete": "удалил(а) свои персональные данные",
    "privacy.retention": "обезличен(а) по сроку хранения",
    "reminder.form": "напомнил(а) о непройденной анкете",
    "reminder.feedback": "напомнил(а) об отзыве",
}
OBJECT = " ({kind} № {id})"
OBJECT_KINDS = {
    "event": "мероприятие",
    "form": "анкета",
    "organisation": "организация",
    "person": "человек",
    "audit": "журнал",
}
