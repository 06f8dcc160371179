"""Applying Alembic migrations from the bot's own commands.

The Alembic environment ships inside the package (`migrations`), so an installed bot migrates
from any working directory. Several processes starting at once never run a migration twice:
on PostgreSQL env.py holds a transaction-level advisory lock while it reads the current revision
and upgrades; on SQLite a lock file beside the database serialises the upgrades (and the
migration transaction begins with SQLite's write lock, BEGIN IMMEDIATE, as every transaction of
the bot does).

Alembic is imported inside the functions: the long-running bot migrates in a short-lived child
process (`prepare_in_child`), so alembic (~9 MB resident) never loads into it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

import migrations

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent
#: pg_advisory_xact_lock key of the migration step (any constant shared by every instance).
ADVISORY_LOCK_KEY = 0x6D6574_6F64  # "metod"


def alembic_config(database_url: str) -> Config:
    """Alembic's Config built in code: no alembic.ini needed (that file serves the alembic CLI)."""
    # Alembic announces every plugin at INFO when it is imported; only the migrations it runs
    # are worth a log line.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["database_url"] = database_url
    return config


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite URL; None for PostgreSQL or an in-memory database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).expanduser()


@contextlib.contextmanager
def file_lock(path: Path, *, shared: bool = False, wait: bool = True) -> Iterator[bool]:
    """An flock on `path` (created if missing); yields False when `wait` is off and it is held."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock, as before
        yield True
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        flags = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        try:
            fcntl.flock(handle, flags | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply pending migrations (blocking; env.py runs its own event loop)."""
    config = alembic_config(database_url)
    from alembic import command

    path = sqlite_path(database_url)
    lock = (
        file_lock(path.with_name(path.name + ".migrate.lock"))
        if path is not None
        else contextlib.nullcontext(True)
    )
    with lock:
        command.upgrade(config, revision)


def downgrade(database_url: str, revision: str) -> None:
    """Undo migrations down to `revision` (used by the tests of every migration's downgrade)."""
    config = alembic_config(database_url)
    from alembic import command

    command.downgrade(config, revision)


async def upgrade_async(database_url: str, revision: str = "head") -> None:
    """Apply migrations from inside a running loop: env.py needs a thread without one."""
    await asyncio.to_thread(upgrade, database_url, revision)


def prepare(
    database_url: str,
    forms_folder: Path | None = None,
    log_level: str = "INFO",
    log_format: str = "text",
) -> None:
    """Migrate and load the form files (FormFileError names a malformed one)."""
    from bot.ops import logs
    from bot.services import forms

    logs.setup(log_level, log_format)  # a fresh child process logs like the parent
    upgrade(database_url)
    asyncio.run(forms.load_into(database_url, forms_folder))


async def prepare_in_child(
    database_url: str,
    forms_folder: Path | None = None,
    log_level: str = "INFO",
    log_format: str = "text",
) -> None:
    """`prepare` in a spawned child process; its errors are raised here."""
    context = multiprocessing.get_context("spawn")
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        await loop.run_in_executor(pool, prepare, database_url, forms_folder, log_level, log_format)
