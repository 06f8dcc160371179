"""Free answers grouped into themes with the number of people, whatever the word forms.

«проектное управление», «проектного управления» and «Проектным управлением» are one theme:
each answer is split into noun phrases (adjectives followed by a noun, and a noun with the
genitive noun after it), every word is reduced to its lemma with pymorphy3, and a theme is the
set of answers that contain the same lemmas. A theme is shown in the form people wrote most
often, preferring the nominative. Each person counts once per theme.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

_WORD = re.compile(r"[а-яёa-z]+(?:-[а-яёa-z]+)*", re.IGNORECASE)
#: Words that say nothing about the theme of an answer.
_STOP_LEMMAS = frozenset(
    "всё весь это который свой мой наш ваш работа работать использовать планировать "
    "применять использование применение материал информация идея опыт мероприятие "
    "вебинар семинар свой практика очень много новый полезный интересный каждый "
    "другой такой данный этот тот сам себя ещё также пока буду быть элемент приём урок "
    "школа класс занятие спасибо".replace("ё", "е").split()
)
_CONTENT = {"NOUN", "ADJF", "PRTF"}


@dataclass(frozen=True)
class Theme:
    label: str
    count: int  # people (answers) that mention it


@cache
def _analyzer() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=100_000)
def _parse(word: str) -> tuple[str, str, str | None]:
    """(lemma, part of speech, case) of the most likely reading."""
    best = _analyzer().parse(word)[0]
    return best.normal_form.replace("ё", "е"), str(best.tag.POS), best.tag.case


@lru_cache(maxsize=100_000)
def _can_be_nominative(word: str) -> bool:
    return any(p.tag.case == "nomn" for p in _analyzer().parse(word))


def phrases(text: str) -> list[tuple[tuple[str, ...], str]]:
    """The noun phrases of a text: (lemmas, the words as written)."""
    found: list[tuple[tuple[str, ...], str]] = []
    for sentence in re.split(r"[.,;:!?()\n«»\"]+", text.casefold()):
        words = _WORD.findall(sentence)
        parsed = [(w, *_parse(w)) for w in words]
        i = 0
        while i < len(parsed):
            j = i
            while j < len(parsed) and parsed[j][2] in ("ADJF", "PRTF"):
                j += 1
            if j < len(parsed) and parsed[j][2] == "NOUN":
                end = j + 1
                # A noun in the genitive completes the phrase: «развитие грамотности».
                if end < len(parsed) and parsed[end][2] == "NOUN" and parsed[end][3] == "gent":
                    end += 1
                chunk = [p for p in parsed[i:end] if p[1] not in _STOP_LEMMAS]
                if chunk and any(p[2] == "NOUN" for p in chunk):
                    found.append(
                        (tuple(p[1] for p in chunk), " ".join(p[0] for p in parsed[i:end]))
                    )
                i = end
            else:
                i = max(j, i + 1)
    return found


def group(answers: Iterable[str], limit: int = 15, minimum: int = 1) -> list[Theme]:
    """The most frequent themes of the answers, each with how many answers mention it.

    Themes of several words come first when as frequent: «проектное управление» says more than
    «управление». A one-word theme is dropped when it is only ever part of a bigger one.
    """
    people: dict[tuple[str, ...], set[int]] = defaultdict(set)
    forms: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    for number, text in enumerate(answers):
        for lemmas, written in phrases(text):
            key = tuple(sorted(set(lemmas)))
            people[key].add(number)
            forms[key][written] += 1
    keys = list(people)
    for key in keys:
        if len(key) == 1:
            containing = [k for k in keys if len(k) > 1 and key[0] in k]
            covered: set[int] = set().union(*(people[k] for k in containing))
            if containing and people[key] <= covered:
                del people[key]
    ranked = sorted(people.items(), key=lambda kv: (-len(kv[1]), -len(kv[0]), kv[0]))
    return [
        Theme(_label(forms[key]), len(who)) for key, who in ranked[:limit] if len(who) >= minimum
    ]


def _label(written: Counter[str]) -> str:
    """The form most written, preferring one whose last noun is in the nominative."""

    def nominative(text: str) -> bool:
        return all(_can_be_nominative(word) for word in text.split())

    best = sorted(written.items(), key=lambda kv: (not nominative(kv[0]), -kv[1], kv[0]))
    text = best[0][0] if nominative(best[0][0]) else _to_nominative(best[0][0])
    return text[:1].upper() + text[1:]


def _to_nominative(text: str) -> str:
    """«проектного управления» → «проектное управление»: the head noun in its dictionary form,
    the adjectives before it agreed with it; a genitive noun after it stays as written."""
    analyzer = _analyzer()
    words = text.split()
    parses = [analyzer.parse(w)[0] for w in words]
    head = next((i for i, p in enumerate(parses) if p.tag.POS == "NOUN"), None)
    if head is None:
        return text
    noun = parses[head]
    number = noun.tag.number or "sing"
    result = []
    for i, (word, parsed) in enumerate(zip(words, parses, strict=True)):
        if i < head:
            wanted = {"nomn", number} | (
                {noun.tag.gender} if number == "sing" and noun.tag.gender else set()
            )
            inflected = parsed.inflect(wanted)
            result.append(inflected.word if inflected else word)
        elif i == head:
            inflected = parsed.inflect({"nomn", number})
            result.append(inflected.word if inflected else parsed.normal_form)
        else:
            result.append(word)
    return " ".join(result)
