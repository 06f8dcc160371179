"""Scoring a diagnostic: a score per area (1–5) and the areas under their threshold (deficits)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.services.form_schema import FormDef


@dataclass(frozen=True)
class AreaScore:
    code: str
    title: str
    short: str
    score: float | None  # None when every item of the area was skipped
    threshold: float
    topics: tuple[str, ...]

    @property
    def is_deficit(self) -> bool:
        return self.score is not None and self.score < self.threshold


def score(form: FormDef, values: dict[str, Any]) -> list[AreaScore]:
    """Mean of the area's scale points and choice scores, in the order of the form's areas."""
    points: dict[str, list[float]] = {a.code: [] for a in form.areas}
    for question in form.questions:
        value = values.get(question.id)
        if question.area is None or value is None:
            continue
        if question.kind == "scale":
            points[question.area].append(float(value))
        elif question.kind == "single":
            option = question.option(str(value))
            if option is not None and option.score is not None:
                points[question.area].append(option.score)
    return [
        AreaScore(
            code=area.code,
            title=area.title,
            short=area.short or area.title,
            score=round(sum(points[area.code]) / len(points[area.code]), 2)
            if points[area.code]
            else None,
            threshold=form.threshold_of(area),
            topics=tuple(area.topics),
        )
        for area in form.areas
    ]


def deficits(scores: list[AreaScore]) -> list[AreaScore]:
    """Areas under the threshold, weakest first."""
    return sorted((s for s in scores if s.is_deficit), key=lambda s: (s.score or 0, s.code))


def from_stored(form: FormDef, stored: dict[str, float]) -> list[AreaScore]:
    """Area scores of a submitted response from its stored `scores`."""
    return [
        AreaScore(
            code=area.code,
            title=area.title,
            short=area.short or area.title,
            score=stored.get(area.code),
            threshold=form.threshold_of(area),
            topics=tuple(area.topics),
        )
        for area in form.areas
    ]
