"""A plain (non-editable) install of the built wheel migrates and runs from any folder."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from bot.emulator import BotApiEmulator
from tests.conftest import TOKEN

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["bot", "handlers", "models", "migrations", "pyproject.toml", "README.md"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with only the wheel in it; the dependencies are those of the test venv,
    made visible by a .pth line (no network, no editable finder: only its files are on sys.path).
    """
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy(path, src / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    dist = base / "dist"
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(src)],
        check=True,
        cwd=base,
        capture_output=True,
    )
    (wheel,) = dist.glob("metodbot-*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [*pip, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BOT_", "DATABASE_", "TEST_", "PYTHON", "WEBHOOK_", "HEALTH_"))
    }
    env.update(extra)
    return env


def test_the_wheel_holds_the_package_files_and_not_the_work_tree(
    installed: Path, tmp_path: Path
) -> None:
    probe = (
        "import bot, migrations, bot.forms, models, handlers;"
        "from bot.migrate import MIGRATIONS_DIR;"
        "print(bot.__file__); print(MIGRATIONS_DIR);"
        "print(sorted(p.name for p in (MIGRATIONS_DIR / 'versions').glob('0*.py')));"
        "print(sorted(p.name for p in bot.forms.FORMS_DIR.glob('*.yaml')))"
    )
    out = subprocess.run(
        [str(installed), "-c", probe],
        cwd=tmp_path,
        env=clean_env(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    venv = installed.parent.parent
    assert Path(out[0]).is_relative_to(venv) and Path(out[1]).is_relative_to(venv)
    shipped = sorted(p.name for p in (ROOT / "migrations" / "versions").glob("0*.py"))
    assert out[2] == str(shipped) and len(shipped) >= 6
    assert "head_card.yaml" in out[3] and "event_feedback.yaml" in out[3]


def test_installed_bot_migrates_from_another_folder(installed: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    db = tmp_path / "data" / "bot.db"
    env = clean_env(DATABASE_URL=f"sqlite+aiosqlite:///{db}")
    result = subprocess.run(
        [str(installed), "-m", "bot", "migrate"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Анкеты загружены" in result.stdout
    with sqlite3.connect(db) as conn:
        (version,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        forms = {code for (code,) in conn.execute("SELECT code FROM forms")}
    heads = sorted(p.name.split("_")[0] for p in (ROOT / "migrations/versions").glob("0*.py"))
    assert version == heads[-1]
    assert {"head_card", "teacher_deficits", "event_feedback"} <= forms
    assert list(elsewhere.iterdir()) == []  # nothing was written to the working folder


async def test_installed_bot_runs_and_stops(
    installed: Path, tmp_path: Path, emulator: BotApiEmulator
) -> None:
    db = tmp_path / "bot.db"
    env = clean_env(
        DATABASE_URL=f"sqlite+aiosqlite:///{db}",
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE=emulator.base_url,
    )
    proc = await asyncio.create_subprocess_exec(
        str(installed), "-m", "bot", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        await emulator.wait_for(lambda c: c.method == "getUpdates", timeout=90)
        mark = len(emulator.calls)
        emulator.send_text(4242, "/start")
        await emulator.wait_for(
            lambda c: c.chat_id == 4242 and "Согласны ли вы" in (c.text or ""),
            since=mark,
            timeout=30,
        )
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), timeout=30) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def test_the_lock_file_pins_every_dependency() -> None:
    """requirements.lock (pip-tools: `make lock`) pins every dependency of pyproject.toml,
    the dev extra included; a new dependency without a pin fails here."""
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    pinned = {
        m.group(1).lower().replace("_", "-")
        for m in re.finditer(
            r"^([A-Za-z0-9_.-]+)==", (ROOT / "requirements.lock").read_text(), re.M
        )
    }
    unsafe = {"setuptools", "pip"}  # pip-tools leaves these to the installer
    names = {
        re.split(r"[\[<>=!~ ;]", req, maxsplit=1)[0].lower().replace("_", "-") for req in wanted
    }
    assert names - unsafe <= pinned, sorted(names - unsafe - pinned)
