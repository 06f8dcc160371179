"""Builds the default annual report template (templates/annual_report.docx) with python-docx.

Run `python -m bot.reports.make_template` after changing it and commit the .docx. The template
is a Word document with docxtpl (Jinja) tags: `{{ period }}`, paragraphs `{%p for … %}` and
table rows `{%tr for … %}`; a methodologist can restyle it in Word and upload it in the chat.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

TARGET = Path(__file__).parent / "templates" / "annual_report.docx"


def _table(doc: Any, headers: list[str], loop: str, cells: list[str]) -> None:
    table = doc.add_table(rows=0, cols=len(headers))
    table.style = "Table Grid"
    header = table.add_row().cells
    for cell, text in zip(header, headers, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    table.add_row().cells[0].text = "{%tr for " + loop + " %}"
    for cell, text in zip(table.add_row().cells, cells, strict=True):
        cell.text = text
    table.add_row().cells[0].text = "{%tr endfor %}"


def build(target: Path = TARGET) -> None:
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(12)
    doc.add_heading("Аналитический отчёт о деятельности методической службы", level=0)
    doc.add_paragraph("Период: {{ period }}. Отчёт сформирован {{ generated }}.")

    doc.add_heading("1. Мероприятия", level=1)
    doc.add_paragraph(
        "Всего проведено мероприятий: {{ events_total }}; участий в них: {{ participants_total }}."
    )
    doc.add_paragraph("{%p for k in kinds %}")
    doc.add_heading("{{ k.kind }} (участий: {{ k.participants }})", level=2)
    _table(
        doc,
        ["Форма", "Название", "Дата", "Организаторы", "Цель", "Количество участников"],
        "e in k.events",
        [
            "{{ e.form }}",
            "{{ e.title }}",
            "{{ e.date }}",
            "{{ e.organisers }}",
            "{{ e.goal }}",
            "{{ e.participants }}",
        ],
    )
    doc.add_paragraph("{%p endfor %}")

    doc.add_heading("2. Сетевые семинары и циклы мероприятий", level=1)
    doc.add_paragraph("{%p for s in series %}")
    doc.add_heading("{{ s.title }}", level=2)
    doc.add_paragraph(
        "Встреч: {{ s.meetings|length }}; участий: {{ s.participants }}; "
        "разных участников: {{ s.people }}."
    )
    _table(
        doc,
        ["Встреча", "Дата", "Количество участников"],
        "m in s.meetings",
        ["{{ m.title }}", "{{ m.date }}", "{{ m.participants }}"],
    )
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p if not series %}")
    doc.add_paragraph("Циклов мероприятий за период не было.")
    doc.add_paragraph("{%p endif %}")

    doc.add_heading("3. Конференции", level=1)
    doc.add_paragraph("{%p if conferences %}")
    _table(
        doc,
        ["Название", "Дата", "Организаторы", "Цель", "Количество участников"],
        "e in conferences",
        [
            "{{ e.title }}",
            "{{ e.date }}",
            "{{ e.organisers }}",
            "{{ e.goal }}",
            "{{ e.participants }}",
        ],
    )
    doc.add_paragraph("{%p else %}")
    doc.add_paragraph("Конференций за период не было.")
    doc.add_paragraph("{%p endif %}")

    doc.add_heading("4. Удовлетворённость участников", level=1)
    doc.add_paragraph("Получено отзывов: {{ feedback_responses }}. {{ feedback_question }}")
    _table(
        doc,
        ["Ответ", "Человек", "Доля"],
        "s in satisfaction",
        ["{{ s.label }}", "{{ s.count }}", "{{ s.percent }}"],
    )
    doc.add_paragraph("{{ chart_satisfaction }}")
    doc.add_paragraph("{%p if use_themes %}")
    doc.add_paragraph("{{ use_question }} Ответы участников по темам:")
    doc.add_paragraph("{%p for th in use_themes %}")
    doc.add_paragraph("{{ th.label }} – {{ th.percent }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p endif %}")

    doc.add_heading("5. Диагностика профессиональных дефицитов", level=1)
    doc.add_paragraph("{%p for d in diagnostics %}")
    doc.add_heading("{{ d.form }}: ответили {{ d.respondents }} чел.", level=2)
    _table(
        doc,
        ["Направление", "Средний балл", "С дефицитом, чел.", "Ответивших"],
        "a in d.areas",
        ["{{ a.title }}", "{{ a.average }}", "{{ a.deficits }}", "{{ a.respondents }}"],
    )
    doc.add_paragraph("{%p if d.requests %}")
    doc.add_paragraph("Запросы на методическое сопровождение:")
    doc.add_paragraph("{%p for r in d.requests %}")
    doc.add_paragraph("{{ r.label }} – {{ r.percent }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p endfor %}")

    doc.add_heading("6. Консультации (адресная помощь)", level=1)
    doc.add_paragraph("Всего запросов: {{ consultations_total }}.")
    _table(
        doc,
        ["Тема", "Всего", "Новые", "В работе", "С ответом"],
        "c in consultations",
        ["{{ c.topic }}", "{{ c.total }}", "{{ c.new }}", "{{ c.in_work }}", "{{ c.done }}"],
    )

    doc.add_heading("7. Показатели концепции", level=1)
    doc.add_paragraph("{{ basis }}")
    _table(
        doc,
        ["Показатель", "Числитель", "Знаменатель", "Доля"],
        "i in indicators",
        ["{{ i.title }}", "{{ i.numerator }}", "{{ i.denominator }}", "{{ i.percent }}"],
    )
    doc.add_paragraph("{{ chart_shares }}")
    doc.add_paragraph("{{ chart_kinds }}")
    target.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(target))


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET)
