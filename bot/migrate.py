"""Applying Alembic migrations from the bot's own commands.

Alembic is imported inside the functions: the long-running bot migrates in a short-lived child
process (`prepare_in_child`), so alembic (~9 MB resident) never loads into it.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply pending migrations (blocking; env.py runs its own event loop)."""
    from alembic import command

    # Alembic announces every plugin at INFO; only the migrations it runs are worth a log line.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    command.upgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str, revision: str = "head") -> None:
    """Apply migrations from inside a running loop: env.py needs a thread without one."""
    await asyncio.to_thread(upgrade, database_url, revision)


def prepare(database_url: str, log_level: str = "INFO", forms_folder: Path | None = None) -> None:
    """Migrate and load the form files (FormFileError names a malformed one)."""
    from bot.services import forms

    if not logging.root.handlers:  # a fresh child process: log like the parent
        logging.basicConfig(
            level=log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    upgrade(database_url)
    asyncio.run(forms.load_into(database_url, forms_folder))


async def prepare_in_child(
    database_url: str, log_level: str = "INFO", forms_folder: Path | None = None
) -> None:
    """`prepare` in a spawned child process; its errors are raised here."""
    context = multiprocessing.get_context("spawn")
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        await loop.run_in_executor(pool, prepare, database_url, log_level, forms_folder)
