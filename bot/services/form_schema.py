"""The schema of a form file, as pydantic models; errors name the file and the question."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.texts import forms as t
from bot.topics import TOPICS

ID_PATTERN = r"^[a-z][a-z0-9_]{0,23}$"
#: Audience values besides role values: the management reserve is a flag, not a role.
MANAGEMENT_RESERVE = "management_reserve"
AUDIENCES = frozenset({"teacher", "head", "deputy", "methodologist", "admin", MANAGEMENT_RESERVE})
TEXT_LIMIT = 4000
Kind = Literal["single", "multi", "scale", "text", "number"]
#: What a question may take from the person's profile instead of asking: «role» for a choice
#: whose options name the role they stand for (`profile`), «organisation» and «position» for text.
ProfileField = Literal["role", "organisation", "position"]
Purpose = Literal["diagnostic", "feedback", "survey"]


class FormFileError(ValueError):
    """A form file cannot be used; the message is one line naming the file and the place."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Strict):
    value: Annotated[str, Field(pattern=ID_PATTERN)]
    label: Annotated[str, Field(min_length=1, max_length=60)]
    # A choice may count towards its question's area like a point of the scale.
    score: float | None = None
    # For a question `from_profile: role`: the role (or management_reserve) this choice stands for.
    profile: str | None = None


class Condition(_Strict):
    """Show a question only when an earlier one was answered so."""

    question: str
    equals: str | int | None = None
    any_of: list[str | int] | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        if (self.equals is None) == (self.any_of is None):
            raise ValueError(t.SCHEMA_CONDITION_ONE_TEST)
        return self

    def accepts(self, value: Any) -> bool:
        wanted = [self.equals] if self.any_of is None else list(self.any_of)
        values = value if isinstance(value, list) else [value]
        return any(v in wanted or str(v) in [str(w) for w in wanted] for v in values)


class Question(_Strict):
    id: Annotated[str, Field(pattern=ID_PATTERN)]
    kind: Kind
    text: Annotated[str, Field(min_length=1, max_length=1000)]
    hint: str = ""
    required: bool = True
    options: list[Option] = Field(default_factory=list)
    # Scale 1–5: labels of the points, all five or none.
    scale_labels: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list)
    max_length: Annotated[int, Field(ge=1, le=TEXT_LIMIT)] = 1000
    min: float | None = None
    max: float | None = None
    integer: bool = True
    area: str | None = None
    show_if: Condition | None = None
    # Taken from the profile when it holds the answer (the question is then not asked).
    from_profile: ProfileField | None = None

    @model_validator(mode="after")
    def _kind_fields(self) -> Question:
        if self.kind in ("single", "multi"):
            if len(self.options) < 2:
                raise ValueError(t.SCHEMA_NEED_OPTIONS)
            values = [o.value for o in self.options]
            if len(set(values)) != len(values):
                raise ValueError(t.SCHEMA_DUPLICATE_OPTIONS)
            if len(self.options) > 12:
                raise ValueError(t.SCHEMA_TOO_MANY_OPTIONS)
        elif self.options:
            raise ValueError(t.SCHEMA_OPTIONS_NOT_ALLOWED)
        if self.kind == "scale" and self.scale_labels and len(self.scale_labels) != 5:
            raise ValueError(t.SCHEMA_SCALE_LABELS)
        if self.kind == "number" and (self.min is None or self.max is None or self.min > self.max):
            raise ValueError(t.SCHEMA_NUMBER_RANGE)
        if self.area is not None and self.kind not in ("scale", "single"):
            raise ValueError(t.SCHEMA_AREA_KIND)
        if (
            self.area is not None
            and self.kind == "single"
            and any(o.score is None for o in self.options)
        ):
            raise ValueError(t.SCHEMA_OPTION_SCORES)
        if self.from_profile == "role" and (
            self.kind != "single" or not any(o.profile for o in self.options)
        ):
            raise ValueError(t.SCHEMA_PROFILE_ROLE)
        if self.from_profile in ("organisation", "position") and self.kind != "text":
            raise ValueError(t.SCHEMA_PROFILE_TEXT)
        if any(o.profile for o in self.options) and self.from_profile != "role":
            raise ValueError(t.SCHEMA_PROFILE_OPTION)
        unknown = [o.profile for o in self.options if o.profile and o.profile not in AUDIENCES]
        if unknown:
            raise ValueError(t.SCHEMA_UNKNOWN_AUDIENCE.format(values=", ".join(unknown)))
        if self.from_profile is not None and self.show_if is not None:
            raise ValueError(t.SCHEMA_PROFILE_CONDITION)
        return self

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


class Section(_Strict):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    intro: str = ""
    questions: Annotated[list[Question], Field(min_length=1)]


class Area(_Strict):
    code: Annotated[str, Field(pattern=ID_PATTERN)]
    title: Annotated[str, Field(min_length=1, max_length=120)]
    short: Annotated[str, Field(max_length=30)] = ""
    topics: Annotated[list[str], Field(min_length=1)]
    threshold: float | None = None

    @field_validator("topics")
    @classmethod
    def _known_topics(cls, topics: list[str]) -> list[str]:
        unknown = [code for code in topics if code not in TOPICS]
        if unknown:
            raise ValueError(t.SCHEMA_UNKNOWN_TOPICS.format(topics=", ".join(unknown)))
        return topics


class FormDef(_Strict):
    """A whole form: sections of questions, and for diagnostics the areas that are scored."""

    code: Annotated[str, Field(pattern=ID_PATTERN)]
    title: Annotated[str, Field(min_length=1, max_length=300)]
    purpose: Purpose = "survey"
    intro: str = ""
    outro: str = ""
    audience: list[str] = Field(default_factory=list)
    threshold: Annotated[float, Field(ge=1, le=5)] = 3.0
    areas: list[Area] = Field(default_factory=list)
    sections: Annotated[list[Section], Field(min_length=1)]

    @field_validator("audience")
    @classmethod
    def _known_audience(cls, audience: list[str]) -> list[str]:
        unknown = [a for a in audience if a not in AUDIENCES]
        if unknown:
            raise ValueError(t.SCHEMA_UNKNOWN_AUDIENCE.format(values=", ".join(unknown)))
        return audience

    @property
    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def section_of(self, question_id: str) -> int:
        for index, section in enumerate(self.sections):
            if any(q.id == question_id for q in section.questions):
                return index
        raise KeyError(question_id)

    def area(self, code: str) -> Area | None:
        return next((a for a in self.areas if a.code == code), None)

    def threshold_of(self, area: Area) -> float:
        return area.threshold if area.threshold is not None else self.threshold


def _cross_check(form: FormDef) -> tuple[str | None, str] | None:
    """Checks across questions; returns (question id or None, message) of the first problem."""
    seen: dict[str, Question] = {}
    area_codes = [a.code for a in form.areas]
    if len(set(area_codes)) != len(area_codes):
        return None, t.SCHEMA_DUPLICATE_AREAS
    for question in form.questions:
        if question.id in seen:
            return question.id, t.SCHEMA_DUPLICATE_ID
        if question.area is not None and question.area not in area_codes:
            return question.id, t.SCHEMA_UNKNOWN_AREA.format(area=question.area)
        condition = question.show_if
        if condition is not None:
            earlier = seen.get(condition.question)
            if earlier is None:
                return question.id, t.SCHEMA_CONDITION_EARLIER.format(question=condition.question)
            wanted = [condition.equals] if condition.any_of is None else condition.any_of
            if earlier.options and any(earlier.option(str(w)) is None for w in wanted):
                return question.id, t.SCHEMA_CONDITION_VALUE.format(question=earlier.id)
        seen[question.id] = question
    if form.purpose == "diagnostic":
        if not form.areas:
            return None, t.SCHEMA_NO_AREAS
        scored = {q.area for q in form.questions if q.area}
        empty = [a for a in area_codes if a not in scored]
        if empty:
            return None, t.SCHEMA_EMPTY_AREA.format(area=empty[0])
    return None


def _place(raw: Any, loc: tuple[int | str, ...]) -> str:
    """Where in the file an error is: the question id when the location is inside a question."""
    if len(loc) >= 4 and loc[0] == "sections" and loc[2] == "questions":
        try:
            question = raw["sections"][loc[0 + 1]]["questions"][loc[3]]
            qid = question.get("id") if isinstance(question, dict) else None
        except (KeyError, IndexError, TypeError):
            qid = None
        number = int(loc[3]) + 1 if isinstance(loc[3], int) else loc[3]
        label = t.PLACE_QUESTION.format(id=qid) if qid else t.PLACE_QUESTION_N.format(n=number)
        rest = ".".join(str(p) for p in loc[4:])
        return label + (f", {t.PLACE_FIELD.format(field=rest)}" if rest else "")
    if len(loc) >= 2 and loc[0] == "sections":
        rest = ".".join(str(p) for p in loc[2:])
        label = t.PLACE_SECTION.format(n=int(loc[1]) + 1 if isinstance(loc[1], int) else loc[1])
        return label + (f", {t.PLACE_FIELD.format(field=rest)}" if rest else "")
    if len(loc) >= 2 and loc[0] == "areas":
        try:
            code = raw["areas"][loc[1]].get("code")
        except (KeyError, IndexError, TypeError, AttributeError):
            code = None
        return t.PLACE_AREA.format(code=code or loc[1])
    return t.PLACE_FIELD.format(field=".".join(str(p) for p in loc) or "—")


def parse_form(name: str, source: str) -> FormDef:
    """Parse and validate a form file; raises FormFileError «name: where: what is wrong»."""
    try:
        raw = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = (
            t.PLACE_LINE_COLUMN.format(line=mark.line + 1, column=mark.column + 1)
            if mark is not None
            else t.PLACE_SYNTAX
        )
        # PyYAML explains in English («expected ',' or ']'»): methodologists get Russian advice.
        raise FormFileError(f"{name}: {where}: {t.SCHEMA_BAD_YAML}") from None
    if not isinstance(raw, dict):
        raise FormFileError(f"{name}: {t.SCHEMA_NOT_MAPPING}")
    try:
        form = FormDef.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        message = t.SCHEMA_ERROR_TYPES.get(str(error["type"])) or re.sub(
            r"^(Value error|Assertion failed), ", "", str(error["msg"])
        )
        raise FormFileError(f"{name}: {_place(raw, tuple(error['loc']))}: {message}") from None
    problem = _cross_check(form)
    if problem is not None:
        qid, message = problem
        where = t.PLACE_QUESTION.format(id=qid) if qid else t.PLACE_FORM
        raise FormFileError(f"{name}: {where}: {message}")
    return form
