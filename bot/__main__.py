"""Command line: `python -m bot` runs the bot; sub-commands migrate, seed demo data, import files."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bot.config import Settings, SettingsError, load_settings
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
    from bot.texts import reports as tr

    export = sub.add_parser("export", help=tr.HELP_EXPORT)
    export.add_argument("kind", choices=[*tr.EXPORT_KINDS, "indicators", "annual"])
    export.add_argument("--period", default="", help=tr.HELP_PERIOD)
    export.add_argument("--format", dest="fmt", choices=["xlsx", "csv", "docx"], default="xlsx")
    export.add_argument("--out", type=Path, required=True)
    return parser


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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings()
        logging.basicConfig(
            level=settings.log_level,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        # APScheduler reports every tick at INFO; the outbox logs what was actually sent.
        logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.root.level))
        if command == "run":
            settings.require_token()
            from bot.app import run

            asyncio.run(run(settings))
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
        else:
            return asyncio.run(_with_session(settings, command))
    except SettingsError as exc:
        print(t.SETTINGS_ERROR.format(error=exc), file=sys.stderr)
        return 2
    except FormFileError as exc:
        print(tf.FORMS_ERROR.format(error=exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
