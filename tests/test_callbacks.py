"""Callback data lives in one module, with prefixes that cannot collide."""

from __future__ import annotations

import ast
import pathlib

import pytest
from aiogram.filters.callback_data import CallbackData

from bot import callbacks
from bot.services.outbox import Target

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _classes() -> list[type[CallbackData]]:
    return [
        value
        for value in vars(callbacks).values()
        if isinstance(value, type) and issubclass(value, CallbackData) and value is not CallbackData
    ]


def test_prefixes_are_unique_and_none_is_a_prefix_of_another_with_the_separator() -> None:
    prefixes = [cls.__prefix__ for cls in _classes()]
    assert len(prefixes) >= 19
    assert len(prefixes) == len(set(prefixes))


def test_no_callback_data_class_outside_the_callbacks_module() -> None:
    offenders = []
    for folder in ("bot", "handlers", "models"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == ROOT / "bot" / "callbacks.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ClassDef) and any(
                    getattr(base, "id", None) == "CallbackData" for base in node.bases
                ):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert offenders == []


def test_services_pack_no_callback_strings_by_hand() -> None:
    # A packed string looks like "prefix:action:..." in a payload; services name targets instead.
    prefixes = {cls.__prefix__ for cls in _classes()}
    for path in (ROOT / "bot" / "services").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                head = node.value.split(":", 1)[0]
                assert not (":" in node.value and head in prefixes and " " not in node.value), (
                    f"{path.name}: {node.value!r}"
                )


@pytest.mark.parametrize(
    "name", [v for k, v in vars(Target).items() if not k.startswith("_") and isinstance(v, str)]
)
def test_every_named_target_packs_to_a_callback_within_telegrams_limit(name: str) -> None:
    packed = callbacks.for_target(name, 2_147_483_647).pack()
    assert len(packed.encode()) <= 64


def test_an_unknown_target_is_an_error_not_a_dead_button() -> None:
    with pytest.raises(ValueError):
        callbacks.for_target("nowhere", 1)
