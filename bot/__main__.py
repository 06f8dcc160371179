"""Command line: `python -m bot` runs the bot; sub-commands migrate, seed demo data, import files."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.exc import DBAPIError

from bot.config import Settings, SettingsError, load_settings
from bot.ops import logs
from bot.services import forms
from bot.services.form_schema import FormFileError
from bot.texts import cli as t
from bot.texts import forms as tf

if TYPE_CHECKING:
    from bot.services.tables import RowErrors, Table

Row = TypeVar("Row")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=t.DESCRIPTION)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help=t.HELP_RUN)
    sub.add_parser("migrate", help=t.HELP_MIGRATE)
    sub.add_parser("seed-demo", help=t.HELP_SEED)
    orgs = sub.add_parser("import-orgs", help=t.HELP_IMPORT_ORGS)
    orgs.add_argument("file", type=Path)
    from bot.texts.event_admin import HELP_IMPORT_EVENTS

    calendar = sub.add_parser("import-events", help=HELP_IMPORT_EVENTS)
    calendar.add_argument("file", type=Path)
    backup = sub.add_parser("backup", help=t.HELP_BACKUP)
    backup.add_argument("file", type=Path)
    restore = sub.add_parser("restore", help=t.HELP_RESTORE)
    restore.add_argument("file", type=Path)
    restore.add_argument("--yes", action="store_true", help=t.HELP_RESTORE_YES)
    from bot.texts import sandbox as ts

    sandbox = sub.add_parser("sandbox", help=ts.HELP_SANDBOX)
    sandbox.add_argument("--port", type=_port, default=None, help=ts.HELP_PORT)
    sandbox.add_argument("--fresh", action="store_true", help=ts.HELP_FRESH)
    from bot.texts import reports as tr

    export = sub.add_parser("export", help=tr.HELP_EXPORT)
    export.add_argument("kind", choices=[*tr.EXPORT_KINDS, "indicators", "annual"])
    export.add_argument("--period", default="", help=tr.HELP_PERIOD)
    export.add_argument("--format", dest="fmt", choices=["xlsx", "csv", "docx"], default="xlsx")
    export.add_argument("--out", type=Path, required=True)
    return parser


def _backup(settings: Settings, path: Path) -> int:
    from bot.ops import backup

    try:
        dest = backup.backup(settings.database_url, path)
    except backup.BackupError as exc:
        print(t.BACKUP_FAILED.format(error=exc), file=sys.stderr)
        return 1
    print(t.BACKUP_DONE.format(path=dest, size=_size(dest.stat().st_size)))
    return 0


def _size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} КБ".replace(".", ",")
    return f"{size / 1024 / 1024:.1f} МБ".replace(".", ",")


def _restore(settings: Settings, path: Path, yes: bool) -> int:
    from bot.ops import backup

    if not yes:
        if not sys.stdin.isatty():
            print(t.RESTORE_NEEDS_YES, file=sys.stderr)
            return 2
        answer = input(t.RESTORE_CONFIRM.format(target=settings.database_url_safe, path=path))
        if answer.strip().lower() not in {"да", "д", "yes", "y"}:
            print(t.RESTORE_CANCELLED)
            return 1
    try:
        backup.restore(settings.database_url, path)
    except backup.BackupError as exc:
        print(t.RESTORE_FAILED.format(error=exc), file=sys.stderr)
        return 1
    print(t.RESTORE_DONE.format(path=path))
    return 0


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        from bot.texts import sandbox as ts

        raise argparse.ArgumentTypeError(ts.BAD_PORT.format(port=text))
    return int(text)


def _valid_rows(
    path: Path, parse: Callable[[Table], tuple[list[Row], RowErrors]], refused: str
) -> list[Row] | None:
    """The file's rows when every one is valid; otherwise the reasons go to stderr and None."""
    from bot.services import InvalidInput
    from bot.services.tables import read_table

    try:
        rows, errors = parse(read_table(path.name, path.read_bytes()))
    except InvalidInput as exc:
        print(f"{refused} {exc}", file=sys.stderr)
        return None
    if errors:
        print(refused, file=sys.stderr)
        print(errors.report(limit=100), file=sys.stderr)
        return None
    return rows


async def _with_session(settings: Settings, action: str, path: Path | None = None) -> int:
    from bot.db import create_engine, create_session_factory
    from bot.migrate import upgrade_async
    from bot.services import demo, org_import
    from bot.texts import orgs as to

    await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine).begin() as session:
            if action == "seed-demo":
                counts = await demo.seed_demo(session)
                print(t.SEED_DONE.format(details=", ".join(f"{k}={v}" for k, v in counts.items())))
                return 0
            assert path is not None
            rows = _valid_rows(path, org_import.parse, to.CLI_IMPORT_REFUSED)
            if rows is None:
                return 1
            result = await org_import.apply(session, rows)
            print(to.CLI_IMPORT_DONE.format(added=result.added, updated=result.updated))
            return 0
    finally:
        await engine.dispose()


def _print_forms(results: list[forms.LoadResult]) -> None:
    details = [
        (tf.CLI_FORM_NEW if r.created else tf.CLI_FORM_SAME).format(
            code=r.form.code, version=r.form.version
        )
        for r in results
    ]
    print(tf.CLI_FORMS_LOADED.format(details="; ".join(details)))


async def _import_events(settings: Settings, path: Path) -> int:
    """`import-events FILE`: the whole file is validated first, then written or refused."""
    from bot.db import create_engine, create_session_factory
    from bot.migrate import upgrade_async
    from bot.services import event_import
    from bot.texts import event_admin as te

    rows = _valid_rows(
        path, lambda table: event_import.parse(table, settings.tz), te.CLI_IMPORT_REFUSED
    )
    if rows is None:
        return 1
    await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine).begin() as session:
            result = await event_import.apply(session, rows)
    finally:
        await engine.dispose()
    print(te.CLI_IMPORT_DONE.format(added=result.added, updated=result.updated))
    return 0


def _hide_secrets(settings: Settings) -> None:
    """Log records and error lines never show the token, the webhook secret or a password."""
    from sqlalchemy.engine import make_url

    logs.add_secret(settings.bot_token.get_secret_value())
    logs.add_secret(settings.webhook_secret_value)
    for url in (settings.database_url, settings.redis_url):
        if url:
            with contextlib.suppress(Exception):  # a malformed REDIS_URL fails later by itself
                password = make_url(url).password
                logs.add_secret(str(password) if password else None)


def _is_connection_error(exc: OSError) -> bool:
    return isinstance(exc, ConnectionError | TimeoutError) or "connect" in str(exc).lower()


def _one_line(exc: BaseException | None) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings()
        _hide_secrets(settings)
        logs.setup(settings.log_level, settings.log_format)
        if command == "run":
            settings.require_token()
            from bot.app import run

            asyncio.run(run(settings))
        elif command == "sandbox":
            # The only place the sandbox is imported: the normal run never loads it.
            if settings.log_level == "INFO":  # the default: the terminal keeps to a few lines
                logging.getLogger().setLevel(logging.WARNING)
            from bot.sandbox.app import serve

            port = args.port or settings.sandbox_port
            return asyncio.run(serve(settings, port, fresh=args.fresh))
        elif command == "migrate":
            from bot.migrate import upgrade

            upgrade(settings.database_url)
            print(t.MIGRATED)
            _print_forms(asyncio.run(forms.load_into(settings.database_url)))
        elif command == "import-events":
            if not args.file.is_file():
                print(t.NO_FILE.format(path=args.file), file=sys.stderr)
                return 2
            return asyncio.run(_import_events(settings, args.file))
        elif command == "export":
            from bot.reports.cli import export

            return asyncio.run(export(settings, args.kind, args.period, args.fmt, args.out))
        elif command == "import-orgs":
            if not args.file.is_file():
                print(t.NO_FILE.format(path=args.file), file=sys.stderr)
                return 2
            return asyncio.run(_with_session(settings, command, args.file))
        elif command == "backup":
            return _backup(settings, args.file)
        elif command == "restore":
            return _restore(settings, args.file, args.yes)
        else:
            return asyncio.run(_with_session(settings, command))
    except SettingsError as exc:
        print(logs.redact(t.SETTINGS_ERROR.format(error=exc)), file=sys.stderr)
        return 2
    except (OSError, DBAPIError) as exc:
        # The database or a port is unreachable at start: one line, no traceback, no secrets.
        if isinstance(exc, DBAPIError) or _is_connection_error(exc):
            url = settings.database_url_safe
            error = _one_line(exc.orig if isinstance(exc, DBAPIError) else exc)
            print(logs.redact(t.DATABASE_UNREACHABLE.format(url=url, error=error)), file=sys.stderr)
        else:
            print(logs.redact(t.START_FAILED.format(error=_one_line(exc))), file=sys.stderr)
        return 2
    except FormFileError as exc:
        print(tf.FORMS_ERROR.format(error=exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
