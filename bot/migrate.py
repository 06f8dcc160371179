"""Applying Alembic migrations from the bot's own commands.

The Alembic environment ships inside the package (`migrations`), so an installed bot migrates
from any working directory. Several processes starting at once never run a migration twice:
on PostgreSQL env.py holds a transaction-level advisory lock while it reads the current revision
and upgrades; on SQLite a lock file beside the database serialises the upgrades (and the
migration transaction begins with SQLite's write lock, BEGIN IMMEDIATE, as every transaction of
the bot does).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

# Alembic announces every plugin at INFO when it is imported; only the migrations it runs are
# worth a log line.
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import migrations  # noqa: E402

MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent
#: pg_advisory_xact_lock key of the migration step (any constant shared by every instance).
ADVISORY_LOCK_KEY = 0x6D6574_6F64  # "metod"


def alembic_config(database_url: str) -> Config:
    """Alembic's Config built in code: no alembic.ini needed (that file serves the alembic CLI)."""
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
    path = sqlite_path(database_url)
    lock = (
        file_lock(path.with_name(path.name + ".migrate.lock"))
        if path is not None
        else contextlib.nullcontext(True)
    )
    with lock:
        command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Undo migrations down to `revision` (used by the tests of every migration's downgrade)."""
    command.downgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str, revision: str = "head") -> None:
    """Apply migrations from inside a running loop: env.py needs a thread without one."""
    await asyncio.to_thread(upgrade, database_url, revision)
