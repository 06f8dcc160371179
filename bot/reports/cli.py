"""`python -m bot export KIND --period … --format … --out FILE`."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.config import Settings
from bot.services import InvalidInput, period
from bot.texts import reports as t

FORMATS = {"annual": ("docx", "xlsx"), "indicators": ("xlsx",)}


async def export(settings: Settings, kind: str, period_text: str, fmt: str, out: Path) -> int:
    from bot.db import create_engine, create_session_factory
    from bot.migrate import upgrade_async
    from bot.services import exports

    try:
        chosen = period.parse(period_text, settings.tz)
    except InvalidInput as exc:
        print(t.CLI_BAD_PERIOD.format(error=exc), file=sys.stderr)
        return 2
    allowed = FORMATS.get(kind, ("xlsx", "csv"))
    if fmt not in allowed:
        print(
            t.CLI_BAD_FORMAT.format(fmt=fmt, kind=kind, allowed=", ".join(allowed)), file=sys.stderr
        )
        return 2
    await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine).begin() as session:
            if kind in exports.KINDS:
                count = await exports.write(session, None, kind, chosen, settings.tz, fmt, str(out))
                if count == 0:  # no file with a header alone
                    out.unlink(missing_ok=True)
                    print(t.CLI_NO_DATA.format(period=chosen.label), file=sys.stderr)
                    return 1
                print(t.CLI_EXPORTED.format(path=out, rows=t.rows(count)))
                return 0
            from bot.reports import annual

            if kind == "indicators":
                content = await annual.indicators_xlsx(session, None, chosen, settings.tz)
            else:
                built = await annual.build(session, None, chosen, settings.tz)
                if built is None:
                    print(t.CLI_NO_DATA.format(period=chosen.label), file=sys.stderr)
                    return 1
                content = built.docx if fmt == "docx" else built.xlsx
            out.write_bytes(content)
            print(t.CLI_WRITTEN.format(path=out))
            return 0
    finally:
        await engine.dispose()
